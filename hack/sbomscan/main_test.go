package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The generator's output for a tree holding a Go executable (this test's own binary) and a
// plain file: an in-toto statement BuildKit accepts (SPDX predicate type) whose document
// lists the executable, the Go standard library of this toolchain and the modules linked in,
// and the plain file with its checksum. Scanning twice gives the same bytes.
func TestScan(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "tool"), exe, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(src, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "etc", "motd"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	var outs []string
	for range 2 {
		doc, err := scan(src)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dst, "sbom.spdx.json")
		if err := write(out, doc); err != nil {
			t.Fatal(err)
		}
		dt, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(dt))
	}
	if outs[0] != outs[1] {
		t.Fatal("two scans of one tree differ")
	}
	var st statement
	if err := json.Unmarshal([]byte(outs[0]), &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != "https://in-toto.io/Statement/v0.1" || st.PredicateType != "https://spdx.dev/Document" {
		t.Fatalf("statement type %q, predicate %q", st.Type, st.PredicateType)
	}
	if st.Predicate.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Errorf("created %q, want SOURCE_DATE_EPOCH's time", st.Predicate.CreationInfo.Created)
	}
	for _, want := range []string{`"name": "/tool"`, "pkg:golang/stdlib@" + runtime.Version(), `"fileName": "/etc/motd"`} {
		if !strings.Contains(outs[0], want) {
			t.Errorf("the SBOM lacks %s", want)
		}
	}
	if len(st.Predicate.Relationships) != len(st.Predicate.Packages) {
		t.Errorf("%d packages, %d DESCRIBES relationships", len(st.Predicate.Packages), len(st.Predicate.Relationships))
	}
}

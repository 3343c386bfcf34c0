// Package testkit is what the tests of several packages share: the -update flag and the
// golden-file comparison, the spec loader the renderers' tests use, and the specs they
// render (embedded, so no test reads another package's testdata by a relative path).
// Its pyindex package serves the test package index of the integration suite and the bench.
package testkit

import (
	_ "embed"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// Update is the -update flag of every golden test: rewrite the golden files instead of
// comparing with them (make generate sets it).
var Update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// RichSpec is a spec that uses most fields of the format: the LLB, Dockerfile and plan golden
// tests render it, and the spec's own tests load it.
//
//go:embed specs/rich.yaml
var RichSpec string

// SystemSpec installs system packages (the spec's and a target's own), builds with build
// packages and runs build-time steps with a secret and a cache: the LLB and Dockerfile golden
// tests render it.
//
//go:embed specs/system.yaml
var SystemSpec string

// Golden compares got with the golden file, or writes it (and its directory) with -update.
func Golden(t testing.TB, file string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if intended, run the test with -update:\n%s", file, diff)
	}
}

// LoadSpec loads a spec as mlbuild.yaml for linux/amd64 (TARGETARCH=amd64), failing the test
// on error.
func LoadSpec(t testing.TB, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Load("mlbuild.yaml", []byte(src), spec.Options{BuildArgs: map[string]string{"TARGETARCH": "amd64"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

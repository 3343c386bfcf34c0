package pydeps

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/located"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// readTestdata reads a file under testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (-update rewrites it):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// mustEnv is NewEnv that cannot fail.
func mustEnv(t *testing.T, goos, goarch, variant, python string) Env {
	t.Helper()
	env, err := NewEnv(goos, goarch, variant, python)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// pinList is "name==version" (or "name @ url") per pin, in order.
func pinList(pins []Pin) []string {
	out := make([]string, len(pins))
	for i, p := range pins {
		if p.URL != "" {
			out[i] = p.Name + " @ " + p.URL
		} else {
			out[i] = p.Name + "==" + p.Version
		}
	}
	return out
}

// lineOf is the 1-based line of the first occurrence of needle in data.
func lineOf(t *testing.T, data []byte, needle string) int {
	t.Helper()
	i := strings.Index(string(data), needle)
	if i < 0 {
		t.Fatalf("%q not in the data", needle)
	}
	return strings.Count(string(data[:i]), "\n") + 1
}

// where is what a test expects of one where error.
type where struct {
	path      string
	line, col int
	msg       string // a fragment of the message
}

// wantLocated checks that err holds an error at want.path with want's position and message.
func wantLocated(t *testing.T, err error, file string, want where) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one at %s", want.path)
	}
	var es located.Errors
	var one *located.Error
	switch {
	case errors.As(err, &one):
		es = located.Errors{one}
	case errors.As(err, &es):
	default:
		t.Fatalf("error %v is a %T, not a *located.Error or located.Errors", err, err)
	}
	for _, e := range es {
		if e.Path != want.path {
			continue
		}
		if e.File != file || e.Range.Start.Line != want.line || e.Range.Start.Column != want.col {
			t.Errorf("error at %s:%d:%d, want %s:%d:%d: %v", e.File, e.Range.Start.Line, e.Range.Start.Column, file, want.line, want.col, e)
		}
		if !strings.Contains(e.Msg, want.msg) {
			t.Errorf("message %q does not contain %q", e.Msg, want.msg)
		}
		return
	}
	t.Errorf("no error at path %q in: %v", want.path, err)
}

// edit replaces old (which must occur) with new in data.
func edit(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if !strings.Contains(string(data), old) {
		t.Fatalf("%q not in the data", old)
	}
	return []byte(strings.Replace(string(data), old, new, 1))
}

func itoa(i int) string { return strconv.Itoa(i) }

// colOf is the 1-based byte column of the first occurrence of needle in data.
func colOf(t *testing.T, data []byte, needle string) int {
	t.Helper()
	i := strings.Index(string(data), needle)
	if i < 0 {
		t.Fatalf("%q not in the data", needle)
	}
	return i - strings.LastIndexByte(string(data[:i]), '\n')
}

// editBlock replaces every old with new inside the block of data that starts at start and
// ends before the next "\n[[".
func editBlock(t *testing.T, data []byte, start, old, new string) []byte {
	t.Helper()
	s := string(data)
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("%q not in the data", start)
	}
	end := strings.Index(s[i+len(start):], "\n[[")
	if end < 0 {
		end = len(s)
	} else {
		end += i + len(start)
	}
	return []byte(s[:i] + strings.ReplaceAll(s[i:end], old, new) + s[end:])
}

// lineOffset is the byte offset where 1-based line starts in data.
func lineOffset(t *testing.T, data []byte, line int) int {
	t.Helper()
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(string(data[off:]), '\n')
		if i < 0 {
			t.Fatalf("data has fewer than %d lines", line)
		}
		off += i + 1
	}
	return off
}

package spec_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// The corpus in testdata/bad holds one malformed spec per file. Each file carries its
// expectation in comment lines, which may appear anywhere in the file (a case about the
// "# syntax=" directive cannot start with a comment, so it puts them last):
//
//	# want: LINE:COL PATH     an error starts at LINE:COL with field path PATH ("-": no path).
//	                          May repeat; every want must be matched.
//	# want-count: N           Load reports exactly N errors (one mistake, one error).
//	# want-msg: TEXT          the error matched by the first want has TEXT in its message;
//	                          used only where the message is the point ("did you mean").
//
// Line numbers count the header lines themselves. Cases that cannot be written as a text
// file with a header (empty, whitespace-only, binary, huge) are generated in Go below.

const corpusFile = "mlbuild.yaml"

type wantPos struct {
	Line, Col int
	Path      string // "" for errors without a field path
}

func (w wantPos) String() string {
	p := w.Path
	if p == "" {
		p = "-"
	}
	return fmt.Sprintf("%d:%d %s", w.Line, w.Col, p)
}

type expectation struct {
	Wants []wantPos
	Count int // -1: any number
	Msgs  []string
}

var (
	wantRe      = regexp.MustCompile(`^#\s*want:\s*(\d+):(\d+)\s+(\S+)\s*$`)
	wantCountRe = regexp.MustCompile(`^#\s*want-count:\s*(\d+)\s*$`)
	wantMsgRe   = regexp.MustCompile(`^#\s*want-msg:\s*(.+?)\s*$`)
)

// parseExpectation reads the "# want..." comment lines of a corpus file.
func parseExpectation(data []byte) (expectation, error) {
	exp := expectation{Count: -1}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if m := wantRe.FindStringSubmatch(line); m != nil {
			l, _ := strconv.Atoi(m[1])
			c, _ := strconv.Atoi(m[2])
			p := m[3]
			if p == "-" {
				p = ""
			}
			exp.Wants = append(exp.Wants, wantPos{Line: l, Col: c, Path: p})
		} else if m := wantCountRe.FindStringSubmatch(line); m != nil {
			exp.Count, _ = strconv.Atoi(m[1])
		} else if m := wantMsgRe.FindStringSubmatch(line); m != nil {
			exp.Msgs = append(exp.Msgs, m[1])
		} else if strings.HasPrefix(strings.TrimSpace(line), "# want") {
			return exp, fmt.Errorf("malformed expectation line %q", line)
		}
	}
	if len(exp.Wants) == 0 {
		return exp, errors.New(`no "# want: LINE:COL PATH" line`)
	}
	return exp, nil
}

// generatedCase is a malformed spec that cannot be a text file with a want header.
type generatedCase struct {
	Name string
	Data func() []byte
	Exp  expectation
}

func hugeSpec() []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nlabels:\n")
	for i := 0; b.Len() <= spec.MaxSize; i++ {
		fmt.Fprintf(&b, "  label-%06d: %s\n", i, strings.Repeat("x", 64))
	}
	return b.Bytes()
}

var generatedCases = []generatedCase{
	{
		Name: "gen-empty-file",
		Data: func() []byte { return []byte{} },
		Exp:  expectation{Wants: []wantPos{{1, 1, ""}}, Count: 1},
	},
	{
		Name: "gen-whitespace-only",
		Data: func() []byte { return []byte("  \n\t\n   \r\n\n") },
		Exp:  expectation{Wants: []wantPos{{1, 1, ""}}, Count: 1},
	},
	{
		// Binary junk appended to an otherwise fine spec: NUL bytes at the start of line 3.
		Name: "gen-nul-bytes",
		Data: func() []byte { return []byte("version: 1\nbase: python:3.11-slim\n\x00\x00\x01\x02junk\x00\n") },
		Exp:  expectation{Wants: []wantPos{{3, 1, ""}}, Count: 1},
	},
	{
		// Invalid UTF-8 (a Latin-1 "é") inside a value: the byte is on line 2, column 10.
		Name: "gen-invalid-utf8",
		Data: func() []byte { return []byte("version: 1\nbase: caf\xe9\n") },
		Exp:  expectation{Wants: []wantPos{{2, 10, ""}}, Count: 1},
	},
	{
		// Both kinds of junk: the first non-text byte (0xff, line 2 column 7) comes before
		// the first NUL (line 4); the error belongs at the first one.
		Name: "gen-invalid-utf8-before-nul",
		Data: func() []byte { return []byte("version: 1\nbase: \xff\xfe\nlabels:\n  a: \"\x00\"\n") },
		Exp:  expectation{Wants: []wantPos{{2, 7, ""}}, Count: 1},
	},
	{
		Name: "gen-huge-file",
		Data: hugeSpec,
		Exp:  expectation{Wants: []wantPos{{1, 1, ""}}, Count: 1},
	},
}

func TestBadCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "bad")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".yaml" {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			exp, err := parseExpectation(data)
			if err != nil {
				t.Fatalf("corpus file %s: %v", name, err)
			}
			checkBad(t, data, exp)
		})
	}
	if n < 45 {
		t.Errorf("testdata/bad holds %d cases, want at least 45", n)
	}
	for _, gc := range generatedCases {
		t.Run(gc.Name, func(t *testing.T) {
			checkBad(t, gc.Data(), gc.Exp)
		})
	}
}

// checkBad loads data and checks that it fails as exp says.
func checkBad(t *testing.T, data []byte, exp expectation) {
	t.Helper()
	s, err := spec.Load(corpusFile, data, spec.Options{})
	if err == nil {
		t.Fatalf("Load accepted the file (targets %v); want an error at %v", s.TargetNames(), exp.Wants)
	}
	es := asErrors(t, s, err)
	checkErrorsWellFormed(t, es)

	dump := dumpErrors(es)
	var first *spec.Error
	for i, w := range exp.Wants {
		found := findError(es, w)
		if found == nil {
			t.Errorf("no error at %v; Load returned:\n%s", w, dump)
			continue
		}
		if i == 0 {
			first = found
		}
	}
	if exp.Count >= 0 && len(es) != exp.Count {
		t.Errorf("Load returned %d errors, want %d:\n%s", len(es), exp.Count, dump)
	}
	for _, m := range exp.Msgs {
		if first == nil {
			t.Errorf("want a message containing %q, but no error matched the first want", m)
		} else if !strings.Contains(first.Msg, m) {
			t.Errorf("error at %v: message %q does not contain %q", exp.Wants[0], first.Msg, m)
		}
	}
}

// asErrors requires a failed Load to return no spec and a non-empty spec.Errors.
func asErrors(t testing.TB, s *spec.Spec, err error) spec.Errors {
	t.Helper()
	if s != nil {
		t.Errorf("Load returned a spec along with its error")
	}
	var es spec.Errors
	if !errors.As(err, &es) {
		t.Fatalf("Load error is %T, not spec.Errors: %v", err, err)
	}
	if len(es) == 0 {
		t.Fatalf("Load returned an empty spec.Errors")
	}
	return es
}

// checkErrorsWellFormed checks what every error of every case must satisfy.
func checkErrorsWellFormed(t *testing.T, es spec.Errors) {
	t.Helper()
	all := es.Error()
	for _, e := range es {
		if e == nil {
			t.Errorf("nil *spec.Error in spec.Errors")
			continue
		}
		if e.File != corpusFile {
			t.Errorf("error %q: File = %q, want %q", e.Msg, e.File, corpusFile)
		}
		if e.Range.Start.Line < 1 || e.Range.Start.Column < 1 {
			t.Errorf("error %q at path %q: Start = %d:%d, want line and column >= 1", e.Msg, e.Path, e.Range.Start.Line, e.Range.Start.Column)
		}
		if strings.TrimSpace(e.Msg) == "" {
			t.Errorf("error at %d:%d path %q has an empty message", e.Range.Start.Line, e.Range.Start.Column, e.Path)
		}
		prefix := fmt.Sprintf("%s:%d:", corpusFile, e.Range.Start.Line)
		if !strings.Contains(e.Error(), prefix) {
			t.Errorf("Error() = %q, want it to contain %q", e.Error(), prefix)
		}
		if !strings.Contains(all, e.Error()) {
			t.Errorf("Errors.Error() = %q does not contain the element %q", all, e.Error())
		}
	}
}

func findError(es spec.Errors, w wantPos) *spec.Error {
	for _, e := range es {
		if e != nil && e.Range.Start.Line == w.Line && e.Range.Start.Column == w.Col && e.Path == w.Path {
			return e
		}
	}
	return nil
}

func dumpErrors(es spec.Errors) string {
	var b strings.Builder
	for _, e := range es {
		if e == nil {
			b.WriteString("    <nil>\n")
			continue
		}
		p := e.Path
		if p == "" {
			p = "-"
		}
		fmt.Fprintf(&b, "    %d:%d %s: %s\n", e.Range.Start.Line, e.Range.Start.Column, p, e.Msg)
	}
	return b.String()
}

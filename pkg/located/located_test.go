package located

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestErrorString(t *testing.T) {
	e := &Error{File: "mlbuild.yaml", Range: Range{Start: Position{Line: 4, Column: 14}}, Path: "targets.inference.expose[0]", Msg: "bad port"}
	if got, want := e.Error(), "mlbuild.yaml:4:14: targets.inference.expose[0]: bad port"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := (&Error{File: "uv.lock", Msg: "x"}).Error(), "uv.lock: x"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestFind: the located errors of a tree, joined and wrapped ones included, each once.
func TestFind(t *testing.T) {
	a := &Error{File: "a", Msg: "a"}
	b := &Error{File: "b", Msg: "b"}
	c := &Error{File: "c", Msg: "c"}
	err := fmt.Errorf("wrapped: %w", errors.Join(a, fmt.Errorf("x: %w", Errors{b, c}), errors.New("plain")))
	got := Find(err)
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != c {
		t.Errorf("Find = %v, want a, b, c", got)
	}
	if Find(errors.New("plain")) != nil {
		t.Error("Find found a located error in a plain one")
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"devv", ` (did you mean "dev"?)`},
		{"docss", ` (did you mean "docs"?)`},
		{"training", ""},
	} {
		if got := DidYouMean(tc.name, []string{"dev", "docs"}); got != tc.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestIsALeaf: the package imports the standard library only.
func TestIsALeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, ".") && p != "github.com/mlbuild/mlbuild/pkg/located" {
			t.Errorf("located depends on %s", p)
		}
	}
}

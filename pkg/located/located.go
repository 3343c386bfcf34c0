// Package located is mlbuild's one error convention: a problem in a file (the spec, a lock,
// a pyproject.toml, a requirements file) located at a range of it and named by a field path,
// read as "FILE:LINE:COL: PATH: message"; a list of them reported at once, in file order; and
// the "did you mean" hint for a misspelled name.
//
// It is a leaf: it imports only the standard library, so every package that reports located
// errors (pkg/spec, pkg/pydeps, pkg/plan, pkg/eject, the frontend) can use it without pulling
// in a YAML decoder or BuildKit.
package located

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Position is a place in a file. Line and Column count from 1.
type Position struct {
	Line   int
	Column int
}

// Range spans one node of a file, from its key to the end of its value.
type Range struct {
	Start Position
	End   Position
}

// FirstLine is the range of a file's first character, for an error about a whole file.
var FirstLine = Range{Start: Position{Line: 1, Column: 1}, End: Position{Line: 1, Column: 1}}

// Error is one problem in a file, located at a field.
type Error struct {
	// File is the file's name as the user knows it (its path in the build context).
	File  string
	Range Range
	// Path is the dotted field path, e.g. "targets.inference.healthcheck.interval".
	Path string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Range.Start.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Range.Start.Line, e.Range.Start.Column)
	}
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Path, e.Msg)
}

// Errors is every problem found at once, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	if len(es) > 1 {
		return fmt.Sprintf("%d problems in spec:\n  %s", len(es), strings.Join(msgs, "\n  "))
	}
	return strings.Join(msgs, "")
}

// Sorted orders errors by position, then path, so output is stable (in place).
func (es Errors) Sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Range.Start, es[j].Range.Start
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return es[i].Path < es[j].Path
	})
	return es
}

// Find returns the located errors in err's tree (wrapped and joined errors included): every
// Errors and lone *Error, in the order the tree holds them; nil when err carries none.
func Find(err error) Errors {
	var out Errors
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case Errors:
			out = append(out, e...)
		case *Error:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		default:
			walk(errors.Unwrap(err))
		}
	}
	walk(err)
	return out
}

// Closest is the known name within two edits of name, the closest first found; "" when none.
func Closest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := EditDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// DidYouMean is ` (did you mean "x"?)` for the known name closest to name, or "".
func DidYouMean(name string, known []string) string {
	if best := Closest(name, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// EditDistance is the Levenshtein distance of two names, for "did you mean" suggestions.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

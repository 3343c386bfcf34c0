package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Position is a place in the spec file. Line and Column count from 1.
type Position struct {
	Line   int
	Column int
}

// Range spans the lines of one YAML node, from its key to the end of its value.
type Range struct {
	Start Position
	End   Position
}

// Error is one problem in a spec file, located at a field.
type Error struct {
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

// Errors is every problem found in one spec file, in file order.
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

// errs collects located errors against the positions recorded while decoding.
type errs struct {
	file string
	pos  map[string]Range
	list Errors
}

// at records an error at path; the position is that of the nearest recorded ancestor.
func (c *errs) at(path, format string, args ...any) {
	c.list = append(c.list, &Error{File: c.file, Range: c.lookup(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *errs) lookup(path string) Range {
	for p := path; ; {
		if r, ok := c.pos[p]; ok {
			return r
		}
		i := strings.LastIndexByte(p, '.')
		if strings.HasSuffix(p, "]") {
			i = strings.LastIndexByte(p, '[')
		}
		if i < 0 {
			if r, ok := c.pos[""]; ok {
				return r
			}
			return Range{Start: Position{Line: 1, Column: 1}, End: Position{Line: 1, Column: 1}}
		}
		p = p[:i]
	}
}

// Errorf returns an error located at a field path of s: the field's range when the file sets
// it, else that of its nearest ancestor in the file, else the spec's first line (a default
// the file does not write). Every located error of the frontend goes through it, so they all
// read "FILE:LINE:COL: PATH: message".
func (s *Spec) Errorf(path, format string, args ...any) *Error {
	return &Error{File: s.File, Range: s.Locate(path), Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Locate is the range an error or a vertex about a field path points at: the field's own
// range, or its nearest ancestor's. A field the file does not write (a default), other than
// one inside a target, points at the "version" line, the spec itself, rather than at the
// whole document.
func (s *Spec) Locate(path string) Range {
	inTarget := strings.HasPrefix(path, "targets.") && strings.Contains(strings.TrimPrefix(path, "targets."), ".")
	if !s.Has(path) && s.Has("version") && !inTarget {
		return s.Pos("version")
	}
	return s.Pos(path)
}

// UnknownTarget is the error for a target name the spec does not define, with the closest
// name it does define, located at the spec's targets.
func (s *Spec) UnknownTarget(name string) *Error {
	return s.Errorf("targets", "unknown target %q%s", name, suggest(name, s.TargetNames()))
}

// Located returns the located errors in err's tree (wrapped and joined errors included):
// every Errors and lone *Error, in the order the tree holds them; nil when err carries none.
func Located(err error) Errors {
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

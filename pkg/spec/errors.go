package spec

import (
	"fmt"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/located"
)

// The spec's located errors are those of package located, the one convention of the
// repository; these names keep the spec's API.
type (
	// Position is a place in the spec file. Line and Column count from 1.
	Position = located.Position
	// Range spans the lines of one YAML node, from its key to the end of its value.
	Range = located.Range
	// Error is one problem in a spec file, located at a field.
	Error = located.Error
	// Errors is every problem found in one spec file, in file order.
	Errors = located.Errors
)

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
			return located.FirstLine
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

// Located returns the located errors in err's tree (see located.Find).
func Located(err error) Errors { return located.Find(err) }

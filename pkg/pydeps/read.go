package pydeps

import (
	"fmt"
	"sort"

	"github.com/mlbuild/mlbuild/pkg/located"
)

// node is a value of a TOML document and its path; v is nil where the document has none.
type node struct {
	path string
	v    any
}

// get is the value of key in a table (nil when n is not a table or lacks the key).
func (n node) get(key string) node {
	m, _ := n.v.(map[string]any)
	return node{path: joinKey(n.path, key), v: m[key]}
}

// has reports whether the document sets the value.
func (n node) has() bool { return n.v != nil }

// reader reads typed values from a document, collecting a located error for every value of
// the wrong type instead of stopping at the first.
type reader struct {
	*tomlDoc
	errs located.Errors
}

func newReader(d *tomlDoc) *reader { return &reader{tomlDoc: d} }

// root is the document's top-level table.
func (r *reader) root() node { return node{v: r.tomlDoc.root} }

// fail records a located error about path.
func (r *reader) fail(path, format string, args ...any) {
	r.errs = append(r.errs, r.errorf(path, format, args...))
}

// err is nil, the one error, or every error in file order.
func (r *reader) err() error { return joinErrors(r.errs) }

// joinErrors is nil, the one error, or every error sorted by position then path.
func joinErrors(es located.Errors) error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es.Sorted()
}

// str is a string value, "" when absent.
func (r *reader) str(n node) string {
	if !n.has() {
		return ""
	}
	s, ok := n.v.(string)
	if !ok {
		r.fail(n.path, "must be a string, not %s", typeName(n.v))
	}
	return s
}

// required is a string value that must be set and not empty; what names the owner in the
// message ("package has no name").
func (r *reader) required(n node, what string) string {
	s, ok := n.v.(string)
	switch {
	case !n.has():
		r.fail(n.path, "%s has no %s", what, lastKey(n.path))
	case !ok:
		r.fail(n.path, "must be a string, not %s", typeName(n.v))
	case s == "":
		r.fail(n.path, "%s has an empty %s", what, lastKey(n.path))
	}
	return s
}

// strs is an array of strings, nil when absent.
func (r *reader) strs(n node) []string {
	var out []string
	for _, e := range r.list(n) {
		if s, ok := e.v.(string); ok {
			out = append(out, s)
		} else {
			r.fail(e.path, "must be a string, not %s", typeName(e.v))
		}
	}
	return out
}

// list is the elements of an array, nil when absent.
func (r *reader) list(n node) []node {
	if !n.has() {
		return nil
	}
	a, ok := n.v.([]any)
	if !ok {
		r.fail(n.path, "must be an array, not %s", typeName(n.v))
		return nil
	}
	out := make([]node, len(a))
	for i, v := range a {
		out[i] = node{path: indexPath(n.path, i), v: v}
	}
	return out
}

// tables is an array whose elements must be tables; the others are errors and skipped.
func (r *reader) tables(n node) []node {
	var out []node
	for _, e := range r.list(n) {
		if r.isTable(e) {
			out = append(out, e)
		}
	}
	return out
}

// isTable reports whether a set value is a table, recording an error when it is not.
func (r *reader) isTable(n node) bool {
	if !n.has() {
		return false
	}
	if _, ok := n.v.(map[string]any); !ok {
		r.fail(n.path, "must be a table, not %s", typeName(n.v))
		return false
	}
	return true
}

// keys is the sorted keys of a table, nil when absent or not a table.
func (r *reader) keys(n node) []string {
	if !r.isTable(n) {
		return nil
	}
	m := n.v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// boolean is a boolean value, false when absent.
func (r *reader) boolean(n node) bool {
	if !n.has() {
		return false
	}
	b, ok := n.v.(bool)
	if !ok {
		r.fail(n.path, "must be a boolean, not %s", typeName(n.v))
	}
	return b
}

// integer is an integer value; ok is false when absent or of another type (an error).
func (r *reader) integer(n node) (int64, bool) {
	if !n.has() {
		return 0, false
	}
	i, ok := n.v.(int64)
	if !ok {
		r.fail(n.path, "must be an integer, not %s", typeName(n.v))
	}
	return i, ok
}

// typeName names a decoded TOML value's type for messages.
func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case int64:
		return fmt.Sprintf("the integer %d", v)
	case float64:
		return "a float"
	case bool:
		return fmt.Sprintf("%t", v)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}

// lastKey is the last key of a path, unquoted where it can be.
func lastKey(path string) string {
	p := parentPath(path)
	k := path[len(p):]
	if len(k) > 0 && k[0] == '.' {
		k = k[1:]
	}
	return k
}

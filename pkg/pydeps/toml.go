package pydeps

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/mlbuild/mlbuild/pkg/located"
)

// tomlDoc is a decoded TOML file and the range of every key, table and array element in it,
// by path ("package[3].wheels[0].url").
type tomlDoc struct {
	file  string
	root  map[string]any
	pos   map[string]located.Range
	lines []int // byte offset of the start of each line
}

// internalError starts the message of an error that a panic of the TOML library became; the
// fuzz tests fail on it.
const internalError = "internal error reading TOML"

// parseTOML decodes data and indexes the position of every path in it. Malformed TOML is a
// located error at the parser's position.
func parseTOML(file string, data []byte) (*tomlDoc, error) {
	root, err := decodeTOML(file, data)
	if err != nil {
		return nil, err
	}
	d := &tomlDoc{file: file, root: root, pos: map[string]located.Range{}, lines: lineStarts(data)}
	if err := d.index(data); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeTOML is toml.Unmarshal into a generic map, with its errors located.
func decodeTOML(file string, data []byte) (root map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &located.Error{File: file, Range: firstLine, Msg: fmt.Sprintf("%s: %v", internalError, r)}
		}
	}()
	if err := toml.Unmarshal(data, &root); err != nil {
		at := firstLine
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			at = located.Range{Start: located.Position{Line: line, Column: col}, End: located.Position{Line: line, Column: col}}
		}
		return nil, &located.Error{File: file, Range: at, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
	}
	if root == nil {
		root = map[string]any{}
	}
	return root, nil
}

// firstLine is where an error about a whole file points.
var firstLine = located.Range{Start: located.Position{Line: 1, Column: 1}, End: located.Position{Line: 1, Column: 1}}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// at is the 1-based line and byte column of an offset.
func (d *tomlDoc) at(offset int) located.Position {
	line := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > offset }) - 1
	if line < 0 {
		line = 0
	}
	return located.Position{Line: line + 1, Column: offset - d.lines[line] + 1}
}

func (d *tomlDoc) span(start, end int) located.Range {
	return located.Range{Start: d.at(start), End: d.at(end)}
}

// index walks the document's expressions, recording the range of every path. It repeats
// the table semantics of TOML that matter for paths: headers, arrays of tables (numbered in
// order), dotted keys and inline values.
func (d *tomlDoc) index(data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &located.Error{File: d.file, Range: firstLine, Msg: fmt.Sprintf("%s: %v", internalError, r)}
		}
	}()
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{}
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = d.header(data, e, arrays)
		case unstable.KeyValue:
			d.keyValue(table, e)
		}
	}
	return nil
}

// header records a [table] or [[array]] header and returns the path it opens.
func (d *tomlDoc) header(data []byte, e *unstable.Node, arrays map[string]int) string {
	keys, first, last := keyParts(e.Key())
	if len(keys) == 0 {
		return ""
	}
	start := int(first.Offset)
	for start > 0 && (data[start-1] == '[' || data[start-1] == ' ' || data[start-1] == '\t') {
		start--
	}
	for start < int(first.Offset) && data[start] != '[' {
		start++ // indentation before the header
	}
	r := d.span(start, int(last.Offset+last.Length))
	path := ""
	for i, k := range keys {
		path = joinKey(path, k)
		if i == len(keys)-1 {
			break
		}
		d.record(path, r)
		if n, ok := arrays[path]; ok {
			path = indexPath(path, n-1)
		}
	}
	if e.Kind == unstable.ArrayTable {
		n := arrays[path]
		arrays[path] = n + 1
		d.record(path, r)
		path = indexPath(path, n)
	}
	d.record(path, r)
	return path
}

// keyValue records "key = value" (its key may be dotted) under the path of its table.
func (d *tomlDoc) keyValue(table string, e *unstable.Node) {
	keys, first, _ := keyParts(e.Key())
	if len(keys) == 0 {
		return
	}
	r := d.span(int(first.Offset), int(e.Raw.Offset+e.Raw.Length))
	path := table
	for _, k := range keys {
		path = joinKey(path, k)
		d.record(path, r)
	}
	d.value(path, e.Value())
}

// value records the elements of an array and the keys of an inline table.
func (d *tomlDoc) value(path string, v *unstable.Node) {
	switch v.Kind {
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); {
			c := it.Node()
			if off, ok := nodeStart(c); ok {
				d.record(indexPath(path, i), d.span(off, off+int(c.Raw.Length)))
			}
			d.value(indexPath(path, i), c)
			i++
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				d.keyValue(path, c)
			}
		}
	}
}

// nodeStart is the offset where a value starts; arrays carry no range of their own.
func nodeStart(n *unstable.Node) (int, bool) {
	if n.Raw.Length > 0 {
		return int(n.Raw.Offset), true
	}
	if c := n.Child(); c != nil && c.Kind != unstable.KeyValue {
		return nodeStart(c)
	}
	return 0, false
}

func keyParts(it unstable.Iterator) (keys []string, first, last unstable.Range) {
	for it.Next() {
		n := it.Node()
		if len(keys) == 0 {
			first = n.Raw
		}
		last = n.Raw
		keys = append(keys, string(n.Data))
	}
	return keys, first, last
}

// record keeps the first range seen for a path: where a table or key is defined.
func (d *tomlDoc) record(path string, r located.Range) {
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = r
	}
}

// joinKey appends a key to a path, quoting it unless it is a bare TOML key.
func joinKey(path, key string) string {
	if !bareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func bareKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// lookup is the range of path, or of its nearest recorded ancestor, or the first line.
func (d *tomlDoc) lookup(path string) located.Range {
	for p := path; p != ""; p = parentPath(p) {
		if r, ok := d.pos[p]; ok {
			return r
		}
	}
	return firstLine
}

// parentPath drops the last key or index of a path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if strings.HasSuffix(p, `"`) {
		// A quoted key: find its opening quote, skipping escaped ones.
		for i := len(p) - 2; i >= 0; i-- {
			if p[i] == '"' && (i == 0 || p[i-1] != '\\') {
				return strings.TrimSuffix(p[:i], ".")
			}
		}
		return ""
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// errorf is a located error about path.
func (d *tomlDoc) errorf(path, format string, args ...any) *located.Error {
	return &located.Error{File: d.file, Range: d.lookup(path), Path: path, Msg: fmt.Sprintf(format, args...)}
}

// line is "file:line" of path, for Pin.Source.
func (d *tomlDoc) line(path string) string {
	return fmt.Sprintf("%s:%d", d.file, d.lookup(path).Start.Line)
}

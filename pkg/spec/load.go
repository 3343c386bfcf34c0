package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"gopkg.in/yaml.v3"
)

// MaxSize is the largest spec file Load accepts.
const MaxSize = 1 << 20

// Options are the inputs of Load besides the file itself.
type Options struct {
	// BuildArgs are the --build-arg values (and built-ins such as TARGETARCH) that "${NAME}"
	// in spec strings expands to. They override the defaults declared under "args".
	BuildArgs map[string]string
}

var (
	directiveRe     = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=`)
	unknownAnchorRe = regexp.MustCompile(`unknown anchor '([^']+)' referenced`)
	yamlLineRe      = regexp.MustCompile(`(?:yaml: )?line (\d+)(?:, column (\d+))?: `)
)

// Load decodes, substitutes build arguments in, defaults and validates a spec file.
// On failure the error is an Errors value holding every problem found.
func Load(file string, data []byte, opt Options) (*Spec, error) {
	c := &errs{file: file, pos: map[string]Range{}}
	s, root := parse(c, data)
	if root == nil {
		return nil, c.list.Sorted()
	}
	s.File, s.Source = file, data
	s.pos = c.pos

	d := &decoder{errs: *c}
	// Declared args first, unexpanded, so every other string can refer to them.
	args := map[string]string{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "args" {
			var declared map[string]string
			(&decoder{errs: errs{file: file, pos: map[string]Range{}}}).decode(root.Content[i+1], reflectValue(&declared), "args")
			for k, v := range declared {
				args[k] = v
			}
		}
	}
	for k, v := range opt.BuildArgs {
		args[k] = v
	}
	d.subst = func(in, path string) string { return expand(in, args, path, &d.errs) }
	d.decode(root, reflectValue(s), "")
	if len(d.list) > 0 {
		return nil, d.list.Sorted()
	}
	*c = d.errs
	c.list = nil
	applyDefaults(s, c)
	if len(c.list) == 0 {
		validate(s, c)
	}
	if len(c.list) > 0 {
		return nil, c.list.Sorted()
	}
	return s, nil
}

// parse checks the raw bytes and returns the root mapping node, or nil after recording errors.
func parse(c *errs, data []byte) (*Spec, *yaml.Node) {
	if !checkBytes(c, data) {
		return nil, nil
	}
	checkSyntaxDirectives(c, data)
	if len(c.list) > 0 {
		return nil, nil
	}
	root := decodeDocument(c, data)
	if root == nil {
		return nil, nil
	}
	c.pos[""] = nodeRange(nil, root)
	return &Spec{}, root
}

// atLine records a whole-line error, one that no field path locates, at column 1.
func atLine(c *errs, line int, format string, args ...any) {
	atPoint(c, line, 1, fmtMsg(format, args...))
}

// atPoint records an error, with no field path, at one line and column.
func atPoint(c *errs, line, col int, msg string) {
	c.list = append(c.list, &Error{File: c.file, Range: Range{Start: Position{Line: line, Column: col}, End: Position{Line: line, Column: col}}, Msg: msg})
}

// offsetPosition returns the line and column of the byte at offset i.
func offsetPosition(data []byte, i int) (line, col int) {
	return bytes.Count(data[:i], []byte("\n")) + 1, i - bytes.LastIndexByte(data[:i], '\n')
}

// checkBytes reports a file too big, empty or binary, and whether it is none of them.
func checkBytes(c *errs, data []byte) bool {
	switch {
	case len(data) > MaxSize:
		atLine(c, 1, "file is %d bytes; a spec may be at most %d bytes", len(data), MaxSize)
		return false
	case len(bytes.TrimSpace(data)) == 0:
		atLine(c, 1, "file is empty; a spec needs at least \"version: 1\"")
		return false
	}
	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(data) {
		if !utf8.Valid(data) && (i < 0 || firstInvalidUTF8(data) < i) {
			i = firstInvalidUTF8(data)
		}
		line, col := offsetPosition(data, i)
		atPoint(c, line, col, "file is not UTF-8 text (binary content)")
		return false
	}
	return true
}

// checkSyntaxDirectives reports every "# syntax=" line BuildKit does not read as a directive.
func checkSyntaxDirectives(c *errs, data []byte) {
	// BuildKit reads parser directives (# syntax=) only from the leading run of directive
	// lines: a "# syntax=" after a blank line, a comment or YAML is silently ignored.
	_, _, loc, detected := parser.DetectSyntax(data)
	for i, line := range strings.Split(string(data), "\n") {
		m := directiveRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || !strings.EqualFold(m[1], "syntax") {
			continue
		}
		if detected && len(loc) > 0 && loc[0].Start.Line == i+1 {
			continue
		}
		atLine(c, i+1, "the \"# syntax=\" directive must be the very first line of the file (no blank line, comment or YAML before it, no indentation); here BuildKit ignores it")
	}
}

// decodeDocument parses the one YAML document of the file and returns its root mapping, or
// nil after recording why there is none.
func decodeDocument(c *errs, data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		atLine(c, 1, "file holds only comments; a spec needs at least \"version: 1\"")
		return nil
	} else if err != nil {
		reportYAMLError(c, data, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if line == 0 {
			line = 1
		}
		atLine(c, line, "a spec holds one YAML document; found a second one")
		return nil
	}
	if len(doc.Content) == 0 {
		atLine(c, 1, "file holds only comments; a spec needs at least \"version: 1\"")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		c.list = append(c.list, &Error{File: c.file, Range: nodeRange(nil, root), Msg: "the top level must be a mapping (\"version: 1\", \"targets: ...\"), got " + describe(root)})
		return nil
	}
	return root
}

// reportYAMLError records a YAML syntax error at the best position any parser gives.
func reportYAMLError(c *errs, data []byte, err error) {
	// goccy/go-yaml locates syntax errors precisely (yaml.v3 often names the line its
	// enclosing block starts on); prefer its position and wording.
	if reportGoccySyntaxError(c, data) || reportUnknownAnchor(c, data, err.Error()) {
		return
	}
	line, col := 1, 1
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			col, _ = strconv.Atoi(m[2])
		}
		msg = yamlLineRe.ReplaceAllString(msg, "")
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg += tabHint(data, line)
	atPoint(c, line, col, "invalid YAML: "+msg)
}

// reportGoccySyntaxError records goccy/go-yaml's syntax error, if it finds one with a position.
func reportGoccySyntaxError(c *errs, data []byte) bool {
	_, gerr := goccyparser.ParseBytes(data, 0)
	if gerr == nil {
		return false
	}
	var se *goccy.SyntaxError
	if !errors.As(gerr, &se) || se.Token == nil || se.Token.Position == nil {
		return false
	}
	line, col := se.Token.Position.Line, se.Token.Position.Column
	atPoint(c, line, col, "invalid YAML: "+se.Message+tabHint(data, line))
	return true
}

// reportUnknownAnchor records yaml.v3's unknown anchor error at the first use of the alias.
func reportUnknownAnchor(c *errs, data []byte, msg string) bool {
	m := unknownAnchorRe.FindStringSubmatch(msg)
	if m == nil {
		return false
	}
	i := bytes.Index(data, []byte("*"+m[1]))
	if i < 0 {
		return false
	}
	line, col := offsetPosition(data, i)
	atPoint(c, line, col, fmt.Sprintf("invalid YAML: unknown anchor %q referenced", m[1]))
	return true
}

// tabHint explains the usual cause of a syntax error on a line indented with a tab.
func tabHint(data []byte, line int) string {
	lines := strings.Split(string(data), "\n")
	if line >= 1 && line <= len(lines) && strings.HasPrefix(strings.TrimLeft(lines[line-1], " "), "\t") {
		return " (YAML does not allow tabs for indentation; use spaces)"
	}
	return ""
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

var argRe = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${NAME} and ${NAME:-default} with build argument values; $$ is a literal $.
// Other uses of $ are left alone, so shell commands keep their own variables.
func expand(in string, args map[string]string, path string, c *errs) string {
	if !strings.Contains(in, "$") {
		return in
	}
	return argRe.ReplaceAllStringFunc(in, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sm := argRe.FindStringSubmatch(m)
		if v, ok := args[sm[1]]; ok {
			return v
		}
		if sm[2] != "" {
			return sm[3]
		}
		c.at(path, "${%s} is not a build argument: declare it under args or pass --build-arg %s=...", sm[1], sm[1])
		return m
	})
}

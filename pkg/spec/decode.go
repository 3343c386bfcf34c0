package spec

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/located"
	"gopkg.in/yaml.v3"
)

// decoder fills Go values from YAML nodes, strictly, recording the position of every field
// path it visits and collecting every error instead of stopping at the first.
type decoder struct {
	errs
	// subst expands ${NAME} in scalars; it records its own errors.
	subst func(s string, path string) string
	// visits counts decoded nodes: aliases can make a small file expand enormously.
	visits   int
	exceeded bool
}

// maxVisits bounds the nodes a spec may expand to, aliases included.
const maxVisits = 200_000

// nodeRange spans a node from (keyNode or node) to the last line of its value.
func nodeRange(key, val *yaml.Node) Range {
	start := val
	if key != nil {
		start = key
	}
	endLine, endCol := lastPos(val)
	return Range{Start: Position{Line: start.Line, Column: start.Column}, End: Position{Line: endLine, Column: endCol}}
}

func lastPos(n *yaml.Node) (int, int) {
	line, col := n.Line, n.Column+len(n.Value)
	for _, c := range n.Content {
		if l, c2 := lastPos(c); l > line || (l == line && c2 > col) {
			line, col = l, c2
		}
	}
	return line, col
}

var durationType = reflect.TypeOf(Duration(0))

// decode fills v (a pointer's element) from n.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if !d.visit(path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.decodeSpecial(n, v, path) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		d.decodePointer(n, v, path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSequence(n, v, path)
	case reflect.String, reflect.Int, reflect.Bool:
		d.decodeScalar(n, v, path)
	default:
		panic(fmt.Sprintf("spec: unsupported field kind %s at %s", v.Kind(), path))
	}
}

// visit counts one more decoded node and reports whether the document is still within maxVisits.
func (d *decoder) visit(path string) bool {
	if d.visits++; d.visits > maxVisits {
		if !d.exceeded {
			d.exceeded = true
			d.at(path, "the document expands to more than %d nodes (through YAML aliases?); simplify it", maxVisits)
		}
		return false
	}
	return true
}

// decodeSpecial decodes the types with forms of their own and reports whether it did.
func (d *decoder) decodeSpecial(n *yaml.Node, v reflect.Value, path string) bool {
	switch p := v.Addr().Interface().(type) {
	case *Command:
		d.decodeCommand(n, p, path)
		return true
	case *Copy:
		if n.Kind == yaml.ScalarNode {
			d.decodeCopyScalar(n, p, path)
			return true
		}
	case *Port:
		d.decodePort(n, p, path)
		return true
	case *RunStep:
		if n.Kind == yaml.ScalarNode || n.Kind == yaml.SequenceNode {
			if n.Tag == "!!null" {
				d.at(path+".command", "is required (an empty list item)")
				return true
			}
			p.Command = &Command{}
			d.decodeCommand(n, p.Command, path)
			return true
		}
	case *Healthcheck:
		if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
			d.decodeHealthcheckScalar(n, p, path)
			return true
		}
	}
	if v.Type() == durationType {
		d.decodeDuration(n, v, path)
		return true
	}
	return false
}

// decodeCopyScalar decodes the short form of a copy entry: its source alone.
func (d *decoder) decodeCopyScalar(n *yaml.Node, p *Copy, path string) {
	if n.Tag == "!!null" {
		d.at(path+".from", "is required (an empty list item)")
		return
	}
	p.From, _ = d.str(n, path)
}

// decodeHealthcheckScalar decodes the one scalar form of a healthcheck, "none".
func (d *decoder) decodeHealthcheckScalar(n *yaml.Node, p *Healthcheck, path string) {
	if s := d.scalar(n, path); s == "none" {
		p.Disabled = true
	} else {
		d.at(path, "must be a mapping or \"none\", got %q", s)
	}
}

// decodeDuration decodes a Go duration string such as 1m30s.
func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.str(n, path)
	if !ok {
		return
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.at(path, "%q is not a duration (examples: 30s, 1m30s, 500ms)", s)
		return
	}
	v.SetInt(int64(dur))
}

// decodePointer allocates and decodes an optional value; null leaves it nil.
func (d *decoder) decodePointer(n *yaml.Node, v reflect.Value, path string) {
	if n.Tag == "!!null" {
		return
	}
	nv := reflect.New(v.Type().Elem())
	d.decode(n, nv.Elem(), path)
	v.Set(nv)
}

// decodeSequence decodes a list, recording the position of every item.
func (d *decoder) decodeSequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.at(path, "must be a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.pos[ip] = nodeRange(nil, c)
		d.decode(c, s.Index(i), ip)
	}
	v.Set(s)
}

// decodeScalar decodes a string, an integer or a boolean.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.str(n, path)
	if !ok {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int:
		d.setInt(n, v, s, path)
	case reflect.Bool:
		d.setBool(n, v, s, path)
	}
}

// setInt sets v from s, which must be an integer written as one (not 1.0, not true).
func (d *decoder) setInt(n *yaml.Node, v reflect.Value, s, path string) {
	i, err := strconv.Atoi(s)
	if err != nil || (n.Tag != "!!int" && n.Tag != "!!str") {
		d.at(path, "must be an integer, got %s", describe(n))
		return
	}
	v.SetInt(int64(i))
}

// setBool sets v from s, which must be a YAML boolean written true or false.
func (d *decoder) setBool(n *yaml.Node, v reflect.Value, s, path string) {
	switch {
	case n.Tag == "!!bool" && (s == "true" || s == "True" || s == "TRUE"):
		v.SetBool(true)
	case n.Tag == "!!bool" && (s == "false" || s == "False" || s == "FALSE"):
		v.SetBool(false)
	default:
		d.at(path, "must be true or false, got %s", describe(n))
	}
}

// str returns a scalar's value after ${ARG} substitution.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.at(path, "must be a single value, got %s", describe(n))
		return "", false
	}
	if n.Tag == "!!null" {
		d.at(path, "must not be empty")
		return "", false
	}
	return d.scalar(n, path), true
}

func (d *decoder) scalar(n *yaml.Node, path string) string {
	if d.subst != nil && n.Tag == "!!str" {
		return d.subst(n.Value, path)
	}
	return n.Value
}

// mappingPairs checks n is a mapping and returns its key/value pairs, reporting duplicate keys.
func (d *decoder) mappingPairs(n *yaml.Node, path string) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.at(path, "must be a mapping, got %s", describe(n))
		return nil
	}
	seen := map[string]int{}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.list = append(d.list, &Error{File: d.file, Range: nodeRange(k, k), Path: path, Msg: "keys must be plain strings"})
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.list = append(d.list, &Error{File: d.file, Range: nodeRange(k, val), Path: join(path, k.Value),
				Msg: fmt.Sprintf("duplicate key %q (first set on line %d)", k.Value, first)})
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, val})
	}
	return out
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	fields := map[string]int{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	for _, kv := range d.mappingPairs(n, path) {
		key := kv[0].Value
		fp := join(path, key)
		d.pos[fp] = nodeRange(kv[0], kv[1])
		i, ok := fields[key]
		if !ok {
			if strings.HasPrefix(key, "x-") {
				continue
			}
			d.at(fp, "unknown field %q%s", key, suggest(key, sortedKeys(fields)))
			continue
		}
		d.decode(kv[1], v.Field(i), fp)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	pairs := d.mappingPairs(n, path)
	if pairs == nil && n.Kind != yaml.MappingNode {
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(pairs))
	for _, kv := range pairs {
		if path == "targets" && strings.HasPrefix(kv[0].Value, "x-") {
			continue // extensions (YAML anchors for shared target fields, tooling data)
		}
		fp := join(path, kv[0].Value)
		d.pos[fp] = nodeRange(kv[0], kv[1])
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(kv[1], ev, fp)
		m.SetMapIndex(reflect.ValueOf(kv[0].Value), ev)
	}
	v.Set(m)
}

func (d *decoder) decodeCommand(n *yaml.Node, c *Command, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		if s, ok := d.str(n, path); ok {
			c.Args, c.Shell = []string{s}, true
		}
	case yaml.SequenceNode:
		c.Args = []string{}
		for i, e := range n.Content {
			ip := fmt.Sprintf("%s[%d]", path, i)
			d.pos[ip] = nodeRange(nil, e)
			if s, ok := d.str(e, ip); ok {
				c.Args = append(c.Args, s)
			}
		}
	default:
		d.at(path, "must be a string (run by /bin/sh -c) or a list of arguments, got %s", describe(n))
	}
}

func (d *decoder) decodePort(n *yaml.Node, p *Port, path string) {
	s, ok := d.str(n, path)
	if !ok {
		return
	}
	num, proto, hasProto := strings.Cut(s, "/")
	if !hasProto {
		proto = "tcp"
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 1 || i > MaxPort {
		d.at(path, "%q is not a port (1-65535, optionally /tcp, /udp or /sctp)", s)
		return
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		d.at(path, "%q has an unknown protocol %q (tcp, udp or sctp)", s, proto)
		return
	}
	p.Number, p.Protocol = i, proto
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected node"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// suggest returns ` (did you mean "x"?)` for the closest known key, or the known keys.
func suggest(key string, known []string) string {
	best := located.Closest(key, known)
	if best == "" {
		return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

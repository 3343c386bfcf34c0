package pydeps

import (
	"fmt"
	"strings"
)

// marker is a parsed PEP 508 environment marker.
type marker interface {
	eval(c *markerContext) (bool, error)
	String() string
}

// markerContext is what a marker is evaluated against: the environment and the selected
// extras and dependency groups, normalized.
type markerContext struct {
	env    Env
	extras map[string]bool
	groups map[string]bool
}

func newMarkerContext(env Env, extras, groups []string) *markerContext {
	c := &markerContext{env: env, extras: map[string]bool{}, groups: map[string]bool{}}
	for _, e := range extras {
		c.extras[NormalizeName(e)] = true
	}
	for _, g := range groups {
		c.groups[NormalizeName(g)] = true
	}
	return c
}

// EvalMarker evaluates a PEP 508 environment marker, such as
// `python_version >= "3.10" and (sys_platform == "linux" or platform_machine == "arm64")`,
// for env with the given extras and dependency groups selected. An empty marker is true.
//
// Every variable of PEP 508 is known (and the legacy dotted names, "os.name"). Comparisons
// of python_version, python_full_version, implementation_version and platform_release follow
// PEP 440 when both sides are versions, and compare strings otherwise; "in" and "not in"
// test substrings. `extra == "Foo_Bar"` holds when the normalized extra (PEP 685) is
// selected, so it matches the extra "foo-bar". PEP 751's `"x" in extras` and
// `"g" in dependency_groups` test the selected sets. A malformed marker, an unknown
// variable or an undefined comparison (`sys_platform ~= "linux"`) is an error.
func EvalMarker(marker string, env Env, extras, groups []string) (bool, error) {
	m, err := parseMarker(marker)
	if err != nil || m == nil {
		return m == nil && err == nil, err
	}
	return m.eval(newMarkerContext(env, extras, groups))
}

// evalMarker evaluates a parsed marker; a nil marker (none written) is true.
func evalMarker(m marker, c *markerContext) (bool, error) {
	if m == nil {
		return true, nil
	}
	return m.eval(c)
}

// andMarker and orMarker combine markers.
type andMarker struct{ l, r marker }
type orMarker struct{ l, r marker }

func (m andMarker) eval(c *markerContext) (bool, error) {
	l, err := m.l.eval(c)
	if err != nil || !l {
		return false, err
	}
	return m.r.eval(c)
}

func (m orMarker) eval(c *markerContext) (bool, error) {
	l, err := m.l.eval(c)
	if err != nil || l {
		return l, err
	}
	return m.r.eval(c)
}

func (m andMarker) String() string { return group(m.l, true) + " and " + group(m.r, true) }
func (m orMarker) String() string  { return m.l.String() + " or " + m.r.String() }

// group parenthesizes an "or" inside an "and".
func group(m marker, inAnd bool) string {
	if _, ok := m.(orMarker); ok && inAnd {
		return "(" + m.String() + ")"
	}
	return m.String()
}

// operand is a side of a comparison: a variable or a string literal.
type operand struct {
	variable string // canonical variable name, "" for a literal
	value    string
}

func (o operand) String() string {
	if o.variable != "" {
		return o.variable
	}
	if strings.Contains(o.value, `"`) {
		return "'" + o.value + "'"
	}
	return `"` + o.value + `"`
}

// compareMarker is "left op right".
type compareMarker struct {
	left  operand
	op    string // == != <= >= < > ~= === in "not in"
	right operand
}

func (m compareMarker) String() string {
	return m.left.String() + " " + m.op + " " + m.right.String()
}

// variables maps every marker variable, legacy spellings included, to its canonical name.
var variables = map[string]string{
	"os_name": "os_name", "os.name": "os_name",
	"sys_platform": "sys_platform", "sys.platform": "sys_platform",
	"platform_machine": "platform_machine", "platform.machine": "platform_machine",
	"platform_python_implementation": "platform_python_implementation",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
	"platform_release":               "platform_release",
	"platform_system":                "platform_system",
	"platform_version":               "platform_version", "platform.version": "platform_version",
	"python_version":         "python_version",
	"python_full_version":    "python_full_version",
	"implementation_name":    "implementation_name",
	"implementation_version": "implementation_version",
	"extra":                  "extra",
	"extras":                 "extras",
	"dependency_groups":      "dependency_groups",
}

// versionVariables are compared as PEP 440 versions when both sides parse.
var versionVariables = map[string]bool{
	"python_version": true, "python_full_version": true,
	"implementation_version": true, "platform_release": true,
}

// value is a variable's value in the environment (sets are handled by the caller).
func (c *markerContext) value(variable string) string {
	e := c.env
	switch variable {
	case "os_name":
		return e.OSName
	case "sys_platform":
		return e.SysPlatform
	case "platform_machine":
		return e.PlatformMachine
	case "platform_python_implementation":
		return e.PlatformPythonImplementation
	case "platform_release":
		return e.PlatformRelease
	case "platform_system":
		return e.PlatformSystem
	case "platform_version":
		return e.PlatformVersion
	case "python_version":
		return e.PythonVersion
	case "python_full_version":
		return e.PythonFullVersion
	case "implementation_name":
		return e.ImplementationName
	case "implementation_version":
		return e.ImplementationVersion
	}
	return ""
}

func (m compareMarker) eval(c *markerContext) (bool, error) {
	if set, ok := m.set(c); ok {
		return m.evalSet(set)
	}
	l, r := m.resolve(m.left, c), m.resolve(m.right, c)
	if versionVariables[m.left.variable] || versionVariables[m.right.variable] {
		if ok, done := compareVersionsOp(l, m.op, r); done {
			return ok, nil
		}
	}
	return m.compareStrings(l, r)
}

func (m compareMarker) resolve(o operand, c *markerContext) string {
	if o.variable == "" {
		return o.value
	}
	return c.value(o.variable)
}

// set returns the selected set a comparison is about: the extras for "extra" and
// "extras", the groups for "dependency_groups".
func (m compareMarker) set(c *markerContext) (map[string]bool, bool) {
	for _, v := range []string{m.left.variable, m.right.variable} {
		switch v {
		case "extra", "extras":
			return c.extras, true
		case "dependency_groups":
			return c.groups, true
		}
	}
	return nil, false
}

// evalSet tests membership of the literal side (normalized) in the set: `extra == "x"`,
// `"x" in extras`, `"g" not in dependency_groups`.
func (m compareMarker) evalSet(set map[string]bool) (bool, error) {
	lit := m.left
	if lit.variable != "" {
		lit = m.right
	}
	if lit.variable != "" {
		return false, fmt.Errorf("marker %q compares two variables, one of them a set", m.String())
	}
	in := set[NormalizeName(lit.value)]
	switch m.op {
	case "==", "in", "===":
		return in, nil
	case "!=", "not in":
		return !in, nil
	}
	return false, fmt.Errorf("marker %q: %s is not defined on extras or dependency groups", m.String(), m.op)
}

// compareVersionsOp applies "l op r" as the PEP 440 specifier "op r" tested against l;
// done is false when either side is not a version (or op is "in"/"not in").
func compareVersionsOp(l, op, r string) (ok, done bool) {
	if op == "in" || op == "not in" || op == "===" {
		return false, false
	}
	sp, err := parseSpecifier(op + r)
	if err != nil {
		return false, false
	}
	v, err := parseVersion(l)
	if err != nil {
		return false, false
	}
	return sp.contains(v, l), true
}

// compareStrings applies an operator to two strings as Python would.
func (m compareMarker) compareStrings(l, r string) (bool, error) {
	switch m.op {
	case "==", "===":
		return l == r, nil
	case "!=":
		return l != r, nil
	case "<":
		return l < r, nil
	case "<=":
		return l <= r, nil
	case ">":
		return l > r, nil
	case ">=":
		return l >= r, nil
	case "in":
		return strings.Contains(r, l), nil
	case "not in":
		return !strings.Contains(r, l), nil
	}
	return false, fmt.Errorf("marker %q: %s is not defined on %q and %q (not versions)", m.String(), m.op, l, r)
}

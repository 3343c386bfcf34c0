package pydeps

import (
	"fmt"
	"regexp"
	"strings"
)

// poetryConstraint is a Poetry version constraint ("^3.10", "~1.2", ">=1,<2 || 3.*"): any of
// its alternatives must hold, each a PEP 440 specifier set (nil for any version).
type poetryConstraint []specifierSet

var orSplit = regexp.MustCompile(`\s*\|\|?\s*`)

// parsePoetryConstraint translates Poetry's constraint syntax to PEP 440 specifier sets:
// ^ and ~ become ranges, a bare version or "1.2.*" becomes ==, "*" any version.
func parsePoetryConstraint(s string) (poetryConstraint, error) {
	var out poetryConstraint
	for _, alt := range orSplit.Split(strings.TrimSpace(s), -1) {
		set, err := parsePoetryAnd(alt)
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", s, err)
		}
		out = append(out, set)
	}
	return out, nil
}

// parsePoetryAnd translates clauses separated by commas or spaces (">= 1.0 < 2").
func parsePoetryAnd(s string) (specifierSet, error) {
	var set specifierSet
	for _, tok := range poetryTokens(s) {
		clause, err := poetryClause(tok)
		if err != nil {
			return nil, err
		}
		set = append(set, clause...)
	}
	return set, nil
}

// poetryTokens splits on commas and spaces, joining a lone operator to its version.
func poetryTokens(s string) []string {
	var out []string
	pending := ""
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Trim(f, "<>=!~^") == "" {
			pending += f
			continue
		}
		out = append(out, pending+f)
		pending = ""
	}
	if pending != "" {
		out = append(out, pending)
	}
	return out
}

// poetryClause translates one clause to PEP 440 clauses.
func poetryClause(tok string) (specifierSet, error) {
	switch {
	case tok == "*" || tok == "":
		return nil, nil
	case strings.HasPrefix(tok, "^"):
		return poetryRange(tok[1:], caretBump)
	case strings.HasPrefix(tok, "~") && !strings.HasPrefix(tok, "~="):
		return poetryRange(tok[1:], tildeBump)
	case strings.HasPrefix(tok, "=") && !strings.HasPrefix(tok, "=="):
		tok = "=" + tok
	case strings.IndexAny(tok[:1], "<>=!~") < 0:
		if strings.HasSuffix(tok, ".x") || strings.HasSuffix(tok, ".X") {
			tok = tok[:len(tok)-2] + ".*"
		}
		tok = "==" + tok
	}
	sp, err := parseSpecifier(tok)
	if err != nil {
		return nil, err
	}
	return specifierSet{sp}, nil
}

// poetryRange is ">=V,<bump(V)".
func poetryRange(s string, bump func([]uint64) int) (specifierSet, error) {
	v, err := parseVersion(s)
	if err != nil {
		return nil, err
	}
	i := bump(v.release)
	upper := version{epoch: v.epoch, release: append(append([]uint64{}, v.release[:i]...), v.release[i]+1)}
	return specifierSet{{op: ">=", raw: s, v: v}, {op: "<", raw: upper.String(), v: upper}}, nil
}

// caretBump is the index ^ increments: the first non-zero one (^0.2.3 < 0.3), or the last.
func caretBump(r []uint64) int {
	for i, n := range r {
		if n != 0 {
			return i
		}
	}
	return len(r) - 1
}

// tildeBump is the index ~ increments: the minor one (~1.2.3 < 1.3), the major for ~1.
func tildeBump(r []uint64) int {
	if len(r) == 1 {
		return 0
	}
	return 1
}

// matches reports whether v satisfies any alternative.
func (c poetryConstraint) matches(v version, raw string) bool {
	for _, set := range c {
		if set.contains(v, raw) {
			return true
		}
	}
	return false
}

// matchPoetry reports whether version satisfies a Poetry constraint.
func matchPoetry(constraint, ver string) (bool, error) {
	c, err := parsePoetryConstraint(constraint)
	if err != nil {
		return false, err
	}
	v, err := parseVersion(ver)
	if err != nil {
		return false, err
	}
	return c.matches(v, ver), nil
}

package pydeps

import (
	"fmt"
	"strings"
)

// specifier is one clause of a PEP 440 specifier set, "~=3.10" or "==3.10.*".
type specifier struct {
	op string // ~= == != <= >= < > ===
	// raw is the version as written; "===" compares it as a string.
	raw string
	v   version
	// wildcard is set for "==V.*" and "!=V.*" (raw and v without the ".*").
	wildcard bool
}

// specifierSet is a comma-separated list of clauses that must all hold.
type specifierSet []specifier

// operators in the order they must be tried, longest first.
var operators = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// MatchSpecifier reports whether version satisfies a PEP 440 specifier set such as
// ">=3.9,<3.13", "~=3.10" or "!=3.11.*". An empty set matches every version.
// Pre-releases match like any other version (as pip does for requires-python and as markers
// do), so "3.13.0rc1" satisfies ">=3.9". A malformed specifier is an error, and so is a
// version that is not PEP 440 unless every clause is an arbitrary equality ("===foo").
func MatchSpecifier(specifier, version string) (bool, error) {
	set, err := parseSpecifierSet(specifier)
	if err != nil {
		return false, err
	}
	v, err := parseVersion(version)
	if err != nil && !set.arbitraryOnly() {
		return false, err
	}
	return set.contains(v, version), nil
}

// arbitraryOnly reports a set of "===" clauses only, which compare any string.
func (set specifierSet) arbitraryOnly() bool {
	for _, sp := range set {
		if sp.op != "===" {
			return false
		}
	}
	return len(set) > 0
}

// parseSpecifierSet parses "clause, clause, ..."; empty clauses are ignored.
func parseSpecifierSet(s string) (specifierSet, error) {
	var set specifierSet
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		sp, err := parseSpecifier(part)
		if err != nil {
			return nil, err
		}
		set = append(set, sp)
	}
	return set, nil
}

// parseSpecifier parses one clause, enforcing PEP 440's rules on which operators take a
// wildcard, a local label or a one-segment version.
func parseSpecifier(s string) (specifier, error) {
	t := strings.TrimSpace(s)
	var sp specifier
	for _, op := range operators {
		if strings.HasPrefix(t, op) {
			sp.op = op
			break
		}
	}
	if sp.op == "" {
		return sp, fmt.Errorf("specifier %q has no operator (one of %s)", t, strings.Join(operators, " "))
	}
	sp.raw = strings.TrimSpace(t[len(sp.op):])
	if sp.op == "===" {
		if sp.raw == "" || strings.ContainsAny(sp.raw, " \t;") {
			return sp, fmt.Errorf("specifier %q: === needs one word", t)
		}
		return sp, nil
	}
	if (sp.op == "==" || sp.op == "!=") && strings.HasSuffix(sp.raw, ".*") {
		sp.wildcard = true
		sp.raw = strings.TrimSuffix(sp.raw, ".*")
	}
	v, err := parseVersion(sp.raw)
	if err != nil {
		return sp, fmt.Errorf("specifier %q: %w", t, err)
	}
	sp.v = v
	return sp, sp.check(t)
}

// check applies PEP 440's restrictions on a clause.
func (sp specifier) check(t string) error {
	v := sp.v
	switch {
	case sp.wildcard && (v.local != nil || v.preKind != 0 || v.hasPost || v.hasDev):
		return fmt.Errorf("specifier %q: a .* wildcard follows a release number only", t)
	case v.local != nil && sp.op != "==" && sp.op != "!=":
		return fmt.Errorf("specifier %q: a local version label is allowed with == and != only", t)
	case sp.op == "~=" && len(v.release) < 2:
		return fmt.Errorf("specifier %q: ~= needs at least two release segments (~=3.10)", t)
	}
	return nil
}

// contains reports whether v (written raw) satisfies every clause.
func (set specifierSet) contains(v version, raw string) bool {
	for _, sp := range set {
		if !sp.contains(v, raw) {
			return false
		}
	}
	return true
}

// contains implements one clause with pre-releases allowed.
func (sp specifier) contains(v version, raw string) bool {
	switch sp.op {
	case "===":
		return strings.EqualFold(strings.TrimSpace(raw), sp.raw)
	case "==":
		return sp.equal(v)
	case "!=":
		return !sp.equal(v)
	case "<=":
		return compareVersions(v.public(), sp.v) <= 0
	case ">=":
		return compareVersions(v.public(), sp.v) >= 0
	case "<":
		return sp.less(v)
	case ">":
		return sp.greater(v)
	default: // ~=
		return compareVersions(v.public(), sp.v) >= 0 && prefixMatch(v, sp.v.epoch, sp.v.release[:len(sp.v.release)-1])
	}
}

// equal is "==": a prefix match for a wildcard, else equality ignoring v's local label
// unless the clause has one.
func (sp specifier) equal(v version) bool {
	if sp.wildcard {
		return prefixMatch(v, sp.v.epoch, sp.v.release)
	}
	if sp.v.local == nil {
		v = v.public()
	}
	return compareVersions(v, sp.v) == 0
}

// less is "<V": V excludes its own pre-releases unless V is one.
func (sp specifier) less(v version) bool {
	if compareVersions(v, sp.v) >= 0 {
		return false
	}
	return sp.v.isPrerelease() || !v.isPrerelease() || compareVersions(v.base(), sp.v.base()) != 0
}

// greater is ">V": V excludes its own post-releases (unless V is one) and local versions.
func (sp specifier) greater(v version) bool {
	if compareVersions(v, sp.v) <= 0 {
		return false
	}
	sameBase := compareVersions(v.base(), sp.v.base()) == 0
	if v.hasPost && !sp.v.hasPost && sameBase {
		return false
	}
	return v.local == nil || !sameBase
}

// prefixMatch reports whether v's epoch is epoch and its release, padded with zeros,
// starts with prefix.
func prefixMatch(v version, epoch uint64, prefix []uint64) bool {
	if v.epoch != epoch {
		return false
	}
	for i, p := range prefix {
		var r uint64
		if i < len(v.release) {
			r = v.release[i]
		}
		if r != p {
			return false
		}
	}
	return true
}

// String is the set as written back, clauses joined by ",".
func (set specifierSet) String() string {
	parts := make([]string, len(set))
	for i, sp := range set {
		parts[i] = sp.String()
	}
	return strings.Join(parts, ",")
}

// String is the clause normalized: "==3.10.*", ">=1.0".
func (sp specifier) String() string {
	if sp.op == "===" {
		return sp.op + sp.raw
	}
	s := sp.op + sp.v.String()
	if sp.wildcard {
		s += ".*"
	}
	return s
}

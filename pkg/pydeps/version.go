package pydeps

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// version is a parsed PEP 440 version.
type version struct {
	epoch   uint64
	release []uint64
	// pre is the pre-release: kind 0 (none), 1 "a", 2 "b", 3 "rc", and its number.
	preKind int
	pre     uint64
	post    uint64
	hasPost bool
	dev     uint64
	hasDev  bool
	// local is the local label's parts ("cpu", "cu121" or numbers), nil when none.
	local []string
}

// versionPattern is the PEP 440 appendix's pattern, anchored and case-insensitive.
var versionPattern = regexp.MustCompile(`(?i)^\s*v?` +
	`(?:(\d+)!)?` + // epoch
	`(\d+(?:\.\d+)*)` + // release
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?` + // pre-release
	`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?` + // post-release
	`(?:[-_.]?(dev)[-_.]?(\d+)?)?` + // dev release
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`) // local label

// parseVersion parses a PEP 440 version; numbers too large for 64 bits are errors.
func parseVersion(s string) (version, error) {
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return version{}, fmt.Errorf("%q is not a PEP 440 version", s)
	}
	var v version
	var err error
	num := func(t string) uint64 {
		if t == "" || err != nil {
			return 0
		}
		n, e := strconv.ParseUint(t, 10, 64)
		if e != nil {
			err = fmt.Errorf("%q has a number too large", s)
		}
		return n
	}
	v.epoch = num(m[1])
	for _, part := range strings.Split(m[2], ".") {
		v.release = append(v.release, num(part))
	}
	if m[3] != "" {
		v.preKind, v.pre = preKind(strings.ToLower(m[3])), num(m[4])
	}
	if m[5] != "" || m[6] != "" {
		v.hasPost, v.post = true, num(m[5]+m[7])
	}
	if m[8] != "" {
		v.hasDev, v.dev = true, num(m[9])
	}
	if m[10] != "" {
		v.local = strings.FieldsFunc(strings.ToLower(m[10]), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	return v, err
}

func preKind(label string) int {
	switch label {
	case "a", "alpha":
		return 1
	case "b", "beta":
		return 2
	default: // c, rc, pre, preview
		return 3
	}
}

// isPrerelease reports a pre-release or development release.
func (v version) isPrerelease() bool { return v.preKind != 0 || v.hasDev }

// public is the version without its local label.
func (v version) public() version {
	v.local = nil
	return v
}

// base is the epoch and release only.
func (v version) base() version {
	return version{epoch: v.epoch, release: v.release}
}

// String is the normalized form of the version.
func (v version) String() string {
	var b strings.Builder
	if v.epoch != 0 {
		fmt.Fprintf(&b, "%d!", v.epoch)
	}
	for i, r := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(r, 10))
	}
	if v.preKind != 0 {
		b.WriteString([]string{"", "a", "b", "rc"}[v.preKind])
		b.WriteString(strconv.FormatUint(v.pre, 10))
	}
	if v.hasPost {
		fmt.Fprintf(&b, ".post%d", v.post)
	}
	if v.hasDev {
		fmt.Fprintf(&b, ".dev%d", v.dev)
	}
	if v.local != nil {
		b.WriteString("+" + strings.Join(v.local, "."))
	}
	return b.String()
}

// compareVersions orders versions as PEP 440 does: -1, 0 or 1.
func compareVersions(a, b version) int {
	if c := cmp.Compare(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	if c := compareSuffix(a, b); c != 0 {
		return c
	}
	return compareLocal(a.local, b.local)
}

// compareRelease compares release segments as if padded with zeros.
func compareRelease(a, b []uint64) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y uint64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// compareSuffix orders the pre, post and dev parts: 1.0.dev0 < 1.0a1 < 1.0 < 1.0.post1.
func compareSuffix(a, b version) int {
	if c := cmp.Compare(preRank(a), preRank(b)); c != 0 {
		return c
	}
	if a.preKind != 0 {
		if c := cmp.Compare(a.pre, b.pre); c != 0 {
			return c
		}
	}
	if c := cmpBool(a.hasPost, b.hasPost); c != 0 {
		return c
	}
	if c := cmp.Compare(a.post, b.post); c != 0 {
		return c
	}
	// A development release sorts before the same version without one.
	if c := cmpBool(!a.hasDev, !b.hasDev); c != 0 {
		return c
	}
	return cmp.Compare(a.dev, b.dev)
}

// preRank places a version among pre-releases: a dev-only release (1.0.dev1) first, then
// a, b, rc, then no pre-release.
func preRank(v version) int {
	switch {
	case v.preKind != 0:
		return v.preKind
	case v.hasDev && !v.hasPost:
		return 0
	default:
		return 4
	}
}

// compareLocal orders local labels: none first; numeric parts after alphanumeric ones and
// compared as numbers; a longer label after its prefix.
func compareLocal(a, b []string) int {
	if c := cmpBool(a != nil, b != nil); c != 0 || a == nil {
		return c
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xerr := strconv.ParseUint(a[i], 10, 64)
		y, yerr := strconv.ParseUint(b[i], 10, 64)
		var c int
		switch {
		case xerr == nil && yerr == nil:
			c = cmp.Compare(x, y)
		case xerr == nil:
			c = 1
		case yerr == nil:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

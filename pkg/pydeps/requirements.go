package pydeps

import (
	"bytes"
	"sort"
)

// pypi is the default index, as Indexes names it.
const pypi = "https://pypi.org/simple"

// Requirements writes pins as a pip requirements file for
// `pip install --no-deps --require-hashes -r FILE`: one requirement per pin, sorted by
// normalized name, "name==version" (or "name @ url" for a direct URL) followed by every
// hash on its own continuation line:
//
//	torch==2.4.1+cpu \
//	    --hash=sha256:...
//
// The file names no index, so the build's own pip options (a mirror, say) still apply;
// [Indexes] lists the indexes the pins come from. The same pins, in any order, give the same
// bytes.
func Requirements(pins []Pin) []byte {
	sorted := append([]Pin(nil), pins...)
	sortPins(sorted)
	var b bytes.Buffer
	for _, p := range sorted {
		switch {
		case p.URL != "":
			b.WriteString(p.Name + " @ " + p.URL)
		case p.Version != "":
			b.WriteString(p.Name + "==" + p.Version)
		default:
			b.WriteString(p.Name)
		}
		hashes := append([]string(nil), p.Hashes...)
		sort.Strings(hashes)
		for _, h := range hashes {
			b.WriteString(" \\\n    --hash=" + h)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// Indexes are the package indexes pins are installed from, for pip's --index-url (the
// first) and --extra-index-url (the others): PyPI ("https://pypi.org/simple") first when a
// pin comes from it, then the others sorted. Pins with a direct URL need none. Nil when no
// pin names an index other than PyPI, so the build's default applies.
func Indexes(pins []Pin) []string {
	seen := map[string]bool{}
	var others []string
	usesPyPI := false
	for _, p := range pins {
		switch {
		case p.URL != "":
		case p.Index == "":
			usesPyPI = true
		case !seen[p.Index]:
			seen[p.Index] = true
			others = append(others, p.Index)
		}
	}
	if len(others) == 0 {
		return nil
	}
	sort.Strings(others)
	if usesPyPI {
		others = append([]string{pypi}, others...)
	}
	return others
}

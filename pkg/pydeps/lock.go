package pydeps

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Pin is one locked distribution to install.
type Pin struct {
	// Name is the project name as the lock writes it.
	Name string
	// Version is the locked version; "" for a direct URL without one.
	Version string
	// Hashes are "sha256:<hex>" for every artifact of the locked version the lock records
	// (wheels for every platform, and the sdist), sorted; pip accepts any of them.
	Hashes []string
	// URL is the direct URL reference, "" when the pin comes from an index.
	URL string
	// Index is the index the lock names for it, "" for the default (PyPI).
	Index string
	// Source is "file:line" of the lock entry, for messages.
	Source string
	// Size is the largest size in bytes the lock records for an artifact of the pin that
	// fits the environment (uv.lock and pylock.toml record sizes; 0 when unknown), a proxy
	// for how much the package installs.
	Size int64
	// Wheels are the pin's wheels that may fit the environment and that the lock gives a
	// URL (http or https, no credentials) and a sha256 for: the candidates a builder can
	// fetch itself, by content, without pip (ChooseWheel picks one for an interpreter).
	Wheels []Wheel
}

// Wheel is one wheel of a pin, as the lock records it.
type Wheel struct {
	// File is the wheel's file name (PEP 427: name-version[-build]-python-abi-platform.whl).
	File string
	// URL is where the lock says it is.
	URL string
	// SHA256 is its sha256 in lower-case hexadecimal.
	SHA256 string
	// Size is its size in bytes, 0 when the lock does not say.
	Size int64
}

// Selection is what to install besides a project's own dependencies.
type Selection struct {
	// Groups are dependency groups to install. uv.lock and poetry.lock install the
	// project's dependencies plus these (a "dev" group only when named here). A pylock.toml
	// installs these groups, or its default-groups when none is named.
	Groups []string
	// Extras are the project's extras to install.
	Extras []string
	// Members are the uv workspace members to install besides the project (all of them
	// when the workspace root is virtual): built from the context, with the packages the
	// lock resolves for them. Other locks have no workspaces.
	Members []string
	// NoDefaultGroups leaves out a pylock.toml's default-groups when Groups is empty. uv.lock
	// and poetry.lock record no default groups, so it changes nothing for them.
	NoDefaultGroups bool
}

// Lock is a parsed lock file: the locked set of every environment it was made for.
type Lock interface {
	// Pins is the set to install for env and sel, sorted by normalized name. It is an error
	// when the lock cannot give one for them: a Python outside its requires-python, an
	// unknown extra or group, a package without a hash or without an artifact, or a source
	// pip cannot install with --require-hashes.
	Pins(env Env, sel Selection) ([]Pin, error)
	// RequiresPython is the lock's Python constraint as written, "" when none. uv.lock and
	// pylock.toml write a PEP 440 specifier set, poetry.lock a Poetry constraint ("^3.10").
	RequiresPython() string
	// Kind names the format: "uv.lock", "poetry.lock" or "pylock.toml".
	Kind() string
	// Selectable are the dependency groups and extras Pins accepts, sorted, as the lock
	// writes them, so a caller can check a selection before resolving it.
	Selectable() (groups, extras []string)
}

// defaultIndexes are PyPI's simple API, written with and without the final slash.
var defaultIndexes = map[string]bool{
	"https://pypi.org/simple":         true,
	"https://pypi.org/simple/":        true,
	"https://pypi.python.org/simple":  true,
	"https://pypi.python.org/simple/": true,
}

// IsPyPI reports whether an index URL is PyPI's simple API.
func IsPyPI(url string) bool { return defaultIndexes[url] }

// indexOf is Pin.Index for an index URL: "" for PyPI.
func indexOf(url string) string {
	if defaultIndexes[url] {
		return ""
	}
	return url
}

// artifact is a wheel or sdist a lock records for a package version.
type artifact struct {
	file string // the file name, "" when the lock does not say
	url  string // where the lock says it is, "" when it does not say
	hash string // "sha256:<hex>", "" when none
	size int64  // bytes, 0 when the lock does not say
	path string // the TOML path of the entry
}

// hashCheck validates a hash the lock records: "sha256:<64 hex>" is kept, other
// algorithms are skipped, a malformed sha256 is an error.
func hashCheck(r *reader, h, path string) string {
	alg, hex, ok := strings.Cut(h, ":")
	if !ok {
		r.fail(path, "hash %q is not ALGORITHM:HEX", h)
		return ""
	}
	if !strings.EqualFold(alg, "sha256") {
		return ""
	}
	hex = strings.ToLower(hex)
	if len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		r.fail(path, "sha256 hash %q is not 64 hexadecimal digits", hex)
		return ""
	}
	return "sha256:" + hex
}

// pinArtifacts checks that a pin has an artifact installable on env and a hash, and sets
// its hashes. what names the package for messages ("torch 2.4.0").
func pinArtifacts(r *reader, pin *Pin, arts []artifact, env Env, path, what string) {
	for _, u := range []string{pin.Index, pin.URL} {
		if parsed, err := url.Parse(u); err == nil && parsed.User != nil {
			// The URL goes into pip's arguments, so into the build's record: refuse it, and
			// do not repeat the credentials in the message.
			r.fail(path, "%s: the lock names %s://%s with credentials, which would be recorded in the build; remove them from the lock and pass the index through a BuildKit secret (pip.secrets with env PIP_INDEX_URL or PIP_EXTRA_INDEX_URL)",
				what, parsed.Scheme, parsed.Host)
		}
	}
	fits := false
	seen := map[string]bool{}
	for _, a := range arts {
		if a.hash != "" && !seen[a.hash] {
			seen[a.hash] = true
			pin.Hashes = append(pin.Hashes, a.hash)
		}
		if wheelFits(a.file, env) {
			fits = true
			pin.Size = max(pin.Size, a.size)
			if w, ok := fetchableWheel(a); ok {
				pin.Wheels = append(pin.Wheels, w)
			}
		}
	}
	sort.Strings(pin.Hashes)
	sort.Slice(pin.Wheels, func(i, j int) bool { return pin.Wheels[i].File < pin.Wheels[j].File })
	switch {
	case len(arts) == 0:
		r.fail(path, "%s: no wheel or sdist recorded; there is nothing pip could install", what)
	case !fits:
		r.fail(path, "%s: no sdist, and no wheel for %s; pip would find nothing to install (wheels: %s)", what, envTag(env), wheelNames(arts))
	case len(pin.Hashes) == 0:
		r.fail(path, "%s: no sha256 hash recorded; pip --require-hashes would refuse it", what)
	}
}

// fetchableWheel is a as a Wheel when it is a wheel with a sha256 and an http(s) URL without
// credentials whose last element is the wheel's name.
func fetchableWheel(a artifact) (Wheel, bool) {
	alg, hex, _ := strings.Cut(a.hash, ":")
	u, err := url.Parse(a.url)
	if err != nil || alg != "sha256" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Host == "" ||
		!strings.HasSuffix(strings.ToLower(a.file), ".whl") || strings.ContainsAny(a.file, "/\\") {
		return Wheel{}, false
	}
	return Wheel{File: a.file, URL: a.url, SHA256: hex, Size: a.size}, true
}

func wheelNames(arts []artifact) string {
	var names []string
	for _, a := range arts {
		if a.file != "" {
			names = append(names, a.file)
		}
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
	}
	return strings.Join(names, ", ")
}

// envTag describes env for messages: "linux/aarch64 CPython 3.11".
func envTag(env Env) string {
	return fmt.Sprintf("%s/%s CPython %s", env.SysPlatform, env.PlatformMachine, env.PythonVersion)
}

// sortPins orders pins by normalized name, then version.
func sortPins(pins []Pin) {
	sort.SliceStable(pins, func(i, j int) bool {
		a, b := NormalizeName(pins[i].Name), NormalizeName(pins[j].Name)
		if a != b {
			return a < b
		}
		return pins[i].Version < pins[j].Version
	})
}

// checkPython is an error when env's Python is outside a lock's requires-python.
func checkPython(r *reader, spec, path string, env Env) {
	if spec == "" {
		return
	}
	ok, err := MatchSpecifier(spec, env.PythonFullVersion)
	if err != nil {
		r.fail(path, "%v", err)
		return
	}
	if !ok {
		r.fail(path, "the lock is for Python %s; the target's Python is %s", spec, env.PythonFullVersion)
	}
}

// checkSelected is an error for each selected name the lock does not know; what is
// "extra" or "group".
func checkSelected(r *reader, names []string, available []string, path, what string) {
	have := map[string]bool{}
	for _, a := range available {
		have[NormalizeName(a)] = true
	}
	for _, n := range names {
		if !have[NormalizeName(n)] {
			r.fail(path, "%s %q is not in the lock (it has %s)%s", what, n, known(available), suggestName(NormalizeName(n), normalizeAll(available)))
		}
	}
}

// ParseLock parses a lock file by its kind, "uv.lock", "poetry.lock" or "pylock.toml" (the
// spec's source kinds); project is the pyproject.toml beside it (a poetry.lock 2.0 needs it).
// Any other kind has no lock: nil, nil.
func ParseLock(kind, file string, data []byte, project *Project) (Lock, error) {
	switch kind {
	case "uv.lock":
		return ParseUVLock(file, data)
	case "poetry.lock":
		return ParsePoetryLock(file, data, project)
	case "pylock.toml":
		return ParsePylock(file, data)
	}
	return nil, nil
}

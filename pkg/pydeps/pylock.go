package pydeps

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/located"
)

// pylock is a parsed PEP 751 pylock.toml.
type pylock struct {
	doc            *tomlDoc
	requiresPython string
	environments   []marker
	extras, groups []string
	defaultGroups  []string
	packages       []*pylockPackage
}

// pylockPackage is one [[packages]] entry.
type pylockPackage struct {
	path, name, norm, version string
	marker                    marker
	requiresPython            string
	index                     string
	// kind is how it is installed: "index" (wheels, sdist), "archive", "vcs" or "directory".
	kind, kindPath string
	archiveURL     string
	// dir is directory.path, relative to the lock's directory.
	dir       string
	artifacts []artifact
}

// ParsePylock reads a PEP 751 pylock.toml of lock-version 1.x: its requires-python,
// environments, extras, dependency-groups and default-groups, and each package's marker,
// requires-python, index, wheels, sdist and archive. VCS and directory packages are read
// and refused when selected.
func ParsePylock(file string, data []byte) (Lock, error) {
	d, err := parseTOML(file, data)
	if err != nil {
		return nil, requirementsHint(err, file, data)
	}
	r := newReader(d)
	root := r.root()
	if !checkPylockVersion(r, root.get("lock-version")) {
		return nil, requirementsHint(r.err(), file, data)
	}
	l := &pylock{doc: d}
	l.requiresPython = r.str(root.get("requires-python"))
	if _, err := parseSpecifierSet(l.requiresPython); err != nil {
		r.fail(root.get("requires-python").path, "%v", err)
	}
	for _, e := range r.list(root.get("environments")) {
		l.environments = append(l.environments, checkMarker(r, r.str(e), e.path))
	}
	l.extras = normalizeAll(r.strs(root.get("extras")))
	l.groups = normalizeAll(r.strs(root.get("dependency-groups")))
	l.defaultGroups = normalizeAll(r.strs(root.get("default-groups")))
	for _, p := range r.tables(root.get("packages")) {
		l.packages = append(l.packages, readPylockPackage(r, p))
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// checkPylockVersion accepts lock-version "1.x": a tool must refuse an unknown major version.
func checkPylockVersion(r *reader, v node) bool {
	s := r.required(v, "pylock.toml")
	if s == "" {
		return false
	}
	if major, _, _ := strings.Cut(s, "."); major != "1" {
		r.fail(v.path, "pylock.toml lock-version %q is not supported (1.0 is)", s)
		return false
	}
	return true
}

func readPylockPackage(r *reader, p node) *pylockPackage {
	pkg := &pylockPackage{path: p.path, kind: "index"}
	pkg.name = r.required(p.get("name"), "package")
	pkg.norm = NormalizeName(pkg.name)
	pkg.version = r.str(p.get("version"))
	if m := p.get("marker"); m.has() {
		pkg.marker = checkMarker(r, r.str(m), m.path)
	}
	pkg.requiresPython = r.str(p.get("requires-python"))
	if _, err := parseSpecifierSet(pkg.requiresPython); err != nil {
		r.fail(p.get("requires-python").path, "%v", err)
	}
	pkg.index = r.str(p.get("index"))
	for _, kind := range []string{"vcs", "directory", "archive"} {
		if k := p.get(kind); r.isTable(k) {
			pkg.kind, pkg.kindPath = kind, k.path
		}
	}
	if pkg.kind == "directory" {
		pkg.dir = r.str(p.get("directory").get("path"))
	}
	if pkg.kind == "archive" {
		a := p.get("archive")
		pkg.archiveURL = r.str(a.get("url"))
		pkg.artifacts = append(pkg.artifacts, pylockArtifact(r, a, "archive"))
	}
	if sd := p.get("sdist"); r.isTable(sd) {
		pkg.artifacts = append(pkg.artifacts, pylockArtifact(r, sd, "sdist"))
	}
	for _, w := range r.tables(p.get("wheels")) {
		pkg.artifacts = append(pkg.artifacts, pylockArtifact(r, w, ""))
	}
	return pkg
}

// pylockArtifact reads a wheel, sdist or archive: its name (or the URL's or path's last
// element) and its sha256 from hashes = {sha256 = "..."}.
func pylockArtifact(r *reader, n node, fallback string) artifact {
	a := artifact{file: r.str(n.get("name")), path: n.path}
	for _, k := range []string{"url", "path"} {
		if s := r.str(n.get(k)); s != "" && a.file == "" {
			a.file = path.Base(s)
		}
	}
	a.url = r.str(n.get("url"))
	if fallback != "" && !strings.HasSuffix(a.file, ".whl") {
		a.file = fallback
	}
	hashes := n.get("hashes")
	for _, alg := range r.keys(hashes) {
		if h := r.str(hashes.get(alg)); h != "" && a.hash == "" {
			a.hash = hashCheck(r, alg+":"+h, hashes.get(alg).path)
		}
	}
	a.size, _ = r.integer(n.get("size"))
	return a
}

// Pins installs the packages whose marker holds for env with the selected extras and
// groups (the default-groups when sel names none), after checking the lock's
// requires-python and environments.
func (l *pylock) Pins(env Env, sel Selection) ([]Pin, error) {
	r := newReader(l.doc)
	checkPython(r, l.requiresPython, "requires-python", env)
	checkSelected(r, sel.Extras, l.extras, "extras", "extra")
	checkSelected(r, sel.Groups, l.groups, "dependency-groups", "group")
	groups := sel.Groups
	if len(groups) == 0 && !sel.NoDefaultGroups {
		groups = l.defaultGroups
	}
	ctx := newMarkerContext(env, sel.Extras, groups)
	l.checkEnvironments(r, ctx)
	if err := r.err(); err != nil {
		return nil, err
	}
	var pins []Pin
	seen := map[string]*pylockPackage{}
	for _, p := range l.packages {
		ok, err := evalMarker(p.marker, ctx)
		if err != nil {
			r.fail(p.path+".marker", "%s: %v", p.name, err)
		}
		if !ok || p.isProject() {
			// The project's own entry (`uv export` writes it as directory = { path = ".",
			// editable = true }) is the project: built from the context with
			// dependencies.project, as for a uv.lock, else not installed.
			continue
		}
		if other, dup := seen[p.norm]; dup {
			r.fail(p.path, "%s %s and %s %s both apply to %s; pip can install one", p.name, p.version, other.name, other.version, envTag(env))
			continue
		}
		seen[p.norm] = p
		if pin, ok := l.pin(r, p, env); ok {
			pins = append(pins, pin)
		}
	}
	sortPins(pins)
	if err := r.err(); err != nil {
		return nil, err
	}
	return pins, nil
}

// checkEnvironments is an error when the lock lists environments and env is none of them.
func (l *pylock) checkEnvironments(r *reader, ctx *markerContext) {
	if len(l.environments) == 0 {
		return
	}
	for _, m := range l.environments {
		if ok, err := evalMarker(m, ctx); err == nil && ok {
			return
		}
	}
	r.fail("environments", "the lock is for other environments than %s", envTag(ctx.env))
}

// isProject: the package is the directory of the lock itself, the project.
func (p *pylockPackage) isProject() bool {
	return p.kind == "directory" && p.dir != "" && path.Clean(p.dir) == "."
}

// pin checks one selected package.
func (l *pylock) pin(r *reader, p *pylockPackage, env Env) (Pin, bool) {
	what := strings.TrimSpace(p.name + " " + p.version)
	pin := Pin{Name: p.name, Version: p.version, Source: l.doc.line(p.path)}
	switch p.kind {
	case "vcs":
		r.fail(p.kindPath, "%s: a VCS source has no hash, so pip --require-hashes cannot install it; publish it to an index or lock an archive", what)
		return pin, false
	case "directory":
		r.fail(p.kindPath, "%s: a local directory (%q) cannot be installed from the lock; only the project (path \".\") is built from the context", what, p.dir)
		return pin, false
	case "archive":
		if pin.URL = p.archiveURL; pin.URL == "" {
			r.fail(p.kindPath, "%s: the archive has no url (a local path cannot be reached from the build)", what)
			return pin, false
		}
	default:
		if p.version == "" {
			r.fail(p.path, "%s: has no version", what)
			return pin, false
		}
		pin.Index = indexOf(p.index)
	}
	if p.requiresPython != "" {
		if ok, err := MatchSpecifier(p.requiresPython, env.PythonFullVersion); err == nil && !ok {
			r.fail(p.path+".requires-python", "%s: requires Python %s; the target's Python is %s", what, p.requiresPython, env.PythonFullVersion)
			return pin, false
		}
	}
	n := len(r.errs)
	pinArtifacts(r, &pin, p.artifacts, env, p.path, what)
	return pin, len(r.errs) == n
}

func (l *pylock) Kind() string           { return "pylock.toml" }
func (l *pylock) RequiresPython() string { return l.requiresPython }

// requirementsHint adds to err, when data reads as a pip requirements file rather than
// TOML (`pip freeze > pylock.toml`, `uv pip compile -o pylock.toml` of an older uv), a hint
// saying so.
func requirementsHint(err error, file string, data []byte) error {
	e, ok := err.(*located.Error)
	if !ok || !looksLikeRequirements(data) {
		return err
	}
	hint := *e
	hint.Msg += fmt.Sprintf("; %s reads as a pip requirements file, not a PEP 751 lock: rename it requirements.txt (the frontend installs it with pip), or write a lock with `uv export --format pylock.toml` or `pip lock`", path.Base(file))
	return &hint
}

// looksLikeRequirements: every meaningful line of data is a PEP 508 requirement or a pip
// option ("--hash=...", "-r other.txt"), and there is at least one requirement.
func looksLikeRequirements(data []byte) bool {
	reqs := 0
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, " #")
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
			continue
		}
		req, _, _ := strings.Cut(line, " --")
		if _, err := ParseRequirement(strings.TrimSpace(req)); err != nil {
			return false
		}
		reqs++
	}
	return reqs > 0
}

// Selectable are the lock's dependency-groups and extras.
func (l *pylock) Selectable() (groups, extras []string) {
	return slices.Sorted(slices.Values(l.groups)), slices.Sorted(slices.Values(l.extras))
}

package pydeps

import (
	"path"
	"strings"
)

// uvLock is a parsed uv.lock: a universal lock, one graph for every environment.
type uvLock struct {
	doc            *tomlDoc
	requiresPython string
	packages       []*uvPackage
	byName         map[string][]*uvPackage // by normalized name
	// root is the project's own package, nil for a virtual workspace (a root pyproject.toml
	// without [project]).
	root *uvPackage
	// members are the workspace's members ([manifest] members), normalized; none for a
	// lone project.
	members []string
}

// uvPackage is one [[package]] of a uv.lock.
type uvPackage struct {
	path, name, norm, version string
	source                    uvSource
	resolutionMarkers         []marker
	deps                      []uvDep
	optional, groups          map[string][]uvDep // by normalized extra or group name
	artifacts                 []artifact
	requiresDist              []uvRequirement
	requiresDev               map[string][]uvRequirement
}

// uvSource is a package's or an edge's source = { KIND = "VALUE" }; kind is "" when absent.
type uvSource struct {
	kind, value, path string
}

// uvDep is a dependency edge; version and source are set when the name is ambiguous.
type uvDep struct {
	norm, version string
	source        uvSource
	marker        marker
	extras        []string
	path          string
}

// uvRequirement is a [package.metadata] requires-dist or requires-dev entry: what
// pyproject.toml declared when the lock was made.
type uvRequirement struct {
	name, specifier, marker string
	extras                  []string
	path                    string
}

// uvSourceKinds are the keys a source table may have.
var uvSourceKinds = []string{"registry", "editable", "virtual", "git", "path", "url", "directory"}

// ParseUVLock reads a uv.lock (lock format version 1, any revision), as uv documents it:
// requires-python, resolution-markers and the [[package]] entries with their source,
// dependencies, optional-dependencies, dev-dependencies, sdist, wheels and metadata. The
// project is the package whose source is editable = "." or virtual = ".".
func ParseUVLock(file string, data []byte) (Lock, error) {
	d, err := parseTOML(file, data)
	if err != nil {
		return nil, err
	}
	r := newReader(d)
	l := &uvLock{doc: d, byName: map[string][]*uvPackage{}}
	root := r.root()
	if !l.readVersion(r, root.get("version")) {
		return nil, r.err()
	}
	l.requiresPython = r.str(root.get("requires-python"))
	if _, err := parseSpecifierSet(l.requiresPython); err != nil {
		r.fail(root.get("requires-python").path, "%v", err)
	}
	for _, m := range r.list(root.get("resolution-markers")) {
		checkMarker(r, r.str(m), m.path)
	}
	l.members = normalizeAll(r.strs(root.get("manifest").get("members")))
	for _, p := range r.tables(root.get("package")) {
		pkg := readUVPackage(r, p)
		l.packages = append(l.packages, pkg)
		l.byName[pkg.norm] = append(l.byName[pkg.norm], pkg)
	}
	l.findRoot(r)
	if err := r.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// readVersion checks the format version; false when the rest cannot be read.
func (l *uvLock) readVersion(r *reader, v node) bool {
	n, ok := r.integer(v)
	switch {
	case !v.has():
		r.fail("", "uv.lock has no version; it does not look like a uv lock file")
		return false
	case ok && n != 1:
		r.fail(v.path, "uv.lock format version %d is not supported (version 1 is); lock with a uv that writes version 1", n)
		return false
	}
	return ok
}

// findRoot finds the project's own package. A workspace whose root has no [project] (a
// virtual workspace) has none; its members are installed by name.
func (l *uvLock) findRoot(r *reader) {
	for _, p := range l.packages {
		if (p.source.kind == "editable" || p.source.kind == "virtual") && path.Clean(p.source.value) == "." {
			l.root = p
			return
		}
	}
	if len(l.members) > 0 {
		return
	}
	r.fail("package", "uv.lock has no project package (one whose source is editable = \".\" or virtual = \".\") and no workspace members; only a project's or a workspace's own lock can be installed")
}

// member is the workspace member package of a normalized name: a local source inside the
// workspace (editable, virtual or directory, a relative path that does not leave it) whose
// name [manifest] members lists. Nil when there is none.
func (l *uvLock) member(norm string) *uvPackage {
	if !contains(l.members, norm) {
		return nil
	}
	for _, p := range l.byName[norm] {
		if isWorkspacePath(p.source) {
			return p
		}
	}
	return nil
}

// isWorkspacePath: a local source of the workspace, a relative path that stays inside it.
func isWorkspacePath(s uvSource) bool {
	switch s.kind {
	case "editable", "virtual", "directory":
	default:
		return false
	}
	c := path.Clean(s.value)
	return !path.IsAbs(c) && c != ".." && !strings.HasPrefix(c, "../")
}

// Members are the workspace's member names as [manifest] lists them (normalized), none for
// a lone project's lock.
func (l *uvLock) Members() []string { return l.members }

func readUVPackage(r *reader, p node) *uvPackage {
	pkg := &uvPackage{path: p.path}
	pkg.name = r.required(p.get("name"), "package")
	pkg.norm = NormalizeName(pkg.name)
	pkg.version = r.str(p.get("version"))
	pkg.source = readUVSource(r, p.get("source"))
	for _, m := range r.list(p.get("resolution-markers")) {
		if rm := checkMarker(r, r.str(m), m.path); rm != nil {
			pkg.resolutionMarkers = append(pkg.resolutionMarkers, rm)
		}
	}
	pkg.deps = readUVDeps(r, p.get("dependencies"))
	pkg.optional = readUVDepTable(r, p.get("optional-dependencies"))
	pkg.groups = readUVDepTable(r, p.get("dev-dependencies"))
	pkg.artifacts = readUVArtifacts(r, p)
	meta := p.get("metadata")
	pkg.requiresDist = readUVRequirements(r, meta.get("requires-dist"))
	for _, g := range r.keys(meta.get("requires-dev")) {
		if pkg.requiresDev == nil {
			pkg.requiresDev = map[string][]uvRequirement{}
		}
		pkg.requiresDev[NormalizeName(g)] = readUVRequirements(r, meta.get("requires-dev").get(g))
	}
	return pkg
}

// readUVSource reads { registry = "https://..." } and its kin.
func readUVSource(r *reader, n node) uvSource {
	s := uvSource{path: n.path}
	if !r.isTable(n) {
		return s
	}
	for _, k := range uvSourceKinds {
		if v := n.get(k); v.has() {
			s.kind, s.value = k, r.str(v)
			return s
		}
	}
	r.fail(n.path, "source names none of %s", strings.Join(uvSourceKinds, ", "))
	return s
}

func readUVDeps(r *reader, n node) []uvDep {
	var out []uvDep
	for _, e := range r.tables(n) {
		d := uvDep{
			norm:    NormalizeName(r.required(e.get("name"), "dependency")),
			version: r.str(e.get("version")),
			extras:  r.strs(e.get("extra")),
			path:    e.path,
		}
		if e.get("source").has() {
			d.source = readUVSource(r, e.get("source"))
		}
		if m := e.get("marker"); m.has() {
			d.marker = checkMarker(r, r.str(m), m.path)
		}
		out = append(out, d)
	}
	return out
}

// readUVDepTable reads optional-dependencies or dev-dependencies: name to edges.
func readUVDepTable(r *reader, n node) map[string][]uvDep {
	var out map[string][]uvDep
	for _, k := range r.keys(n) {
		if out == nil {
			out = map[string][]uvDep{}
		}
		out[NormalizeName(k)] = readUVDeps(r, n.get(k))
	}
	return out
}

// readUVArtifacts reads sdist and wheels.
func readUVArtifacts(r *reader, p node) []artifact {
	var out []artifact
	read := func(n node) {
		a := artifact{path: n.path, file: r.str(n.get("filename"))}
		for _, k := range []string{"url", "path"} {
			if s := r.str(n.get(k)); s != "" && a.file == "" {
				a.file = path.Base(s)
			}
		}
		a.url = r.str(n.get("url"))
		if h := r.str(n.get("hash")); h != "" {
			a.hash = hashCheck(r, h, n.get("hash").path)
		}
		a.size, _ = r.integer(n.get("size"))
		out = append(out, a)
	}
	if sd := p.get("sdist"); r.isTable(sd) {
		read(sd)
		if out[0].file == "" {
			out[0].file = "sdist"
		}
	}
	for _, w := range r.tables(p.get("wheels")) {
		read(w)
	}
	return out
}

func readUVRequirements(r *reader, n node) []uvRequirement {
	var out []uvRequirement
	for _, e := range r.tables(n) {
		out = append(out, uvRequirement{
			name:      r.required(e.get("name"), "requirement"),
			specifier: r.str(e.get("specifier")),
			marker:    r.str(e.get("marker")),
			extras:    r.strs(e.get("extras")),
			path:      e.path,
		})
	}
	return out
}

// checkMarker parses a marker of the lock, recording a located error when it is malformed.
func checkMarker(r *reader, s, path string) marker {
	m, err := parseMarker(s)
	if err != nil {
		r.fail(path, "%v", err)
	}
	return m
}

func (l *uvLock) Kind() string           { return "uv.lock" }
func (l *uvLock) RequiresPython() string { return l.requiresPython }

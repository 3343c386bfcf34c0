package pydeps

import "strings"

// poetryLock is a parsed poetry.lock.
type poetryLock struct {
	doc            *tomlDoc
	lockVersion    string
	pythonVersions string
	contentHash    string
	packages       []*poetryPackage
	byName         map[string][]*poetryPackage
	// extras is the top-level [extras]: the project's extras to the packages they add.
	extras  map[string][]string
	project *Project
}

// poetryPackage is one [[package]] of a poetry.lock.
type poetryPackage struct {
	path, name, norm, version string
	optional                  bool
	groups                    []string
	// markers is the package's marker by group (lock-version 2.1); "*" holds a marker that
	// applies to every group.
	markers   map[string]marker
	deps      []poetryDep
	extras    map[string][]string // the package's extras to the names they add
	source    poetrySource
	artifacts []artifact
}

// poetrySource is [package.source]; kind is "" for PyPI.
type poetrySource struct {
	kind, url, path string
}

// poetryDep is one constraint of a [package.dependencies] entry.
type poetryDep struct {
	norm, constraint string
	marker           marker
	python           string
	optional         bool
	extras           []string
	path             string
}

// ParsePoetryLock reads a poetry.lock of lock-version 2.0 or 2.1. A 2.1 lock records, per
// package, the groups that need it and the marker under which they do, and is installed
// from those alone. A 2.0 lock records only the graph: its roots are the dependencies that
// project declares, so project must be given for it.
func ParsePoetryLock(file string, data []byte, project *Project) (Lock, error) {
	d, err := parseTOML(file, data)
	if err != nil {
		return nil, err
	}
	r := newReader(d)
	l := &poetryLock{doc: d, byName: map[string][]*poetryPackage{}, project: project}
	root := r.root()
	meta := root.get("metadata")
	l.lockVersion = r.required(meta.get("lock-version"), "[metadata]")
	l.pythonVersions = r.str(meta.get("python-versions"))
	l.contentHash = r.str(meta.get("content-hash"))
	if !l.checkVersion(r, meta.get("lock-version")) {
		return nil, r.err()
	}
	for _, p := range r.tables(root.get("package")) {
		pkg := readPoetryPackage(r, p, l.lockVersion == "2.1")
		l.packages = append(l.packages, pkg)
		l.byName[pkg.norm] = append(l.byName[pkg.norm], pkg)
	}
	l.extras = readNameLists(r, root.get("extras"))
	if err := r.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// checkVersion accepts lock-version 2.0 and 2.1; 2.0 needs the project.
func (l *poetryLock) checkVersion(r *reader, v node) bool {
	switch {
	case l.lockVersion == "":
		return false
	case l.lockVersion != "2.0" && l.lockVersion != "2.1":
		r.fail(v.path, "poetry.lock lock-version %q is not supported (2.0 and 2.1 are); run `poetry lock` with Poetry 1.3 or later", l.lockVersion)
		return false
	case l.lockVersion == "2.0" && l.project == nil:
		r.fail(v.path, "a lock-version 2.0 poetry.lock records no roots; the project's pyproject.toml is needed to install it")
		return false
	}
	return true
}

func readPoetryPackage(r *reader, p node, v21 bool) *poetryPackage {
	pkg := &poetryPackage{path: p.path}
	pkg.name = r.required(p.get("name"), "package")
	pkg.norm = NormalizeName(pkg.name)
	pkg.version = r.required(p.get("version"), "package "+pkg.name)
	pkg.optional = r.boolean(p.get("optional"))
	pkg.groups = normalizeAll(r.strs(p.get("groups")))
	if v21 && !p.get("groups").has() {
		pkg.groups = []string{"main"}
	}
	pkg.markers = readPoetryMarkers(r, p.get("markers"))
	pkg.deps = readPoetryDeps(r, p.get("dependencies"))
	pkg.extras = readNameLists(r, p.get("extras"))
	src := p.get("source")
	pkg.source = poetrySource{kind: r.str(src.get("type")), url: r.str(src.get("url")), path: src.path}
	for _, f := range r.tables(p.get("files")) {
		a := artifact{file: r.str(f.get("file")), path: f.path}
		if h := r.str(f.get("hash")); h != "" {
			a.hash = hashCheck(r, h, f.get("hash").path)
		}
		pkg.artifacts = append(pkg.artifacts, a)
	}
	return pkg
}

// readPoetryMarkers reads `markers = "..."` (every group) or `markers = {main = "..."}`.
func readPoetryMarkers(r *reader, n node) map[string]marker {
	out := map[string]marker{}
	switch n.v.(type) {
	case nil:
	case string:
		out["*"] = checkMarker(r, r.str(n), n.path)
	default:
		for _, g := range r.keys(n) {
			out[NormalizeName(g)] = checkMarker(r, r.str(n.get(g)), n.get(g).path)
		}
	}
	return out
}

// readPoetryDeps reads [package.dependencies]: a constraint string, a table or a list of
// tables per name.
func readPoetryDeps(r *reader, n node) []poetryDep {
	var out []poetryDep
	for _, name := range r.keys(n) {
		e := n.get(name)
		switch v := e.v.(type) {
		case string:
			out = append(out, poetryDep{norm: NormalizeName(name), constraint: v, path: e.path})
		case []any:
			for _, t := range r.tables(e) {
				out = append(out, readPoetryDep(r, name, t))
			}
		default:
			if r.isTable(e) {
				out = append(out, readPoetryDep(r, name, e))
			}
		}
	}
	return out
}

func readPoetryDep(r *reader, name string, t node) poetryDep {
	d := poetryDep{
		norm:       NormalizeName(name),
		constraint: r.str(t.get("version")),
		python:     r.str(t.get("python")),
		optional:   r.boolean(t.get("optional")),
		extras:     r.strs(t.get("extras")),
		path:       t.path,
	}
	if m := t.get("markers"); m.has() {
		d.marker = checkMarker(r, r.str(m), m.path)
	}
	return d
}

// readNameLists reads a table of arrays of requirement strings (extras) into normalized
// names: "PySocks (>=1.5.6,!=1.5.7)" is "pysocks".
func readNameLists(r *reader, n node) map[string][]string {
	var out map[string][]string
	for _, k := range r.keys(n) {
		if out == nil {
			out = map[string][]string{}
		}
		for _, s := range r.strs(n.get(k)) {
			out[NormalizeName(k)] = append(out[NormalizeName(k)], NormalizeName(requirementName(s)))
		}
	}
	return out
}

// requirementName is the leading name of a requirement string.
func requirementName(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if !identChar(s[i]) && s[i] != '-' {
			return s[:i]
		}
	}
	return s
}

func (l *poetryLock) Kind() string           { return "poetry.lock" }
func (l *poetryLock) RequiresPython() string { return l.pythonVersions }

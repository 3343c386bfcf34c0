package pydeps

import (
	"github.com/mlbuild/mlbuild/pkg/located"
	"sort"
	"strings"
)

// Project is what pyproject.toml declares about a project's dependencies.
type Project struct {
	// Name is [project].name, else [tool.poetry].name.
	Name string
	// RequiresPython is [project].requires-python, a PEP 440 specifier set.
	RequiresPython string
	// Dependencies are [project].dependencies, PEP 508 strings as written.
	Dependencies []string
	// OptionalDependencies are [project.optional-dependencies], by normalized extra name.
	OptionalDependencies map[string][]string
	// DependencyGroups are the PEP 735 [dependency-groups], by normalized group name, with
	// every {include-group = "..."} replaced by that group's requirements.
	DependencyGroups map[string][]string
	// BuildBackend is [build-system].build-backend; "" when there is no [build-system], and
	// setuptools' legacy backend when the table names none (PEP 517).
	BuildBackend string
	// Scripts are [project.scripts], console script name to "module:function".
	Scripts map[string]string
	// Poetry is what [tool.poetry] declares, nil when it declares no dependencies.
	Poetry *PoetryProject
	// UV is what [tool.uv] declares (sources, conflicts, workspace), nil when none of it.
	// Its legacy dev-dependencies are read into DependencyGroups["dev"], as uv reads them.
	UV *UVProject
	// Dynamic are the [project] fields other tools fill in when the project is built
	// ("version", "dependencies", ...).
	Dynamic []string

	// file and reqs locate each requirement, for Stale.
	file *tomlDoc
	reqs []declared
}

// PoetryProject is the dependency part of [tool.poetry].
type PoetryProject struct {
	// Python is the python constraint of [tool.poetry.dependencies] ("^3.10").
	Python string
	// Dependencies are [tool.poetry.dependencies] less python, sorted by name.
	Dependencies []PoetryDependency
	// Groups are [tool.poetry.group.NAME.dependencies] by normalized name; the legacy
	// [tool.poetry.dev-dependencies] are the group "dev".
	Groups map[string][]PoetryDependency
	// OptionalGroups are the groups declared `optional = true`, sorted.
	OptionalGroups []string
	// Extras are [tool.poetry.extras], normalized extra name to package names.
	Extras map[string][]string
}

// PoetryDependency is one constraint of a Poetry dependency. A name given a list of
// constraints ("multiple constraints") has one PoetryDependency per element.
type PoetryDependency struct {
	Name string
	// Version is the Poetry constraint ("^1.2", ">=1,<2"); "" for any version.
	Version string
	// Markers, Python and Platform restrict where the dependency applies.
	Markers, Python, Platform string
	Extras                    []string
	Optional                  bool
	// Source is the named package source ("pytorch"), "" for the default.
	Source string
	// Kind is "" for a package from an index, else "git", "path" or "url".
	Kind string
	// path is the TOML path of the declaration.
	path string
}

// declared is one requirement of pyproject.toml and where it is written; scope is "" for
// the project's dependencies, "extra:NAME" or "group:NAME".
type declared struct {
	scope string
	req   Requirement
	path  string
}

// legacyBackend is PEP 517's default when [build-system] names no backend.
const legacyBackend = "setuptools.build_meta:__legacy__"

// ParsePyproject reads the dependency declarations of a pyproject.toml: [project],
// [dependency-groups] (PEP 735), [build-system] and [tool.poetry]. Every requirement string
// is checked against PEP 508; every problem is reported, located at its key.
func ParsePyproject(file string, data []byte) (*Project, error) {
	d, err := parseTOML(file, data)
	if err != nil {
		return nil, err
	}
	r := newReader(d)
	p := &Project{file: d}
	root := r.root()
	p.readProject(r, root.get("project"))
	p.DependencyGroups = p.readGroups(r, root.get("dependency-groups"))
	p.readUV(r, root.get("tool").get("uv"))
	if bs := root.get("build-system"); r.isTable(bs) {
		if p.BuildBackend = r.str(bs.get("build-backend")); p.BuildBackend == "" {
			p.BuildBackend = legacyBackend
		}
	}
	p.readPoetry(r, root.get("tool").get("poetry"))
	if err := r.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// readProject reads [project].
func (p *Project) readProject(r *reader, proj node) {
	if !r.isTable(proj) {
		return
	}
	if p.Name = r.str(proj.get("name")); p.Name != "" && !validName(p.Name) {
		r.fail(proj.get("name").path, "%q is not a valid project name", p.Name)
	}
	p.RequiresPython = r.str(proj.get("requires-python"))
	p.Dynamic = r.strs(proj.get("dynamic"))
	if _, err := parseSpecifierSet(p.RequiresPython); err != nil {
		r.fail(proj.get("requires-python").path, "%v", err)
	}
	p.Dependencies = p.requirements(r, proj.get("dependencies"), "")
	extras := proj.get("optional-dependencies")
	for _, k := range r.keys(extras) {
		if !validName(k) {
			r.fail(extras.get(k).path, "%q is not a valid extra name", k)
		}
		if p.OptionalDependencies == nil {
			p.OptionalDependencies = map[string][]string{}
		}
		name := NormalizeName(k)
		p.OptionalDependencies[name] = append(p.OptionalDependencies[name], p.requirements(r, extras.get(k), "extra:"+name)...)
	}
	scripts := proj.get("scripts")
	for _, k := range r.keys(scripts) {
		if p.Scripts == nil {
			p.Scripts = map[string]string{}
		}
		p.Scripts[k] = r.str(scripts.get(k))
	}
}

// requirements reads an array of PEP 508 strings, recording each for Stale.
func (p *Project) requirements(r *reader, n node, scope string) []string {
	var out []string
	for _, e := range r.list(n) {
		if s, ok := p.requirement(r, e, scope); ok {
			out = append(out, s)
		}
	}
	return out
}

// requirement reads one PEP 508 string and records it for Stale.
func (p *Project) requirement(r *reader, e node, scope string) (string, bool) {
	s, ok := e.v.(string)
	if !ok {
		r.fail(e.path, "must be a PEP 508 requirement string, not %s", typeName(e.v))
		return "", false
	}
	req, err := ParseRequirement(s)
	if err != nil {
		r.fail(e.path, "%v", err)
		return "", false
	}
	p.reqs = append(p.reqs, declared{scope: scope, req: req, path: e.path})
	return s, true
}

// readGroups reads [dependency-groups] and resolves {include-group = "..."}.
func (p *Project) readGroups(r *reader, groups node) map[string][]string {
	names := r.keys(groups)
	if len(names) == 0 {
		return nil
	}
	g := &groupResolver{r: r, p: p, groups: groups, byName: map[string]string{}, done: map[string][]string{}, active: map[string]bool{}}
	for _, k := range names {
		norm := NormalizeName(k)
		if other, dup := g.byName[norm]; dup {
			r.fail(groups.get(k).path, "group %q is also declared as %q (names are equal once normalized)", k, other)
			continue
		}
		if !validName(k) {
			r.fail(groups.get(k).path, "%q is not a valid group name", k)
		}
		g.byName[norm] = k
	}
	for _, k := range names {
		g.resolve(NormalizeName(k))
	}
	return g.done
}

// groupResolver expands PEP 735 groups, detecting include cycles.
type groupResolver struct {
	r      *reader
	p      *Project
	groups node
	byName map[string]string // normalized name to the key as written
	done   map[string][]string
	active map[string]bool
}

// resolve returns the requirements of the group, includes expanded; false on a cycle.
func (g *groupResolver) resolve(name string) ([]string, bool) {
	if reqs, ok := g.done[name]; ok {
		return reqs, true
	}
	if g.active[name] {
		return nil, false
	}
	g.active[name] = true
	defer delete(g.active, name)
	var out []string
	for _, e := range g.r.list(g.groups.get(g.byName[name])) {
		if _, ok := e.v.(string); ok {
			if s, ok := g.p.requirement(g.r, e, "group:"+name); ok {
				out = append(out, s)
			}
			continue
		}
		out = append(out, g.include(name, e)...)
	}
	g.done[name] = dedupe(out)
	return g.done[name], true
}

// include expands one {include-group = "name"} entry of group name.
func (g *groupResolver) include(name string, e node) []string {
	if !g.r.isTable(e) {
		return nil
	}
	inc := e.get("include-group")
	target := g.r.str(inc)
	if target == "" {
		g.r.fail(e.path, "a table in a dependency group must be {include-group = \"NAME\"}")
		return nil
	}
	norm := NormalizeName(target)
	if _, ok := g.byName[norm]; !ok {
		g.r.fail(inc.path, "group %q includes %q, which is not a dependency group%s", name, target, suggestName(norm, g.names()))
		return nil
	}
	reqs, ok := g.resolve(norm)
	if !ok {
		g.r.fail(inc.path, "group %q includes %q, which includes %q again (a cycle)", name, target, name)
	}
	return reqs
}

func (g *groupResolver) names() []string {
	out := make([]string, 0, len(g.byName))
	for n := range g.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// suggestName is " (did you mean "x"?)" for the known name closest to name, or "".
func suggestName(name string, known []string) string {
	if best := located.Closest(name, known); best != "" {
		return " (did you mean \"" + best + "\"?)"
	}
	return ""
}

// known lists names for messages: `"a", "b"` or "none".
func known(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

package pydeps

import (
	"fmt"
	"github.com/mlbuild/mlbuild/pkg/located"
	"sort"
	"strings"
)

// Stale lists, for lint, the requirements of pyproject.toml that the lock does not record,
// each message located in the file it is about ("pyproject.toml:8:5: project.dependencies[1]:
// ..."). A uv.lock records what pyproject.toml declared ([package.metadata] requires-dist
// and requires-dev), which is compared both ways, name, extras and specifier. poetry.lock's
// content-hash cannot be recomputed reliably, and pylock.toml records no declarations, so
// for them every declared requirement must name a locked package whose version satisfies
// it. Nil means nothing is stale (or project is nil).
func Stale(project *Project, lock Lock) []string {
	var msgs []string
	for _, e := range StaleErrors(project, lock) {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

// StaleErrors is Stale as located errors, for a build that refuses a lock out of date with
// its pyproject.toml (as `uv sync --locked` does).
func StaleErrors(project *Project, lock Lock) located.Errors {
	if project == nil {
		return nil
	}
	var msgs located.Errors
	switch l := lock.(type) {
	case *uvLock:
		msgs = l.stale(project)
	case *poetryLock:
		msgs = l.stale(project)
	case *pylock:
		msgs = l.stale(project)
	}
	return msgs
}

// reqKey identifies a requirement for comparison: name, extras and specifier normalized.
func reqKey(name string, extras []string, specifier string) string {
	ex := normalizeAll(extras)
	sort.Strings(ex)
	return NormalizeName(name) + "[" + strings.Join(ex, ",") + "]" + normalizeSpecifier(specifier)
}

// normalizeSpecifier sorts a specifier set's clauses in normal form.
func normalizeSpecifier(s string) string {
	set, err := parseSpecifierSet(s)
	if err != nil {
		return strings.Join(strings.Fields(s), "")
	}
	parts := make([]string, len(set))
	for i, sp := range set {
		parts[i] = sp.String()
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// display is a requirement as a message shows it: "numpy[extra]>=1.26".
func display(name string, extras []string, specifier string) string {
	s := name
	if len(extras) > 0 {
		s += "[" + strings.Join(extras, ",") + "]"
	}
	return s + specifier
}

// at formats a message located at path of a document.
func at(d *tomlDoc, path, format string, args ...any) *located.Error {
	return d.errorf(path, format, args...)
}

// stale compares the project's declarations with what the root package's metadata records,
// as `uv sync --locked` does: uv's Lock::satisfies_requires_dist
// (crates/uv-resolver/src/lock/mod.rs) compares the lowered requires-dist and the
// dependency groups of the project with the lock's [package.metadata] requires-dist and
// requires-dev, as sets of normalized requirements. Here the requirements are compared by
// name, extras and specifier (markers are left out: uv simplifies them against the lock's
// requires-python, which this does not redo), and lowered through [tool.uv.sources] as uv
// lowers them (Project.uvKeys). A project whose dependencies or optional-dependencies are
// dynamic has no static requires-dist: uv builds it to learn them; this cannot, so that
// side is not compared (StaleUnchecked says so) and only the groups are.
func (l *uvLock) stale(p *Project) located.Errors {
	var msgs located.Errors
	root := l.root
	if root == nil {
		return nil
	}
	if p.Name != "" && NormalizeName(p.Name) != root.norm {
		msgs = append(msgs, at(p.file, "project.name", "the project is %q but uv.lock locks %q; run `uv lock`", p.Name, root.name))
	}
	if !p.dynamicRequirements() {
		inProject := func(s string) bool { return s == "" || strings.HasPrefix(s, "extra:") }
		msgs = append(msgs, l.compare(p, "project's dependencies", root.requiresDist, p.declaredIn(inProject), p.keysIn(inProject))...)
	}
	for _, g := range groupUnion(p, root) {
		literal := p.declaredIn(func(s string) bool { return s == "group:"+g })
		msgs = append(msgs, l.compare(p, "group "+g, root.requiresDev[g], literal, p.groupKeys(g))...)
	}
	return msgs
}

// dynamicRequirements: [project] dynamic names dependencies or optional-dependencies.
func (p *Project) dynamicRequirements() bool {
	for _, d := range p.Dynamic {
		if d == "dependencies" || d == "optional-dependencies" {
			return true
		}
	}
	return false
}

// StaleUnchecked is, for lint, the warning that the lock could not be compared with
// pyproject.toml's requirements because they are dynamic (filled in by the build backend),
// located at [project] dynamic; nil when they were compared (or there is nothing to
// compare). uv itself builds the project to learn them; a build here cannot before the lock
// is installed.
func StaleUnchecked(project *Project, lock Lock) *located.Error {
	if project == nil || !project.dynamicRequirements() {
		return nil
	}
	if _, ok := lock.(*uvLock); !ok {
		return nil
	}
	return at(project.file, "project.dynamic", "the project's dependencies are dynamic (computed by its build backend), so whether %s is up to date with them was not checked; only its dependency groups were", lock.Kind())
}

// compare reports declared requirements the lock does not record, and recorded ones that
// the project (whose keys are all) no longer declares.
func (l *uvLock) compare(p *Project, what string, recorded []uvRequirement, declared []declared, all map[string]bool) located.Errors {
	var msgs located.Errors
	locked := map[string]bool{}
	for _, q := range recorded {
		locked[reqKey(q.name, q.extras, q.specifier)] = true
	}
	for _, d := range declared {
		found := false
		for _, k := range p.uvKeys(d.req, d.scope) {
			found = found || locked[k]
		}
		if !found {
			msgs = append(msgs, at(p.file, d.path, "%q is not what uv.lock records for the %s%s; run `uv lock`", d.req.String(), what, recordedAs(d.req.Name, recorded)))
		}
	}
	for _, q := range recorded {
		if !all[reqKey(q.name, q.extras, q.specifier)] {
			msgs = append(msgs, at(l.doc, q.path, "uv.lock records %s for the %s, which pyproject.toml no longer declares; run `uv lock`", display(q.name, q.extras, q.specifier), what))
		}
	}
	return msgs
}

// recordedAs is " (it records numpy>=1.26)" when the lock records the name differently.
func recordedAs(name string, recorded []uvRequirement) string {
	var alts []string
	for _, q := range recorded {
		if NormalizeName(q.name) == NormalizeName(name) {
			alts = append(alts, display(q.name, q.extras, q.specifier))
		}
	}
	if len(alts) == 0 {
		return " (it records no " + name + ")"
	}
	return " (it records " + strings.Join(alts, ", ") + ")"
}

// declaredIn is the project's requirements whose scope matches.
func (p *Project) declaredIn(match func(string) bool) []declared {
	var out []declared
	for _, d := range p.reqs {
		if match(d.scope) {
			out = append(out, d)
		}
	}
	return out
}

// keysIn is the reqKeys of the project's requirements whose scope matches.
func (p *Project) keysIn(match func(string) bool) map[string]bool {
	out := map[string]bool{}
	for _, d := range p.declaredIn(match) {
		for _, k := range p.uvKeys(d.req, d.scope) {
			out[k] = true
		}
	}
	return out
}

// groupKeys is the reqKeys of a group with its includes.
func (p *Project) groupKeys(g string) map[string]bool {
	out := map[string]bool{}
	for _, s := range p.DependencyGroups[g] {
		if r, err := ParseRequirement(s); err == nil {
			for _, k := range p.uvKeys(r, "group:"+g) {
				out[k] = true
			}
		}
	}
	return out
}

// groupUnion is every group the project declares or the root package records, sorted.
func groupUnion(p *Project, root *uvPackage) []string {
	names := map[string]bool{}
	for g := range p.DependencyGroups {
		names[g] = true
	}
	for g := range root.requiresDev {
		names[g] = true
	}
	return sortedKeys(names)
}

// lockedVersions is how a lock answers "which versions of name does it lock".
type lockedVersions func(norm string) []string

// staleByVersions reports each declared requirement that names no locked package whose
// version satisfies it. skip leaves out requirements the lock need not cover.
func staleByVersions(p *Project, kind string, versions lockedVersions, skip func(declared) bool) located.Errors {
	var msgs located.Errors
	for _, d := range p.reqs {
		if skip(d) || d.req.URL != "" {
			continue
		}
		if msg := checkLocked(d.req.Name, d.req.Specifier, true, kind, versions); msg != "" {
			msgs = append(msgs, at(p.file, d.path, "%s", msg))
		}
	}
	return msgs
}

// checkLocked is "" when some locked version of name satisfies constraint, else why not.
func checkLocked(name, constraint string, pep440 bool, kind string, versions lockedVersions) string {
	vs := versions(NormalizeName(name))
	if len(vs) == 0 {
		return fmt.Sprintf("%s is not in %s; lock again", name, kind)
	}
	for _, v := range vs {
		if satisfies(v, constraint, pep440) {
			return ""
		}
	}
	return fmt.Sprintf("%s %s is not satisfied by the version %s locks (%s); lock again", name, constraint, kind, strings.Join(vs, ", "))
}

// stale checks the project's requirements and [tool.poetry] dependencies against the
// locked versions, and the Python constraint against the lock's.
func (l *poetryLock) stale(p *Project) located.Errors {
	versions := func(n string) []string {
		var out []string
		for _, pkg := range l.byName[n] {
			out = append(out, pkg.version)
		}
		return out
	}
	msgs := staleByVersions(p, "poetry.lock", versions, func(declared) bool { return false })
	if pp := p.Poetry; pp != nil {
		if pp.Python != "" && l.pythonVersions != "" && strings.ReplaceAll(pp.Python, " ", "") != strings.ReplaceAll(l.pythonVersions, " ", "") {
			msgs = append(msgs, at(p.file, "tool.poetry.dependencies.python", "python %q is not the lock's %q; run `poetry lock`", pp.Python, l.pythonVersions))
		}
		for _, d := range poetryDeclared(pp) {
			if d.Kind != "" {
				d.Version = ""
			}
			if msg := checkLocked(d.Name, d.Version, false, "poetry.lock", versions); msg != "" {
				msgs = append(msgs, at(p.file, d.path, "%s", msg))
			}
		}
	}
	return msgs
}

// poetryDeclared is every [tool.poetry] dependency, main and groups, in a stable order.
func poetryDeclared(pp *PoetryProject) []PoetryDependency {
	out := append([]PoetryDependency(nil), pp.Dependencies...)
	for _, g := range sortedKeys(pp.Groups) {
		out = append(out, pp.Groups[g]...)
	}
	return out
}

// stale checks the requirements a pylock.toml covers: not those behind a marker (the lock
// may be for one environment), nor extras and groups it does not list.
func (l *pylock) stale(p *Project) located.Errors {
	versions := func(n string) []string {
		var out []string
		for _, pkg := range l.packages {
			if pkg.norm == n && pkg.version != "" {
				out = append(out, pkg.version)
			}
		}
		return out
	}
	skip := func(d declared) bool {
		kind, name, _ := strings.Cut(d.scope, ":")
		return d.req.Marker != "" ||
			(kind == "extra" && !contains(l.extras, name)) ||
			(kind == "group" && !contains(l.groups, name))
	}
	return staleByVersions(p, "pylock.toml", versions, skip)
}

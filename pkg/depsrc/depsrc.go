// Package depsrc is the one home of a build's dependency handling: it finds the dependency
// source of a spec in the build context (the spec's, else the first of spec.DetectOrder the
// context has), parses it with the pyproject.toml beside it, refuses a stale lock or a base
// image whose Python the project does not accept, checks the spec's groups and extras against
// what the source has, decides the layer layout the source gets, and turns it into the
// plan.Deps of one target, platform and Python: a lock's pins, a pyproject.toml's declared
// requirements, or the requirements files, the last possibly in two phases (the packages
// pip's report names, once the Resolve step has run).
//
// The frontend (builds, --call check and outline), the CLI (lint, dockerfile, plan, llb) call
// it with a function that reads a file of the build context; none of them decides any of
// this again. It performs no I/O of its own and imports nothing from BuildKit.
package depsrc

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/located"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Reader returns a file of the build context by its slash-separated path, or false when the
// context has no such file (missing, or excluded by .dockerignore).
type Reader func(path string) ([]byte, bool)

// PythonVersionFile pins a project's Python (pyenv, uv): its first line is the version.
const PythonVersionFile = ".python-version"

// Source is the dependency source of a build, found and parsed.
type Source struct {
	kind, source string
	// requirements are the requirements files, for kind spec.SourceRequirements.
	requirements []string
	// files are the files read, by path in the context.
	files map[string][]byte
	// project is the parsed pyproject.toml, nil when there is none; lock the parsed lock.
	project *pydeps.Project
	lock    pydeps.Lock
}

// BuildPaths are the paths of the context a build reads to find and parse the source of s:
// the spec's source (or every file of spec.DetectOrder) with the pyproject.toml and
// .python-version beside it; nil when the spec names requirements files, which pip reads
// through its own mount.
func BuildPaths(s *spec.Spec) []string {
	_, want := candidates(s)
	return want
}

// Paths are the paths Find reads for lint: BuildPaths, the requirements files the spec
// names (for their UnpinnedRequirement warnings), and, where the spec names requirements
// files or a pyproject.toml, the locks beside them (for LockNotUsed).
func Paths(s *spec.Spec) []string {
	var out []string
	add := func(ps ...string) {
		for _, p := range ps {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if files, named := s.DependencyFiles(); named && len(files) > 0 && spec.SourceKind(files[0]) == spec.SourceRequirements {
		add(files...)
	}
	add(BuildPaths(s)...)
	add(lockCandidates(s)...)
	return out
}

// candidates are the files that can be the dependency source of s, and with them the paths
// to read: nil, nil when the spec names requirements files (nothing needs reading).
func candidates(s *spec.Spec) (cands, want []string) {
	files, named := s.DependencyFiles()
	if named && (len(files) == 0 || spec.SourceKind(files[0]) == spec.SourceRequirements) {
		return nil, nil
	}
	cands = spec.DetectOrder
	if named {
		cands = files
	}
	dir := path.Dir(cands[0])
	want = append(slices.Clone(cands), path.Join(dir, "pyproject.toml"), path.Join(dir, PythonVersionFile))
	return cands, want
}

// Find finds and parses the dependency source of s, reading the files of Paths with read.
// Its errors are those of a build: the spec's source missing, or nothing found (located in
// the spec), a dependency file that does not parse or a stale lock (located in that file),
// a project that cannot be built. The Source it returns is never nil: on error it holds the
// files read and what could be parsed, for Lint and File.
func Find(s *spec.Spec, read Reader) (*Source, error) {
	return find(s, read, Paths(s))
}

// FindForBuild is Find reading only BuildPaths, as a build does.
func FindForBuild(s *spec.Spec, read Reader) (*Source, error) {
	return find(s, read, BuildPaths(s))
}

func find(s *spec.Spec, read Reader, paths []string) (*Source, error) {
	d := &Source{files: map[string][]byte{}}
	for _, p := range paths {
		if dt, ok := read(p); ok {
			d.files[p] = dt
		}
	}
	cands, _ := candidates(s)
	if cands == nil {
		req, _ := s.DependencyFiles()
		d.kind, d.source, d.requirements = spec.SourceRequirements, strings.Join(req, " "), req
		return d, nil
	}
	_, named := s.DependencyFiles()
	for _, c := range cands {
		if _, ok := d.files[c]; ok {
			d.kind, d.source = spec.SourceKind(c), c
			if d.kind == spec.SourceRequirements {
				d.requirements = []string{c}
			}
			break
		}
	}
	if d.source == "" {
		if named {
			return d, s.Errorf("dependencies.from", "%q is not in the build context (missing, or excluded by .dockerignore)", cands[0])
		}
		quoted := make([]string, len(spec.DetectOrder))
		for i, f := range spec.DetectOrder {
			quoted[i] = fmt.Sprintf("%q", f)
		}
		return d, s.Errorf("requirements", "no dependency file is in the build context (missing, or excluded by .dockerignore): looked for %s; add one, name yours in dependencies.from, or set \"requirements: []\" to install nothing",
			strings.Join(quoted, ", "))
	}
	return d, d.parse(s)
}

// parse parses the pyproject.toml beside the source and the lock, and refuses a stale lock.
func (d *Source) parse(s *spec.Spec) error {
	var err error
	pyproject := path.Join(path.Dir(d.source), "pyproject.toml")
	if dt, ok := d.files[pyproject]; ok {
		if d.project, err = pydeps.ParsePyproject(pyproject, dt); err != nil {
			return err
		}
	}
	if d.lock, err = pydeps.ParseLock(d.kind, d.source, d.files[d.source], d.project); err != nil {
		return err
	}
	if stale := pydeps.StaleErrors(d.project, d.lock); d.lock != nil && len(stale) > 0 {
		// Installing a lock that no longer says what pyproject.toml declares would install
		// something nobody asked for: refuse, as uv sync --locked does.
		return stale
	}
	if s.InstallsProject() && (d.project == nil || d.project.BuildBackend == "") {
		return s.Errorf("dependencies.project", "the project cannot be built: %s has no [build-system] table", pyproject)
	}
	return nil
}

// Kind is the kind of the dependency source, one of spec.Source*; "" when none was found.
func (d *Source) Kind() string { return d.kind }

// Name is the file the dependencies come from (the requirements files, space-separated).
func (d *Source) Name() string { return d.source }

// NeedsPython reports whether Resolve needs the base image's Python version: a lock's
// markers and a project's requires-python depend on it; requirements files do not.
func (d *Source) NeedsPython() bool { return d.kind != spec.SourceRequirements }

// RequirementsFiles are the requirements files of the main context the pip step mounts
// (none when the dependencies come from a lock or a pyproject.toml).
func (d *Source) RequirementsFiles() []string {
	if d == nil {
		return nil
	}
	return d.requirements
}

// File is a file Find read, for showing the lines of an error located in it.
func (d *Source) File(p string) ([]byte, bool) {
	if d == nil {
		return nil, false
	}
	dt, ok := d.files[p]
	return dt, ok
}

// Requirements are the requirements files the build installs, as read, for the spec's
// UnpinnedRequirement rule (spec.Lint): none when the dependencies come from a lock or a
// pyproject.toml.
func (d *Source) Requirements() map[string][]byte {
	out := map[string][]byte{}
	if d.kind != spec.SourceRequirements {
		return out
	}
	for _, r := range d.requirements {
		if dt, ok := d.files[r]; ok {
			out[r] = dt
		}
	}
	return out
}

// CheckSelection is an error, located at the spec's list item, for each group or extra the
// dependency source does not have (the lock's, else the pyproject.toml's), with the closest
// name it has: the spec's own selection, and that of each target named (all of them when
// none is). Requirements files have none; the spec's validation refuses a selection of
// theirs.
func (d *Source) CheckSelection(s *spec.Spec, targets ...string) error {
	var groups, extras []string
	switch {
	case d.kind == spec.SourceRequirements:
		return nil
	case d.lock != nil:
		groups, extras = d.lock.Selectable()
	case d.project != nil:
		groups, extras = slices.Sorted(maps.Keys(d.project.DependencyGroups)), slices.Sorted(maps.Keys(d.project.OptionalDependencies))
	default:
		return nil
	}
	var errs located.Errors
	check := func(p, kind string, names, have []string) {
		norm := make([]string, len(have))
		for i, h := range have {
			norm[i] = pydeps.NormalizeName(h)
		}
		for i, n := range names {
			if slices.Contains(norm, pydeps.NormalizeName(n)) {
				continue
			}
			declares := "none"
			if len(have) > 0 {
				declares = strings.Join(have, ", ")
			}
			msg := fmt.Sprintf("%s %q is not in %s (it has: %s)", kind, n, d.source, declares)
			if best := located.Closest(pydeps.NormalizeName(n), norm); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", have[slices.Index(norm, best)])
			}
			errs = append(errs, s.Errorf(fmt.Sprintf("%s.%ss[%d]", p, kind, i), "%s", msg))
		}
	}
	selection := func(p string, sel, ext []string) {
		if s.Has(p) {
			check(p, "group", sel, groups)
			check(p, "extra", ext, extras)
		}
	}
	if sd := s.Dependencies; sd != nil {
		selection("dependencies", sd.Groups, sd.Extras)
	}
	if len(targets) == 0 {
		targets = s.TargetNames()
	}
	for _, name := range targets {
		if t := s.Targets[name]; t != nil && t.Dependencies != nil {
			selection(spec.TargetPath(name, "dependencies"), t.Dependencies.Groups, t.Dependencies.Extras)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs.Sorted()
}

// Resolve is target's plan.Deps for platform p and the base image's Python version python
// (unused for requirements files, see NeedsPython), as every build resolves it: for a lock,
// its pins for that environment; for a pyproject.toml without a lock, its declared
// requirements; for requirements files, those files (whose packages a plan may learn from
// pip's report first: see WithReport).
func (d *Source) Resolve(s *spec.Spec, target string, p ocispecs.Platform, python string) (*plan.Deps, error) {
	t := s.Targets[target]
	if t == nil {
		return nil, s.UnknownTarget(target)
	}
	groups, extras := s.Selection(t)
	out := &plan.Deps{Kind: d.kind, Source: d.source, Groups: groups, Extras: extras, Project: s.InstallsProject(), Layers: layers(s, d.kind)}
	if out.Project && d.kind != spec.SourceRequirements {
		out.ProjectPath = path.Dir(d.source)
	}
	if d.kind == spec.SourceRequirements {
		out.Files = d.requirements
		if len(groups)+len(extras) > 0 {
			return nil, s.Errorf(selectionPath(s, t), "%s has no groups or extras; install them from a pyproject.toml or a lock (dependencies.from)", d.source)
		}
		return out, nil
	}
	if err := d.CheckSelection(s, t.Name); err != nil {
		return nil, err
	}
	env, err := pydeps.NewEnv(p.OS, p.Architecture, p.Variant, python)
	if err != nil {
		return nil, s.Errorf(s.BasePath(t), "base image %s: %v", s.BaseOf(t), err)
	}
	if err := d.checkPython(s, t, env); err != nil {
		return nil, err
	}
	sel := pydeps.Selection{Groups: groups, Extras: extras}
	if a, b, c, ok := d.project.Conflicting(sel); ok {
		// uv locks a separate resolution for each side of a conflict: installing both would
		// mix them (and fail on each package they pin differently).
		return nil, s.Errorf(selectionPath(s, t), "%s and %s cannot be installed together: %s declares them conflicting ([tool.uv] conflicts); choose one of them for this target", a, b, c.Source)
	}
	if sel.Members, err = d.checkMembers(s, t); err != nil {
		return nil, err
	}
	if d.lock == nil {
		if out.Generated, err = d.declared(s, groups, extras); err != nil {
			return nil, err
		}
		return out, nil
	}
	pins, err := d.lock.Pins(env, sel)
	if err != nil {
		return nil, err
	}
	members, err := pydeps.WorkspaceMembers(d.lock, env, sel)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.Build { // a virtual member (no [build-system]) brings only its dependencies
			out.Members = append(out.Members, plan.Member{Name: m.Name, Path: path.Join(path.Dir(d.source), m.Dir), SpecPath: membersPath(s, t)})
		}
	}
	out.Generated, out.IndexURLs = pydeps.Requirements(pins), pydeps.Indexes(pins)
	withPins(s, out, pins, true)
	return out, nil
}

// checkMembers are the workspace members target t installs, each checked against the
// lock's: an unknown one is an error at the spec's list item, and so is a virtual workspace
// (no [project] at its root) with none named.
func (d *Source) checkMembers(s *spec.Spec, t *spec.Target) ([]string, error) {
	names := s.Members(t)
	have, virtual := pydeps.Workspace(d.lock)
	if virtual && len(names) == 0 {
		return nil, s.Errorf(selectionPath(s, t), "%s is a uv workspace whose root pyproject.toml has no [project]: name the members to install in dependencies.members (it has: %s)", d.source, strings.Join(have, ", "))
	}
	lists := []struct {
		path  string
		names []string
	}{{"dependencies", nil}, {spec.TargetPath(t.Name, "dependencies"), nil}}
	if s.Dependencies != nil {
		lists[0].names = s.Dependencies.Members
	}
	if t.Dependencies != nil {
		lists[1].names = t.Dependencies.Members
	}
	var errs located.Errors
	for _, l := range lists {
		for i, n := range l.names {
			if slices.Contains(have, pydeps.NormalizeName(n)) {
				continue
			}
			msg := fmt.Sprintf("%q is not a member of the workspace %s locks (members: %s)", n, d.source, strings.Join(have, ", "))
			if len(have) == 0 {
				msg = fmt.Sprintf("%q: %s locks no workspace ([tool.uv.workspace] members)", n, d.source)
			} else if best := located.Closest(pydeps.NormalizeName(n), have); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
			errs = append(errs, s.Errorf(fmt.Sprintf("%s.members[%d]", l.path, i), "%s", msg))
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sorted()
	}
	return names, nil
}

// membersPath is where a target's members come from, for the member steps.
func membersPath(s *spec.Spec, t *spec.Target) string {
	if p := spec.TargetPath(t.Name, "dependencies", "members"); s.Has(p) {
		return p
	}
	return "dependencies.members"
}

// layers is the layout the dependencies of a source of kind get, the one place it is
// decided from the spec: dependencies.layers, except that requirements files name no exact
// set, so a layer per package needs a dry run of pip first (one more pip run on a cold cache
// that a registry cache does not carry): one layer unless the spec asks for packages.
// The plan then applies it where the builder can merge layers (plan.Deps.Layers).
func layers(s *spec.Spec, kind string) string {
	if kind == spec.SourceRequirements && !s.Has("dependencies.layers") {
		return spec.LayersSingle
	}
	return s.Dependencies.Layers
}

// WithReport is the second phase of requirements files laid out per package: d with the
// packages pip's installation report (pip install --dry-run --report, the plan's Resolve
// step) says it would install, as pins. ok is false when the report pins nothing pip can
// install by hash (a directory, a VCS checkout): the plan keeps one layer.
func WithReport(s *spec.Spec, d *plan.Deps, report []byte) (_ *plan.Deps, ok bool, err error) {
	pins, ok, err := pydeps.ParsePipReport(report)
	if err != nil || !ok || len(pins) == 0 {
		return d, false, err
	}
	out := *d
	withPins(s, &out, pins, false)
	return &out, true, nil
}

// withPins records pins in d, one plan.Pin each with its requirement lines and the wheels
// the builder may fetch itself (directFetch): the one place pins are converted for the
// plan. fromLock: the pins come from a lock (whose index the spec may replace), not from
// pip's report (whose URLs are where pip, with the spec's options, found them).
func withPins(s *spec.Spec, d *plan.Deps, pins []pydeps.Pin, fromLock bool) {
	d.Locked, d.Packages, d.Pins = true, len(pins), nil
	for _, pin := range pins {
		pp := plan.Pin{Name: pin.Name, Version: pin.Version, Size: pin.Size, Requirement: pydeps.Requirements([]pydeps.Pin{pin})}
		if directFetch(s, pin, fromLock) {
			for _, w := range pin.Wheels {
				if trustedHTTPS(s.Pip.TrustedHosts, w.URL) {
					continue
				}
				pp.Wheels = append(pp.Wheels, plan.Wheel{File: w.File, URL: w.URL, SHA256: w.SHA256, Size: w.Size, Source: pin.Source})
			}
		}
		d.Pins = append(d.Pins, pp)
	}
}

// directFetch reports whether the builder may fetch pin's wheels itself, from the URLs the
// lock (or pip's report) gives, instead of pip: only where pip would get the very same files
// from the same place. Not when the spec's pip has secrets (they may name another index or
// carry its credentials), find-links, trusted hosts or arguments of its own (which may
// change what pip picks, --no-binary say), nor when the spec's index-url replaces the index
// the lock names for the pin (a mirror the user wants used).
func directFetch(s *spec.Spec, pin pydeps.Pin, fromLock bool) bool {
	p := s.Pip
	if len(p.Secrets)+len(p.FindLinks)+len(p.Args) > 0 {
		return false
	}
	if fromLock && p.IndexURL != "" && pin.URL == "" {
		return sameIndex(p.IndexURL, pin.Index)
	}
	return true
}

// trustedHTTPS reports whether url is https on a host the spec's pip trusts (trusted-hosts:
// pip then accepts a certificate it cannot verify, which the builder's fetch would refuse):
// pip fetches such a wheel. Plain http is fetched by the builder as pip would, the sha256
// checked either way.
func trustedHTTPS(trusted []string, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" {
		return false
	}
	return slices.Contains(trusted, u.Host) || slices.Contains(trusted, u.Hostname())
}

// sameIndex compares a spec's index-url with a pin's index ("" for PyPI), ignoring a final
// slash.
func sameIndex(specURL, pinIndex string) bool {
	if pydeps.IsPyPI(specURL) {
		return pinIndex == ""
	}
	return strings.TrimSuffix(specURL, "/") == strings.TrimSuffix(pinIndex, "/")
}

// WithTags is d with a wheel chosen for each pin that has wheels to fetch, for an
// interpreter that supports tags (best first, as the base image's pip lists them): the one
// pip would choose (pydeps.ChooseWheel). A pin none of whose wheels fits keeps none, and pip
// installs it.
func WithTags(d *plan.Deps, tags []string) *plan.Deps {
	out := *d
	out.Pins, out.WheelsChosen = slices.Clone(d.Pins), true
	for i, pin := range out.Pins {
		var files []string
		for _, w := range pin.Wheels {
			files = append(files, w.File)
		}
		if j, ok := pydeps.ChooseWheel(files, tags); ok {
			out.Pins[i].Wheel = &pin.Wheels[j]
		}
	}
	return &out
}

// declared is a requirements file of what a pyproject.toml declares for the selection, for
// pip to resolve (there is no lock to pin it); CheckSelection has checked the names. Its
// dependencies only Poetry can read are an error.
func (d *Source) declared(s *spec.Spec, groups, extras []string) ([]byte, error) {
	pr := d.project
	if pr.Poetry != nil && len(pr.Dependencies) == 0 {
		return nil, s.Errorf("dependencies.from", "%s declares its dependencies under [tool.poetry], which pip cannot read without a poetry.lock: run `poetry lock` and build from the lock", d.source)
	}
	reqs := slices.Clone(pr.Dependencies)
	for _, n := range groups {
		reqs = append(reqs, pr.DependencyGroups[pydeps.NormalizeName(n)]...)
	}
	for _, n := range extras {
		reqs = append(reqs, pr.OptionalDependencies[pydeps.NormalizeName(n)]...)
	}
	var b strings.Builder
	for _, r := range reqs {
		b.WriteString(r + "\n")
	}
	return []byte(b.String()), nil
}

// checkPython refuses, before anything is installed, a base image whose Python the project
// does not support: its requires-python, and the version .python-version pins.
func (d *Source) checkPython(s *spec.Spec, t *spec.Target, env pydeps.Env) error {
	if pr := d.project; pr != nil && pr.RequiresPython != "" {
		if ok, err := pydeps.MatchSpecifier(pr.RequiresPython, env.PythonFullVersion); err == nil && !ok {
			return pythonMismatch(s, t, path.Join(path.Dir(d.source), "pyproject.toml")+" asks for requires-python "+pr.RequiresPython, env, pr.RequiresPython)
		}
	}
	pv := path.Join(path.Dir(d.source), PythonVersionFile)
	if dt, ok := d.files[pv]; ok {
		want, _, _ := strings.Cut(strings.TrimSpace(string(dt)), "\n")
		// uv writes "cpython-3.12.3" (and may add "-linux-x86_64-gnu"); pyenv "3.12.3".
		want = strings.TrimPrefix(strings.TrimSpace(want), "cpython-")
		want, _, _ = strings.Cut(want, "-")
		if want != "" && want[0] >= '0' && want[0] <= '9' && !samePythonLine(want, env.PythonFullVersion) {
			return pythonMismatch(s, t, pv+" pins "+want, env, "=="+want+".*")
		}
	}
	return nil
}

// samePythonLine: the base's version starts with the one .python-version pins ("3.12" holds
// for 3.12.4; "3.12.1" only for 3.12.1).
func samePythonLine(want, have string) bool {
	return have == want || strings.HasPrefix(have, want+".")
}

// pythonMismatch is the located error for a base image whose Python the project does not
// accept, naming both versions and a python image that would do.
func pythonMismatch(s *spec.Spec, t *spec.Target, what string, env pydeps.Env, specifier string) error {
	suggestion := ""
	for minor := 8; minor <= 14; minor++ {
		v := fmt.Sprintf("3.%d", minor)
		if ok, _ := pydeps.MatchSpecifier(specifier, v+".0"); ok || samePythonLine(strings.TrimPrefix(strings.TrimSuffix(specifier, ".*"), "=="), v) {
			suggestion = fmt.Sprintf("; set base: python:%s-slim", v)
			break
		}
	}
	return s.Errorf(s.BasePath(t), "%s has Python %s, but %s%s", s.BaseOf(t), env.PythonFullVersion, what, suggestion)
}

// selectionPath is where a target's groups and extras come from, for errors.
func selectionPath(s *spec.Spec, t *spec.Target) string {
	if p := spec.TargetPath(t.Name, "dependencies"); s.Has(p) {
		return p
	}
	return "dependencies"
}

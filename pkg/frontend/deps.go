package frontend

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// depFiles are the dependency files of a build, read from the main context once per build:
// the source the spec names or the first of spec.DetectOrder found, and beside it the
// pyproject.toml and .python-version when there are any.
type depFiles struct {
	kind, source string
	// requirements are the requirements files, for kind spec.SourceRequirements.
	requirements []string
	// files are the bytes read, by path in the context.
	files map[string][]byte
	// project is the parsed pyproject.toml, nil when there is none; lock the parsed lock.
	project *pydeps.Project
	lock    pydeps.Lock
}

// pythonVersionFile pins a project's Python (pyenv, uv): its first line is the version.
const pythonVersionFile = ".python-version"

// readDeps finds and reads the dependency files. A spec that names requirements files keeps
// today's path: nothing is read here (the pip step mounts them, and a missing one is
// explained after a failure).
func (b *builder) readDeps(ctx context.Context, s *spec.Spec) (*depFiles, error) {
	_, want := depPaths(s)
	files := map[string][]byte{}
	if want != nil {
		ref, err := b.readContext(ctx, want, "read the dependency files")
		if err != nil {
			return nil, err
		}
		for _, p := range want {
			if dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: p}); err == nil {
				files[p] = dt
			}
		}
	}
	return pickDeps(s, files)
}

// depPaths are the candidates for the dependency source of s, and with them the paths to
// read: nil, nil when the spec names requirements files (nothing needs reading).
func depPaths(s *spec.Spec) (candidates, want []string) {
	files, named := s.DependencyFiles()
	if named && (len(files) == 0 || spec.SourceKind(files[0]) == spec.SourceRequirements) {
		return nil, nil
	}
	candidates = spec.DetectOrder
	if named {
		candidates = files
	}
	dir := path.Dir(candidates[0])
	want = append(slices.Clone(candidates), path.Join(dir, "pyproject.toml"), path.Join(dir, pythonVersionFile))
	return candidates, want
}

// pickDeps is readDeps once the files are read: the source (the spec's, or the first
// candidate found) with the files read, parsed.
func pickDeps(s *spec.Spec, files map[string][]byte) (*depFiles, error) {
	candidates, _ := depPaths(s)
	if candidates == nil {
		req, _ := s.DependencyFiles()
		return &depFiles{kind: spec.SourceRequirements, source: strings.Join(req, " "), requirements: req}, nil
	}
	_, named := s.DependencyFiles()
	d := &depFiles{files: maps.Clone(files)}
	for _, c := range candidates {
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
			return nil, s.Errorf("dependencies.from", "%q is not in the build context (missing, or excluded by .dockerignore)", candidates[0])
		}
		quoted := make([]string, len(spec.DetectOrder))
		for i, f := range spec.DetectOrder {
			quoted[i] = fmt.Sprintf("%q", f)
		}
		return nil, s.Errorf("requirements", "no dependency file is in the build context (missing, or excluded by .dockerignore): looked for %s; add one, name yours in dependencies.from, or set \"requirements: []\" to install nothing",
			strings.Join(quoted, ", "))
	}
	return d, d.parse(s)
}

// parse parses the pyproject.toml beside the source and the lock.
func (d *depFiles) parse(s *spec.Spec) error {
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

// resolve is the target's plan.Deps for one platform and the base image's Python: for a lock,
// its pins for that environment; for a pyproject.toml without a lock, its declared
// requirements; for requirements files (named or detected), those files.
func (d *depFiles) resolve(s *spec.Spec, t *spec.Target, p ocispecs.Platform, python string) (*plan.Deps, error) {
	groups, extras := s.Selection(t)
	out := &plan.Deps{Kind: d.kind, Source: d.source, Groups: groups, Extras: extras, Project: s.InstallsProject(), Layers: s.Dependencies.Layers}
	if out.Project && d.kind != spec.SourceRequirements {
		out.ProjectPath = path.Dir(d.source)
	}
	if d.kind == spec.SourceRequirements {
		out.Files = d.requirements
		if !s.Has("dependencies.layers") {
			// Requirements files name no exact set: a layer per package needs a dry run of
			// pip first, one more pip run on a cold cache that a registry cache does not
			// carry. One layer unless the spec asks for packages.
			out.Layers = spec.LayersSingle
		}
		if len(groups)+len(extras) > 0 {
			return nil, s.Errorf(selectionPath(s, t), "%s has no groups or extras; install them from a pyproject.toml or a lock (dependencies.from)", d.source)
		}
		return out, nil
	}
	if err := d.checkSelection(s, t.Name); err != nil {
		return nil, err
	}
	env, err := pydeps.NewEnv(p.OS, p.Architecture, p.Variant, python)
	if err != nil {
		return nil, s.Errorf(s.BasePath(t), "base image %s: %v", s.BaseOf(t), err)
	}
	if err := d.checkPython(s, t, env); err != nil {
		return nil, err
	}
	if d.lock == nil {
		if out.Generated, err = d.declared(s, t, groups, extras); err != nil {
			return nil, err
		}
		return out, nil
	}
	pins, err := d.lock.Pins(env, pydeps.Selection{Groups: groups, Extras: extras})
	if err != nil {
		return nil, err
	}
	out.Generated, out.Locked, out.Packages = pydeps.Requirements(pins), true, len(pins)
	out.IndexURLs = pydeps.Indexes(pins)
	for _, pin := range pins {
		out.Pins = append(out.Pins, plan.Pin{Name: pin.Name, Version: pin.Version, Size: pin.Size, Requirement: pydeps.Requirements([]pydeps.Pin{pin})})
	}
	return out, nil
}

// checkSelection is an error, located at the spec's list item, for each group or extra the
// dependency source does not have (the lock's, else the pyproject.toml's), with the closest
// name it has: the spec's own selection, and that of each target named (all of them when
// targets is empty). Requirements files have none; the spec's validation refuses a
// selection of theirs.
func (d *depFiles) checkSelection(s *spec.Spec, targets ...string) error {
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
	var errs spec.Errors
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
			if best := spec.Closest(pydeps.NormalizeName(n), norm); best != "" {
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
			selection("targets."+name+".dependencies", t.Dependencies.Groups, t.Dependencies.Extras)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs.Sorted()
}

// declared is a requirements file of what a pyproject.toml declares for the selection, for
// pip to resolve (there is no lock to pin it); checkSelection has checked the names. Its
// dependencies only Poetry can read are an error.
func (d *depFiles) declared(s *spec.Spec, t *spec.Target, groups, extras []string) ([]byte, error) {
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
func (d *depFiles) checkPython(s *spec.Spec, t *spec.Target, env pydeps.Env) error {
	if pr := d.project; pr != nil && pr.RequiresPython != "" {
		if ok, err := pydeps.MatchSpecifier(pr.RequiresPython, env.PythonFullVersion); err == nil && !ok {
			return pythonMismatch(s, t, path.Join(path.Dir(d.source), "pyproject.toml")+" asks for requires-python "+pr.RequiresPython, env, pr.RequiresPython)
		}
	}
	pv := path.Join(path.Dir(d.source), pythonVersionFile)
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
	if p := "targets." + t.Name + ".dependencies"; s.Has(p) {
		return p
	}
	return "dependencies"
}

// readContext solves the main context limited to paths, to read files from it.
func (b *builder) readContext(ctx context.Context, paths []string, name string) (gwclient.Reference, error) {
	st, err := b.mainContext(ctx, llb.FollowPaths(paths), dockerui.WithInternalName(name))
	if err != nil {
		return nil, err
	}
	return b.read(ctx, st)
}

// file returns a dependency file's bytes, for located errors.
func (d *depFiles) file(p string) ([]byte, bool) {
	if d == nil {
		return nil, false
	}
	dt, ok := d.files[p]
	return dt, ok
}

// requirementsFiles are the requirements files of the main context the pip step mounts
// (none when the dependencies come from a lock or a pyproject.toml).
func (d *depFiles) requirementsFiles() []string {
	if d == nil {
		return nil
	}
	return d.requirements
}

// resolveDeps is the target's plan.Deps for platform p: requirements files need nothing of
// the base image; a lock or a pyproject.toml needs its Python version.
func (b *builder) resolveDeps(ctx context.Context, s *spec.Spec, target string, p ocispecs.Platform, base *baseImage) (*plan.Deps, error) {
	python := ""
	if b.deps.kind != spec.SourceRequirements {
		var err error
		if python, err = b.basePython(ctx, base, p); err != nil {
			return nil, err
		}
	}
	return b.deps.resolve(s, s.Targets[target], p, python)
}

// basePython is the base image's Python version: its PYTHON_VERSION (the python images set
// it), else what its python3 says.
func (b *builder) basePython(ctx context.Context, base *baseImage, p ocispecs.Platform) (string, error) {
	if base.image != nil {
		for _, kv := range base.image.Config.Env {
			if k, v, _ := strings.Cut(kv, "="); k == "PYTHON_VERSION" && v != "" {
				return v, nil
			}
		}
	}
	run := base.state.Run(
		llb.Args([]string{"python3", "-c", "import platform; open('/out/version', 'w').write(platform.python_version())"}),
		llb.Network(pb.NetMode_NONE),
		llb.WithCustomName(plan.InternalVertex("ask the base image for its Python version")),
	)
	out := run.AddMount("/out", llb.Scratch())
	def, err := b.marshal(ctx, out, llb.Platform(p))
	if err != nil {
		return "", err
	}
	ref, err := b.solve(ctx, def, true)
	if err != nil {
		return "", fmt.Errorf("base image %s: cannot learn its Python version (no PYTHON_VERSION, and python3 did not run): %w", base.name, err)
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "version"})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(dt)), nil
}

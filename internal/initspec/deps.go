package initspec

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// maxLockSize bounds the lock files init reads (a large project's uv.lock is a few MiB).
const maxLockSize = 32 << 20

// Group names that clearly belong to one image: init installs them in that target only.
var (
	trainingGroups  = []string{"train", "training"}
	inferenceGroups = []string{"serve", "serving", "inference"}
)

// depSource is where the images' dependencies come from when it is a lock or a
// pyproject.toml: the frontend finds it by itself (spec.DetectOrder), so the spec names
// nothing, but init reads it to check it and to propose groups.
type depSource struct {
	file    string // "uv.lock", "pyproject.toml", ...
	kind    string // spec.Source*
	project *pydeps.Project
	lock    pydeps.Lock
	// broken is set when the build would refuse the files (noted).
	broken bool
	// groups and extras the pyproject.toml declares, sorted.
	groups, extras []string
}

// detectDeps finds the dependency source as the frontend does, when it is a lock or a
// pyproject.toml that declares dependencies; nil means the requirements files decide
// (requirements.txt, which the frontend finds too, or what init lists).
func (r *repo) detectDeps() *depSource {
	var project *pydeps.Project
	projectErr := ""
	if r.inContext("pyproject.toml", false) {
		data, err := r.read("pyproject.toml", maxTextSize)
		if err == nil {
			project, err = pydeps.ParsePyproject("pyproject.toml", data)
		}
		if err != nil {
			projectErr = oneLine(err)
		}
	}
	for _, f := range spec.DetectOrder {
		if !r.inContext(f, false) {
			continue
		}
		kind := spec.SourceKind(f)
		switch kind {
		case spec.SourceRequirements:
			return nil // today's requirements.txt path
		case spec.SourcePyproject:
			if projectErr != "" {
				r.note("dependencies: pyproject.toml does not parse, so builds fail until it is fixed: %s", projectErr)
				return &depSource{file: f, kind: kind, broken: true}
			}
			if len(project.Dependencies) == 0 && project.Poetry != nil {
				r.note("dependencies: pyproject.toml declares its dependencies for Poetry only ([tool.poetry]), which mlbuild installs " +
					"from a poetry.lock: run poetry lock, then remove requirements from the spec so that the frontend finds the lock")
				return nil
			}
			if len(project.Dependencies) == 0 && len(project.DependencyGroups) == 0 && len(project.OptionalDependencies) == 0 {
				return nil // tool settings only: not a dependency source
			}
		}
		d := &depSource{file: f, kind: kind, project: project}
		if projectErr != "" {
			r.note("dependencies: pyproject.toml does not parse, so builds fail until it is fixed: %s", projectErr)
			d.broken = true
		}
		if kind != spec.SourcePyproject {
			d.readLock(r)
		}
		d.selectable()
		return d
	}
	return nil
}

// readLock parses the lock and checks it against pyproject.toml, as a build does.
func (d *depSource) readLock(r *repo) {
	data, err := r.read(d.file, maxLockSize)
	if err == nil {
		d.lock, err = pydeps.ParseLock(d.kind, d.file, data, d.project)
	}
	if err != nil {
		r.note("dependencies: %s does not parse, so builds fail until it is fixed: %s", d.file, oneLine(err))
		d.broken = true
		return
	}
	if stale := pydeps.StaleErrors(d.project, d.lock); len(stale) > 0 {
		r.note("dependencies: %s is out of date with pyproject.toml (%d %s, e.g. %s), so builds refuse it: lock again",
			d.file, len(stale), plural(len(stale), "difference", "differences"), stale[0].Error())
		d.broken = true
	}
}

// selectable collects the group and extra names of pyproject.toml.
func (d *depSource) selectable() {
	pr := d.project
	if pr == nil {
		return
	}
	for g := range pr.DependencyGroups {
		d.groups = append(d.groups, g)
	}
	if pr.Poetry != nil {
		for g := range pr.Poetry.Groups {
			if !slices.Contains(d.groups, g) {
				d.groups = append(d.groups, g)
			}
		}
	}
	for e := range pr.OptionalDependencies {
		d.extras = append(d.extras, e)
	}
	slices.Sort(d.groups)
	slices.Sort(d.extras)
}

// plan sets what the spec says about the dependencies: nothing about the source (the
// frontend finds it), a group named for one image in that target, and a comment.
func (d *depSource) plan(r *repo, p *plan) {
	what := "the packages it pins, with their hashes, as locked for the target platform and the base image's Python"
	if d.kind == spec.SourcePyproject {
		what = "the requirements it declares, which pip resolves at build time (there is no lock)"
	}
	var rest []string
	for _, g := range d.groups {
		switch {
		case slices.Contains(trainingGroups, g):
			p.training.groups = append(p.training.groups, g)
		case slices.Contains(inferenceGroups, g):
			p.inference.groups = append(p.inference.groups, g)
		default:
			rest = append(rest, g)
		}
	}
	p.depsWhy = "Dependencies: " + d.file + ", which the frontend finds by itself: " + what + "."
	if len(rest)+len(d.extras) > 0 {
		// A commented hint: what else pyproject.toml declares, as the spec would install it.
		p.depsWhy += " To install more of what pyproject.toml declares in every image (or in one, under targets.<name>):"
		p.depsHint = []string{"dependencies:"}
		if len(rest) > 0 {
			p.depsHint = append(p.depsHint, "  groups: "+flow(rest))
		}
		if len(d.extras) > 0 {
			p.depsHint = append(p.depsHint, "  extras: "+flow(d.extras))
		}
	}
	if g := p.training.groups; len(g) > 0 {
		p.training.groupsWhy = fmt.Sprintf("The %s %s of pyproject.toml: for training only.", plural(len(g), "group", "groups"), list(g))
	}
	if g := p.inference.groups; len(g) > 0 {
		p.inference.groupsWhy = fmt.Sprintf("The %s %s of pyproject.toml: for the inference image only.", plural(len(g), "group", "groups"), list(g))
	}

	note := "dependencies: " + d.file + " (the frontend finds it: nothing written)"
	if d.kind == spec.SourcePyproject {
		note += "; no lock, so pip resolves its ranges at each build: lock them (uv lock, poetry lock) for reproducible images"
	}
	r.note("%s", note)
	if len(p.training.groups)+len(p.inference.groups) > 0 {
		var parts []string
		if g := p.training.groups; len(g) > 0 {
			parts = append(parts, fmt.Sprintf("%s in training", list(g)))
		}
		if g := p.inference.groups; len(g) > 0 {
			parts = append(parts, fmt.Sprintf("%s in inference", list(g)))
		}
		r.note("dependencies: installing the %s %s", plural(len(p.training.groups)+len(p.inference.groups), "group", "groups"), strings.Join(parts, ", "))
	}
	if len(rest) > 0 {
		r.note("dependencies: not installing the %s %s (dependencies.groups installs %s)", plural(len(rest), "group", "groups"), list(rest), plural(len(rest), "it", "them"))
	}
	if len(d.extras) > 0 {
		r.note("dependencies: not installing the %s %s (dependencies.extras installs %s)", plural(len(d.extras), "extra", "extras"), list(d.extras), plural(len(d.extras), "it", "them"))
	}
	if d.kind != spec.SourcePyproject && r.inContext(spec.DefaultRequirements, false) {
		r.note("dependencies: %s is not installed: the frontend takes %s first; set requirements: [%[1]s] to install it instead",
			spec.DefaultRequirements, d.file)
	}
	if pr := d.project; pr != nil && pr.BuildBackend != "" {
		r.note("dependencies: pyproject.toml has a [build-system]: set dependencies.project: true to install the project itself as a wheel (the copies still copy its code)")
	}
}

// packages records what the inference image installs, for the uvicorn check: the pins of the
// lock for linux/amd64 and the base's Python, or the requirements pyproject.toml declares.
func (d *depSource) packages(r *repo, python string, groups []string) {
	if d.broken {
		return
	}
	if d.lock == nil {
		reqs := slices.Clone(d.project.Dependencies)
		for _, g := range groups {
			reqs = append(reqs, d.project.DependencyGroups[g]...)
		}
		for _, s := range reqs {
			if req, err := pydeps.ParseRequirement(s); err == nil {
				r.reqPkgs[normalizePkg(req.Name)] = true
			}
		}
		r.reqKnown = true
		return
	}
	env, err := pydeps.NewEnv("linux", "amd64", "", python)
	if err != nil {
		return
	}
	pins, err := d.lock.Pins(env, pydeps.Selection{Groups: groups})
	if err != nil {
		r.note("dependencies: %s cannot be installed for linux/amd64 and Python %s, so builds fail: %s", d.file, python, oneLine(err))
		return
	}
	for _, pin := range pins {
		r.reqPkgs[normalizePkg(pin.Name)] = true
	}
	r.reqKnown = true
}

// oneLine is an error on one line: the first of several located errors, with their count.
func oneLine(err error) string {
	var list spec.Errors
	if errors.As(err, &list) && len(list) > 1 {
		return fmt.Sprintf("%s (and %d more)", list[0].Error(), len(list)-1)
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// importNames maps the distributions whose import name differs from their name.
var importNames = map[string]string{"scikit-learn": "sklearn", "pyyaml": "yaml", "pillow": "PIL",
	"opencv-python": "cv2", "opencv-python-headless": "cv2", "python-dotenv": "dotenv", "beautifulsoup4": "bs4",
	"python-multipart": "multipart", "pytorch-lightning": "pytorch_lightning", "lightning": "lightning",
	"scikit-image": "skimage", "sentence-transformers": "sentence_transformers", "protobuf": "google",
	"python-json-logger": "pythonjsonlogger", "attrs": "attr", "pymupdf": "fitz", "faiss-cpu": "faiss"}

// importName is the top-level module a distribution installs, by its name.
func importName(dist string) string {
	n := normalizePkg(dist)
	if m, ok := importNames[n]; ok {
		return m
	}
	return strings.ReplaceAll(n, "-", "_")
}

// importedGroups installs a dependency group of pyproject.toml that init left out when the
// code an image runs imports a package only that group provides: uv installs the dev group
// by default, so such code runs under uv run and fails in the image.
func (d *depSource) importedGroups(r *repo, p *plan, trainFiles, appFiles []string) {
	pr := d.project
	if pr == nil {
		return
	}
	main := map[string]bool{}
	for _, s := range pr.Dependencies {
		if req, err := pydeps.ParseRequirement(s); err == nil {
			main[importName(req.Name)] = true
		}
	}
	groupOf := map[string][]string{} // import name -> groups providing it
	for _, g := range d.groups {
		for _, s := range pr.DependencyGroups[g] {
			if req, err := pydeps.ParseRequirement(s); err == nil && !main[importName(req.Name)] {
				groupOf[importName(req.Name)] = append(groupOf[importName(req.Name)], g)
			}
		}
		if pr.Poetry != nil {
			for _, dep := range pr.Poetry.Groups[g] {
				if !main[importName(dep.Name)] {
					groupOf[importName(dep.Name)] = append(groupOf[importName(dep.Name)], g)
				}
			}
		}
	}
	for _, t := range []struct {
		name  string
		tp    *targetPlan
		files []string
	}{{"training", &p.training, trainFiles}, {"inference", &p.inference, appFiles}} {
		var why []string
		for _, f := range r.pyFiles(t.files) {
			for _, imp := range slices.Sorted(maps.Keys(f.imports)) {
				gs := groupOf[imp]
				if len(gs) != 1 || slices.Contains(t.tp.groups, gs[0]) || r.isFile(imp+".py") || r.isDir(imp) {
					continue
				}
				t.tp.groups = append(t.tp.groups, gs[0])
				why = append(why, fmt.Sprintf("%s imports %s, which only the group %s provides", f.path, imp, gs[0]))
			}
		}
		if len(why) > 0 {
			t.tp.groupsWhy = strings.TrimSpace(t.tp.groupsWhy + " " + strings.Join(why, "; ") + ".")
			r.note("dependencies: installing the group %s in %s after all: %s", list(t.tp.groups), t.name, strings.Join(why, "; "))
		}
	}
}

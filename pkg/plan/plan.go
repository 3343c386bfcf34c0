// Package plan resolves one target of a validated spec into the decisions every renderer of
// it shares: the steps in order (what each runs or copies, from which context, to where, and
// its vertex name), the pip invocation, the image config edits in the order they apply, and
// the checks run before export.
//
// pkg/llbgraph renders a Plan to LLB, pkg/eject to a Dockerfile, and the frontend reads it
// for the paths a build needs; none of them decides any of these again. The package performs
// no I/O and imports nothing from BuildKit; the same spec and options give the same Plan. It
// never changes the spec: named build contexts are an input ([Options.Contexts]), not an edit
// of the copy entries.
package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// Shape is how a target's layers are put together.
type Shape int

const (
	// ShapeMerge builds each layer on its own and joins them with one merge op, as
	// COPY --link does: a layer is rebuilt only when its own inputs change, and the pip
	// step is shared by every target. It needs the merge and diff ops (BuildKit v0.10).
	ShapeMerge Shape = iota
	// ShapeCopy applies the same layers in the same order onto the base: the user step runs
	// on the base, the venv and the packages are copied from the (still shared) steps that
	// made them, and the paths are copied from the context. The files, owners, modes and
	// the image config are those of ShapeMerge; a layer's cache key now also depends on the
	// layers below it.
	ShapeCopy
)

func (s Shape) String() string {
	if s == ShapeCopy {
		return "copy"
	}
	return "merge"
}

// Options are what a plan depends on besides the spec.
type Options struct {
	// Target is the name of the target; it must exist in the spec.
	Target string
	// Shape is the shape the renderer builds (the Dockerfile renderer: ShapeMerge).
	Shape Shape
	// Contexts are the named build contexts the build was given (--build-context NAME=…).
	// A copy entry reads from its "context", or from a context named like its path
	// (models=../trained replaces the copied "models"), or from the main context.
	Contexts []string
	// Label starts every vertex name; empty means the target's name. Multi-platform builds
	// add the platform ("inference linux/arm64").
	Label string
	// Deps is the dependency source the frontend resolved for this target and platform; nil
	// means the spec's requirements files.
	Deps *Deps
}

// Deps is what a target installs into the virtualenv, once the frontend has read the
// dependency files of the build context.
type Deps struct {
	// Kind is one of spec.Source*; Source is the file the dependencies come from.
	Kind, Source string
	// Files are requirements files of the main context (Kind spec.SourceRequirements).
	Files []string
	// Generated is the requirements file the frontend wrote from a lock or a pyproject.toml
	// (the locked pins with their hashes, or the declared requirements); nil for Kind
	// spec.SourceRequirements.
	Generated []byte
	// Locked: Generated pins every package with its hashes, so pip installs exactly that:
	// --no-deps --require-hashes.
	Locked bool
	// Packages is the number of pins in Generated, for names.
	Packages int
	// Pins are the locked packages one by one (Locked only), for a layer per package.
	Pins []Pin
	// Layers is the spec's dependencies.layers: "packages" lays Pins out in several layers
	// (see layout) where the builder has merge ops; anything else installs Generated in one.
	Layers string
	// IndexURLs are the package indexes the lock names, used when the spec's pip sets no
	// index-url: the first as --index-url, the others as --extra-index-url.
	IndexURLs []string
	// Groups and Extras installed, for names.
	Groups, Extras []string
	// Project builds and installs the project from the main context after the dependencies;
	// ProjectPath is the project's directory in the context ("" or "." for its root).
	Project     bool
	ProjectPath string
}

// deps are the spec's requirements files when the frontend resolved none.
func specDeps(s *spec.Spec) *Deps {
	return &Deps{Kind: spec.SourceRequirements, Source: strings.Join(s.Requirements, " "), Files: s.Requirements, Project: s.InstallsProject()}
}

// installs reports whether anything is installed into a virtualenv.
func (d *Deps) installs() bool { return len(d.Files) > 0 || d.Generated != nil || d.Project }

// Kind is what a step does.
type Kind int

const (
	// User adds the account the container runs as, its home and its writable directories.
	User Kind = iota
	// Venv creates the virtualenv.
	Venv
	// Pip installs the requirements into the virtualenv.
	Pip
	// Project builds the project from the main context and installs it into the virtualenv.
	Project
	// Copy copies a path of a build context into the image.
	Copy
	// Assemble joins the layers onto the base (ShapeMerge only).
	Assemble
	// System installs Debian or Ubuntu packages with apt-get on the base.
	System
	// Run runs a build-time command of the spec on the image without its code.
	Run
)

// Step is one numbered step of a target: one vertex of the graph doing the work, and one
// layer of the image (Assemble excepted).
type Step struct {
	Kind Kind
	// Name is the vertex name, "[inference 3/6] pip install -r requirements.txt".
	Name string
	// What is Name without its prefix; History is the image history entry's created_by.
	What, History string
	// SpecPath locates the step in the spec.
	SpecPath string

	// Script is the User and Venv steps' /bin/sh script.
	Script string
	// Args are the Venv step's arguments of python3 (in Script, with the fixing of times).
	Args []string
	// Pip is the Pip and Project steps' invocation.
	Pip *PipStep
	// Copy is the Copy step's source and destination.
	Copy *CopyStep
	// Apt is the System step's packages.
	Apt *AptStep
	// Run is the Run step's command and mounts.
	Run *RunStep
	// Layers is the number of layers an Assemble step joins (the base included).
	Layers int
}

// CopyStep is a copy of a path of a build context.
type CopyStep struct {
	// Index is the copy entry's index in the target.
	Index int
	// Context is the named build context copied from; empty means the main context.
	Context string
	// From is the path inside that context, cleaned and relative ("." for all of it).
	From string
	// Dest is the absolute destination; the copy is owned by root.
	Dest string
}

// Plan is one target resolved.
type Plan struct {
	Spec   *spec.Spec
	Target *spec.Target
	Shape  Shape
	// Steps in the order they apply; Step n is Steps[n-1].
	Steps []Step
	// Config is how the image config is derived from the base image's.
	Config Config
	// Checks run in the built image before it is exported.
	Checks []Check
	// Deps is what the venv gets.
	Deps *Deps
	// Base is the image reference the target starts from, as the spec writes it.
	Base string
	// BuildRoot, when set, installs packages on the base for the dependency steps to run on
	// (the spec's system-packages and build-packages); it is in no layer. Nil with
	// DepsOnSystem: they run on the System step's output; nil without: on the base.
	BuildRoot    *Step
	DepsOnSystem bool
	names        namer
}

// New resolves a target of a validated spec.
func New(s *spec.Spec, opt Options) (*Plan, error) {
	t := s.Targets[opt.Target]
	if t == nil {
		return nil, s.UnknownTarget(opt.Target)
	}
	label := opt.Label
	if label == "" {
		label = t.Name
	}
	deps := opt.Deps
	if deps == nil {
		deps = specDeps(s)
	}
	p := &Plan{Spec: s, Target: t, Shape: opt.Shape, Deps: deps, Base: s.BaseOf(t), names: namer{label: label}}
	if len(t.SystemPackages) > 0 {
		p.add(p.systemStep())
	}
	if *t.User.UID != 0 {
		p.add(p.userStep())
	}
	if deps.installs() {
		p.add(p.venvStep())
		switch {
		case p.perPackage():
			for _, st := range p.packageSteps() {
				p.add(st)
			}
		case len(deps.Files) > 0 || deps.Generated != nil:
			p.add(p.pipStep())
		}
		p.depsRoot()
	}
	// Build-time commands run on the dependencies, before the project and the code: an
	// edit of either does not run them again.
	for _, r := range t.Run {
		p.add(p.runStep(r))
	}
	if deps.installs() {
		if deps.Project {
			st := p.projectStep()
			// With a layer per package, the project is built into the bare venv too: an
			// edit of it re-runs this step alone, whatever the packages' layers are.
			st.Pip.Alone = p.perPackage()
			p.add(st)
		}
	}
	for i, cp := range t.Copy {
		p.add(p.copyStep(i, cp, opt.Contexts))
	}
	if p.Shape == ShapeMerge {
		n := len(p.Steps) + 1 // the base, then one layer per step
		p.add(Step{Kind: Assemble, What: fmt.Sprintf("assemble %d layers", n), SpecPath: "targets." + t.Name, Layers: n})
	}
	for i := range p.Steps {
		p.Steps[i].Name = p.names.step(i+1, len(p.Steps), p.Steps[i].What)
	}
	p.Config = p.config()
	p.Checks = p.checks()
	return p, nil
}

func (p *Plan) add(st Step) { p.Steps = append(p.Steps, st) }

// Find returns the first step of a kind, or nil.
func (p *Plan) Find(k Kind) *Step {
	for i := range p.Steps {
		if p.Steps[i].Kind == k {
			return &p.Steps[i]
		}
	}
	return nil
}

// History is the image history the steps add, one entry per layer.
func (p *Plan) History() []string {
	var out []string
	for _, st := range p.Steps {
		if st.History != "" {
			out = append(out, st.History)
		}
	}
	return out
}

// ContextNames are the names of build contexts a target's copy entries can read: an entry's
// "context", else its path (a context named like it replaces it). The frontend loads those of
// them the build was given and passes their names as [Options.Contexts].
func ContextNames(t *spec.Target) []string {
	var out []string
	for _, cp := range t.Copy {
		name := cp.Context
		if name == "" {
			name = cp.From
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// copyStep copies one context path, owned by root so the app user can read but not change it.
func (p *Plan) copyStep(i int, cp spec.Copy, contexts []string) Step {
	c := &CopyStep{Index: i, Context: cp.Context, From: path.Clean(cp.From), Dest: p.Target.CopyDest(cp)}
	if c.Context == "" && slices.Contains(contexts, cp.From) {
		c.Context, c.From = cp.From, "."
	}
	return Step{
		Kind:     Copy,
		What:     fmt.Sprintf("copy %s %s", cp.From, c.Dest),
		History:  "mlbuild: COPY " + cp.From + " " + c.Dest,
		SpecPath: fmt.Sprintf("targets.%s.copy[%d]", p.Target.Name, i),
		Copy:     c,
	}
}

// MainContextPaths are the paths of the main build context the plan reads: the requirements
// files, then the copied paths that come from it, each with the spec path that asks for it.
func (p *Plan) MainContextPaths() []Need {
	var out []Need
	for i, r := range p.Deps.Files {
		specPath := fmt.Sprintf("requirements[%d]", i)
		if p.Spec.Has("dependencies.from") {
			specPath = "dependencies.from"
		}
		out = append(out, Need{Path: r, SpecPath: specPath,
			Hint: "add it, list the right file under \"requirements\", or set \"requirements: []\" to skip pip"})
	}
	for _, st := range p.Steps {
		if st.Kind != Copy || st.Copy.Context != "" {
			continue
		}
		out = append(out, Need{Path: st.Copy.From, SpecPath: st.SpecPath,
			Hint: fmt.Sprintf("create it, supply it with --build-context %s=DIR, or set targets.%s.copy", st.Copy.From, p.Target.Name)})
	}
	return out
}

// ContextReads are the paths of the main build context the image's layers read: the copied
// paths that come from it and the project's directory. Nil means all of it (one of them is
// the context's root). The frontend transfers only these, as the Dockerfile frontend does
// for COPY sources, so a large folder the spec never names is never sent.
func (p *Plan) ContextReads() []string {
	var out []string
	add := func(q string) bool {
		q = path.Clean(strings.TrimPrefix(path.Clean("/"+q), "/"))
		if q == "." || q == "" {
			return false
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
		return true
	}
	for _, st := range p.Steps {
		switch {
		case st.Kind == Copy && st.Copy.Context == "":
			if !add(st.Copy.From) {
				return nil
			}
		case st.Kind == Project:
			if !add(st.Pip.ProjectPath) {
				return nil
			}
		}
	}
	slices.Sort(out)
	return out
}

// Need is a path of the main build context a plan reads.
type Need struct {
	Path, SpecPath string
	// Hint says how to supply it when it is missing.
	Hint string
}

// Package plan resolves one target of a validated spec into the decisions every renderer of
// it shares: the steps in order (what each runs or copies, from which context, to where, and
// its vertex name), the pip invocation, the image config edits in the order they apply, and
// the checks run before export.
//
// The Plan is closed: it carries everything its renderers need (the base reference, the
// venv, the user, the spec ranges of the spec paths it names, the resolve step, the label),
// and they read nothing else. pkg/llbgraph renders a Plan to LLB, pkg/eject to a Dockerfile,
// and the frontend reads it for the paths a build needs; none of them decides any of these
// again, and none looks at the spec. It is a plain value that marshals to JSON and back
// ([JSON]; frontend plan prints it). The package performs no I/O and imports nothing from
// BuildKit; the same spec and options give the same Plan. It never changes the spec: named
// build contexts are an input ([Options.Contexts]), not an edit of the copy entries.
package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/mlbuild/mlbuild/pkg/located"
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
	// OneLayer: the renderer cannot merge independent layers (a Dockerfile), so the
	// dependencies are installed in one pip step whatever Deps.Layers says (see layout).
	OneLayer bool
}

// Deps is what a target installs into the virtualenv, once the frontend has read the
// dependency files of the build context.
type Deps struct {
	// Kind is one of spec.Source*; Source is the file the dependencies come from.
	Kind, Source string
	// Files are requirements files of the main context (Kind spec.SourceRequirements).
	Files []string `json:",omitempty"`
	// Generated is the requirements file the frontend wrote from a lock or a pyproject.toml
	// (the locked pins with their hashes, or the declared requirements); nil for Kind
	// spec.SourceRequirements.
	Generated Text `json:",omitempty"`
	// Locked: Generated pins every package with its hashes, so pip installs exactly that:
	// --no-deps --require-hashes.
	Locked bool `json:",omitempty"`
	// Packages is the number of pins in Generated, for names.
	Packages int `json:",omitempty"`
	// Pins are the locked packages one by one (Locked only), for a layer per package.
	Pins []Pin `json:",omitempty"`
	// Layers is the spec's dependencies.layers: "packages" lays Pins out in several layers
	// (see layout) where the builder has merge ops; anything else installs Generated in one.
	Layers string
	// IndexURLs are the package indexes the lock names, used when the spec's pip sets no
	// index-url: the first as --index-url, the others as --extra-index-url.
	IndexURLs []string `json:",omitempty"`
	// Groups and Extras installed, for names.
	Groups []string `json:",omitempty"`
	Extras []string `json:",omitempty"`
	// Project builds and installs the project from the main context after the dependencies;
	// ProjectPath is the project's directory in the context ("" or "." for its root).
	Project     bool   `json:",omitempty"`
	ProjectPath string `json:",omitempty"`
	// WheelsChosen: the pins' Wheel are chosen for the base image's interpreter (see
	// NeedsTags), so pins without one are installed by pip.
	WheelsChosen bool `json:",omitempty"`
	// Members are the uv workspace members built from the main context after the project,
	// each in a step (a layer) of its own, in this order.
	Members []Member `json:",omitempty"`
}

// Member is a workspace member built from the main context and installed like the project.
type Member struct {
	// Name is the member's name; Path its directory in the context.
	Name, Path string
	// SpecPath locates where the spec asks for it ("targets.inference.dependencies.members").
	SpecPath string
}

// deps are the spec's requirements files when the frontend resolved none.
func specDeps(s *spec.Spec) *Deps {
	return &Deps{Kind: spec.SourceRequirements, Source: strings.Join(s.Requirements, " "), Files: s.Requirements, Project: s.InstallsProject()}
}

// installs reports whether anything is installed into a virtualenv.
func (d *Deps) installs() bool {
	return len(d.Files) > 0 || d.Generated != nil || d.Project || len(d.Members) > 0
}

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
	// Workdir gives the working directory (writable-workdir) and the writable directories
	// a copy lands on to the user, after the copies that create them owned by root.
	Workdir
	// Assemble joins the layers onto the base (ShapeMerge only).
	Assemble
	// System installs Debian or Ubuntu packages with apt-get on the base.
	System
	// Run runs a build-time command of the spec on the image without its code.
	Run
)

var kindNames = [...]string{"user", "venv", "pip", "project", "copy", "workdir", "assemble", "system", "run"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalText writes the kind's name, so a plan reads well as JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	i := slices.Index(kindNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("unknown step kind %q", b)
	}
	*k = Kind(i)
	return nil
}

// MarshalText writes the shape's name ("merge", "copy").
func (s Shape) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a shape's name.
func (s *Shape) UnmarshalText(b []byte) error {
	switch string(b) {
	case "merge":
		*s = ShapeMerge
	case "copy":
		*s = ShapeCopy
	default:
		return fmt.Errorf("unknown shape %q", b)
	}
	return nil
}

// Text is file content carried by the plan (a generated requirements file); it is written
// as a JSON string, so a printed plan shows it.
type Text []byte

// MarshalText returns the content itself.
func (t Text) MarshalText() ([]byte, error) { return t, nil }

// UnmarshalText keeps the content.
func (t *Text) UnmarshalText(b []byte) error {
	*t = slices.Clone(b)
	return nil
}

// Step is one numbered step of a target: one vertex of the graph doing the work, and one
// layer of the image (Assemble excepted).
type Step struct {
	Kind Kind
	// Name is the vertex name, "[inference 3/6] pip install -r requirements.txt".
	Name string
	// What is Name without its prefix; History is the image history entry's created_by.
	What    string
	History string `json:",omitempty"`
	// SpecPath locates the step in the spec.
	SpecPath string

	// Script is the User and Venv steps' /bin/sh script.
	Script string `json:",omitempty"`
	// Args are the Venv step's arguments of python3 (in Script, with the fixing of times).
	Args []string `json:",omitempty"`
	// Pip is the Pip and Project steps' invocation.
	Pip *PipStep `json:",omitempty"`
	// Copy is the Copy step's source and destination.
	Copy *CopyStep `json:",omitempty"`
	// Dirs are the Workdir step's directories (the working directory first, when given);
	// UID and GID own them. Their parents that do not exist are created owned by root, mode
	// 0755.
	Dirs     []string `json:",omitempty"`
	UID, GID int      `json:",omitempty"`
	// Apt is the System step's packages.
	Apt *AptStep `json:",omitempty"`
	// Run is the Run step's command and mounts.
	Run *RunStep `json:",omitempty"`
	// Layers is the number of layers an Assemble step joins (the base included).
	Layers int `json:",omitempty"`
}

// CopyStep is a copy of a path of a build context.
type CopyStep struct {
	// Index is the copy entry's index in the target.
	Index int
	// Context is the named build context copied from; empty means the main context.
	Context string `json:",omitempty"`
	// From is the path inside that context, cleaned and relative ("." for all of it).
	From string
	// Dest is the absolute destination; the copy is owned by root.
	Dest string
}

// Plan is one target resolved: everything its renderers (pkg/llbgraph, pkg/eject, the
// frontend's --call outline and missing-path explanations) need, and nothing they must look
// up in the spec. It is a plain value: it marshals to JSON (frontend plan prints it) and
// back.
type Plan struct {
	// TargetName is the target's name; Label starts its vertex names (the target, and the
	// platform in multi-platform builds).
	TargetName string `json:"Target"`
	Label      string
	// File is the spec file's name, for located errors and comments.
	File string
	// Base is the base image reference, normalised once (docker.io/library/python:3.12-slim).
	Base string
	// Venv is the virtualenv's path.
	Venv string
	// User is the account the container runs as.
	User  Account
	Shape Shape
	// Steps in the order they apply; Step n is Steps[n-1].
	Steps []Step
	// Resolve is the step that learns what requirements files install before installing
	// them, so the packages can get layers of their own; nil when there is nothing to
	// resolve (see ResolveStep).
	Resolve *Step `json:",omitempty"`
	// Config is how the image config is derived from the base image's.
	Config Config
	// Checks run in the built image before it is exported.
	Checks []Check
	// Deps is what the venv gets.
	Deps *Deps
	// BuildRoot, when set, installs packages on the base for the dependency steps to run on
	// (the spec's system-packages and build-packages); it is in no layer. Nil with
	// DepsOnSystem: they run on the System step's output; nil without: on the base.
	BuildRoot    *Step `json:",omitempty"`
	DepsOnSystem bool  `json:",omitempty"`
	// Needs are the paths of the main build context the plan reads (see MainContextPaths).
	Needs []Need
	// Ranges are the spec ranges of the spec paths the plan names (steps, checks, the config
	// fields a renderer may refuse), for source maps and located errors (see Errorf).
	Ranges map[string]located.Range

	// spec and target are the spec being planned, set only while New runs: after it, the
	// plan answers everything from the fields above.
	spec     *spec.Spec
	target   *spec.Target
	oneLayer bool
}

// Account is the user a target runs as.
type Account struct {
	Name     string
	UID, GID int
	// Writable are the directories it may write, absolute.
	Writable []string `json:",omitempty"`
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
	base, err := NormalizeBase(s.BaseOf(t))
	if err != nil {
		return nil, s.Errorf(s.BasePath(t), "base image %q: %v", s.BaseOf(t), err)
	}
	p := &Plan{TargetName: t.Name, Label: label, File: s.File, Base: base, Venv: s.Python.Venv,
		User:  Account{Name: t.User.Name, UID: *t.User.UID, GID: *t.User.GID, Writable: WritableDirs(t)},
		Shape: opt.Shape, Deps: deps, spec: s, target: t, oneLayer: opt.OneLayer}
	if len(t.SystemPackages) > 0 {
		p.add(p.systemStep())
	}
	if *t.User.UID != 0 {
		p.add(p.userStep())
	}
	if deps.installs() {
		p.add(p.venvStep())
		switch {
		case p.layout() == perPackage:
			for _, st := range p.packageSteps() {
				p.add(st)
			}
		case len(deps.Files) > 0 || deps.Generated != nil:
			p.add(p.pipStep())
		}
		p.depsRoot()
	}
	// Build-time commands run on the dependencies, before the project, the members and the
	// code: an edit of any of them does not run them again.
	for _, r := range t.Run {
		p.add(p.runStep(r))
	}
	if deps.installs() {
		if deps.Project {
			st := p.projectStep()
			// With a layer per package, the project is built into the bare venv too: an
			// edit of it re-runs this step alone, whatever the packages' layers are.
			st.Pip.Alone = p.layout() == perPackage
			p.add(st)
		}
		for _, m := range deps.Members {
			st := p.memberStep(m)
			st.Pip.Alone = p.layout() == perPackage
			p.add(st)
		}
	}
	for i, cp := range t.Copy {
		p.add(p.copyStep(i, cp, opt.Contexts))
	}
	if *t.User.UID != 0 {
		workdir, copied := *t.WritableWorkdir && t.Workdir != "/", p.copiedWritable()
		if workdir || len(copied) > 0 {
			p.add(p.workdirStep(workdir, copied))
		}
	}
	if p.Shape == ShapeMerge {
		n := len(p.Steps) + 1 // the base, then one layer per step
		p.add(Step{Kind: Assemble, What: fmt.Sprintf("assemble %d layers", n), SpecPath: spec.TargetPath(t.Name), Layers: n})
	}
	for i := range p.Steps {
		p.Steps[i].Name = p.names().step(i+1, len(p.Steps), p.Steps[i].What)
	}
	p.Resolve = p.resolveStep()
	p.Config = p.config()
	p.Checks = p.checks()
	p.Needs = p.mainContextPaths()
	p.Ranges = p.ranges()
	p.spec, p.target = nil, nil
	return p, nil
}

// JSON is the plan as frontend plan prints it: indented, HTML characters as they are, one
// line break at the end.
func JSON(p *Plan) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// NormalizeBase is the base image reference as BuildKit resolves it: the full name with its
// tag (":latest" when it has none) or digest.
func NormalizeBase(base string) (string, error) {
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		return "", err
	}
	return reference.TagNameOnly(named).String(), nil
}

// ranges records the spec range of every spec path the plan names.
func (p *Plan) ranges() map[string]located.Range {
	s := p.spec
	out := map[string]located.Range{}
	add := func(path string) {
		if path != "" {
			out[path] = s.Locate(path)
		}
	}
	for _, st := range p.Steps {
		add(st.SpecPath)
		if st.Kind == Copy {
			add(st.SpecPath + ".context")
		}
		if st.Kind == Run {
			for i := range st.Run.Secrets {
				for _, f := range []string{"id", "env", "target"} {
					add(fmt.Sprintf("%s.secrets[%d].%s", st.SpecPath, i, f))
				}
			}
			add(st.SpecPath + ".cache")
		}
	}
	if p.BuildRoot != nil {
		add(p.BuildRoot.SpecPath)
	}
	if p.Resolve != nil {
		add(p.Resolve.SpecPath)
	}
	for _, c := range p.Checks {
		add(c.SpecPath)
	}
	for _, n := range p.Needs {
		add(n.SpecPath)
	}
	for _, path := range p.Config.Paths {
		add(path)
	}
	for i := range s.Pip.Secrets {
		for _, f := range []string{"id", "env", "target"} {
			add(fmt.Sprintf("pip.secrets[%d].%s", i, f))
		}
	}
	for i := range s.Requirements {
		add(fmt.Sprintf("requirements[%d]", i))
	}
	add("dependencies.from")
	add("dependencies.project")
	return out
}

// Locate is the spec range of a spec path the plan names (see Ranges): that path's, or its
// nearest recorded ancestor's, or the spec's first line.
func (p *Plan) Locate(path string) located.Range {
	for q := path; q != ""; {
		if r, ok := p.Ranges[q]; ok {
			return r
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return located.FirstLine
}

// Errorf is an error located at a spec path the plan names, as spec.Errorf would locate it.
func (p *Plan) Errorf(path, format string, args ...any) *located.Error {
	return &located.Error{File: p.File, Range: p.Locate(path), Path: path, Msg: fmt.Sprintf(format, args...)}
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
	c := &CopyStep{Index: i, Context: cp.Context, From: path.Clean(cp.From), Dest: p.target.CopyDest(cp)}
	if c.Context == "" && slices.Contains(contexts, cp.From) {
		c.Context, c.From = cp.From, "."
	}
	return Step{
		Kind:     Copy,
		What:     fmt.Sprintf("copy %s %s", cp.From, c.Dest),
		History:  "mlbuild: COPY " + cp.From + " " + c.Dest,
		SpecPath: spec.TargetPath(p.TargetName, fmt.Sprintf("copy[%d]", i)),
		Copy:     c,
	}
}

// MainContextPaths are the paths of the main build context the plan reads: the requirements
// files, then the copied paths that come from it, each with the spec path that asks for it.
func (p *Plan) MainContextPaths() []Need { return p.Needs }

func (p *Plan) mainContextPaths() []Need {
	var out []Need
	for i, r := range p.Deps.Files {
		specPath := fmt.Sprintf("requirements[%d]", i)
		if p.spec.Has("dependencies.from") {
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
			Hint: fmt.Sprintf("create it, supply it with --build-context %s=DIR, or set %s", st.Copy.From, spec.TargetPath(p.TargetName, "copy"))})
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

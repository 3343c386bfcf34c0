package llbgraph

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/located"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options are the environment of one build of one target for one platform: the inputs
// (base, contexts) and the build's settings. The plan holds every other decision.
type Options struct {
	// Platform the image is built for.
	Platform ocispecs.Platform
	// Base is the base image's root filesystem, usually llb.Image pinned to a digest.
	Base llb.State
	// BaseImage is the base image's config; nil means an empty config.
	BaseImage *dockerspec.DockerOCIImage
	// BaseName and BaseDigest are recorded as labels when set.
	BaseName   string
	BaseDigest digest.Digest
	// Context is the main build context, with .dockerignore applied.
	Context llb.State
	// Requirements is the build context filtered down to the requirements files.
	Requirements llb.State
	// Contexts are named build contexts that copy entries may refer to.
	Contexts map[string]llb.State
	// CacheNS namespaces persistent cache mount ids (BUILDKIT_CACHE_MOUNT_NS).
	CacheNS string
	// Epoch is SOURCE_DATE_EPOCH: it makes pip's bytecode hash-based and dates the history.
	Epoch *time.Time
	// SourceMap, when set, locates vertices in the spec file.
	SourceMap *llb.SourceMap
	// DepsSourceMap, when set, is the dependency file's (the lock's), named as the pins'
	// sources name it: a wheel the builder fetches is located at its lock entry.
	DepsSourceMap *llb.SourceMap
	// Constraints are added to every vertex (e.g. llb.WithCaps).
	Constraints []llb.ConstraintsOpt
	// Caps are the LLB capabilities of the builder (gwclient.BuildOpts().LLBCaps). They pick
	// the graph's shape: without the merge and diff ops the layers are copied onto the base
	// in order (see [Shape]). Nil means a builder with every capability.
	Caps *apicaps.CapSet
}

// ShapeFor is the shape (see [plan.Shape]) a builder with caps gets: plan.ShapeMerge when it
// offers the merge and diff ops (and nil caps mean it does), plan.ShapeCopy otherwise.
func ShapeFor(caps *apicaps.CapSet) plan.Shape {
	if supports(caps, pb.CapMergeOp) && supports(caps, pb.CapDiffOp) {
		return plan.ShapeMerge
	}
	return plan.ShapeCopy
}

// Result is a built target.
type Result struct {
	State llb.State
	Image *dockerspec.DockerOCIImage
	// Checks must all pass before State is exported.
	Checks []Check
	// Shape is how the layers were put together.
	Shape plan.Shape
}

// Render returns the LLB and image config of a resolved plan; opt supplies the inputs (base,
// contexts) and the build's settings. Caps only decides how secrets reach the environment:
// the plan holds the other decisions. It reads nothing but the plan and opt.
func Render(p *plan.Plan, opt Options) (*Result, error) {
	g := &graph{p: p, opt: opt}
	g.img = g.image()
	var layers []layer
	// venv is the virtualenv so far: each install step runs on the one before, unless it
	// installs Alone into the bare one.
	var venv, bare llb.State
	// system is the base with the target's system packages, what the user step runs on.
	system := opt.Base
	for _, st := range p.Steps {
		var l layer
		switch st.Kind {
		case plan.System:
			system, l = g.systemLayer(st)
		case plan.User:
			l = g.userLayer(st, system)
		case plan.Venv:
			venv, l = g.venvLayer(st)
			bare = venv
		case plan.Run:
			l = g.runLayer(st, layers)
		case plan.Pip, plan.Project:
			if st.Pip.Alone {
				_, l = g.pipLayer(st, bare)
				break
			}
			venv, l = g.pipLayer(st, venv)
		case plan.Copy:
			src := opt.Context
			if name := st.Copy.Context; name != "" {
				var ok bool
				if src, ok = opt.Contexts[name]; !ok {
					return nil, p.Errorf(st.SpecPath+".context", "build context %q was not provided (--build-context %s=...)", name, name)
				}
			}
			l = g.copyLayer(st, src)
		case plan.Workdir:
			l = g.workdirLayer(st, system)
		case plan.Assemble:
			continue
		}
		layers = append(layers, l)
	}
	img := g.img
	res := &Result{Image: img, Shape: p.Shape}
	if p.Shape == plan.ShapeCopy {
		// No merge op: each layer goes onto the image so far. The checks run in that image;
		// the frontend solves them and returns the image only when all pass.
		st := opt.Base
		for _, l := range layers {
			st = l.onto(st)
		}
		res.State, res.Checks = st, g.checks(st, img)
		return res, nil
	}
	diffs := []llb.State{opt.Base}
	for _, l := range layers {
		diffs = append(diffs, l.alone)
	}
	st := llb.Merge(diffs, g.c(*p.Find(plan.Assemble))...)
	res.State, res.Checks = st, g.checks(st, img)
	if len(res.Checks) > 0 {
		res.State = g.gate(diffs, res.Checks)
	}
	return res, nil
}

type graph struct {
	p   *plan.Plan
	opt Options
	// img is the image config the plan gives; run steps run with its environment.
	img *dockerspec.DockerOCIImage
}

// supports tells whether caps offer an LLB capability; nil caps offer all of them.
func supports(caps *apicaps.CapSet, id apicaps.CapID) bool {
	return caps == nil || caps.Supports(id) == nil
}

// layer is one layer the graph adds to the base, in both shapes: alone is its content as a
// layer of its own (a diff, or a copy onto scratch) for ShapeMerge; onto puts the same
// content onto the image assembled so far, for ShapeCopy. Both use the same named vertices
// where they can, so the two shapes share their cache for the steps that do the work.
type layer struct {
	alone llb.State
	onto  func(below llb.State) llb.State
}

// c returns the constraints of a step's vertex: its name, its location and the global options.
func (g *graph) c(st plan.Step) []llb.ConstraintsOpt {
	return g.named(st.Name, st.SpecPath)
}

// named returns the constraints of a vertex called name, located at specPath when set.
func (g *graph) named(name, specPath string) []llb.ConstraintsOpt {
	opts := append([]llb.ConstraintsOpt{llb.WithCustomName(name)}, g.opt.Constraints...)
	if g.opt.SourceMap != nil && specPath != "" {
		opts = append(opts, g.opt.SourceMap.Location([]*pb.Range{PBRange(g.p.Locate(specPath))}))
	}
	return opts
}

// PBRange is a located range as BuildKit's source ranges count: lines from 1, characters
// from 0.
func PBRange(r located.Range) *pb.Range {
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(max(r.Start.Column-1, 0))},
		End:   &pb.Position{Line: int32(r.End.Line), Character: int32(max(r.End.Column-1, 0))},
	}
}

// userLayer runs the user script on the base with the target's system packages (whose own
// accounts it keeps). It depends only on those and the user.
func (g *graph) userLayer(st plan.Step, system llb.State) layer {
	// It comes first, after the system packages: onto runs it on that, the very vertex
	// alone diffs.
	return g.scriptLayer(st, system)
}

// scriptLayer runs the step's script with /bin/sh, without network and with a tmpfs /tmp:
// alone, the diff it makes on system; onto, the script on the image so far.
func (g *graph) scriptLayer(st plan.Step, system llb.State) layer {
	c := g.c(st)
	run := func(below llb.State) llb.State {
		return below.Run(
			llb.Args([]string{"/bin/sh", "-c", st.Script}),
			llb.Network(pb.NetMode_NONE),
			llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
			withConstraints(c),
		).Root()
	}
	return layer{alone: llb.Diff(system, run(system), g.named(st.LayerName(), "")...), onto: run}
}

// venvLayer creates the virtualenv on the base, in a step of its own, so a requirements
// change re-runs pip only; it returns the step's output for pip to run on.
func (g *graph) venvLayer(st plan.Step) (llb.State, layer) {
	ro := []llb.RunOption{
		llb.Args([]string{"/bin/sh", "-c", st.Script}),
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
		llb.Network(pb.NetMode_NONE),
		withConstraints(g.c(st)),
	}
	if g.opt.Epoch != nil {
		ro = append(ro, llb.AddEnv("SOURCE_DATE_EPOCH", strconv.FormatInt(g.opt.Epoch.Unix(), 10)))
	}
	root := g.depsRoot()
	venv := root.Run(ro...).Root()
	return venv, layer{
		alone: llb.Diff(root, venv, g.named(st.LayerName(), "")...),
		onto:  g.copyVenv(venv, g.named(st.LayerName(), "")),
	}
}

// pipLayer runs a pip step (the dependencies, or the project) on the venv so far and returns
// the venv after it with its layer. The step sees only what it installs from, mounted: the
// requirements files read-only, or the main context as a scratch copy whose changes are
// dropped; pip's cache is a persistent cache mount; /tmp is a tmpfs, so the layer holds
// nothing but the venv.
func (g *graph) pipLayer(st plan.Step, venv llb.State) (llb.State, layer) {
	run := g.pipRun(st, venv).Root()
	return run, layer{
		alone: llb.Diff(venv, run, g.named(st.LayerName(), "")...),
		onto:  g.copyVenv(run, g.named(st.LayerName(), "")),
	}
}

// pipRun is the exec of a pip step on venv.
func (g *graph) pipRun(st plan.Step, venv llb.State) llb.ExecState {
	ps := st.Pip
	if len(ps.Wheels) > 0 {
		return g.wheelRun(st, venv)
	}
	secrets, exports := g.secrets(ps.Secrets)
	script := ps.Script()
	if len(exports) > 0 {
		script = strings.Join(exports, "\n") + "\n" + script
	}
	dir := plan.RequirementsDir
	if ps.ProjectDir != "" {
		dir = ps.ProjectDir
	}
	ro := []llb.RunOption{
		llb.Args(append([]string{"/bin/sh", "-c", script, "mlbuild-pip"}, ps.Args()...)),
		llb.Dir(dir),
	}
	for _, e := range ps.Env {
		ro = append(ro, llb.AddEnv(e.Key, e.Value))
	}
	ro = append(ro,
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
	)
	switch {
	case ps.ProjectDir != "":
		ro = append(ro, llb.AddMount(ps.ProjectDir, g.opt.Context, llb.SourcePath(ps.ProjectPath)))
	case ps.Generated != nil:
		ro = append(ro, llb.AddMount(plan.RequirementsDir, g.generated(ps), llb.Readonly))
	default:
		ro = append(ro, llb.AddMount(plan.RequirementsDir, g.opt.Requirements, llb.Readonly))
	}
	ro = append(ro, llb.AddMount(plan.PipCacheDir, llb.Scratch(), llb.AsPersistentCacheDir(plan.PipCacheMountID(g.opt.CacheNS), llb.CacheMountShared)))
	if g.opt.Epoch != nil {
		ro = append(ro, llb.AddEnv("SOURCE_DATE_EPOCH", strconv.FormatInt(g.opt.Epoch.Unix(), 10)))
	}
	ro = append(ro, secrets...)
	ro = append(ro, withConstraints(g.c(st)))
	return venv.Run(ro...)
}

// wheelRun is the exec of a wheel step on venv: each wheel is an HTTP source the builder
// fetches by its sha256 (verified, and its cache key, so a cached layer fetches nothing),
// mounted read-only; the step itself has no network.
func (g *graph) wheelRun(st plan.Step, venv llb.State) llb.ExecState {
	ps := st.Pip
	ro := []llb.RunOption{
		llb.Args(append([]string{"/bin/sh", "-c", ps.Script(), "mlbuild-wheels"}, ps.Args()...)),
		llb.Dir("/"),
		llb.Network(pb.NetMode_NONE),
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
	}
	for i, w := range ps.Wheels {
		hopts := []llb.HTTPOption{llb.Checksum(digest.NewDigestFromEncoded(digest.SHA256, w.SHA256)), llb.Filename(w.File)}
		// Named, and located, by the lock entry it comes from: a wheel whose bytes are not
		// the sha256 the lock records fails here, and buildx shows that entry.
		name := st.Name + ": fetch " + w.File
		if w.Source != "" {
			name += " (" + w.Source + ")"
		}
		for _, c := range g.named(name, st.SpecPath) {
			hopts = append(hopts, c)
		}
		if r, ok := g.lockRange(w.Source); ok {
			hopts = append(hopts, g.opt.DepsSourceMap.Location([]*pb.Range{r}))
		}
		src := llb.HTTP(w.URL, hopts...)
		ro = append(ro, llb.AddMount(path.Dir(plan.WheelPath(i, w)), src, llb.Readonly))
	}
	// pip's cache, for the bytecode of the modules the step's Python processes import.
	ro = append(ro, llb.AddMount(plan.PipCacheDir, llb.Scratch(), llb.AsPersistentCacheDir(plan.PipCacheMountID(g.opt.CacheNS), llb.CacheMountShared)))
	if g.opt.Epoch != nil {
		ro = append(ro, llb.AddEnv("SOURCE_DATE_EPOCH", strconv.FormatInt(g.opt.Epoch.Unix(), 10)))
	}
	ro = append(ro, withConstraints(g.c(st)))
	return venv.Run(ro...)
}

// lockRange is the line "file:line" names in the dependency file, when DepsSourceMap is
// that file.
func (g *graph) lockRange(source string) (*pb.Range, bool) {
	file, line, ok := strings.Cut(source, ":")
	n, err := strconv.Atoi(line)
	if sm := g.opt.DepsSourceMap; !ok || err != nil || n < 1 || sm == nil || sm.Filename != file {
		return nil, false
	}
	return &pb.Range{Start: &pb.Position{Line: int32(n)}, End: &pb.Position{Line: int32(n)}}, true
}

// generated is a directory holding the requirements file the frontend generated, dated
// like every other file of the build (the epoch, else the Unix epoch) so its bytes alone
// decide the cache.
func (g *graph) generated(ps *plan.PipStep) llb.State {
	created := time.Unix(0, 0).UTC()
	if g.opt.Epoch != nil {
		created = g.opt.Epoch.UTC()
	}
	return llb.Scratch().File(llb.Mkfile("/"+ps.Requirements[0], 0o644, ps.Generated, llb.WithCreatedTime(created)),
		g.named(plan.InternalVertex(plan.InternalWrite(ps.Requirements[0])), "")...)
}

// secrets mounts a step's secrets (pip's, a run step's). Builders before BuildKit v0.10
// (Docker Engine 20.10) cannot put a secret in the environment: it is mounted as a file on
// the step's tmpfs and the script exports it (the returned lines).
func (g *graph) secrets(list []plan.Secret) (secrets []llb.RunOption, exports []string) {
	secretEnvAsFile := !supports(g.opt.Caps, pb.CapExecSecretEnv)
	for _, sec := range list {
		so := []llb.SecretOption{llb.SecretID(sec.ID)}
		if sec.Optional {
			so = append(so, llb.SecretOptional)
		}
		switch {
		case sec.Env != "" && secretEnvAsFile:
			f := plan.SecretEnvDir + "/" + sec.ID
			secrets = append(secrets, llb.AddSecret(f, so...))
			exports = append(exports, fmt.Sprintf(`if [ -f %[1]s ]; then %[2]s=$(cat %[1]s); export %[2]s; fi`, plan.ShellJoin([]string{f}), sec.Env))
		case sec.Env != "":
			secrets = append(secrets, llb.AddSecretWithDest(sec.ID, nil, append(so, llb.SecretAsEnvName(sec.Env))...))
		default:
			secrets = append(secrets, llb.AddSecret(sec.Target, so...))
		}
	}
	return secrets, exports
}

// copyVenv copies the virtualenv made in from onto an image, keeping owners, modes and
// times: the venv and pip steps stay shared by every target, and only this copy depends on
// the layers below.
func (g *graph) copyVenv(from llb.State, c []llb.ConstraintsOpt) func(llb.State) llb.State {
	venv := g.p.Venv
	return func(below llb.State) llb.State {
		return below.File(llb.Copy(from, venv, venv, &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
		}), c...)
	}
}

// copyLayer copies one path of src into its own layer, owned by root so the app user can
// read but not change it.
func (g *graph) copyLayer(st plan.Step, src llb.State) layer {
	c := g.c(st)
	cp := st.Copy
	onto := func(below llb.State) llb.State {
		return below.File(llb.Copy(src, "/"+cp.From, cp.Dest, &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			ChownOpt:            &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
		}), c...)
	}
	return layer{alone: onto(llb.Scratch()), onto: onto}
}

// workdirLayer gives the working directory to the user, with the step's script. Alone, it is
// the script's diff on system (the base with its system packages, as the user step): merged
// after the copies, its entry for the directory replaces the root-owned one they create,
// whatever they hold. It is an exec, not a file op on scratch: BuildKit runs a file op
// without inputs again on every build, so a no-op rebuild would not be one. Onto the image
// so far (no merge op), the script sets the owner of the directory the copies made.
func (g *graph) workdirLayer(st plan.Step, system llb.State) layer {
	return g.scriptLayer(st, system)
}

type constraintsRunOption []llb.ConstraintsOpt

func (c constraintsRunOption) SetRunOption(ei *llb.ExecInfo) {
	for _, o := range c {
		o.SetConstraintsOption(&ei.Constraints)
	}
}

func withConstraints(c []llb.ConstraintsOpt) llb.RunOption { return constraintsRunOption(c) }

// ResolveState is the plan's Resolve step (plan.ResolveStep) as a state whose root holds
// the pip report (report.json), or false when the plan has nothing to resolve. It runs on the
// very venv vertex Render uses, so the two share it.
func ResolveState(p *plan.Plan, opt Options) (llb.State, bool) {
	st := p.ResolveStep()
	venvStep := p.Find(plan.Venv)
	if st == nil || venvStep == nil {
		return llb.State{}, false
	}
	g := &graph{p: p, opt: opt}
	venv, _ := g.venvLayer(*venvStep)
	run := g.pipRun(*st, venv)
	return run.AddMount(path.Dir(plan.ReportFile), llb.Scratch()), true
}

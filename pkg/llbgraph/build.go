package llbgraph

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Labels recording the base image, from the OCI annotation conventions.
const (
	LabelBaseName   = "org.opencontainers.image.base.name"
	LabelBaseDigest = "org.opencontainers.image.base.digest"
)

// Options are the environment of one build of one target for one platform.
type Options struct {
	// Target is the name of the target to build; it must exist in the spec.
	Target string
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
	// ShowPlatform adds the platform to vertex names (multi-platform builds).
	ShowPlatform bool
	// Constraints are added to every vertex (e.g. llb.WithCaps).
	Constraints []llb.ConstraintsOpt
	// Caps are the LLB capabilities of the builder (gwclient.BuildOpts().LLBCaps). They pick
	// the graph's shape: without the merge and diff ops the layers are copied onto the base
	// in order (see [Shape]). Nil means a builder with every capability.
	Caps *apicaps.CapSet
}

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

// ShapeFor is the shape a builder with caps gets: ShapeMerge when it offers the merge and
// diff ops (and nil caps mean it does), ShapeCopy otherwise.
func ShapeFor(caps *apicaps.CapSet) Shape {
	if supports(caps, pb.CapMergeOp) && supports(caps, pb.CapDiffOp) {
		return ShapeMerge
	}
	return ShapeCopy
}

// Result is a built target.
type Result struct {
	State llb.State
	Image *dockerspec.DockerOCIImage
	// Checks must all pass before State is exported.
	Checks []Check
	// Shape is how the layers were put together.
	Shape Shape
}

// Build returns the LLB and image config of one target.
func Build(s *spec.Spec, opt Options) (*Result, error) {
	t := s.Targets[opt.Target]
	if t == nil {
		return nil, fmt.Errorf("unknown target %q (targets: %s)", opt.Target, strings.Join(s.TargetNames(), ", "))
	}
	g := &graph{s: s, t: t, opt: opt}
	return g.build()
}

type graph struct {
	s   *spec.Spec
	t   *spec.Target
	opt Options

	shape       Shape
	step, total int
	history     []ocispecs.History
}

func (g *graph) build() (*Result, error) {
	t := g.t
	g.shape = ShapeFor(g.opt.Caps)
	shape := g.shape
	// Steps: user, venv, pip, one per copy, and the merge that assembles them.
	g.total = len(t.Copy)
	if *t.User.UID != 0 {
		g.total++
	}
	if len(g.s.Requirements) > 0 {
		g.total += 2 // venv, pip
	}
	if shape == ShapeMerge {
		g.total++
	}
	var layers []layer
	if *t.User.UID != 0 {
		layers = append(layers, g.userLayer())
	}
	if len(g.s.Requirements) > 0 {
		layers = append(layers, g.venvLayers()...)
	}
	for i, cp := range t.Copy {
		l, err := g.copyLayer(i, cp)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	img := g.image()
	res := &Result{Image: img, Shape: shape}
	if shape == ShapeCopy {
		// No merge op: each layer goes onto the image so far. The checks run in that image;
		// the frontend solves them and returns the image only when all pass.
		st := g.opt.Base
		for _, l := range layers {
			st = l.onto(st)
		}
		res.State, res.Checks = st, g.checks(st, img)
		return res, nil
	}
	diffs := []llb.State{g.opt.Base}
	for _, l := range layers {
		diffs = append(diffs, l.alone)
	}
	st := llb.Merge(diffs, g.c(fmt.Sprintf("assemble %d layers", len(diffs)), "targets."+t.Name)...)
	res.State, res.Checks = st, g.checks(st, img)
	if len(res.Checks) > 0 {
		res.State = g.gate(diffs, res.Checks)
	}
	return res, nil
}

// supports tells whether the builder offers an LLB capability (nil caps: all of them).
func (g *graph) supports(id apicaps.CapID) bool { return supports(g.opt.Caps, id) }

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

// c returns the constraints of the next vertex: its name, location and the global options.
func (g *graph) c(what string, specPath string) []llb.ConstraintsOpt {
	g.step++
	opts := append([]llb.ConstraintsOpt{
		llb.WithCustomNamef("[%s %d/%d] %s", g.label(), g.step, g.total, what),
	}, g.opt.Constraints...)
	if g.opt.SourceMap != nil {
		opts = append(opts, g.opt.SourceMap.Location([]*pb.Range{g.rangeOf(specPath)}))
	}
	return opts
}

// rangeOf is the spec range of a path, falling back to the version line for defaults.
func (g *graph) rangeOf(p string) *pb.Range {
	r := g.s.Pos(p)
	if !g.s.Has(p) && g.s.Has("version") && !strings.HasPrefix(p, "targets."+g.t.Name+".") {
		r = g.s.Pos("version")
	}
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Column - 1)},
		End:   &pb.Position{Line: int32(r.End.Line), Character: int32(r.End.Column - 1)},
	}
}

// label starts every vertex name: the target, and the platform in multi-platform builds.
func (g *graph) label() string {
	if g.opt.ShowPlatform {
		return g.t.Name + " " + platforms.Format(g.opt.Platform)
	}
	return g.t.Name
}

// layerName names the diff that turns a step's output into its own layer.
func (g *graph) layerName(what string) []llb.ConstraintsOpt {
	return append([]llb.ConstraintsOpt{llb.WithCustomNamef("[%s %d/%d] %s: layer", g.label(), g.step, g.total, what)}, g.opt.Constraints...)
}

func (g *graph) addHistory(createdBy string) {
	h := ocispecs.History{CreatedBy: createdBy, Comment: "mlbuild.v0"}
	if g.opt.Epoch != nil {
		e := g.opt.Epoch.UTC()
		h.Created = &e
	}
	g.history = append(g.history, h)
}

// userLayer adds the account the container runs as to /etc/passwd and /etc/group, with its
// home, and creates the directories it may write (owned by it; their parents stay root's).
// It depends only on the base image and the user.
func (g *graph) userLayer() layer {
	u := g.t.User
	what := fmt.Sprintf("create user %s (%d:%d)", u.Name, *u.UID, *u.GID)
	if len(g.t.Writable) > 0 {
		what += ", writable " + strings.Join(g.t.Writable, " ")
	}
	script := UserScript(g.t)
	if g.shape == ShapeCopy {
		// In a merge, a copy onto a writable directory replaces it with its own root-owned
		// entry. A copy onto an existing directory keeps that directory's owner, so the
		// directory is left to the copy to create, with the same result.
		var dirs []string
		for _, d := range WritableDirs(g.t) {
			if !slices.ContainsFunc(g.t.Copy, func(cp spec.Copy) bool { return CopyDest(g.t, cp) == d }) {
				dirs = append(dirs, d)
			}
		}
		script = userScript(g.t, dirs)
	}
	c := g.c(what, userPath(g.s, g.t))
	run := func(below llb.State) llb.State {
		return below.Run(
			llb.Args([]string{"/bin/sh", "-c", script}),
			llb.Network(pb.NetMode_NONE),
			llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
			withConstraints(c),
		).Root()
	}
	g.addHistory("mlbuild: " + what)
	// It is the first layer: onto runs it on the base, the very vertex alone diffs.
	return layer{alone: llb.Diff(g.opt.Base, run(g.opt.Base), g.layerName(what)...), onto: run}
}

func userPath(s *spec.Spec, t *spec.Target) string {
	if s.Has("targets." + t.Name + ".user") {
		return "targets." + t.Name + ".user"
	}
	return "user"
}

// venvLayers creates the virtualenv, then installs the requirements into it: two steps and
// two layers, so a requirements change re-runs pip only. The pip step sees the requirements
// files only, mounted read-only; pip's cache is a persistent cache mount; /tmp is a tmpfs in
// both, so the layers hold nothing but the venv.
func (g *graph) venvLayers() []layer {
	s := g.s
	venvWhat := "python3 " + ShellJoin(VenvArgs(s))
	venv := g.opt.Base.Run(
		llb.Args(append([]string{"python3"}, VenvArgs(s)...)),
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
		llb.Network(pb.NetMode_NONE),
		withConstraints(g.c(venvWhat, "python")),
	).Root()
	g.addHistory("mlbuild: " + venvWhat)
	venvLayer := layer{
		alone: llb.Diff(g.opt.Base, venv, g.layerName(venvWhat)...),
		onto:  g.copyVenv(venv, g.layerName(venvWhat)),
	}

	// Builders before BuildKit v0.10 (Docker Engine 20.10) cannot put a secret in the
	// environment: it is mounted as a file on the step's tmpfs and the script exports it.
	secretEnvAsFile := !g.supports(pb.CapExecSecretEnv)
	var secrets []llb.RunOption
	var exports []string
	for _, sec := range s.Pip.Secrets {
		so := []llb.SecretOption{llb.SecretID(sec.ID)}
		if sec.Optional {
			so = append(so, llb.SecretOptional)
		}
		switch {
		case sec.Env != "" && secretEnvAsFile:
			f := SecretEnvDir + "/" + sec.ID
			secrets = append(secrets, llb.AddSecret(f, so...))
			exports = append(exports, fmt.Sprintf(`if [ -f %[1]s ]; then %[2]s=$(cat %[1]s); export %[2]s; fi`, ShellJoin([]string{f}), sec.Env))
		case sec.Env != "":
			secrets = append(secrets, llb.AddSecretWithDest(sec.ID, nil, append(so, llb.SecretAsEnvName(sec.Env))...))
		default:
			secrets = append(secrets, llb.AddSecret(sec.Target, so...))
		}
	}
	script := PipScript(s)
	if len(exports) > 0 {
		script = strings.Join(exports, "\n") + "\n" + script
	}
	args := []string{"/bin/sh", "-c", script, "mlbuild-pip"}
	for _, o := range PipCommand(s) {
		args = append(args, o...)
	}
	reqDir, cacheDir := RequirementsDir, PipCacheDir
	what := "pip install " + strings.Join(prefixEach("-r ", s.Requirements), " ")
	specPath := "requirements"
	if !s.Has(specPath) {
		specPath = "pip"
	}
	cacheID := PipCacheID
	if g.opt.CacheNS != "" {
		cacheID = g.opt.CacheNS + "/" + cacheID
	}
	ro := []llb.RunOption{
		llb.Args(args),
		llb.Dir(reqDir),
		llb.AddEnv("PIP_CACHE_DIR", cacheDir),
		llb.AddEnv("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
		llb.AddEnv("PIP_NO_INPUT", "1"),
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
		llb.AddMount(reqDir, g.opt.Requirements, llb.Readonly),
		llb.AddMount(cacheDir, llb.Scratch(), llb.AsPersistentCacheDir(cacheID, llb.CacheMountShared)),
	}
	if g.opt.Epoch != nil {
		ro = append(ro, llb.AddEnv("SOURCE_DATE_EPOCH", strconv.FormatInt(g.opt.Epoch.Unix(), 10)))
	}
	ro = append(ro, secrets...)
	ro = append(ro, withConstraints(g.c(what, specPath)))
	run := venv.Run(ro...)
	g.addHistory("mlbuild: " + what)
	pipLayer := layer{
		alone: llb.Diff(venv, run.Root(), g.layerName(what)...),
		onto:  g.copyVenv(run.Root(), g.layerName(what)),
	}
	return []layer{venvLayer, pipLayer}
}

// copyVenv copies the virtualenv made in from onto an image, keeping owners, modes and
// times: the venv and pip steps stay shared by every target, and only this copy depends on
// the layers below.
func (g *graph) copyVenv(from llb.State, c []llb.ConstraintsOpt) func(llb.State) llb.State {
	venv := g.s.Python.Venv
	return func(below llb.State) llb.State {
		return below.File(llb.Copy(from, venv, venv, &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
		}), c...)
	}
}

// copyLayer copies one context path into its own layer, owned by root so the app user can
// read but not change it.
func (g *graph) copyLayer(i int, cp spec.Copy) (layer, error) {
	src := g.opt.Context
	if cp.Context != "" {
		st, ok := g.opt.Contexts[cp.Context]
		if !ok {
			return layer{}, fmt.Errorf("targets.%s.copy[%d].context: build context %q was not provided (--build-context %s=...)", g.t.Name, i, cp.Context, cp.Context)
		}
		src = st
	}
	dst := CopyDest(g.t, cp)
	what := fmt.Sprintf("copy %s %s", cp.From, dst)
	c := g.c(what, fmt.Sprintf("targets.%s.copy[%d]", g.t.Name, i))
	onto := func(below llb.State) llb.State {
		return below.File(llb.Copy(src, "/"+path.Clean(cp.From), dst, &llb.CopyInfo{
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			ChownOpt:            &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
		}), c...)
	}
	g.addHistory("mlbuild: COPY " + cp.From + " " + dst)
	return layer{alone: onto(llb.Scratch()), onto: onto}, nil
}

func prefixEach(prefix string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = prefix + v
	}
	return out
}

type constraintsRunOption []llb.ConstraintsOpt

func (c constraintsRunOption) SetRunOption(ei *llb.ExecInfo) {
	for _, o := range c {
		o.SetConstraintsOption(&ei.Constraints)
	}
}

func withConstraints(c []llb.ConstraintsOpt) llb.RunOption { return constraintsRunOption(c) }

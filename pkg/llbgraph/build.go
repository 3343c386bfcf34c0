package llbgraph

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
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
}

// Result is a built target.
type Result struct {
	State llb.State
	Image *dockerspec.DockerOCIImage
	// Checks must all pass before State is exported.
	Checks []Check
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

	step, total int
	history     []ocispecs.History
}

func (g *graph) build() (*Result, error) {
	t := g.t
	// Steps: user, pip, one per copy, writable dirs, merge.
	g.total = len(t.Copy) + 1
	if *t.User.UID != 0 {
		g.total++
	}
	if len(g.s.Requirements) > 0 {
		g.total += 2 // venv, pip
	}
	layers := []llb.State{g.opt.Base}
	if *t.User.UID != 0 {
		layers = append(layers, g.userLayer())
	}
	if len(g.s.Requirements) > 0 {
		layers = append(layers, g.venvLayers()...)
	}
	for i, cp := range t.Copy {
		st, err := g.copyLayer(i, cp)
		if err != nil {
			return nil, err
		}
		layers = append(layers, st)
	}
	st := llb.Merge(layers, g.c(fmt.Sprintf("assemble %d layers", len(layers)), "targets."+t.Name)...)
	img := g.image()
	checks := g.checks(st, img)
	if len(checks) > 0 {
		st = g.gate(layers, checks)
	}
	return &Result{State: st, Image: img, Checks: checks}, nil
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
func (g *graph) userLayer() llb.State {
	u := g.t.User
	what := fmt.Sprintf("create user %s (%d:%d)", u.Name, *u.UID, *u.GID)
	if len(g.t.Writable) > 0 {
		what += ", writable " + strings.Join(g.t.Writable, " ")
	}
	script := UserScript(g.t)
	run := g.opt.Base.Run(
		llb.Args([]string{"/bin/sh", "-c", script}),
		llb.Network(pb.NetMode_NONE),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
		withConstraints(g.c(what, userPath(g.s, g.t))),
	)
	g.addHistory("mlbuild: " + what)
	return llb.Diff(g.opt.Base, run.Root(), g.layerName(what)...)
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
func (g *graph) venvLayers() []llb.State {
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
	venvLayer := llb.Diff(g.opt.Base, venv, g.layerName(venvWhat)...)

	args := []string{"/bin/sh", "-c", PipScript(s), "mlbuild-pip"}
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
	for _, sec := range s.Pip.Secrets {
		so := []llb.SecretOption{llb.SecretID(sec.ID)}
		if sec.Optional {
			so = append(so, llb.SecretOptional)
		}
		if sec.Env != "" {
			so = append(so, llb.SecretAsEnvName(sec.Env))
			ro = append(ro, llb.AddSecretWithDest(sec.ID, nil, so...))
		} else {
			ro = append(ro, llb.AddSecret(sec.Target, so...))
		}
	}
	ro = append(ro, withConstraints(g.c(what, specPath)))
	run := venv.Run(ro...)
	g.addHistory("mlbuild: " + what)
	return []llb.State{venvLayer, llb.Diff(venv, run.Root(), g.layerName(what)...)}
}

// copyLayer copies one context path into its own layer, owned by root so the app user can
// read but not change it.
func (g *graph) copyLayer(i int, cp spec.Copy) (llb.State, error) {
	src := g.opt.Context
	if cp.Context != "" {
		st, ok := g.opt.Contexts[cp.Context]
		if !ok {
			return llb.State{}, fmt.Errorf("targets.%s.copy[%d].context: build context %q was not provided (--build-context %s=...)", g.t.Name, i, cp.Context, cp.Context)
		}
		src = st
	}
	dst := cp.To
	if !path.IsAbs(dst) {
		dst = path.Join(g.t.Workdir, dst)
	}
	what := fmt.Sprintf("copy %s %s", cp.From, dst)
	specPath := fmt.Sprintf("targets.%s.copy[%d]", g.t.Name, i)
	st := llb.Scratch().File(llb.Copy(src, "/"+path.Clean(cp.From), dst, &llb.CopyInfo{
		CopyDirContentsOnly: true,
		CreateDestPath:      true,
		ChownOpt:            &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
	}), g.c(what, specPath)...)
	g.addHistory("mlbuild: COPY " + cp.From + " " + dst)
	return st, nil
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

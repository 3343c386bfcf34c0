// Package frontend glues mlbuild to BuildKit's gateway: it reads the spec and the build
// options through frontend/dockerui (context, .dockerignore, build args, target, platforms,
// named contexts, cache imports), answers subrequests, resolves the base image, calls
// llbgraph for each platform and returns the result for the exporter.
//
// All decisions live in pkg/spec (the spec), pkg/plan (what a target's build does) and
// pkg/llbgraph (its LLB); this package only does I/O. It never changes a loaded spec: named
// build contexts go to the plan as an input. Every error it returns that is about the spec
// is a *spec.Error ("FILE:LINE:COL: PATH: message"), sent to the client with its source range.
package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// Lang is the language recorded in source maps.
const Lang = "mlbuild"

// Build is the gateway build function of the mlbuild frontend.
func Build(ctx context.Context, c gwclient.Client) (_ *gwclient.Result, err error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, Lang)
	if err != nil {
		return nil, fmt.Errorf("mlbuild: cannot read the spec (-f %s) from the build context: %w", specName(bc), err)
	}
	b := &builder{c: c, bc: bc, src: src, start: time.Now()}
	// The one place sources are attached: every located error leaves here with its file and
	// range, once.
	defer func() { err = b.withSource(err) }()

	if res, ok, err := bc.HandleSubrequest(ctx, b.requestHandler()); err != nil || ok {
		return res, err
	}
	if req := bc.BuildOpts().Opts["requestid"]; req != "" {
		return b.customSubrequest(req)
	}

	s, target, err := b.loadTarget(nil)
	if err != nil {
		return nil, err
	}
	if b.deps, err = b.readDeps(ctx, s); err != nil {
		return nil, err
	}
	// A group or extra the source does not have is refused before the base is resolved.
	if err := b.deps.CheckSelection(s, target); err != nil {
		return nil, err
	}
	// Warnings are a round trip each: send them while the build goes on.
	warned := make(chan struct{})
	go func() {
		defer close(warned)
		b.warn(ctx, s)
	}()
	defer func() { <-warned }()

	rb, err := bc.Build(ctx, func(ctx context.Context, platform *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		return b.buildPlatform(ctx, target, platform)
	})
	if err != nil {
		// Explain the common cause at its spec line; checked only on failure, so successful
		// builds pay no extra round trip.
		if rerr := b.explainFailure(ctx); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	return rb.Finalize()
}

// checkApt refuses, with a located error naming the base and the field, a target that
// installs Debian packages (system-packages, build-packages) on a base image without apt-get,
// as Alpine and distroless images are. It reads the base's files, which the apt step needs
// anyway; targets without such packages skip it.
func (b *builder) checkApt(ctx context.Context, s *spec.Spec, target string, base *baseImage) error {
	t := s.Targets[target]
	field := s.SystemPackagesPath(t)
	switch {
	case len(t.SystemPackages) > 0:
	case len(s.BuildPackages) > 0:
		field = "build-packages"
	default:
		return nil
	}
	ref, err := b.read(ctx, base.state)
	if err != nil {
		return err
	}
	for _, p := range []string{"/usr/bin/apt-get", "/bin/apt-get"} {
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: p}); err == nil {
			return nil
		}
	}
	return s.Errorf(field, "base image %s has no apt-get (Alpine and distroless images do not): %s needs a Debian or Ubuntu base; set %s to one",
		s.BaseOf(t), field[strings.LastIndexByte(field, '.')+1:], s.BasePath(t))
}

// warn reports the spec's lint warnings as located build warnings (buildx prints them with
// the offending lines after the build).
func (b *builder) warn(ctx context.Context, s *spec.Spec) {
	for _, w := range spec.Lint(s, nil) {
		b.src.Warn(ctx, fmt.Sprintf("%s: %s (line %d)", w.Rule.Name, w.Message, w.Range.Start.Line), gwclient.WarnOpts{
			Level:  1,
			Detail: [][]byte{[]byte(w.Rule.Description)},
			URL:    spec.LintURL,
			Range:  []*pb.Range{llbgraph.PBRange(w.Range)},
		})
	}
}

// label is the target, and the platform when a multi-platform build was requested, as vertex
// names show it. The request decides, as in BuildKit's Dockerfile frontend, not the number of
// platforms this frontend received: buildx sends each node of a multi-node builder only the
// platforms that node builds, with multi-platform set, and every node must still say which
// platform its steps are for.
func (b *builder) label(target string, p ocispecs.Platform) string {
	if b.bc.MultiPlatformRequested {
		return plan.Label(target, platforms.Format(p))
	}
	return target
}

func specName(bc *dockerui.Client) string {
	if n := bc.BuildOpts().Opts["filename"]; n != "" {
		return n
	}
	return dockerui.DefaultDockerfileName
}

type builder struct {
	c   gwclient.Client
	bc  *dockerui.Client
	src *dockerui.Source
	// deps are the dependency files, read once per build before the platforms are built.
	deps *depsrc.Source
	// plans are the plans built, one per platform, for explainFailure.
	mu    sync.Mutex
	plans []*plan.Plan
	// start is when this build began: a failed check whose result is older came from the cache
	// and is run again before the build fails (runCheck).
	start time.Time
}

// buildArgs are the --build-arg values plus the platform built-ins.
func (b *builder) buildArgs(platform *ocispecs.Platform) map[string]string {
	p := platforms.DefaultSpec()
	if platform != nil {
		p = *platform
	}
	bp := platforms.DefaultSpec()
	if len(b.bc.BuildPlatforms) > 0 {
		bp = b.bc.BuildPlatforms[0]
	}
	return BuildArgs(b.bc.BuildArgs, p, bp)
}

// BuildArgs returns user build arguments plus the built-ins of the target and build
// platforms (TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT, BUILDPLATFORM, BUILDOS,
// BUILDARCH, BUILDVARIANT), which user values cannot override.
func BuildArgs(user map[string]string, target, build ocispecs.Platform) map[string]string {
	args := maps.Clone(user)
	if args == nil {
		args = map[string]string{}
	}
	for prefix, p := range map[string]ocispecs.Platform{"TARGET": platforms.Normalize(target), "BUILD": platforms.Normalize(build)} {
		args[prefix+"PLATFORM"] = platforms.Format(p)
		args[prefix+"OS"] = p.OS
		args[prefix+"ARCH"] = p.Architecture
		args[prefix+"VARIANT"] = p.Variant
	}
	return args
}

// load decodes the spec with the build args of a platform (nil: the default platform).
func (b *builder) load(platform *ocispecs.Platform) (*spec.Spec, error) {
	return spec.Load(b.src.Filename, b.src.Data, spec.Options{BuildArgs: b.buildArgs(platform)})
}

// loadTarget loads the spec and picks the target to build: --target, else the spec's default.
func (b *builder) loadTarget(platform *ocispecs.Platform) (*spec.Spec, string, error) {
	s, err := b.load(platform)
	if err != nil {
		return nil, "", err
	}
	target := b.bc.Target
	if target == "" {
		target = s.DefaultTarget
	}
	if s.Targets[target] == nil {
		return nil, "", s.UnknownTarget(target)
	}
	return s, target, nil
}

// withSource attaches the spec file and its range to each located spec error in err, so
// buildx shows the offending lines; other errors, and errors that already carry a source
// (a failed vertex, located by the source map), pass unchanged. Build calls it once, on
// the way out, as BuildKit's Dockerfile builder does.
func (b *builder) withSource(err error) error {
	list := spec.Located(err)
	if list == nil || len(errdefs.Sources(err)) > 0 {
		return err
	}
	out := err
	// errdefs.Sources lists the innermost source first: wrap in file order.
	for _, e := range list {
		info := &pb.SourceInfo{Filename: b.src.Filename, Language: b.src.Language, Data: b.src.Data, Definition: b.src.Definition.ToPB()}
		if e.File != "" && e.File != b.src.Filename {
			// A dependency file's error shows that file's lines.
			dt, ok := b.deps.File(e.File)
			if !ok {
				continue
			}
			info = &pb.SourceInfo{Filename: e.File, Language: "toml", Data: dt}
		}
		out = errdefs.WithSource(out, &errdefs.Source{Info: info, Ranges: []*pb.Range{llbgraph.PBRange(e.Range)}})
	}
	return out
}

// explainFailure looks for the usual cause of a failed build, a path the plan reads from the
// main context that is not there, and returns a located error naming it (nil when all are
// there). It runs only after a failure, so successful builds pay nothing for it; it
// transfers only the paths it checks.
func (b *builder) explainFailure(ctx context.Context) error {
	b.mu.Lock()
	var pl *plan.Plan
	if len(b.plans) > 0 {
		pl = b.plans[0] // the paths a plan reads are the same on every platform
	}
	b.mu.Unlock()
	if pl == nil {
		return nil // it failed before the plan: not for a missing path
	}
	needs := pl.MainContextPaths()
	if len(needs) == 0 {
		return nil
	}
	paths := make([]string, len(needs))
	for i, n := range needs {
		paths[i] = n.Path
	}
	// Any trouble checking means no explanation: the build's own error is returned instead.
	st, err := b.mainContext(ctx, llb.FollowPaths(paths), llb.WithCustomName(plan.InternalVertex(plan.InternalCheckPaths)))
	if err != nil {
		return nil
	}
	ref, err := b.read(ctx, st)
	if err != nil {
		return nil
	}
	var missing spec.Errors
	for _, n := range needs {
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: n.Path}); err == nil {
			continue
		}
		missing = append(missing, pl.Errorf(n.SpecPath, "%q is not in the build context (missing, or excluded by .dockerignore); %s", n.Path, n.Hint))
	}
	if len(missing) == 0 {
		return nil
	}
	return missing
}

// read solves a state of the build context, to read files from it.
func (b *builder) read(ctx context.Context, st llb.State) (gwclient.Reference, error) {
	def, err := b.marshal(ctx, st)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

func (b *builder) excludes(ctx context.Context) ([]string, error) {
	user, err := b.bc.DockerIgnorePatterns(ctx)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(plan.SecureExcludes), user...), nil
}

func (b *builder) mainContext(ctx context.Context, opts ...llb.LocalOption) (llb.State, error) {
	ex, err := b.excludes(ctx)
	if err != nil {
		return llb.State{}, err
	}
	st, err := b.bc.MainContext(ctx, append([]llb.LocalOption{llb.ExcludePatterns(ex)}, opts...)...)
	if err != nil {
		return llb.State{}, err
	}
	return *st, nil
}

func (b *builder) requirementsContext(ctx context.Context, files []string) (llb.State, error) {
	return b.mainContext(ctx, llb.FollowPaths(files), llb.WithCustomName(plan.InternalVertex(plan.InternalLoadRequirements)))
}

// buildPlatform builds the target for one platform: it loads the spec with the platform's
// build args, gathers the build's inputs, renders the plan and solves the image with its
// checks.
func (b *builder) buildPlatform(ctx context.Context, target string, platform *ocispecs.Platform) (*dockerui.BuildResult, error) {
	s, err := b.load(platform)
	if err != nil {
		return nil, err
	}
	p := platforms.DefaultSpec()
	if platform != nil {
		p = *platform
	}
	p = platforms.Normalize(p)
	in, err := b.inputs(ctx, s, target, p)
	if err != nil {
		return nil, err
	}
	if err := b.checkApt(ctx, s, target, in.base); err != nil {
		return nil, err
	}
	epoch, err := sourceDateEpoch(b.bc.BuildArgs)
	if err != nil {
		return nil, err
	}
	deps, err := b.resolveDeps(ctx, s, target, p, in.base)
	if err != nil {
		return nil, err
	}
	caps := b.c.BuildOpts().LLBCaps
	var constraints []llb.ConstraintsOpt
	if b.bc.IsNoCache(target) {
		// --no-cache (all targets, or this one): every step runs again.
		constraints = append(constraints, llb.IgnoreCache)
	}
	opt := llbgraph.Options{
		Constraints:   constraints,
		Platform:      p,
		Base:          in.base.state,
		BaseImage:     in.base.image,
		BaseName:      in.base.name,
		BaseDigest:    in.base.digest,
		Requirements:  in.requirements,
		Contexts:      in.contexts,
		CacheNS:       b.bc.CacheIDNamespace,
		Epoch:         epoch,
		SourceMap:     b.src.SourceMap,
		DepsSourceMap: b.depsSourceMap(),
		Caps:          &caps,
	}
	popt := plan.Options{Target: target, Shape: llbgraph.ShapeFor(&caps), Contexts: slices.Sorted(maps.Keys(in.contexts)),
		Label: b.label(target, p), Deps: deps}
	pl, err := plan.New(s, popt)
	if err != nil {
		return nil, err
	}
	if pl, err = b.resolveRequirements(ctx, s, pl, popt, opt); err != nil {
		return nil, err
	}
	if pl, err = b.chooseWheels(ctx, s, pl, popt, in.base, p); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.plans = append(b.plans, pl)
	b.mu.Unlock()
	// Only the paths the layers read are sent from the client (all of it when one is ".").
	var follow []llb.LocalOption
	if reads := pl.ContextReads(); reads != nil {
		follow = append(follow, llb.FollowPaths(reads))
	}
	if opt.Context, err = b.mainContext(ctx, follow...); err != nil {
		return nil, err
	}
	res, err := llbgraph.Render(pl, opt)
	if err != nil {
		return nil, err
	}
	ref, err := b.solveChecked(ctx, s, target, res, p)
	if err != nil {
		return nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: res.Image, BaseImage: in.base.image, Epoch: epoch}, nil
}

// resolveRequirements is the second phase of requirements files laid out per package: it
// runs the plan's Resolve step (cached like any step) to learn what pip would install, and
// plans again with those packages (depsrc.WithReport), so they get layers of their own as a
// lock's do. A plan without a Resolve step is final as it is: for it, and for every other
// build, plan.New runs once per target and platform. Requirements pip cannot pin by hash (a
// directory, a VCS checkout) keep one layer.
func (b *builder) resolveRequirements(ctx context.Context, s *spec.Spec, pl *plan.Plan, popt plan.Options, opt llbgraph.Options) (*plan.Plan, error) {
	st, ok := llbgraph.ResolveState(pl, opt)
	if !ok {
		return pl, nil
	}
	def, err := b.marshal(ctx, st, llb.Platform(opt.Platform))
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, def, true)
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: path.Base(plan.ReportFile)})
	if err != nil {
		return nil, fmt.Errorf("read pip's report: %w", err)
	}
	deps, ok, err := depsrc.WithReport(s, popt.Deps, dt)
	if err != nil || !ok {
		return pl, err
	}
	popt.Deps = deps
	return plan.New(s, popt)
}

// inputs are what a build reads besides the spec.
type inputs struct {
	base         *baseImage
	requirements llb.State
	contexts     map[string]llb.State
}

// inputs resolves the base image and loads the build contexts. Each waits on a round trip
// (the registry for the base, the client for .dockerignore and named contexts): they run at
// once.
func (b *builder) inputs(ctx context.Context, s *spec.Spec, target string, p ocispecs.Platform) (*inputs, error) {
	in := &inputs{}
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() (err error) {
		in.base, err = b.base(ctx, s, target, p)
		return err
	})
	eg.Go(func() (err error) {
		in.requirements, err = b.requirementsContext(ctx, b.deps.RequirementsFiles())
		return err
	})
	eg.Go(func() (err error) {
		in.contexts, err = b.namedContexts(ctx, s.Targets[target], p)
		return err
	})
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return in, nil
}

// solveChecked solves the image and its checks in parallel and returns the image only when
// every check has passed, so nothing half-checked is exported. The definitions are marshalled
// first, one after another: the image and its checks share vertices, and marshalling a vertex
// is not safe from two goroutines at once.
func (b *builder) solveChecked(ctx context.Context, s *spec.Spec, target string, res *llbgraph.Result, p ocispecs.Platform) (gwclient.Reference, error) {
	image, err := b.marshal(ctx, res.State, llb.Platform(p))
	if err != nil {
		return nil, err
	}
	checks := make([]*llb.Definition, len(res.Checks))
	for i, chk := range res.Checks {
		if checks[i], err = b.marshal(ctx, chk.State, llb.Platform(p)); err != nil {
			return nil, err
		}
	}
	eg, ectx := errgroup.WithContext(ctx)
	var ref gwclient.Reference
	eg.Go(func() (err error) {
		ref, err = b.solve(ectx, image, false)
		return err
	})
	checkErrs := make([]error, len(res.Checks))
	for i, chk := range res.Checks {
		eg.Go(func() error {
			checkErrs[i] = b.runCheck(ectx, s, target, chk, checks[i], p)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if err := errors.Join(checkErrs...); err != nil {
		return nil, err
	}
	return ref, nil
}

// marshal marshals st for this builder and refuses, in words, a graph that needs a capability
// the builder lacks (BuildKit's own error would only say "requested experimental feature").
func (b *builder) marshal(ctx context.Context, st llb.State, opts ...llb.ConstraintsOpt) (*llb.Definition, error) {
	caps := b.c.BuildOpts().LLBCaps
	def, err := st.Marshal(ctx, append(opts, llb.WithCaps(caps))...)
	if err != nil {
		return nil, fmt.Errorf("marshal LLB: %w", err)
	}
	if err := llbgraph.CheckCaps(def, &caps); err != nil {
		return nil, err
	}
	return def, nil
}

// solve solves a definition with the build's cache imports.
func (b *builder) solve(ctx context.Context, def *llb.Definition, evaluate bool) (gwclient.Reference, error) {
	r, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: evaluate})
	if err != nil {
		return nil, err
	}
	return r.SingleRef()
}

// runCheck runs one check and turns a failure into an error that carries the check's output
// and points at its spec line.
// A failure an earlier build left in the cache is not trusted: the check runs again, on the
// same image, and that result decides (a passing result is final whenever it ran).
func (b *builder) runCheck(ctx context.Context, s *spec.Spec, target string, chk llbgraph.Check, def *llb.Definition, p ocispecs.Platform) error {
	r, err := b.checkResult(ctx, chk, def)
	if err != nil {
		return err
	}
	if r.Exit != 0 && r.RanBefore(b.start) {
		fresh, err := b.marshal(ctx, chk.Fresh, llb.Platform(p))
		if err != nil {
			return err
		}
		if r, err = b.checkResult(ctx, chk, fresh); err != nil {
			return err
		}
	}
	if r.Exit == 0 {
		return nil
	}
	msg := strings.TrimRight(r.Output, "\n")
	if chk.Hint != "" {
		msg += "\n" + chk.Hint
	}
	return s.Errorf(chk.SpecPath, "target %s, %s failed (exit %d); nothing was exported\n%s",
		target, chk.Name, r.Exit, msg)
}

// checkResult solves a check's definition and reads the result it left.
func (b *builder) checkResult(ctx context.Context, chk llbgraph.Check, def *llb.Definition) (llbgraph.CheckResult, error) {
	var r llbgraph.CheckResult
	ref, err := b.solve(ctx, def, true)
	if err != nil {
		return r, err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: llbgraph.ResultFile})
	if err != nil {
		return r, fmt.Errorf("%s: read the check result: %w", chk.Name, err)
	}
	if err := json.Unmarshal(dt, &r); err != nil {
		return r, fmt.Errorf("%s: parse the check result: %w", chk.Name, err)
	}
	return r, nil
}

type baseImage struct {
	state  llb.State
	image  *dockerspec.DockerOCIImage
	name   string
	digest digest.Digest
}

// base resolves the spec's base image to a digest, or takes it from a named build context
// (--build-context python:3.10-slim=docker-image://...).
func (b *builder) base(ctx context.Context, s *spec.Spec, target string, p ocispecs.Platform) (*baseImage, error) {
	t := s.Targets[target]
	base := s.BaseOf(t)
	nc, err := b.bc.NamedContext(base, dockerui.ContextOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()})
	if err != nil {
		return nil, err
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return nil, err
		}
		if img == nil {
			img = &dockerspec.DockerOCIImage{}
		}
		return &baseImage{state: *st, image: img, name: base}, nil
	}
	// The same normalisation as the plan's Base (plan.NormalizeBase).
	normalized, err := plan.NormalizeBase(base)
	if err != nil {
		return nil, s.Errorf(s.BasePath(t), "base image %q: %v", base, err)
	}
	named, err := reference.ParseNormalizedNamed(normalized)
	if err != nil {
		return nil, err
	}
	ref, dgst, dt, err := b.c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName: plan.MetadataVertex(b.label(target, p), base),
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: b.bc.ImageResolveMode.String(),
		},
	})
	if err != nil {
		return nil, s.Errorf(s.BasePath(t), "base image %s: %v", base, err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, fmt.Errorf("base image %s: parse config: %w", base, err)
	}
	pinned := ref
	if dgst != "" {
		if canon, err := reference.WithDigest(named, dgst); err == nil {
			pinned = canon.String()
		}
	}
	st := llb.Image(pinned, llb.Platform(p), b.bc.ImageResolveMode,
		llb.WithCustomName(plan.BaseVertex(b.label(target, p), reference.FamiliarString(named))))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return nil, err
	}
	return &baseImage{state: st, image: &img, name: named.String(), digest: dgst}, nil
}

// namedContexts loads the build contexts the target's copy entries can read (plan.ContextNames)
// that the build was given, by name. A local directory gets the main context's secure excludes.
func (b *builder) namedContexts(ctx context.Context, t *spec.Target, p ocispecs.Platform) (map[string]llb.State, error) {
	out := map[string]llb.State{}
	for _, name := range plan.ContextNames(t) {
		if _, err := reference.ParseNormalizedNamed(name); err != nil {
			continue // not a valid context name, so no such context was passed
		}
		nc, err := b.bc.NamedContext(name, dockerui.ContextOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String(),
			AsyncLocalOpts: func() []llb.LocalOption { return []llb.LocalOption{llb.ExcludePatterns(plan.SecureExcludes)} }})
		if err != nil {
			return nil, err
		}
		if nc == nil {
			continue
		}
		st, _, err := nc.Load(ctx)
		if err != nil {
			return nil, err
		}
		out[name] = *st
	}
	return out, nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH from the build args (buildx forwards the
// environment variable as one).
func sourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args["SOURCE_DATE_EPOCH"]
	if !ok || v == "" {
		return nil, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", v)
	}
	t := time.Unix(sec, 0).UTC()
	return &t, nil
}

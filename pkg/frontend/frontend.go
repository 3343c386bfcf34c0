// Package frontend glues mlbuild to BuildKit's gateway: it reads the spec and the build
// options through frontend/dockerui (context, .dockerignore, build args, target, platforms,
// named contexts, cache imports), answers subrequests, resolves the base image, calls
// llbgraph for each platform and returns the result for the exporter.
//
// All conversion logic lives in pkg/spec and pkg/llbgraph; this package only does I/O.
package frontend

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
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
	"github.com/pkg/errors"
	"golang.org/x/sync/errgroup"
)

// Lang is the language recorded in source maps.
const Lang = "mlbuild"

// SecureExcludes are always applied to the build context before the user's .dockerignore,
// so a "!" line there can re-include a path deliberately.
var SecureExcludes = []string{
	"**/.git", "**/.env", "**/*.key", "**/*.pem",
	"**/*.tfstate", "**/*.tfstate.*", "**/.terraform",
}

// Build is the gateway build function of the mlbuild frontend.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, Lang)
	if err != nil {
		return nil, errors.Wrapf(err, "mlbuild: cannot read the spec (-f %s) from the build context", specName(bc))
	}
	b := &builder{c: c, bc: bc, src: src}

	if res, ok, err := bc.HandleSubrequest(ctx, b.requestHandler()); err != nil || ok {
		return res, err
	}
	if req := bc.BuildOpts().Opts["requestid"]; req != "" {
		return b.customSubrequest(req)
	}

	s, err := b.load(nil)
	if err != nil {
		return nil, err
	}
	target := bc.Target
	if target == "" {
		target = s.DefaultTarget
	}
	if s.Targets[target] == nil {
		return nil, b.located(fmt.Errorf("unknown target %q; this spec defines: %s", target, strings.Join(s.TargetNames(), ", ")), "targets")
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
		if rerr := b.explainFailure(ctx, s, target); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	return rb.Finalize()
}

// warn reports the spec's lint warnings as located build warnings (buildx prints them with
// the offending lines after the build).
func (b *builder) warn(ctx context.Context, s *spec.Spec) {
	for _, w := range spec.Lint(s, nil) {
		b.src.Warn(ctx, fmt.Sprintf("%s: %s (line %d)", w.Rule, w.Message, w.Range.Start.Line), gwclient.WarnOpts{
			Level:  1,
			Detail: [][]byte{[]byte(w.Description)},
			URL:    "https://github.com/mlbuild/mlbuild/blob/main/docs/spec.md#lint-warnings",
			Range:  []*pb.Range{toPBRange(w.Range)},
		})
	}
}

// label is the target, and the platform in multi-platform builds, as vertex names show it.
func (b *builder) label(target string, p ocispecs.Platform) string {
	if len(b.bc.TargetPlatforms) > 1 {
		return target + " " + platforms.Format(p)
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

// load decodes the spec for a platform, turning spec errors into source-mapped errors.
func (b *builder) load(platform *ocispecs.Platform) (*spec.Spec, error) {
	s, err := spec.Load(b.src.Filename, b.src.Data, spec.Options{BuildArgs: b.buildArgs(platform)})
	if err == nil {
		return s, nil
	}
	var list spec.Errors
	if !errors.As(err, &list) {
		return nil, err
	}
	var out error = err
	// errdefs.Sources lists the innermost source first: wrap in file order.
	for _, e := range list {
		out = errdefs.WithSource(out, b.source(e.Range))
	}
	return nil, out
}

func (b *builder) source(r spec.Range) *errdefs.Source {
	return &errdefs.Source{
		Info: &pb.SourceInfo{
			Filename:   b.src.Filename,
			Language:   b.src.Language,
			Data:       b.src.Data,
			Definition: b.src.Definition.ToPB(),
		},
		Ranges: []*pb.Range{toPBRange(r)},
	}
}

func toPBRange(r spec.Range) *pb.Range {
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(max(r.Start.Column-1, 0))},
		End:   &pb.Position{Line: int32(r.End.Line), Character: int32(max(r.End.Column-1, 0))},
	}
}

// located wraps err with the source range of a spec field path.
func (b *builder) located(err error, path string) error {
	s, lerr := spec.Load(b.src.Filename, b.src.Data, spec.Options{BuildArgs: b.buildArgs(nil)})
	if lerr != nil {
		return err
	}
	return errdefs.WithSource(fmt.Errorf("%s:%d: %w", b.src.Filename, s.Pos(path).Start.Line, err), b.source(s.Pos(path)))
}

// explainFailure looks for the usual cause of a failed build, a path the spec needs that is
// not in the build context, and returns a located error naming it (nil when all are there).
// It runs only after a failure, so successful builds pay nothing for it; it transfers only
// the paths it checks.
func (b *builder) explainFailure(ctx context.Context, s *spec.Spec, target string) error {
	type need struct{ path, specPath, hint string }
	var needs []need
	for i, r := range s.Requirements {
		needs = append(needs, need{r, fmt.Sprintf("requirements[%d]", i),
			"add it, list the right file under \"requirements\", or set \"requirements: []\" to skip pip"})
	}
	named, _ := b.namedContexts(ctx, s.Targets[target], platforms.DefaultSpec())
	for i, cp := range s.Targets[target].Copy {
		if _, ok := named[cp.From]; ok || cp.Context != "" {
			continue // from a named context, not the main one
		}
		needs = append(needs, need{cp.From, fmt.Sprintf("targets.%s.copy[%d]", target, i),
			fmt.Sprintf("create it, supply it with --build-context %s=DIR, or set targets.%s.copy", cp.From, target)})
	}
	if len(needs) == 0 {
		return nil
	}
	paths := make([]string, len(needs))
	for i, n := range needs {
		paths[i] = n.path
	}
	// Any trouble checking means no explanation: the build's own error is returned instead.
	st, err := b.mainContext(ctx, llb.FollowPaths(paths), dockerui.WithInternalName("check the paths the spec needs"))
	if err != nil {
		return nil
	}
	ref, err := b.read(ctx, st)
	if err != nil {
		return nil
	}
	var errs []error
	for _, n := range needs {
		if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: n.path}); err == nil {
			continue
		}
		p := n.specPath
		if !s.Has(p) {
			p = "version" // a default: point at the spec itself
		}
		msg := fmt.Errorf("%s: %q is not in the build context (missing, or excluded by .dockerignore); %s", n.specPath, n.path, n.hint)
		errs = append(errs, errdefs.WithSource(fmt.Errorf("%s:%d: %w", s.File, s.Pos(p).Start.Line, msg), b.source(s.Pos(p))))
	}
	return stderrors.Join(errs...)
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
	return append(slices.Clone(SecureExcludes), user...), nil
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

func (b *builder) requirementsContext(ctx context.Context, s *spec.Spec) (llb.State, error) {
	return b.mainContext(ctx, llb.FollowPaths(s.Requirements), dockerui.WithInternalName("load requirements files"))
}

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

	// Each of these waits on a round trip (the registry for the base, the client for
	// .dockerignore, named contexts): run them at once.
	var (
		base            *baseImage
		mainCtx, reqCtx llb.State
		contexts        map[string]llb.State
		loads, loadCtx  = errgroup.WithContext(ctx)
	)
	loads.Go(func() (err error) {
		base, err = b.base(loadCtx, s, target, p)
		return err
	})
	loads.Go(func() (err error) {
		if mainCtx, err = b.mainContext(loadCtx); err != nil {
			return err
		}
		reqCtx, err = b.requirementsContext(loadCtx, s)
		return err
	})
	loads.Go(func() (err error) {
		contexts, err = b.namedContexts(loadCtx, s.Targets[target], p)
		return err
	})
	if err := loads.Wait(); err != nil {
		return nil, err
	}
	epoch, err := sourceDateEpoch(b.bc.BuildArgs)
	if err != nil {
		return nil, err
	}
	sm := b.src.SourceMap
	caps := b.c.BuildOpts().LLBCaps
	res, err := llbgraph.Build(s, llbgraph.Options{
		Target:       target,
		Platform:     p,
		Base:         base.state,
		BaseImage:    base.image,
		BaseName:     base.name,
		BaseDigest:   base.digest,
		Context:      mainCtx,
		Requirements: reqCtx,
		Contexts:     contexts,
		CacheNS:      b.bc.CacheIDNamespace,
		Epoch:        epoch,
		SourceMap:    sm,
		ShowPlatform: len(b.bc.TargetPlatforms) > 1,
		Caps:         &caps,
	})
	if err != nil {
		return nil, err
	}
	// The image and its checks solve in parallel; the result is returned (and so exported)
	// only when every check has passed.
	eg, ectx := errgroup.WithContext(ctx)
	var ref gwclient.Reference
	eg.Go(func() error {
		r, err := b.solve(ectx, res.State, p, false)
		if err != nil {
			return err
		}
		ref = r
		return nil
	})
	checkErrs := make([]error, len(res.Checks))
	for i, chk := range res.Checks {
		eg.Go(func() error {
			checkErrs[i] = b.runCheck(ectx, s, target, chk, p)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if err := stderrors.Join(checkErrs...); err != nil {
		return nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: res.Image, BaseImage: base.image, Epoch: epoch}, nil
}

// marshal marshals st for this builder and refuses, in words, a graph that needs a capability
// the builder lacks (BuildKit's own error would only say "requested experimental feature").
func (b *builder) marshal(ctx context.Context, st llb.State, opts ...llb.ConstraintsOpt) (*llb.Definition, error) {
	caps := b.c.BuildOpts().LLBCaps
	def, err := st.Marshal(ctx, append(opts, llb.WithCaps(caps))...)
	if err != nil {
		return nil, errors.Wrap(err, "marshal LLB")
	}
	if err := llbgraph.CheckCaps(def, &caps); err != nil {
		return nil, err
	}
	return def, nil
}

func (b *builder) solve(ctx context.Context, st llb.State, p ocispecs.Platform, evaluate bool) (gwclient.Reference, error) {
	def, err := b.marshal(ctx, st, llb.Platform(p))
	if err != nil {
		return nil, err
	}
	r, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: evaluate})
	if err != nil {
		return nil, err
	}
	return r.SingleRef()
}

// runCheck runs one check and turns a failure into an error that carries the check's output
// and points at its spec line.
func (b *builder) runCheck(ctx context.Context, s *spec.Spec, target string, chk llbgraph.Check, p ocispecs.Platform) error {
	ref, err := b.solve(ctx, chk.State, p, true)
	if err != nil {
		return err
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: llbgraph.ResultFile})
	if err != nil {
		return errors.Wrapf(err, "%s: read the check result", chk.Name)
	}
	var r llbgraph.CheckResult
	if err := json.Unmarshal(dt, &r); err != nil {
		return errors.Wrapf(err, "%s: parse the check result", chk.Name)
	}
	if r.Exit == 0 {
		return nil
	}
	pos := s.Pos(chk.SpecPath)
	msg := fmt.Errorf("%s:%d: %s: target %s, %s failed (exit %d); nothing was exported\n%s",
		s.File, pos.Start.Line, chk.SpecPath, target, chk.Name, r.Exit, strings.TrimRight(r.Output, "\n"))
	return errdefs.WithSource(msg, b.source(pos))
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
	nc, err := b.bc.NamedContext(s.Base, dockerui.ContextOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()})
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
		return &baseImage{state: *st, image: img, name: s.Base}, nil
	}
	named, err := reference.ParseNormalizedNamed(s.Base)
	if err != nil {
		return nil, err
	}
	named = reference.TagNameOnly(named)
	ref, dgst, dt, err := b.c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName: fmt.Sprintf("[%s] load metadata for %s", b.label(target, p), s.Base),
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: b.bc.ImageResolveMode.String(),
		},
	})
	if err != nil {
		return nil, b.located(errors.Wrapf(err, "base image %s", s.Base), "base")
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, errors.Wrapf(err, "base image %s: parse config", s.Base)
	}
	pinned := ref
	if dgst != "" {
		if canon, err := reference.WithDigest(named, dgst); err == nil {
			pinned = canon.String()
		}
	}
	st := llb.Image(pinned, llb.Platform(p), b.bc.ImageResolveMode,
		llb.WithCustomNamef("[%s 0] FROM %s", b.label(target, p), reference.FamiliarString(named)))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return nil, err
	}
	return &baseImage{state: st, image: &img, name: named.String(), digest: dgst}, nil
}

// namedContexts loads the build contexts the target's copy entries name, and a context named
// like a copied path (--build-context models=../trained) replaces that path.
func (b *builder) namedContexts(ctx context.Context, t *spec.Target, p ocispecs.Platform) (map[string]llb.State, error) {
	out := map[string]llb.State{}
	for i := range t.Copy {
		cp := &t.Copy[i]
		name := cp.Context
		if name == "" {
			name = cp.From
		}
		if _, ok := out[name]; ok {
			continue
		}
		if _, err := reference.ParseNormalizedNamed(name); err != nil {
			continue // not a valid context name, so no such context was passed
		}
		nc, err := b.bc.NamedContext(name, dockerui.ContextOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String(),
			// A local directory given as a context gets the same secure excludes as the main one.
			AsyncLocalOpts: func() []llb.LocalOption { return []llb.LocalOption{llb.ExcludePatterns(SecureExcludes)} }})
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
		if cp.Context == "" {
			cp.Context, cp.From = name, "."
		}
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

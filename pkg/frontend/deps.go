package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Dependency handling lives in pkg/depsrc; this file only reads the files it asks for from
// the build context and learns the base image's Python.

// readDeps finds and reads the dependency source of a build (depsrc.FindForBuild) from the
// main context, in one solve limited to the files it needs (none when the spec names
// requirements files: pip's step mounts them, and a missing one is explained after a failure).
func (b *builder) readDeps(ctx context.Context, s *spec.Spec) (*depsrc.Source, error) {
	files, err := b.readFiles(ctx, depsrc.BuildPaths(s), plan.InternalReadDeps)
	if err != nil {
		return nil, err
	}
	return depsrc.FindForBuild(s, files.read)
}

// contextFiles are files read from the build context, by path.
type contextFiles map[string][]byte

func (f contextFiles) read(p string) ([]byte, bool) {
	dt, ok := f[p]
	return dt, ok
}

// readFiles reads paths of the main context in one solve limited to them; a path the
// context does not have is left out; name is the vertex's plan.Internal* name. No paths, no
// solve.
func (b *builder) readFiles(ctx context.Context, paths []string, name string) (contextFiles, error) {
	out := contextFiles{}
	if len(paths) == 0 {
		return out, nil
	}
	st, err := b.mainContext(ctx, llb.FollowPaths(paths), llb.WithCustomName(plan.InternalVertex(name)))
	if err != nil {
		return nil, err
	}
	ref, err := b.read(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: p}); err == nil {
			out[p] = dt
		}
	}
	return out, nil
}

// resolveDeps is the target's plan.Deps for platform p: requirements files need nothing of
// the base image; a lock or a pyproject.toml needs its Python version.
func (b *builder) resolveDeps(ctx context.Context, s *spec.Spec, target string, p ocispecs.Platform, base *baseImage) (*plan.Deps, error) {
	python := ""
	if b.deps.NeedsPython() {
		var err error
		if python, err = b.basePython(ctx, base, p); err != nil {
			return nil, err
		}
	}
	return b.deps.Resolve(s, target, p, python)
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
	dt, err := b.askBase(ctx, base, p, plan.InternalBasePython, "import platform; open('/out/version', 'w').write(platform.python_version())", "version")
	if err != nil {
		return "", fmt.Errorf("base image %s: cannot learn its Python version (no PYTHON_VERSION, and python3 did not run): %w", base.name, err)
	}
	return strings.TrimSpace(string(dt)), nil
}

// chooseWheels is the last phase of a plan whose packages get a layer each and could be
// fetched as wheels (plan.NeedsTags): it asks the base image's pip which wheel tags its
// Python takes, best first, chooses each pin's wheel for them (depsrc.WithTags) and plans
// again, so those layers are unpacked from wheels the builder fetched instead of installed
// by pip. The question is a step like any other (cached by the base's digest); a base
// whose pip cannot answer gives no tags, and pip installs every layer as before.
func (b *builder) chooseWheels(ctx context.Context, s *spec.Spec, pl *plan.Plan, popt plan.Options, base *baseImage, p ocispecs.Platform) (*plan.Plan, error) {
	if !pl.NeedsTags() {
		return pl, nil
	}
	dt, err := b.askBase(ctx, base, p, plan.InternalBaseTags, tagsProbe, "tags")
	if err != nil {
		return nil, fmt.Errorf("base image %s: cannot ask its pip which wheels its Python takes: %w", base.name, err)
	}
	popt.Deps = depsrc.WithTags(pl.Deps, strings.Fields(string(dt)))
	return plan.New(s, popt)
}

// tagsProbe writes the wheel tags the interpreter takes, best first, one a line, as pip
// lists them (nothing when the base has no pip: no wheel is chosen then). The fake in
// frontend_test tells it by "get_supported".
const tagsProbe = `tags = []
try:
    # What pip's get_supported() returns with no options, without importing pip itself
    # (the python images ship no bytecode: pip would be compiled on every cold build).
    from pip._vendor.packaging.tags import sys_tags
    tags = [str(t) for t in sys_tags()]
except Exception:
    try:
        from pip._internal.utils.compatibility_tags import get_supported
        tags = [str(t) for t in get_supported()]
    except Exception:
        pass
open('/out/tags', 'w').write('\n'.join(tags) + '\n')
`

// depsSourceMap is the dependency file as a source map (nil for requirements files, whose
// pins name no lines), so a vertex can point at one of its entries.
func (b *builder) depsSourceMap() *llb.SourceMap {
	if b.deps == nil || b.deps.Kind() == spec.SourceRequirements {
		return nil
	}
	dt, ok := b.deps.File(b.deps.Name())
	if !ok {
		return nil
	}
	return llb.NewSourceMap(nil, b.deps.Name(), "toml", dt)
}

// askBase runs a Python script with the base image's python3, without network, and returns
// the file it wrote under /out: the one way the frontend learns something only the base's
// interpreter knows. The step is cached like any other (by the base's digest and the script).
func (b *builder) askBase(ctx context.Context, base *baseImage, p ocispecs.Platform, name, script, file string) ([]byte, error) {
	run := base.state.Run(
		llb.Args([]string{"python3", "-c", script}),
		llb.Network(pb.NetMode_NONE),
		llb.AddEnv("PYTHONDONTWRITEBYTECODE", "1"),
		llb.WithCustomName(plan.InternalVertex(name)),
	)
	out := run.AddMount("/out", llb.Scratch())
	def, err := b.marshal(ctx, out, llb.Platform(p))
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, def, true)
	if err != nil {
		return nil, err
	}
	return ref.ReadFile(ctx, gwclient.ReadRequest{Filename: file})
}

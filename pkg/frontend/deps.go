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
	run := base.state.Run(
		llb.Args([]string{"python3", "-c", "import platform; open('/out/version', 'w').write(platform.python_version())"}),
		llb.Network(pb.NetMode_NONE),
		llb.WithCustomName(plan.InternalVertex(plan.InternalBasePython)),
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

// Package cli is the command line of the frontend binary when BuildKit did not start it.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/containerd/platforms"
	"github.com/mlbuild/mlbuild/internal/initspec"
	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/eject"
	"github.com/mlbuild/mlbuild/pkg/frontend"
	"github.com/mlbuild/mlbuild/pkg/llbgraph"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

// Version is set at link time (-ldflags "-X .../internal/cli.Version=1.2.3"; release.go has
// the other stamps).
var Version = "dev"

const usage = `usage: frontend <command> [flags]

commands:
  init [--dir DIR] [--frontend IMAGE] [--force]
                                   look at a repository and write mlbuild.yaml and a
                                   .dockerignore with the secure defaults
  lint -f FILE [--build-arg K=V]   validate a spec and print its warnings, and those
                                   about its dependency files (stale or unused lock)
  schema                           print the JSON schema of mlbuild.yaml
  dockerfile -f FILE --target T [--platform P] [--python X.Y[.Z]]
                                   print the equivalent Dockerfile (eject); a lock is
                                   resolved for P (default linux/amd64) and the base
                                   image's Python (default: its python:X.Y tag; X.Y is
                                   any X.Y.Z, X.Y.Z exact; it must agree with the tag)
  plan -f FILE --target T [--platform P] [--python X.Y[.Z]]
                                   print the resolved plan of a target as JSON: its
                                   steps, pip invocations, image config and checks,
                                   dependencies resolved as for dockerfile
  llb -f FILE --target T           print the LLB definition of a target, for
                                   "buildctl build --local context=DIR < def"
  version                          print the version, the commit and the
                                   frontend image init writes into # syntax=
`

// Run runs one CLI command and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "version", "--version", "-version":
		printVersion(stdout)
		return 0
	case "lint":
		err = lint(args[1:], stdout)
	case "llb":
		err = printLLB(ctx, args[1:], stdout, stderr)
	case "init":
		err = initRepo(args[1:], stdout)
	case "schema":
		var dt []byte
		if dt, err = spec.Schema(); err == nil {
			_, err = stdout.Write(dt)
		}
	case "dockerfile":
		err = ejectDockerfile(args[1:], stdout, stderr)
	case "plan":
		err = printPlan(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

type argList map[string]string

func (a argList) String() string { return "" }
func (a argList) Set(v string) error {
	k, val, ok := cutEq(v)
	if !ok {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	a[k] = val
	return nil
}

func cutEq(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

type common struct {
	fs     *flag.FlagSet
	file   string
	target string
	args   argList
}

func newFlags(name string) *common {
	c := &common{fs: flag.NewFlagSet(name, flag.ContinueOnError), args: argList{}}
	c.fs.StringVar(&c.file, "f", "mlbuild.yaml", "spec file")
	c.fs.StringVar(&c.target, "target", "", "target to build (default: the spec's default target)")
	c.fs.Var(c.args, "build-arg", "build argument KEY=VALUE (repeatable)")
	return c
}

// targetOf is --target, or the spec's default target.
func (c *common) targetOf(s *spec.Spec) string {
	if c.target != "" {
		return c.target
	}
	return s.DefaultTarget
}

func (c *common) load(args []string) (*spec.Spec, error) {
	if err := c.fs.Parse(args); err != nil {
		return nil, err
	}
	dt, err := os.ReadFile(c.file)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	p := platforms.DefaultSpec()
	return spec.Load(filepath.Base(c.file), dt, spec.Options{BuildArgs: frontend.BuildArgs(c.args, p, p)})
}

// lint validates the spec and prints its warnings, then those about its dependency files,
// which it reads from the spec's directory (the build context), each located in the file it
// is about. A dependency file a build would refuse is an error (exit 1): for a lock out of
// date with pyproject.toml, after a warning for each difference.
func lint(args []string, stdout io.Writer) error {
	c := newFlags("lint")
	s, err := c.load(args)
	if err != nil {
		return err
	}
	read, err := contextReader(c.file)
	if err != nil {
		return err
	}
	deps, ws, derr := depsrc.Check(s, read)
	if derr != nil && !deps.Stale() {
		return withLines(derr, deps)
	}
	for _, w := range ws {
		fmt.Fprintf(stdout, "%s:%d:%d: warning %s: %s\n", w.File, w.Range.Start.Line, w.Range.Start.Column, w.Rule.Name, w.Message)
	}
	if derr != nil {
		return deps.LintError(derr)
	}
	fmt.Fprintf(stdout, "%s: ok (%d targets, %d warnings)\n", s.File, len(s.Targets), len(ws))
	return nil
}

func initRepo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	opt := initspec.Options{}
	fs.StringVar(&opt.Dir, "dir", ".", "repository to look at")
	fs.StringVar(&opt.Frontend, "frontend", syntaxImage(), "frontend image for the # syntax= line")
	fs.BoolVar(&opt.Force, "force", false, "overwrite an existing mlbuild.yaml")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := initspec.Write(opt)
	if err != nil {
		return err
	}
	written := []string{initspec.SpecFile}
	if res.Dockerignore != nil {
		written = append(written, initspec.IgnoreFile)
	}
	if err := giveToDirOwner(opt.Dir, written); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(opt.Dir, initspec.SpecFile))
	if res.Dockerignore != nil {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(opt.Dir, initspec.IgnoreFile))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	return nil
}

// ejectDockerfile writes the Dockerfile of a target. Its dependencies are resolved as a
// build resolves them, from the files of the spec's directory (the build context): a lock's
// pins for --platform and the base image's Python (--python, else the version its python:X.Y
// tag names), a pyproject.toml's requirements, or the requirements files.
func ejectDockerfile(args []string, stdout, stderr io.Writer) error {
	r, err := loadTarget("dockerfile", args, "linux/amd64", "platform the dependencies are resolved for (a lock's markers)", stderr)
	if err != nil {
		return err
	}
	dt, err := eject.Dockerfile(r.spec, r.target, eject.WithDeps(r.deps, platforms.Format(r.platform), r.python))
	if err != nil {
		return err
	}
	_, err = stdout.Write(dt)
	return err
}

// printPlan writes the plan of a target as JSON (plan.JSON), its dependencies resolved as
// ejectDockerfile resolves them: what renderers read, and what a bug report should show.
// Requirements files that get a layer per package keep their Resolve step: the packages are
// known only once pip has run.
func printPlan(args []string, stdout, stderr io.Writer) error {
	r, err := loadTarget("plan", args, "linux/amd64", "platform the dependencies are resolved for (a lock's markers)", stderr)
	if err != nil {
		return err
	}
	pl, err := plan.New(r.spec, plan.Options{Target: r.target, Deps: r.deps})
	if err != nil {
		return err
	}
	dt, err := plan.JSON(pl)
	if err != nil {
		return err
	}
	_, err = stdout.Write(dt)
	return err
}

// printLLB writes the marshalled definition of a target. The base image is left to BuildKit to
// resolve (no registry access here), so the image config is not part of the output.
func printLLB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	r, err := loadTarget("llb", args, platforms.Format(platforms.DefaultSpec()), "platform to build for (a lock's markers are evaluated for it)", stderr)
	if err != nil {
		return err
	}
	s, target, d, p := r.spec, r.target, r.deps, r.platform
	excludes, err := contextExcludes(r.file)
	if err != nil {
		return err
	}
	local := func(opts ...llb.LocalOption) llb.State {
		return llb.Local("context", append([]llb.LocalOption{llb.ExcludePatterns(excludes), llb.SharedKeyHint("context"), llb.LocalUniqueID("mlbuild-cli")}, opts...)...)
	}
	pl, err := plan.New(s, plan.Options{Target: target, Deps: d})
	if err != nil {
		return err
	}
	res, err := llbgraph.Render(pl, llbgraph.Options{
		Platform:     p,
		Base:         llb.Image(pl.Base, llb.Platform(p)),
		Context:      local(llb.WithCustomName(plan.InternalVertex(plan.InternalLoadContext))),
		Requirements: local(llb.FollowPaths(d.Files), llb.WithCustomName(plan.InternalVertex(plan.InternalLoadRequirements))),
	})
	if err != nil {
		return err
	}
	def, err := res.State.Marshal(ctx, llb.Platform(p))
	if err != nil {
		return err
	}
	// Deterministic marshalling: the definition's metadata is a map.
	dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
	if err != nil {
		return err
	}
	_, err = stdout.Write(dt)
	return err
}

// resolved is a spec loaded by a CLI command, its target, and that target's dependencies
// resolved for the command's --platform and --python.
type resolved struct {
	spec     *spec.Spec
	file     string
	target   string
	deps     *plan.Deps
	platform ocispecs.Platform
	python   string
}

// loadTarget parses the flags of a command that renders one target (-f, --target,
// --platform with its default and help, --python), loads the spec, checks the target and
// resolves its dependencies: what dockerfile, plan and llb share.
func loadTarget(name string, args []string, defPlatform, platformHelp string, stderr io.Writer) (*resolved, error) {
	c := newFlags(name)
	platform := c.fs.String("platform", defPlatform, platformHelp)
	python := c.fs.String("python", "", "the base image's Python version (default: the version its python:X.Y tag names)")
	s, err := c.load(args)
	if err != nil {
		return nil, err
	}
	target := c.targetOf(s)
	if s.Targets[target] == nil {
		return nil, s.UnknownTarget(target)
	}
	d, p, py, err := resolveDeps(s, c.file, target, *platform, *python, stderr)
	if err != nil {
		return nil, err
	}
	return &resolved{spec: s, file: c.file, target: target, deps: d, platform: p, python: py}, nil
}

// resolveDeps is what the target installs, resolved as the frontend resolves it, for a
// platform ("linux/amd64") and the base's Python (python; "": the version its python:X.Y tag
// names), reading the dependency files from the spec's directory. A Python without a patch
// level ("3.13", from --python or the tag) is any 3.13.x: the lowest patch level the
// project and the lock accept is assumed, with a warning on stderr when it is not .0 (a
// build reads the image's real PYTHON_VERSION).
func resolveDeps(s *spec.Spec, file, target, platform, python string, stderr io.Writer) (*plan.Deps, ocispecs.Platform, string, error) {
	p, err := platforms.Parse(platform)
	if err != nil {
		return nil, p, "", fmt.Errorf("--platform: %w", err)
	}
	if s.Targets[target] == nil {
		return nil, p, "", s.UnknownTarget(target)
	}
	p = platforms.Normalize(p)
	if _, err := pydeps.NewEnv(p.OS, p.Architecture, p.Variant, "3.0"); err != nil {
		return nil, p, "", fmt.Errorf("--platform %s: %w", platform, err)
	}
	if python, err = pythonOf(s, s.Targets[target], python); err != nil {
		return nil, p, "", err
	}
	deps, err := findDeps(s, file)
	if err != nil {
		if deps != nil {
			err = withLines(err, deps)
		}
		return nil, p, "", err
	}
	if python == "" && deps.NeedsPython() {
		t := s.Targets[target]
		return nil, p, "", s.Errorf(s.BasePath(t), "the dependencies come from %s, whose requirements depend on the base image's Python, and the base %q names no version in a python:X.Y tag: pass --python X.Y", deps.Name(), s.BaseOf(t))
	}
	d, err := deps.Resolve(s, target, p, python)
	if err != nil && python != "" && strings.Count(python, ".") == 1 {
		// "3.13" is a 3.13.x: find the lowest patch level that resolves.
		for patch := 1; patch <= 40; patch++ {
			full := fmt.Sprintf("%s.%d", python, patch)
			if pd, perr := deps.Resolve(s, target, p, full); perr == nil {
				fmt.Fprintf(stderr, "warning: Python %s is taken as %s, the lowest %s.x that %s accepts; the patch level is assumed (a build reads the base image's PYTHON_VERSION; pass --python %s to choose it)\n", python, full, python, deps.Name(), full)
				return pd, p, full, nil
			}
		}
	}
	if err != nil {
		return nil, p, "", withLines(err, deps)
	}
	return d, p, python, nil
}

// pythonOf is the Python the dependencies are resolved for: --python (flag) refined by or
// checked against the version the base's python:X.Y tag names; a --python that contradicts
// the tag ("python:3.10-slim" with --python 3.12) is an error located at base. "" when
// neither names one.
func pythonOf(s *spec.Spec, t *spec.Target, flag string) (string, error) {
	tag := basePython(s.BaseOf(t))
	if flag == "" {
		return tag, nil
	}
	if _, err := pydeps.NewEnv("linux", "amd64", "", flag); err != nil || strings.Trim(flag, "0123456789.") != "" {
		return "", fmt.Errorf("--python %q: want a version such as 3.12 or 3.12.4", flag)
	}
	if tag == "" {
		return flag, nil
	}
	short, long := tag, flag
	if strings.Count(short, ".") > strings.Count(long, ".") {
		short, long = long, short
	}
	if long != short && !strings.HasPrefix(long, short+".") {
		return "", s.Errorf(s.BasePath(t), "--python %s contradicts the base %s, whose tag names Python %s; drop --python or change base", flag, s.BaseOf(t), tag)
	}
	return long, nil
}

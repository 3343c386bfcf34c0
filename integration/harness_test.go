// Package integration runs the mlbuild frontend against a real buildkitd, a real registry and
// real pip, the four ways users invoke it, and runs the images it builds. It needs the test bed
// of "make up" (BUILDKIT_HOST, MLBUILD_REGISTRY, MLBUILD_FRONTEND in the environment, which
// "make test" loads from .mlbuild/env); with -short or without it the tests skip, unless
// MLBUILD_REQUIRE_ALL=1 (CI), where a missing prerequisite fails the test (see skipUnless).
package integration

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/mlbuild/mlbuild/pkg/frontend"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
)

// Mode is one way users invoke the frontend.
type Mode string

const (
	InProcess Mode = "in-process" // client.Build with our build function
	Gateway   Mode = "gateway.v0" // gateway.v0 with source= the frontend image
	Syntax    Mode = "syntax"     // "# syntax=" through dockerfile.v0 (buildctl users)
	Buildx    Mode = "buildx"     // docker buildx build on the mlbuild builder
)

var allModes = []Mode{InProcess, Gateway, Syntax, Buildx}

type testEnv struct {
	host, registry, frontendImage, mode, bin string
	docker                                   bool
}

var (
	envOnce sync.Once
	theEnv  *testEnv
)

func logf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Logf("mlbuild-test: "+format, args...)
}

// skipUnless skips the test when a prerequisite is missing (ok is false); format says which.
// With MLBUILD_REQUIRE_ALL=1 (set by .ci/run) it fails the test instead: the test bed there is
// meant to give every test what it needs, and a green run must not hide a test that never ran.
// Every skip of a missing prerequisite goes through here; -short is the user's explicit choice,
// not a missing prerequisite, and skips on its own (bed).
func skipUnless(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	what := fmt.Sprintf(format, args...)
	if os.Getenv("MLBUILD_REQUIRE_ALL") == "1" {
		t.Fatalf("missing prerequisite: %s; MLBUILD_REQUIRE_ALL=1 forbids skipping", what)
	}
	t.Skipf("missing prerequisite: %s", what)
}

// bed returns the test bed, skipping the test when there is none.
func bed(t *testing.T) *testEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the test bed (make up); skipped with -short")
	}
	envOnce.Do(func() {
		e := &testEnv{
			host:          os.Getenv("BUILDKIT_HOST"),
			registry:      os.Getenv("MLBUILD_REGISTRY"),
			frontendImage: os.Getenv("MLBUILD_FRONTEND"),
			mode:          os.Getenv("MLBUILD_BUILDKITD_MODE"),
			bin:           os.Getenv("MLBUILD_BIN"),
		}
		if e.host == "" || e.registry == "" || e.frontendImage == "" {
			return
		}
		e.docker = exec.Command("docker", "info").Run() == nil
		theEnv = e
		fmt.Printf("mlbuild-test: buildkitd mode=%s host=%s registry=%s frontend=%s docker-engine=%v\n",
			e.mode, e.host, e.registry, e.frontendImage, e.docker)
	})
	skipUnless(t, theEnv != nil, "the test bed: BUILDKIT_HOST, MLBUILD_REGISTRY and MLBUILD_FRONTEND are not set (run make up, or make test)")
	return theEnv
}

func (e *testEnv) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(context.Background(), e.host)
	if err != nil {
		t.Fatalf("connect to buildkitd %s: %v", e.host, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// project copies examples/ml-pipeline into a temp dir and applies edits (path -> content;
// "" deletes). The spec's "# syntax=" line points at the local frontend image.
func (e *testEnv) project(t *testing.T, edits map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/ml-pipeline")); err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join(dir, "mlbuild.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(spec), "\n", 2)
	must(t, os.WriteFile(filepath.Join(dir, "mlbuild.yaml"), []byte("# syntax="+e.frontendImage+"\n"+lines[1]), 0o644))
	for _, p := range slices.Sorted(maps.Keys(edits)) {
		full := filepath.Join(dir, p)
		if edits[p] == "" {
			must(t, os.RemoveAll(full))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		content := edits[p]
		if p == "mlbuild.yaml" && !strings.HasPrefix(content, "# syntax=") {
			content = "# syntax=" + e.frontendImage + "\n" + content
		}
		must(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type buildOpts struct {
	target    string
	buildArgs map[string]string
	secrets   map[string][]byte
	push      string // repository under the registry, e.g. "it/modes"; "" = no export
	noCache   bool
	// rewriteTimestamp clamps file times in layers to SOURCE_DATE_EPOCH (the exporter option).
	rewriteTimestamp bool
	// file is the spec's name (-f); default mlbuild.yaml.
	file string
	// platforms is the "platform" frontend option, as buildx --platform sets it ("" for the
	// daemon's).
	platforms string
	// cacheTo and cacheFrom are registry cache refs (--cache-to type=registry,mode=max and
	// --cache-from type=registry).
	cacheTo, cacheFrom string
}

type buildResult struct {
	ref      string // repository@digest when pushed
	vertices map[string]*client.Vertex
	logs     string
}

// seen counts the vertices whose name contains substr, whatever their state: a test that
// asserts on ran or cached first checks that what it looks for is there at all.
func (r *buildResult) seen(substr string) int {
	n := 0
	for _, v := range r.vertices {
		if strings.Contains(v.Name, substr) {
			n++
		}
	}
	return n
}

// steps counts the step vertices whose name contains substr (of those that ran, with
// ranOnly): not the ": layer" diff that follows a step, nor the ": fetch FILE" sources of a
// wheel step.
func (r *buildResult) steps(substr string, ranOnly bool) int {
	n := 0
	for _, v := range r.vertices {
		if !strings.Contains(v.Name, substr) || strings.HasSuffix(v.Name, ": layer") || strings.Contains(v.Name, ": fetch ") {
			continue
		}
		if !ranOnly || (!v.Cached && v.Completed != nil) {
			n++
		}
	}
	return n
}

// ran counts the work vertices whose name contains substr and were not cached.
func (r *buildResult) ran(substr string) int {
	n := 0
	for _, v := range r.vertices {
		if strings.Contains(v.Name, substr) && !v.Cached && v.Completed != nil {
			n++
		}
	}
	return n
}

func (r *buildResult) cached(substr string) int {
	n := 0
	for _, v := range r.vertices {
		if strings.Contains(v.Name, substr) && v.Cached {
			n++
		}
	}
	return n
}

// errHarness marks a failure of the test harness itself (connecting, reading the exporter's
// answer), as opposed to a failure of the build under test.
var errHarness = errors.New("test harness")

// build builds dir's mlbuild.yaml in the given mode and returns the build's error; a failure
// of the harness fails the test.
func (e *testEnv) build(t *testing.T, m Mode, dir string, o buildOpts) (*buildResult, error) {
	t.Helper()
	res, err := e.tryBuild(t, m, dir, o)
	if errors.Is(err, errHarness) {
		t.Fatal(err)
	}
	return res, err
}

// tryBuild is build that never ends the test: it returns the harness's failures too (wrapping
// errHarness), so goroutines other than the test's may call it. It only uses the goroutine-safe
// parts of t (Name, TempDir, Helper).
func (e *testEnv) tryBuild(t *testing.T, m Mode, dir string, o buildOpts) (*buildResult, error) {
	t.Helper()
	if m == Buildx {
		return e.buildx(t, dir, o)
	}
	c, err := client.New(context.Background(), e.host)
	if err != nil {
		return nil, fmt.Errorf("%w: connect to buildkitd %s: %v", errHarness, e.host, err)
	}
	defer c.Close()
	so, tag, err := solveOpt(t.Name(), e, dir, o)
	if err != nil {
		return nil, err
	}
	ch := make(chan *client.SolveStatus)
	res := &buildResult{vertices: map[string]*client.Vertex{}}
	var logs bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ch {
			for _, v := range s.Vertexes {
				res.vertices[v.Digest.String()] = v
			}
			for _, l := range s.Logs {
				logs.Write(l.Data)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var sr *client.SolveResponse
	switch m {
	case InProcess:
		sr, err = c.Build(ctx, so, "mlbuild-test", frontendBuild, ch)
	case Gateway:
		so.Frontend = "gateway.v0"
		so.FrontendAttrs["source"] = e.frontendImage
		sr, err = c.Solve(ctx, nil, so, ch)
	case Syntax:
		so.Frontend = "dockerfile.v0"
		sr, err = c.Solve(ctx, nil, so, ch)
	default:
		close(ch)
		<-done
		return res, fmt.Errorf("%w: unknown mode %s", errHarness, m)
	}
	<-done
	res.logs = logs.String()
	if err != nil {
		return res, err
	}
	if tag != "" {
		dgst := sr.ExporterResponse["containerimage.digest"]
		if dgst == "" {
			return res, fmt.Errorf("%w: no containerimage.digest in exporter response %v", errHarness, sr.ExporterResponse)
		}
		res.ref = repoOf(tag) + "@" + dgst
	}
	return res, nil
}

var frontendBuild = frontend.Build

// solveOptFor is the SolveOpt of an mlbuild build of dir, and the tag it pushes ("" for none).
func solveOptFor(t *testing.T, e *testEnv, dir string, o buildOpts) (client.SolveOpt, string) {
	t.Helper()
	so, tag, err := solveOpt(t.Name(), e, dir, o)
	must(t, err)
	return so, tag
}

// solveOpt is solveOptFor for the test named testName, returning its error.
func solveOpt(testName string, e *testEnv, dir string, o buildOpts) (client.SolveOpt, string, error) {
	ctxFS, err := fsutil.NewFS(dir)
	if err != nil {
		return client.SolveOpt{}, "", fmt.Errorf("%w: %v", errHarness, err)
	}
	file := o.file
	if file == "" {
		file = "mlbuild.yaml"
	}
	attrs := map[string]string{"filename": file}
	if o.target != "" {
		attrs["target"] = o.target
	}
	if o.noCache {
		attrs["no-cache"] = ""
	}
	if o.platforms != "" {
		attrs["platform"] = o.platforms
	}
	for k, v := range o.buildArgs {
		attrs["build-arg:"+k] = v
	}
	so := client.SolveOpt{
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS},
		FrontendAttrs: attrs,
		Session:       []session.Attachable{secretsprovider.FromMap(o.secrets)},
	}
	if o.cacheTo != "" {
		so.CacheExports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{
			"ref": o.cacheTo, "mode": "max", "registry.insecure": "true"}}}
	}
	if o.cacheFrom != "" {
		so.CacheImports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{
			"ref": o.cacheFrom, "registry.insecure": "true"}}}
	}
	if o.push != "" {
		tag := fmt.Sprintf("%s/%s:%s", e.registry, o.push, strings.ReplaceAll(strings.ToLower(testName), "/", "-"))
		so.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": tag, "push": "true", "registry.insecure": "true"}}}
		if o.rewriteTimestamp {
			so.Exports[0].Attrs["rewrite-timestamp"] = "true"
		}
		return so, tag, nil
	}
	return so, "", nil
}

// repoOf strips the tag from registry/repo:tag (the registry has a port).
func repoOf(tag string) string {
	i := strings.LastIndex(tag, ":")
	return tag[:i]
}

// buildx runs docker buildx build --builder mlbuild with rawjson progress, the way users do.
// Like tryBuild it never ends the test.
func (e *testEnv) buildx(t *testing.T, dir string, o buildOpts) (*buildResult, error) {
	t.Helper()
	meta := filepath.Join(t.TempDir(), "meta.json")
	file := o.file
	if file == "" {
		file = "mlbuild.yaml"
	}
	args := []string{"buildx", "build", "--builder", "mlbuild", "--progress=rawjson", "-f", filepath.Join(dir, file), "--metadata-file", meta, "--provenance=false"}
	if o.target != "" {
		args = append(args, "--target", o.target)
	}
	if o.noCache {
		args = append(args, "--no-cache")
	}
	for _, k := range slices.Sorted(maps.Keys(o.buildArgs)) {
		args = append(args, "--build-arg", k+"="+o.buildArgs[k])
	}
	var env []string
	for _, id := range slices.Sorted(maps.Keys(o.secrets)) {
		envName := "MLBUILD_TEST_SECRET_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(id))
		env = append(env, envName+"="+string(o.secrets[id]))
		args = append(args, "--secret", "id="+id+",env="+envName)
	}
	var tag string
	if o.push != "" {
		tag = fmt.Sprintf("%s/%s:%s", e.registry, o.push, strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-"))
		out := "type=image,name=" + tag + ",push=true"
		if o.rewriteTimestamp {
			out += ",rewrite-timestamp=true"
		}
		args = append(args, "--output", out)
	}
	args = append(args, dir)
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := decodeRawJSON(&stderr)
	if err != nil {
		return res, fmt.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, res.logs)
	}
	if tag != "" {
		var md map[string]any
		dt, err := os.ReadFile(meta)
		if err == nil {
			err = json.Unmarshal(dt, &md)
		}
		if err != nil {
			return res, fmt.Errorf("%w: buildx metadata: %v", errHarness, err)
		}
		dgst, _ := md["containerimage.digest"].(string)
		if dgst == "" {
			return res, fmt.Errorf("%w: no containerimage.digest in buildx metadata: %s", errHarness, dt)
		}
		res.ref = repoOf(tag) + "@" + dgst
	}
	return res, nil
}

// decodeRawJSON reads buildx's --progress=rawjson output: the solve status stream, then any
// plain text (errors), which is appended to the logs.
func decodeRawJSON(r io.Reader) *buildResult {
	res := &buildResult{vertices: map[string]*client.Vertex{}}
	var logs bytes.Buffer
	dec := json.NewDecoder(r)
	for {
		var s client.SolveStatus
		if dec.Decode(&s) != nil {
			break
		}
		for _, v := range s.Vertexes {
			res.vertices[v.Digest.String()] = v
		}
		for _, l := range s.Logs {
			logs.Write(l.Data)
		}
	}
	rest, _ := io.ReadAll(io.MultiReader(dec.Buffered(), r))
	res.logs = logs.String() + string(rest)
	return res
}

// image fetches a pushed image (linux/amd64 manifest) from the registry.
func (e *testEnv) image(t *testing.T, ref string) (v1.Image, *dockerspec.DockerOCIImage) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	img, err := remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	must(t, err)
	raw, err := img.RawConfigFile()
	must(t, err)
	var cfg dockerspec.DockerOCIImage
	must(t, json.Unmarshal(raw, &cfg))
	return img, &cfg
}

//go:embed testdata/run.py
var runnerPy string

// report is what testdata/run.py writes.
type report struct {
	Exit        int               `json:"exit"`
	Stdout      string            `json:"stdout"`
	Stderr      string            `json:"stderr"`
	Healthcheck int               `json:"healthcheck_exit"`
	Health      map[string]any    `json:"health"`
	HealthCode  int               `json:"health_status"`
	Predict     map[string]any    `json:"predict"`
	ServerLog   string            `json:"server_log"`
	Files       map[string]string `json:"files"`
	Error       string            `json:"error"`
}

// runInBuildKit runs a pushed image inside BuildKit the way a container runtime would (its
// env, user, workdir and command from its config), with no network but loopback, and returns
// the runner's report. mode is "train" (run the command to completion), "serve" (start the
// command, probe it with the image's own healthcheck, then /health and /predict) or "exec"
// (run args instead of the command).
func (e *testEnv) runInBuildKit(t *testing.T, ref, mode string, readFiles []string, args ...string) *report {
	t.Helper()
	return e.runInBuildKitOn(t, ref, nil, mode, readFiles, args...)
}

// runInBuildKitOn is runInBuildKit for one platform of ref (nil: the daemon's); the image's
// config must be for that platform.
func (e *testEnv) runInBuildKitOn(t *testing.T, ref string, p *ocispecs.Platform, mode string, readFiles []string, args ...string) *report {
	t.Helper()
	var rep report
	_, err := e.client(t).Build(context.Background(), client.SolveOpt{}, "mlbuild-test-run", func(ctx context.Context, gw gwclient.Client) (*gwclient.Result, error) {
		opt := sourceresolverOpt()
		var constraints []llb.ConstraintsOpt
		if p != nil {
			opt.ImageOpt = &sourceresolver.ResolveImageOpt{Platform: p}
			constraints = append(constraints, llb.Platform(*p))
		}
		_, _, cfgJSON, err := gw.ResolveImageConfig(ctx, ref, opt)
		if err != nil {
			return nil, err
		}
		var cfg dockerspec.DockerOCIImage
		if err := json.Unmarshal(cfgJSON, &cfg); err != nil {
			return nil, err
		}
		if p != nil && cfg.Architecture != p.Architecture {
			return nil, fmt.Errorf("%s for %s has a config for %s", ref, p.Architecture, cfg.Architecture)
		}
		spec, _ := json.Marshal(map[string]any{"config": cfg.Config, "mode": mode, "args": args, "read": readFiles})
		runner := llb.Scratch().File(llb.Mkfile("/run.py", 0o644, []byte(runnerPy)))
		ro := []llb.RunOption{
			llb.Args([]string{"python3", "/mlbuild-test/run.py", string(spec)}),
			llb.AddMount("/mlbuild-test", runner, llb.Readonly),
			llb.Network(pb.NetMode_NONE),
			llb.IgnoreCache,
			llb.WithCustomNamef("[test] run %s (%s)", ref, mode),
		}
		for _, kv := range cfg.Config.Env {
			k, v, _ := strings.Cut(kv, "=")
			ro = append(ro, llb.AddEnv(k, v))
		}
		if cfg.Config.WorkingDir != "" {
			ro = append(ro, llb.Dir(cfg.Config.WorkingDir))
		}
		if cfg.Config.User != "" {
			ro = append(ro, llb.User(cfg.Config.User))
		}
		img := llb.Image(ref)
		if p != nil {
			img = llb.Image(ref, llb.Platform(*p))
		}
		def, err := img.Run(ro...).Root().Marshal(ctx, constraints...)
		if err != nil {
			return nil, err
		}
		res, err := gw.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
		if err != nil {
			return nil, err
		}
		r, err := res.SingleRef()
		if err != nil {
			return nil, err
		}
		dt, err := r.ReadFile(ctx, gwclient.ReadRequest{Filename: "/tmp/mlbuild-test-report.json"})
		if err != nil {
			return nil, err
		}
		return gwclient.NewResult(), json.Unmarshal(dt, &rep)
	}, nil)
	if err != nil {
		t.Fatalf("run %s in BuildKit: %v", ref, err)
	}
	return &rep
}

// tags lists the tags of a repository in the test registry.
func (e *testEnv) tags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(e.registry+"/"+repo, name.Insecure)
	must(t, err)
	tags, err := remote.List(r)
	if err != nil {
		return nil // unknown repository: nothing was pushed
	}
	return tags
}

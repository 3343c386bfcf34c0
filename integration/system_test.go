package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// sdistIndex serves a PEP 503 index with one sdist: mlb-cext 1.0, a C extension (mlb_cext.add)
// that only builds with a C compiler and Python's headers (pyindex.CExtSdist).
func sdistIndex(t *testing.T) string {
	t.Helper()
	return sdistIndexOn(t, "127.0.0.1")
}

// sdistIndexOn is sdistIndex listening on all addresses when host is not 127.0.0.1, its URL
// naming host (a Docker bridge's gateway, for an engine's build steps).
func sdistIndexOn(t *testing.T, host string) string {
	t.Helper()
	s, err := pyindex.StartCExtSdist(host)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s.URL
}

// derivedBase pushes the stand-in base with one more layer (files; a "" content is a whiteout
// that deletes the path) and env set in its config, as it/<repo>:latest, and returns its ref.
func (e *testEnv) derivedBase(t *testing.T, repo string, files map[string]string, env ...string) string {
	t.Helper()
	src, err := name.ParseReference(e.registry+"/library/python:3.10-slim", name.Insecure)
	must(t, err)
	base, err := remote.Image(src, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	must(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		content := files[p]
		if content == "" {
			p = filepath.Join(filepath.Dir(p), ".wh."+filepath.Base(p))
		}
		must(t, tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(315532800, 0), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(content))
		must(t, err)
	}
	must(t, tw.Close())
	dt := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(dt)), nil })
	must(t, err)
	img, err := mutate.AppendLayers(base, layer)
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	cfg := cf.Config
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		cfg.Env = slices.DeleteFunc(cfg.Env, func(x string) bool { return strings.HasPrefix(x, k+"=") })
		cfg.Env = append(cfg.Env, kv)
	}
	img, err = mutate.Config(img, cfg)
	must(t, err)
	ref := e.registry + "/it/" + repo + ":latest"
	dst, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	must(t, remote.Write(dst, img))
	return ref
}

// historyLayer is the index among an image's layers of the one mlbuild's history entry
// createdBy describes, or -1: mlbuild's entries (comment mlbuild.v0) are its layers, in order,
// after the base image's.
func historyLayer(t *testing.T, e *testEnv, ref, createdBy string) int {
	t.Helper()
	img, cfg := e.image(t, ref)
	layers, err := img.Layers()
	must(t, err)
	var ours []string
	for _, h := range cfg.History {
		if h.Comment == "mlbuild.v0" {
			ours = append(ours, h.CreatedBy)
		}
	}
	if k := slices.Index(ours, createdBy); k >= 0 {
		return len(layers) - len(ours) + k
	}
	return -1
}

// layerNames lists the paths in layer i of an image.
func (e *testEnv) layerNames(t *testing.T, ref string, i int) []string {
	t.Helper()
	img, _ := e.image(t, ref)
	layers, err := img.Layers()
	must(t, err)
	rc, err := layers[i].Uncompressed()
	must(t, err)
	defer rc.Close()
	var out []string
	eachTarEntry(t, rc, func(h *tar.Header, _ io.Reader) { out = append(out, h.Name) })
	return out
}

// systemProject is the project of the system-packages tests: libgomp1, the compiler for the
// mlb-cext sdist served at index, and a run step that writes what it saw of the hf secret
// (extra is appended to its command, e.g. a comment that makes it run every time).
func (e *testEnv) systemProject(t *testing.T, index, extra string) string {
	t.Helper()
	spec := e.depsSpec(fmt.Sprintf(`system-packages: [libgomp1]
build-packages: [gcc, libc6-dev, python3-dev]
pip:
  index-url: %s
  args: [--no-build-isolation]
run:
  - name: fetch the tokenizer
    command: 'test -n "$HF_TOKEN" && mkdir -p "$HOME/data" && echo "token of ${#HF_TOKEN} chars" > "$HOME/data/fetched.txt"%s'
    secrets: [{id: hf, env: HF_TOKEN}]
`, index, extra))
	reqs, err := os.ReadFile("../examples/ml-pipeline/requirements.txt")
	must(t, err)
	return e.project(t, map[string]string{"mlbuild.yaml": spec, "requirements.txt": string(reqs) + "mlb-cext==1.0\n"})
}

// TestSystemAndBuildPackages: real Debian packages from inside the build. A runtime library
// (system-packages) is in the image and known to the loader; an sdist with a C extension,
// served by a local index, compiles with build-packages and imports in the image, while the
// compiler is in no layer; a run step with a secret writes its output and leaves the secret
// in no layer, config or history; apt's lists, downloads and logs are in no layer; a code
// edit re-runs neither apt nor the run step; and the system layer is the same bytes when
// built again with --no-cache.
//
// The stand-in base is Debian's Python without its headers (python:3.10-slim has them), so
// the build packages add python3-dev to gcc and libc6-dev.
func TestSystemAndBuildPackages(t *testing.T) {
	e := bed(t)
	index := sdistIndex(t)
	token := fmt.Sprintf("hf-%d-t0ken", time.Now().UnixNano())
	// The run step's command carries this run's time, so it runs (with this token) every time.
	dir := e.systemProject(t, index, fmt.Sprintf(" # run %d", time.Now().UnixNano()))
	opts := buildOpts{target: "training", push: "it/system", secrets: map[string][]byte{"hf": []byte(token)}}
	res := buildOK(t, e, dir, opts)
	requireSeen(t, "the build", res, "apt-get install libgomp1", "apt-get install libgomp1 gcc libc6-dev python3-dev (where pip runs, in no layer)", "run fetch the tokenizer")
	if strings.Contains(res.logs, token) {
		t.Errorf("the secret appears in the build log")
	}
	if res.ran("] run fetch the tokenizer") == 0 {
		t.Errorf("the run step did not run (its command carries this run's time)")
	}

	rep := e.runInBuildKit(t, res.ref, "exec", []string{"/home/app/data/fetched.txt"}, "sh", "-c",
		"/sbin/ldconfig -p | grep -c libgomp.so.1 && python -c 'import mlb_cext; print(mlb_cext.add(2, 3))' && command -v gcc || true")
	if rep.Exit != 0 {
		t.Fatalf("in the image: exit %d stdout %q stderr %q", rep.Exit, rep.Stdout, rep.Stderr)
	}
	lines := strings.Fields(rep.Stdout)
	if len(lines) != 2 || lines[0] == "0" || lines[1] != "5" {
		t.Errorf("ldconfig -p count of libgomp.so.1, then mlb_cext.add(2, 3), then no gcc on PATH: got %q (stderr %q)", rep.Stdout, rep.Stderr)
	}
	if got := rep.Files["/home/app/data/fetched.txt"]; got != fmt.Sprintf("token of %d chars\n", len(token)) {
		t.Errorf("the run step's output: %q", got)
	}

	files, hits := e.layerFiles(t, res.ref, token)
	if len(hits) > 0 {
		t.Errorf("the secret is in layers: %v", hits)
	}
	img, cfg := e.image(t, res.ref)
	raw, _ := img.RawConfigFile()
	hist, _ := json.Marshal(cfg.History)
	if bytes.Contains(raw, []byte(token)) || bytes.Contains(hist, []byte(token)) {
		t.Errorf("the secret is in the config or history")
	}
	for _, f := range files {
		switch {
		case strings.HasPrefix(f, "usr/bin/gcc"), strings.HasPrefix(f, "usr/bin/x86_64-linux-gnu-gcc"), strings.HasPrefix(f, "usr/lib/gcc/"),
			strings.HasSuffix(f, "/Python.h"):
			t.Errorf("a build package's file is in a layer: %s", f)
		case strings.HasPrefix(f, "var/lib/apt/lists/") && f != "var/lib/apt/lists/" && !strings.HasSuffix(f, "/lock") && !strings.HasPrefix(f, "var/lib/apt/lists/partial"),
			strings.HasPrefix(f, "var/cache/apt/archives/") && strings.HasSuffix(f, ".deb"),
			f == "var/cache/ldconfig/aux-cache":
			t.Errorf("apt's state is in a layer: %s", f)
		}
	}
	sys := historyLayer(t, e, res.ref, "mlbuild: apt-get install libgomp1")
	if sys < 0 {
		t.Fatalf("no system packages layer in the history: %+v", cfg.History)
	}
	sysFiles := e.layerNames(t, res.ref, sys)
	if !slices.ContainsFunc(sysFiles, func(f string) bool { return strings.Contains(f, "libgomp.so.1") }) {
		t.Errorf("the system layer has no libgomp.so.1: %v", sysFiles)
	}
	for _, f := range sysFiles {
		if strings.HasPrefix(f, "var/log/") && !strings.HasSuffix(f, "/") {
			t.Errorf("a log is in the system layer: %s", f)
		}
	}
	first := e.layerDigests(t, res.ref)

	// A code edit: neither apt nor the run step runs again.
	f, err := os.OpenFile(filepath.Join(dir, "src", "train.py"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString("\n# edited\n")
	must(t, err)
	f.Close()
	res = buildOK(t, e, dir, opts)
	requireSeen(t, "the rebuild", res, "apt-get install", "run fetch the tokenizer", "copy src")
	if n := res.ran("apt-get install") + res.ran("run fetch the tokenizer") + res.ran("pip install"); n != 0 {
		t.Errorf("after a code edit %d apt, pip or run steps ran again", n)
	}

	// From the same archive state, apt's layer is the same bytes.
	opts.noCache = true
	res = buildOK(t, e, dir, opts)
	if res.ran("apt-get install libgomp1") == 0 {
		t.Fatalf("--no-cache did not run apt again")
	}
	if again := e.layerDigests(t, res.ref); again[sys] != first[sys] {
		t.Errorf("the system layer differs when built again: %s, then %s", first[sys], again[sys])
	}
}

// TestNoAptBaseRefused: system packages on a base without apt-get fail with a located error
// naming the base and the field, and push nothing.
func TestNoAptBaseRefused(t *testing.T) {
	e := bed(t)
	base := e.derivedBase(t, "noapt", map[string]string{"usr/bin/apt-get": "", "usr/bin/apt": ""})
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\nbase: " + base + "\nsystem-packages: [libgomp1]\n"})
	_, err := e.build(t, InProcess, dir, buildOpts{target: "training", push: "it/noapt-build"})
	if err == nil {
		t.Fatal("the build passed on a base without apt-get")
	}
	if msg := err.Error(); !strings.Contains(msg, "mlbuild.yaml:4:1: system-packages: base image "+base+" has no apt-get") {
		t.Errorf("error: %v", err)
	}
	if tags := e.tags(t, "it/noapt-build"); len(tags) != 0 {
		t.Errorf("a failed build pushed %v", tags)
	}
}

// TestPerTargetBase: training starts from a second base (the stand-in with a marker file and
// another PYTHON_VERSION), inference and evaluate from the stand-in. Each image holds its
// own base's files and labels; the dependency steps run once per distinct base and are
// shared where the base agrees, counted from the solve's vertices; the requires-python check
// runs per target, located at the target's base.
func TestPerTargetBase(t *testing.T) {
	e := bed(t)
	marker := fmt.Sprintf("second base %d", time.Now().UnixNano())
	base2 := e.derivedBase(t, "base2", map[string]string{"etc/mlbuild-base2": marker}, "PYTHON_VERSION=3.11.99")
	stand := e.registry + "/library/python:3.10-slim"
	spec := fmt.Sprintf(`version: 1
base: %s
targets:
  training:
    base: %s
  evaluate:
    extends: inference
    smoke-test: false
    command: [python, -c, "print(1)"]
`, stand, base2)
	dir := e.project(t, map[string]string{"mlbuild.yaml": spec})

	inf := buildOK(t, e, dir, buildOpts{target: "inference", push: "it/pertarget-inference"})
	ev := buildOK(t, e, dir, buildOpts{target: "evaluate", push: "it/pertarget-evaluate"})
	tr := buildOK(t, e, dir, buildOpts{target: "training", push: "it/pertarget-training"})
	requireSeen(t, "evaluate", ev, "pip install -r requirements.txt", "python3 -m venv")
	requireSeen(t, "training", tr, "pip install -r requirements.txt", "python3 -m venv")
	if n := ev.ran("pip install") + ev.ran("python3 -m venv"); n != 0 || ev.cached("pip install") == 0 {
		t.Errorf("evaluate, on inference's base, ran %d dependency steps (cached %d); want them shared", n, ev.cached("pip install"))
	}
	if tr.ran("python3 -m venv") == 0 || tr.ran("pip install -r requirements.txt") == 0 {
		t.Errorf("training, on its own base, ran the venv %d and pip %d times; want its own steps", tr.ran("python3 -m venv"), tr.ran("pip install -r requirements.txt"))
	}
	_, trCfg := e.image(t, tr.ref)
	_, infCfg := e.image(t, inf.ref)
	if trCfg.Config.Labels["org.opencontainers.image.base.name"] != base2 || !strings.HasPrefix(trCfg.Config.Labels["org.opencontainers.image.base.digest"], "sha256:") {
		t.Errorf("training's base labels: %v", trCfg.Config.Labels)
	}
	if infCfg.Config.Labels["org.opencontainers.image.base.name"] != stand {
		t.Errorf("inference's base label: %v", infCfg.Config.Labels)
	}
	trFiles, _ := e.layerFiles(t, tr.ref, "")
	infFiles, _ := e.layerFiles(t, inf.ref, "")
	if !slices.Contains(trFiles, "etc/mlbuild-base2") || slices.Contains(infFiles, "etc/mlbuild-base2") {
		t.Errorf("the marker file: in training %v, in inference %v", slices.Contains(trFiles, "etc/mlbuild-base2"), slices.Contains(infFiles, "etc/mlbuild-base2"))
	}

	// requires-python, per target: the second base's Python (3.11.99) is refused at its line.
	pyproject := "[project]\nname = \"ml\"\nversion = \"1.0\"\nrequires-python = \">=3.11,<3.11.50\"\ndependencies = [\"numpy==1.24.2\"]\n"
	dir = e.project(t, map[string]string{"mlbuild.yaml": spec + "dependencies: {from: pyproject.toml}\n", "pyproject.toml": pyproject})
	if _, err := e.build(t, InProcess, dir, buildOpts{target: "evaluate"}); err != nil {
		t.Errorf("evaluate on the stand-in (Python 3.11): %v", err)
	}
	_, err := e.build(t, InProcess, dir, buildOpts{target: "training"})
	if err == nil || !strings.Contains(err.Error(), "mlbuild.yaml:6:5: targets.training.base: "+base2+" has Python 3.11.99") {
		t.Errorf("training on a base whose Python the project refuses: %v", err)
	}
}

// TestGPUTrainCPUServe is the recipe of docs/spec.md: a uv lock whose torch comes through the
// conflicting extras cpu and cu124 (uv's PyTorch guide), training installing one and
// inference the other, training on a base of its own. The local index serves two small fake
// torch wheels (local versions +cpu and +cu124, different contents); each image holds its own.
func TestGPUTrainCPUServe(t *testing.T) {
	e := bed(t)
	variant := func(v string) pyindex.Package {
		return pyindex.Package{Name: "torch", Version: "2.4.0+" + v,
			Files: map[string]string{"torch/__init__.py": "__version__ = '2.4.0+" + v + "'\nVARIANT = '" + v + "'\n"}}
	}
	ix, err := pyindex.Start([]pyindex.Package{variant("cpu"), variant("cu124")})
	must(t, err)
	t.Cleanup(func() { ix.Close() })
	gpuBase := e.derivedBase(t, "gpu-base", map[string]string{"etc/mlbuild-gpu-base": "a CUDA base stands in here\n"})
	spec := e.depsSpec(`targets:
  training:
    base: ` + gpuBase + `
    dependencies: {extras: [cu124]}
  inference:
    dependencies: {extras: [cpu]}
    smoke-test: false
`)
	dir := e.depsProject(t, ix, "gpu-cpu", spec, nil)
	for target, want := range map[string]string{"training": "cu124", "inference": "cpu"} {
		res := buildOK(t, e, dir, buildOpts{target: target, push: "it/gpu-cpu-" + target})
		rep := e.runInBuildKit(t, res.ref, "exec", nil, "python", "-c", "import torch; print(torch.__version__, torch.VARIANT)")
		if rep.Exit != 0 || strings.TrimSpace(rep.Stdout) != "2.4.0+"+want+" "+want {
			t.Errorf("%s: torch in the image: exit %d stdout %q stderr %q; want 2.4.0+%s", target, rep.Exit, rep.Stdout, rep.Stderr, want)
		}
		files, _ := e.layerFiles(t, res.ref, "")
		if got := slices.Contains(files, "etc/mlbuild-gpu-base"); got != (target == "training") {
			t.Errorf("%s: the GPU base's marker in the image: %v", target, got)
		}
	}
}

// TestSystemProjectBothImages is issue 20's whole case: one spec with a system library, a
// compiler for one sdist and a build-time download with a secret gives both images of the
// example; training writes its model, inference passes its build-time smoke test and
// answers its healthcheck and /predict when run, each image imports the compiled extension,
// and the secret is in no layer, config or history of either.
func TestSystemProjectBothImages(t *testing.T) {
	e := bed(t)
	index := sdistIndex(t)
	token := fmt.Sprintf("hf-%d-b0th", time.Now().UnixNano())
	dir := e.systemProject(t, index, "")
	secrets := map[string][]byte{"hf": []byte(token)}
	for _, target := range []string{"training", "inference"} {
		res := buildOK(t, e, dir, buildOpts{target: target, push: "it/system-both", secrets: secrets})
		if strings.Contains(res.logs, token) {
			t.Errorf("%s: the secret appears in the build log", target)
		}
		if _, hits := e.layerFiles(t, res.ref, token); len(hits) > 0 {
			t.Errorf("%s: the secret is in layers: %v", target, hits)
		}
		img, cfg := e.image(t, res.ref)
		raw, _ := img.RawConfigFile()
		hist, _ := json.Marshal(cfg.History)
		if bytes.Contains(raw, []byte(token)) || bytes.Contains(hist, []byte(token)) {
			t.Errorf("%s: the secret is in the config or history", target)
		}
		rep := e.runInBuildKit(t, res.ref, "exec", []string{"/home/app/data/fetched.txt"}, "sh", "-c",
			"/sbin/ldconfig -p | grep -c libgomp.so.1 && python -c 'import mlb_cext; print(mlb_cext.add(2, 3))' && command -v gcc || true")
		if lines := strings.Fields(rep.Stdout); rep.Exit != 0 || len(lines) != 2 || lines[0] == "0" || lines[1] != "5" {
			t.Errorf("%s: libgomp known to ldconfig, mlb_cext.add(2, 3), no gcc: exit %d stdout %q stderr %q", target, rep.Exit, rep.Stdout, rep.Stderr)
		}
		if got := rep.Files["/home/app/data/fetched.txt"]; got != fmt.Sprintf("token of %d chars\n", len(token)) {
			t.Errorf("%s: the run step's output: %q", target, got)
		}
		switch target {
		case "training":
			rep := e.runInBuildKit(t, res.ref, "train", []string{"/app/models/model.json"})
			if rep.Exit != 0 || rep.Error != "" || !strings.Contains(rep.Files["/app/models/model.json"], `"weights"`) {
				t.Errorf("training exited %d (%s), model %q\nstderr: %s", rep.Exit, rep.Error, rep.Files["/app/models/model.json"], rep.Stderr)
			}
		case "inference":
			// The build succeeded, so its smoke test passed (this run, or cached from one).
			if res.seen("smoke test") == 0 {
				t.Errorf("inference: the build has no smoke test")
			}
			rep := e.runInBuildKit(t, res.ref, "serve", nil)
			if rep.Healthcheck != 0 || rep.HealthCode != 200 || rep.Health["status"] != "ok" {
				t.Errorf("inference healthcheck exit %d, /health %d %v (%s)\nserver log:\n%s", rep.Healthcheck, rep.HealthCode, rep.Health, rep.Error, rep.ServerLog)
			}
			if p, ok := rep.Predict["predictions"].([]any); !ok || len(p) != 1 {
				t.Errorf("inference /predict = %v", rep.Predict)
			}
		}
	}
}

// TestSystemPackagesArm64: the system-packages project built for linux/arm64 on the arm64
// stand-in, under emulation: apt installs the arm64 packages, the sdist's C extension compiles
// with the arm64 build packages and imports, the compiler is in no layer, the run step ran, and
// training writes its model there.
func TestSystemPackagesArm64(t *testing.T) {
	e := bed(t)
	skipUnless(t, os.Getenv("MLBUILD_ARM64") == "yes", "linux/arm64 emulation: MLBUILD_ARM64=%q, not yes (make up enables it where qemu-user-static and binfmt_misc are available)", os.Getenv("MLBUILD_ARM64"))
	index := sdistIndex(t)
	dir := e.systemProject(t, index, "")
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/system-arm64", platforms: "linux/arm64",
		secrets: map[string][]byte{"hf": []byte("arm64-t0ken")}})
	plat := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	rep := e.runInBuildKitOn(t, res.ref, &plat, "exec", []string{"/home/app/data/fetched.txt"}, "sh", "-c",
		"uname -m; /sbin/ldconfig -p | grep -c 'libgomp.so.1 (libc6,AArch64)'; python -c 'import mlb_cext; print(mlb_cext.add(2, 3))'; command -v gcc || echo no-gcc")
	if f := strings.Fields(rep.Stdout); rep.Exit != 0 || len(f) != 4 || f[0] != "aarch64" || f[1] == "0" || f[2] != "5" || f[3] != "no-gcc" {
		t.Errorf("in the arm64 image: exit %d stdout %q stderr %q; want aarch64, the libgomp count, 5, no-gcc", rep.Exit, rep.Stdout, rep.Stderr)
	}
	if got := rep.Files["/home/app/data/fetched.txt"]; got != "token of 11 chars\n" {
		t.Errorf("the run step's output: %q", got)
	}
	files, hits := e.layerFiles(t, res.ref, "arm64-t0ken")
	if len(hits) > 0 {
		t.Errorf("the secret is in layers: %v", hits)
	}
	for _, p := range files {
		if strings.HasPrefix(p, "usr/bin/gcc") || strings.HasPrefix(p, "usr/bin/aarch64-linux-gnu-gcc") || strings.HasPrefix(p, "usr/lib/gcc/") || strings.HasSuffix(p, "/Python.h") {
			t.Errorf("a build package's file is in the arm64 image: %s", p)
		}
	}
	train := e.runInBuildKitOn(t, res.ref, &plat, "train", []string{"/app/models/model.json"})
	if train.Exit != 0 || !strings.Contains(train.Files["/app/models/model.json"], `"weights"`) {
		t.Errorf("arm64 training exited %d (%s), model %q\nstderr: %s", train.Exit, train.Error, train.Files["/app/models/model.json"], train.Stderr)
	}
}

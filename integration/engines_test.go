package integration

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// dockerEngine is a Docker Engine whose own builder (buildx's "docker" driver, what plain
// `docker build` uses) builds the example.
type dockerEngine struct {
	name string
	// host is its DOCKER_HOST; "" is the machine's engine.
	host string
	// merge tells whether its builder offers the merge and diff ops.
	merge bool
	// run tells whether `docker run` works there (Docker 29 here has a runc too old for it).
	run bool
}

// dockerEngines are the machine's engine (Docker 20.10, BuildKit v0.8, no merge op) and the
// two Docker 29 engines of hack/engines.sh: graphdriver storage (merge and diff ops turned
// off) and the containerd image store (merge and diff ops on).
func dockerEngines(t *testing.T) []dockerEngine {
	t.Helper()
	out := []dockerEngine{{name: "docker-20.10", run: true}}
	if os.Getenv("MLBUILD_ENGINES") == "off" {
		if os.Getenv("MLBUILD_REQUIRE_ALL") == "1" {
			t.Fatal("MLBUILD_ENGINES=off with MLBUILD_REQUIRE_ALL=1: CI runs the whole engine matrix")
		}
		logf(t, "MLBUILD_ENGINES=off: the Docker 29 engines are left out of the matrix")
		return out
	}
	for _, e := range []struct {
		name, env string
		merge     bool
	}{{"docker-29-graphdriver", "MLBUILD_DOCKER29_GRAPHDRIVER", false}, {"docker-29-containerd", "MLBUILD_DOCKER29_CONTAINERD", true}} {
		host := os.Getenv(e.env)
		if host == "" {
			t.Fatalf("%s is not set: make up starts the Docker 29 engines (hack/engines.sh) unless MLBUILD_ENGINES=off", e.env)
		}
		out = append(out, dockerEngine{name: e.name, host: host, merge: e.merge})
	}
	return out
}

// dockerCmd runs the docker CLI against eng, with buildx's default builder for that engine
// (its "docker" driver), as `docker build` does on a machine with no other builder chosen.
func (eng dockerEngine) cmd(args ...string) *exec.Cmd {
	if eng.host != "" {
		args = append([]string{"-H", eng.host}, args...)
	}
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "BUILDX_BUILDER=default", "DOCKER_BUILDKIT=1")
	return cmd
}

func (eng dockerEngine) docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := eng.cmd(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: docker %s: %v\n%s", eng.name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// engineSpec is the spec every engine builds: the base named by the local registry's address,
// which each engine's own registry serves with the same digest, a short health interval so
// Docker's first probe comes soon (Docker < 25 ignores start-interval), and, for inference, a
// writable directory that is also a copy destination (given to the user after the copies, in
// a merge and in the copy shape alike).
func engineSpec(registry string) string {
	return "version: 1\nbase: " + registry + "/library/python:3.10-slim\ntargets:\n  inference:\n    writable: [models, cache]\n    healthcheck:\n      interval: 1s\n      start-period: 30s\n"
}

// TestDockerBuildOnEngines: `docker build -f mlbuild.yaml --target T .` builds both targets on
// the machine's Docker 20.10, on Docker 29 with graphdriver storage and on Docker 29 with the
// containerd image store. Each image has the same config, history, layer count and files
// (path, type, mode, owner, content digest, link target) as the merge-op image buildkitd
// builds from the same context; the builders without merge ops say, in the build log, that
// they assembled the layers by copying. The inference image built on the machine's engine
// turns healthy under `docker run` and answers /predict; its training image writes the model.
func TestDockerBuildOnEngines(t *testing.T) {
	e := bed(t)
	if !e.docker {
		t.Fatal("no Docker engine answers (docker info): the machine's engine is part of this test's matrix")
	}
	engines := dockerEngines(t)
	dir := e.project(t, map[string]string{"mlbuild.yaml": engineSpec(e.registry)})
	for _, target := range []string{"training", "inference"} {
		t.Run(target, func(t *testing.T) {
			ref, err := e.build(t, Buildx, dir, buildOpts{target: target, push: "it/engines-" + target})
			if err != nil {
				t.Fatal(err)
			}
			img, cfg := e.image(t, ref.ref)
			want := imageFiles(t, img)
			for _, p := range []string{"/app/src/api.py", "/opt/venv/pyvenv.cfg", "/etc/passwd", "/app/models"} {
				if want[p] == "" {
					t.Fatalf("buildkitd's image has no %s: the file listing is broken (%d entries)", p, len(want))
				}
			}
			logf(t, "buildkitd's %s image: %d files", target, len(want))
			for _, eng := range engines {
				t.Run(eng.name, func(t *testing.T) {
					tag := fmt.Sprintf("mlbuild-it/%s:%s", target, eng.name)
					out, err := eng.cmd("build", "--progress=plain", "-f", filepath.Join(dir, "mlbuild.yaml"), "--target", target, "-t", tag, dir).CombinedOutput()
					if err != nil {
						t.Fatalf("docker build on %s: %v\n%s", eng.name, err, out)
					}
					logf(t, "%s built %s", eng.name, tag)
					if !strings.Contains(string(out), ": layer") {
						t.Errorf("%s: no layer vertex in the build log:\n%s", eng.name, out)
					}
					if assemble := strings.Contains(string(out), "] assemble "); assemble != eng.merge {
						t.Errorf("%s: merge assembly in the log = %v, want %v:\n%s", eng.name, assemble, eng.merge, out)
					}
					if strings.Contains(string(out), "experimental feature") {
						t.Errorf("%s: raw capability error in the log:\n%s", eng.name, out)
					}
					got, gotCfg := savedImage(t, eng, tag)
					compareConfig(t, cfg, gotCfg)
					n1, err1 := img.Layers()
					n2, err2 := got.Layers()
					if err1 != nil || err2 != nil || len(n1) != len(n2) {
						t.Errorf("%s: %d layers, buildkitd's image has %d (%v %v)", eng.name, len(n2), len(n1), err1, err2)
					}
					if diff := cmp.Diff(want, imageFiles(t, got)); diff != "" {
						t.Errorf("%s: files differ from buildkitd's merge-op image (-buildkitd +%s):\n%s", eng.name, eng.name, diff)
					}
					if eng.run {
						if target == "training" {
							dockerTrain(t, eng, tag)
						} else {
							dockerServe(t, eng, tag)
						}
					}
				})
			}
		})
	}
}

// savedImage reads an image out of an engine's store with `docker save`.
func savedImage(t *testing.T, eng dockerEngine, tag string) (v1.Image, *dockerspec.DockerOCIImage) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "image.tar")
	eng.docker(t, "save", "-o", file, tag)
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		t.Fatalf("%s: read docker save of %s: %v", eng.name, tag, err)
	}
	raw, err := img.RawConfigFile()
	must(t, err)
	var cfg dockerspec.DockerOCIImage
	must(t, json.Unmarshal(raw, &cfg))
	return img, &cfg
}

// compareConfig compares what the frontend decides: the container config, the platform and
// the history. The engines add fields of their own beside it (container, docker_version).
func compareConfig(t *testing.T, want, got *dockerspec.DockerOCIImage) {
	t.Helper()
	if diff := cmp.Diff(want.Config, got.Config); diff != "" {
		t.Errorf("config differs (-buildkitd +engine):\n%s", diff)
	}
	if want.OS != got.OS || want.Architecture != got.Architecture {
		t.Errorf("platform %s/%s, want %s/%s", got.OS, got.Architecture, want.OS, want.Architecture)
	}
	createdBy := func(img *dockerspec.DockerOCIImage) []string {
		var out []string
		for _, h := range img.History {
			out = append(out, fmt.Sprintf("%s empty=%v", h.CreatedBy, h.EmptyLayer))
		}
		return out
	}
	if diff := cmp.Diff(createdBy(want), createdBy(got)); diff != "" {
		t.Errorf("history differs (-buildkitd +engine):\n%s", diff)
	}
}

// imageFiles lists the image's flattened filesystem: path → type, mode, owner, link target
// and content digest. Times are left out: they are the build's.
func imageFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]string{}
	eachTarEntry(t, rc, func(h *tar.Header, r io.Reader) {
		name := "/" + strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		name = strings.TrimSuffix(name, "/")
		entry := fmt.Sprintf("type=%c mode=%o uid=%d gid=%d", h.Typeflag, h.Mode&0o7777, h.Uid, h.Gid)
		switch h.Typeflag {
		case tar.TypeSymlink:
			entry += " -> " + h.Linkname
		case tar.TypeLink:
			// A hard link is the same file as its target: record it as that file's content.
			entry = fmt.Sprintf("type=0 mode=%o uid=%d gid=%d link", h.Mode&0o7777, h.Uid, h.Gid)
		case tar.TypeReg:
			sum := sha256.New()
			_, err := io.Copy(sum, r)
			must(t, err)
			entry += " sha256:" + hex.EncodeToString(sum.Sum(nil))
		}
		out[name] = entry
	})
	return out
}

// eachTarEntry calls fn for every entry of the tar stream r, with a reader of its content.
func eachTarEntry(t *testing.T, r io.Reader, fn func(h *tar.Header, content io.Reader)) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		must(t, err)
		fn(h, tr)
	}
}

// dockerTrain runs the training image: the model file appears.
func dockerTrain(t *testing.T, eng dockerEngine, ref string) {
	t.Helper()
	name := fmt.Sprintf("mlbuild-it-train-%s", strings.NewReplacer("/", "-", ":", "-", ".", "-").Replace(t.Name()))
	_ = eng.cmd("rm", "-f", name).Run()
	eng.docker(t, "run", "--name", name, ref)
	defer eng.cmd("rm", "-f", name).Run()
	model := eng.docker(t, "cp", name+":/app/models/model.json", "-")
	if !strings.Contains(model, `"weights"`) {
		t.Fatalf("training did not write its model; docker cp gave %q", model)
	}
}

// dockerServe starts the inference image with a published port and waits until Docker
// reports it healthy by its own healthcheck, then asks /health and /predict.
func dockerServe(t *testing.T, eng dockerEngine, ref string) {
	t.Helper()
	name := fmt.Sprintf("mlbuild-it-serve-%s", strings.NewReplacer("/", "-", ":", "-", ".", "-").Replace(t.Name()))
	_ = eng.cmd("rm", "-f", name).Run()
	eng.docker(t, "run", "-d", "--name", name, "-p", "127.0.0.1::8000", ref)
	defer eng.cmd("rm", "-f", name).Run()
	hostPort := strings.Split(eng.docker(t, "port", name, "8000/tcp"), "\n")[0]
	waitHealthy(t, eng, name)
	body := httpDo(t, "GET", "http://"+hostPort+"/health", "")
	if !strings.Contains(body, `"ok"`) {
		t.Errorf("GET /health: %s", body)
	}
	body = httpDo(t, "POST", "http://"+hostPort+"/predict", `{"instances": [[0.1, 0.2, 0.3, 0.4]]}`)
	var pred struct{ Predictions []float64 }
	if err := json.Unmarshal([]byte(body), &pred); err != nil || len(pred.Predictions) != 1 {
		t.Errorf("POST /predict: %q (%v)", body, err)
	}
}

func httpDo(t *testing.T, method, url, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	must(t, err)
	req.Header.Set("content-type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	dt, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(dt)
}

// waitHealthy waits until Docker reports the container healthy by the image's healthcheck.
func waitHealthy(t *testing.T, eng dockerEngine, name string) {
	t.Helper()
	status := ""
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if status = eng.docker(t, "inspect", "-f", "{{.State.Health.Status}}", name); status == "healthy" {
			return
		}
	}
	t.Fatalf("docker health status %q: %s\n%s", status, eng.docker(t, "inspect", "-f", "{{json .State.Health}}", name), eng.docker(t, "logs", name))
}

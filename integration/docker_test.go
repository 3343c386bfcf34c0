package integration

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestDockerRun: where a Docker engine runs, the images built with buildx run in Docker:
// training writes its model, inference answers /health on a published port, `docker inspect`
// reports it healthy (curl-free probe), and the app user cannot modify the code or the venv.
func TestDockerRun(t *testing.T) {
	e := bed(t)
	skipUnless(t, e.docker, "a Docker engine: docker info does not answer (the images are run inside BuildKit by TestModes instead)")
	// A short interval so Docker's first probe comes quickly (Docker < 25 ignores start-interval).
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\ntargets:\n  inference:\n    healthcheck:\n      interval: 1s\n      start-period: 30s\n"})
	refs := map[string]string{}
	for _, target := range []string{"training", "inference"} {
		res, err := e.build(t, Buildx, dir, buildOpts{target: target, push: "it/docker-" + target})
		if err != nil {
			t.Fatal(err)
		}
		refs[target] = res.ref
		docker(t, "pull", "-q", res.ref)
	}

	eng := dockerEngine{name: "docker", run: true}
	dockerTrain(t, eng, refs["training"])

	name := fmt.Sprintf("mlbuild-it-inference-%d", time.Now().UnixNano())
	docker(t, "run", "-d", "--name", name, "-p", "127.0.0.1::8000", refs["inference"])
	defer exec.Command("docker", "rm", "-f", name).Run()
	waitHealthy(t, eng, name)
	hostPort := strings.Split(docker(t, "port", name, "8000/tcp"), "\n")[0]
	if body := httpDo(t, "GET", "http://"+hostPort+"/health", ""); !strings.Contains(body, `"ok"`) {
		t.Fatalf("GET /health on %s: %q\n%s", hostPort, body, docker(t, "logs", name))
	}
	for _, p := range []string{"/app/src/api.py", "/app/models/model.json", "/opt/venv/pyvenv.cfg"} {
		if out, err := exec.Command("docker", "exec", name, "sh", "-c", "echo x >> "+p).CombinedOutput(); err == nil {
			t.Errorf("the app user could modify %s (%s)", p, out)
		}
	}
	if who := docker(t, "exec", name, "id", "-u"); who != "10001" {
		t.Errorf("inference runs as uid %s", who)
	}
}

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemPackagesOnDocker2010: plain docker build on the machine's Docker 20.10, whose
// builder (BuildKit v0.8) has no merge or diff op, so the layers are put together by copying.
// Both images of the system-packages project: in each, the system library is there, the
// sdist's C extension built with build-packages imports, the compiler is in no layer (the venv
// is copied out of the step that had it), and the run step's output is there; then training
// writes its model under docker run, and inference turns healthy and answers /predict.
func TestSystemPackagesOnDocker2010(t *testing.T) {
	e := bed(t)
	if !e.docker {
		t.Fatal("no Docker engine answers (docker info): the machine's engine is part of this test")
	}
	eng := dockerEngine{name: "docker-20.10", run: true}
	// The engine's build steps run on its bridge network: they reach the test's index at the
	// bridge's gateway: the host's address on docker0.
	out, err := exec.Command("ip", "-4", "-o", "addr", "show", "docker0").Output()
	must(t, err)
	fields := strings.Fields(string(out))
	if len(fields) < 4 {
		t.Fatalf("no IPv4 address on docker0: %q", out)
	}
	gw, _, _ := strings.Cut(fields[3], "/")
	index := sdistIndexOn(t, gw)
	reqs, err := os.ReadFile("../examples/ml-pipeline/requirements.txt")
	must(t, err)
	spec := e.depsSpec(fmt.Sprintf(`system-packages: [libgomp1]
build-packages: [gcc, libc6-dev, python3-dev]
pip:
  index-url: %s
  trusted-hosts: [%s]
  args: [--no-build-isolation]
run: ['mkdir -p "$HOME/data" && echo ran > "$HOME/data/ran.txt"']
targets:
  inference:
    healthcheck: {interval: 1s, start-period: 30s}
`, index, gw))
	dir := e.project(t, map[string]string{"mlbuild.yaml": spec, "requirements.txt": string(reqs) + "mlb-cext==1.0\n"})
	for _, target := range []string{"training", "inference"} {
		tag := "mlbuild-it/system:docker-20.10-" + target
		out, err = eng.cmd("build", "--progress=plain", "-f", filepath.Join(dir, "mlbuild.yaml"), "--target", target, "-t", tag, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("docker build --target %s: %v\n%s", target, err, out)
		}
		if strings.Contains(string(out), "] assemble ") || !strings.Contains(string(out), "apt-get install libgomp1 gcc libc6-dev python3-dev (where pip runs, in no layer)") {
			t.Errorf("%s: the copy shape's build log has an assembly, or no step installing the build packages:\n%s", target, out)
		}
		got := eng.docker(t, "run", "--rm", "--entrypoint", "sh", tag, "-c",
			"/sbin/ldconfig -p | grep -c libgomp.so.1; python -c 'import mlb_cext; print(mlb_cext.add(2, 3))'; cat /home/app/data/ran.txt; command -v gcc || echo no-gcc")
		if fields := strings.Fields(got); len(fields) != 4 || fields[0] == "0" || fields[1] != "5" || fields[2] != "ran" || fields[3] != "no-gcc" {
			t.Errorf("%s: in the image: %q; want the libgomp count, 5, ran, no-gcc", target, got)
		}
		img, _ := savedImage(t, eng, tag)
		for p := range imageFiles(t, img) {
			if strings.HasPrefix(p, "/usr/bin/gcc") || strings.HasPrefix(p, "/usr/lib/gcc/") || strings.HasSuffix(p, "/Python.h") {
				t.Errorf("%s: a build package's file is in the image: %s", target, p)
			}
		}
		if target == "training" {
			dockerTrain(t, eng, tag)
		} else {
			dockerServe(t, eng, tag)
		}
	}
}

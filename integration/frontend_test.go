package integration

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// checkConfig asserts the image config the spec's defaults promise.
func checkConfig(t *testing.T, target string, cfg *dockerspec.DockerOCIImage) {
	t.Helper()
	c := cfg.Config
	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if !strings.HasPrefix(env["PATH"], "/opt/venv/bin:") {
		t.Errorf("PATH = %q, want the venv first", env["PATH"])
	}
	if env["PYTHONPATH"] != "/app" || env["PYTHONUNBUFFERED"] != "1" {
		t.Errorf("PYTHONPATH=%q PYTHONUNBUFFERED=%q", env["PYTHONPATH"], env["PYTHONUNBUFFERED"])
	}
	if env["LANG"] == "" {
		t.Errorf("LANG from the base image config was not inherited: %v", c.Env)
	}
	if c.WorkingDir != "/app" {
		t.Errorf("WorkingDir = %q", c.WorkingDir)
	}
	if c.User != "10001:10001" {
		t.Errorf("User = %q, want the non-root 10001:10001", c.User)
	}
	if c.Labels["org.opencontainers.image.base.name"] != "docker.io/library/python:3.10-slim" ||
		!strings.HasPrefix(c.Labels["org.opencontainers.image.base.digest"], "sha256:") {
		t.Errorf("base labels = %v", c.Labels)
	}
	if cfg.OS != "linux" || cfg.Architecture == "" {
		t.Errorf("platform = %s/%s", cfg.OS, cfg.Architecture)
	}
	switch target {
	case "training":
		if !slices.Equal(c.Cmd, []string{"python", "-m", "src.train"}) {
			t.Errorf("Cmd = %q", c.Cmd)
		}
		if len(c.ExposedPorts) != 0 || c.Healthcheck != nil {
			t.Errorf("training exposes %v, healthcheck %v", c.ExposedPorts, c.Healthcheck)
		}
	case "inference":
		if !slices.Equal(c.Cmd, []string{"python", "-m", "uvicorn", "src.api:app", "--host", "0.0.0.0", "--port", "8000"}) {
			t.Errorf("Cmd = %q", c.Cmd)
		}
		if _, ok := c.ExposedPorts["8000/tcp"]; !ok || len(c.ExposedPorts) != 1 {
			t.Errorf("ExposedPorts = %v", c.ExposedPorts)
		}
		if c.Healthcheck == nil || len(c.Healthcheck.Test) < 2 || c.Healthcheck.Test[0] != "CMD" || c.Healthcheck.Test[1] != "python3" {
			t.Errorf("Healthcheck = %+v", c.Healthcheck)
		}
	}
}

// TestModes builds both targets of the example through each way users invoke the frontend,
// checks the config, runs training (which writes its model) and serves inference (whose own
// healthcheck, taken from its config, must pass).
func TestModes(t *testing.T) {
	e := bed(t)
	dir := e.project(t, nil)
	for _, m := range allModes {
		t.Run(string(m), func(t *testing.T) {
			for _, target := range []string{"training", "inference"} {
				res, err := e.build(t, m, dir, buildOpts{target: target, push: "it/" + target})
				if err != nil {
					t.Fatalf("build %s: %v", target, err)
				}
				logf(t, "%s %s -> %s", m, target, res.ref)
				_, cfg := e.image(t, res.ref)
				checkConfig(t, target, cfg)
				if t.Failed() {
					return
				}
				switch target {
				case "training":
					rep := e.runInBuildKit(t, res.ref, "train", []string{"/app/models/model.json"})
					if rep.Exit != 0 || rep.Error != "" {
						t.Fatalf("training exited %d (%s)\nstdout: %s\nstderr: %s", rep.Exit, rep.Error, rep.Stdout, rep.Stderr)
					}
					if m := rep.Files["/app/models/model.json"]; !strings.Contains(m, `"weights"`) {
						t.Fatalf("training did not write its model: %q", m)
					}
				case "inference":
					rep := e.runInBuildKit(t, res.ref, "serve", nil)
					if rep.Healthcheck != 0 || rep.HealthCode != 200 || rep.Health["status"] != "ok" {
						t.Fatalf("inference healthcheck exit %d, /health %d %v (%s)\nserver log:\n%s", rep.Healthcheck, rep.HealthCode, rep.Health, rep.Error, rep.ServerLog)
					}
					if p, ok := rep.Predict["predictions"].([]any); !ok || len(p) != 1 {
						t.Fatalf("/predict = %v", rep.Predict)
					}
				}
			}
		})
	}
}

// TestSpecErrorIsLocated: a bad spec fails with a source-mapped error at the offending line,
// through every mode, and nothing is exported.
func TestSpecErrorIsLocated(t *testing.T) {
	e := bed(t)
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\ntargets:\n  inference:\n    healthcheck:\n      interval: 30x\n    expose: [80000]\n"})
	for _, m := range []Mode{InProcess, Gateway, Syntax} {
		t.Run(string(m), func(t *testing.T) {
			_, err := e.build(t, m, dir, buildOpts{target: "inference", push: "it/bad"})
			if err == nil {
				t.Fatal("a spec with errors built")
			}
			for _, want := range []string{`targets.inference.healthcheck.interval: "30x" is not a duration`, `targets.inference.expose[0]: "80000" is not a port`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			srcs := errdefs.Sources(err)
			var lines []int32
			for _, s := range srcs {
				if s.Info.Filename != "mlbuild.yaml" {
					t.Errorf("source file %q", s.Info.Filename)
				}
				for _, r := range s.Ranges {
					lines = append(lines, r.Start.Line)
				}
			}
			// Line 1 is "# syntax=", so the interval is on line 6 and expose on line 7.
			if !slices.Contains(lines, 6) || !slices.Contains(lines, 7) {
				t.Errorf("source ranges start on lines %v, want 6 and 7", lines)
			}
		})
	}
	t.Run(string(Buildx), func(t *testing.T) {
		_, err := e.build(t, Buildx, dir, buildOpts{target: "inference", push: "it/bad"})
		if err == nil {
			t.Fatal("a spec with errors built")
		}
		// buildx prints the offending lines of the spec under the error.
		if !strings.Contains(err.Error(), "interval: 30x") || !strings.Contains(err.Error(), `is not a duration`) {
			t.Errorf("buildx output does not show the located error:\n%v", err)
		}
	})
	if tags := e.tags(t, "it/bad"); len(tags) != 0 {
		t.Errorf("a failed build exported tags %v", tags)
	}
}

package integration

import (
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlbuild/mlbuild/internal/initspec"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
)

// The tests of this file run "frontend init" (the tree's initspec, as the CLI does) on
// repositories of init's corpus (internal/initspec/testdata/corpus: real shapes of ML
// repositories, each with its expected spec), then build both images from the spec init
// wrote, unedited, through the daemon, and run them: training writes where it writes (as the
// non-root user, in a read-only /app), inference turns healthy on the path and port init chose.

//go:embed all:testdata/init/mlflow
var mlflowStandIn embed.FS

// initCorpus is init's corpus, from this package's directory.
const initCorpus = "../internal/initspec/testdata/corpus"

// baseLine matches the base init writes for a repository that asks for another Python: the
// test registry only has the python:3.10-slim stand-in (whose Python is 3.11).
var baseLine = regexp.MustCompile(`(?m)^base: python:3\.\d+-slim$`)

// TestInit: init + both builds give working images for repositories whose training writes
// outside models/ (artifacts/, logs/ created at import, outputs/, MLflow's mlruns/), whose app
// is beside src/ or made by a factory, loads its model from artifacts/, model/ or a committed
// mlruns/, answers on a route under a router prefix or a Dockerfile-declared port.
func TestInit(t *testing.T) {
	e := bed(t)
	start := time.Now()
	for _, tc := range []struct {
		name string
		// wrote are files training must have written, in the image.
		wrote []string
		// port is the port inference must expose (8000 by default).
		port string
		// index serves the MLflow stand-in in place of PyPI.
		index bool
	}{
		{name: "app-beside-src", wrote: []string{"/app/artifacts/model.json", "/app/logs/train.log"}},
		{name: "factory-app", wrote: []string{"/app/outputs/weights.json"}},
		{name: "dockerfile-port", wrote: []string{"/app/model/model.json"}, port: "8080"},
		{name: "logs-at-import", wrote: []string{"/app/models/model.json", "/app/outputs/residuals.csv"}},
		{name: "flat-src", wrote: []string{"/app/models/model.json"}},
		{name: "mlruns-store", wrote: []string{"/app/mlruns/1/meta.yaml"}, index: true},
		{name: "port-settings-constant", wrote: []string{"/app/artifacts/metrics.json"}, port: "8501"},
		{name: "service-subfolder-flat", wrote: []string{"/app/outputs/metrics.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			must(t, os.CopyFS(dir, os.DirFS(filepath.Join(initCorpus, tc.name, "repo"))))
			res, err := initspec.Write(initspec.Options{Dir: dir, Frontend: e.frontendImage})
			must(t, err)
			logf(t, "init notes:\n  %s", strings.Join(res.Notes, "\n  "))
			spec := string(res.Spec)
			if baseLine.MatchString(spec) {
				spec = baseLine.ReplaceAllString(spec, "base: "+e.registry+"/library/python:3.10-slim # the test registry's stand-in")
			}
			if tc.index {
				ix := startMLflowIndex(t)
				spec += fmt.Sprintf("pip:\n  index-url: %q # the tests' index, in place of PyPI\n", ix.URL)
				// Unedited otherwise: the stand-in ships Debian's /usr/bin/uvicorn, run by the
				// system Python, which does not see what pip installs in the venv (mlflow);
				// init's python -m uvicorn runs the venv's Python.
				if !strings.Contains(spec, "command: [python, -m, uvicorn, ") {
					t.Fatalf("init's command does not run the venv's python -m uvicorn:\n%s", spec)
				}
			}
			must(t, os.WriteFile(filepath.Join(dir, initspec.SpecFile), []byte(spec), 0o644))

			train := buildOK(t, e, dir, buildOpts{target: "training", push: "it/init"})
			rep := e.runInBuildKit(t, train.ref, "train", tc.wrote)
			if rep.Exit != 0 || rep.Error != "" {
				t.Errorf("training exited %d (%s)\nstdout: %s\nstderr: %s\nspec:\n%s", rep.Exit, rep.Error, rep.Stdout, rep.Stderr, spec)
			}
			for _, f := range tc.wrote {
				if got, ok := rep.Files[f]; !ok || strings.HasPrefix(got, "ERROR:") {
					t.Errorf("training did not write %s: %s", f, got)
				}
			}

			// The smoke test already ran the image's healthcheck at build time; run it again.
			inf := buildOK(t, e, dir, buildOpts{target: "inference", push: "it/init"})
			_, cfg := e.image(t, inf.ref)
			port := tc.port
			if port == "" {
				port = "8000"
			}
			if _, ok := cfg.Config.ExposedPorts[port+"/tcp"]; !ok || len(cfg.Config.ExposedPorts) != 1 {
				t.Errorf("inference exposes %v, want %s", cfg.Config.ExposedPorts, port)
			}
			rep = e.runInBuildKit(t, inf.ref, "serve", nil)
			if rep.Healthcheck != 0 || rep.Error != "" {
				t.Errorf("inference did not turn healthy (probe exit %d, %s): %v\nserver log:\n%s\nspec:\n%s",
					rep.Healthcheck, rep.Error, cfg.Config.Healthcheck.Test, rep.ServerLog, spec)
			}
		})
	}
	t.Cleanup(func() { logf(t, "TestInit: %s", time.Since(start).Round(time.Millisecond)) })
}

// TestInitSmokeOff: for an app that cannot start at build time (it reads a credential from
// the environment at import), init turns the smoke test off with the evidence, and the
// inference image init's spec describes builds; without that, the build fails on the smoke
// test, and its error says how to turn it off.
func TestInitSmokeOff(t *testing.T) {
	e := bed(t)
	dir := t.TempDir()
	must(t, os.CopyFS(dir, os.DirFS(filepath.Join(initCorpus, "credential-at-import", "repo"))))
	res, err := initspec.Write(initspec.Options{Dir: dir, Frontend: e.frontendImage})
	must(t, err)
	spec := string(res.Spec)
	if !strings.Contains(spec, "smoke-test: false") || !strings.Contains(spec, `app/main.py:7 os.environ["OPENAI_API_KEY"]`) {
		t.Fatalf("init did not turn the smoke test off with its evidence:\n%s", spec)
	}
	buildOK(t, e, dir, buildOpts{target: "inference", push: "it/init-smoke-off"})

	on := strings.Replace(spec, "smoke-test: false", "smoke-test: true", 1)
	must(t, os.WriteFile(filepath.Join(dir, initspec.SpecFile), []byte(on), 0o644))
	_, err = e.build(t, Buildx, dir, buildOpts{target: "inference", push: "it/init-smoke-on"})
	if err == nil {
		t.Fatal("the smoke test passed for an app that needs OPENAI_API_KEY at import")
	}
	for _, w := range []string{"KeyError", "OPENAI_API_KEY", "targets.inference.smoke-test: false"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the failed smoke test's error lacks %q:\n%v", w, err)
		}
	}
}

// startMLflowIndex serves testdata/init/mlflow as mlflow 2.12.1, the version the corpus pins.
func startMLflowIndex(t *testing.T) *pyindex.Index {
	t.Helper()
	files := map[string]string{}
	must(t, fs.WalkDir(mlflowStandIn, "testdata/init/mlflow", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dt, err := mlflowStandIn.ReadFile(p)
		files["mlflow/"+strings.TrimPrefix(p, "testdata/init/mlflow/")] = string(dt)
		return err
	}))
	ix, err := pyindex.Start([]pyindex.Package{{Name: "mlflow", Version: "2.12.1", Files: files}})
	must(t, err)
	t.Cleanup(func() { ix.Close() })
	return ix
}

// debianPyPI are Debian's packages of what the Flask case of the corpus requires (Flask,
// gunicorn, scikit-learn, joblib). The test registry has no PyPI; the
// images' venv sees the base's system site packages, so with these installed by the spec's
// system-packages, pip finds the unpinned requirements already satisfied: real Flask and a
// real gunicorn serve, real scikit-learn trains.
var debianPyPI = []string{"python3-flask", "gunicorn", "python3-sklearn", "python3-joblib"}

// TestInitWSGI: init on a Flask app served by gunicorn (the port from its Dockerfile, the
// templates folder it renders). Training runs what the repository runs; the Flask app is then
// served with the model training wrote, as a user would after their first training run, and
// turns healthy on init's port. (The corpus's makefile-prerequisites case is not built here:
// its first prerequisite downloads a dataset, and these machines have no internet.)
func TestInitWSGI(t *testing.T) {
	e := bed(t)
	for _, tc := range []struct {
		name  string
		wrote []string
		// model: the (binary) file training wrote that the app loads, and where it goes in the
		// repository before the inference build ("": no inference build).
		model, modelTo string
		port           string
	}{
		{name: "flask-templates-gunicorn", model: "/app/model.joblib", modelTo: "model.joblib", port: "5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			must(t, os.CopyFS(dir, os.DirFS(filepath.Join(initCorpus, tc.name, "repo"))))
			res, err := initspec.Write(initspec.Options{Dir: dir, Frontend: e.frontendImage})
			must(t, err)
			spec := string(res.Spec)
			if strings.Contains(spec, "\nbase:") || strings.Contains(spec, "system-packages:") {
				t.Fatalf("init wrote a base or system packages; the test's edit assumes neither:\n%s", spec)
			}
			spec = strings.Replace(spec, "\ntargets:\n", fmt.Sprintf("\nbase: %s/library/python:3.10-slim # the test registry's stand-in\nsystem-packages: [%s] # the tests' PyPI\n\ntargets:\n",
				e.registry, strings.Join(debianPyPI, ", ")), 1)
			must(t, os.WriteFile(filepath.Join(dir, initspec.SpecFile), []byte(spec), 0o644))

			train := buildOK(t, e, dir, buildOpts{target: "training", push: "it/init-wsgi"})
			read := append([]string{}, tc.wrote...)
			if tc.model != "" {
				read = append(read, "base64:"+tc.model)
			}
			rep := e.runInBuildKit(t, train.ref, "train", read)
			if rep.Exit != 0 || rep.Error != "" {
				t.Fatalf("training exited %d (%s)\nstdout: %s\nstderr: %s\nspec:\n%s", rep.Exit, rep.Error, rep.Stdout, rep.Stderr, spec)
			}
			for _, f := range tc.wrote {
				if got, ok := rep.Files[f]; !ok || strings.HasPrefix(got, "ERROR:") {
					t.Errorf("training did not write %s: %s", f, got)
				}
			}
			if tc.model == "" {
				return
			}
			model, err := base64.StdEncoding.DecodeString(rep.Files["base64:"+tc.model])
			if err != nil || len(model) == 0 {
				t.Fatalf("the model training wrote: %q (%v)", rep.Files["base64:"+tc.model], err)
			}
			must(t, os.WriteFile(filepath.Join(dir, tc.modelTo), model, 0o644))
			inf := buildOK(t, e, dir, buildOpts{target: "inference", push: "it/init-wsgi"})
			if inf.seen("smoke test") == 0 {
				t.Errorf("the inference build has no smoke test")
			}
			_, cfg := e.image(t, inf.ref)
			if _, ok := cfg.Config.ExposedPorts[tc.port+"/tcp"]; !ok || len(cfg.Config.ExposedPorts) != 1 {
				t.Errorf("inference exposes %v, want %s", cfg.Config.ExposedPorts, tc.port)
			}
			rep = e.runInBuildKit(t, inf.ref, "serve", nil)
			if rep.Healthcheck != 0 || rep.Error != "" {
				t.Errorf("inference did not turn healthy (probe exit %d, %s): %v\nserver log:\n%s\nspec:\n%s",
					rep.Healthcheck, rep.Error, cfg.Config.Healthcheck.Test, rep.ServerLog, spec)
			}
			if !strings.Contains(rep.ServerLog, "gunicorn") {
				t.Errorf("the server is not gunicorn:\n%s", rep.ServerLog)
			}
		})
	}
}

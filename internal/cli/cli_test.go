package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestLintExample(t *testing.T) {
	out, errOut, code := run(t, "lint", "-f", "../../examples/ml-pipeline/mlbuild.yaml")
	if code != 0 || !strings.Contains(out, "mlbuild.yaml: ok (2 targets") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestLintReportsLocatedErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "mlbuild.yaml")
	if err := os.WriteFile(f, []byte("version: 1\ntargets:\n  inference:\n    expose: [0]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "lint", "-f", f)
	if code != 1 || !strings.Contains(errOut, "mlbuild.yaml:4:14: targets.inference.expose[0]") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestLLBIsDeterministic(t *testing.T) {
	first, errOut, code := run(t, "llb", "-f", "../../examples/ml-pipeline/mlbuild.yaml", "--target", "training")
	if code != 0 || len(first) == 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for i := 0; i < 5; i++ {
		if again, _, _ := run(t, "llb", "-f", "../../examples/ml-pipeline/mlbuild.yaml", "--target", "training"); again != first {
			t.Fatal("llb output differs between runs")
		}
	}
}

// TestSchema: "frontend schema" prints exactly the published docs/mlbuild.schema.json (read
// from disk, not the embedded copy), and that is a JSON schema of the spec's top level. It fails
// when the spec types change and only one of the two checked-in schemas is regenerated.
func TestSchema(t *testing.T) {
	out, errOut, code := run(t, "schema")
	if code != 0 {
		t.Fatalf("schema: exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "mlbuild.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("frontend schema (%d bytes) differs from docs/mlbuild.schema.json (%d bytes); run: go test ./pkg/spec -update", len(out), len(want))
	}
	var doc struct {
		Schema     string                     `json:"$schema"`
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("frontend schema is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.Schema, "https://json-schema.org/") {
		t.Errorf(`"$schema" is %q, want a json-schema.org dialect`, doc.Schema)
	}
	if doc.Type != "object" {
		t.Errorf(`top-level "type" is %q, want "object"`, doc.Type)
	}
	for _, key := range []string{"version", "targets", "base", "python", "requirements", "user"} {
		if _, ok := doc.Properties[key]; !ok {
			t.Errorf(`the schema's "properties" have no %q (it has %d keys)`, key, len(doc.Properties))
		}
	}
}

func TestEjectedExampleIsCurrent(t *testing.T) {
	for _, target := range []string{"training", "inference"} {
		out, errOut, code := run(t, "dockerfile", "-f", "../../examples/ml-pipeline/mlbuild.yaml", "--target", target)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		want, err := os.ReadFile(filepath.Join("../../examples/ml-pipeline/docker", target, "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		if out != string(want) {
			t.Errorf("examples/ml-pipeline/docker/%s/Dockerfile is not the current ejection; run: go test ./pkg/eject -update", target)
		}
	}
}

// TestPlan: "frontend plan" prints each target of the example as JSON: the closed plan with
// its dependencies resolved from the spec's directory (the example's requirements.txt).
func TestPlan(t *testing.T) {
	for _, target := range []string{"training", "inference"} {
		out, errOut, code := run(t, "plan", "-f", "../../examples/ml-pipeline/mlbuild.yaml", "--target", target)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var p struct {
			Target, Base string
			Steps        []struct{ Kind, Name string }
			Deps         struct{ Kind, Source string }
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if p.Target != target || p.Base != "docker.io/library/python:3.10-slim" || p.Deps.Source != "requirements.txt" {
			t.Errorf("plan of %s: target %q, base %q, dependencies %+v", target, p.Target, p.Base, p.Deps)
		}
		var kinds []string
		for _, st := range p.Steps {
			kinds = append(kinds, st.Kind)
		}
		if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "user venv pip copy") || !strings.HasSuffix(got, "assemble") {
			t.Errorf("steps of %s: %s", target, got)
		}
	}
	if _, errOut, code := run(t, "plan", "-f", "../../examples/ml-pipeline/mlbuild.yaml", "--target", "nope"); code != 1 || !strings.Contains(errOut, `unknown target "nope"`) {
		t.Errorf("unknown target: exit %d: %s", code, errOut)
	}
}

func TestInitWritesALoadableSpec(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{"src/api.py": "from fastapi import FastAPI\napp = FastAPI()\n", "src/train.py": "print(1)\n", "requirements.txt": "fastapi==0.92.0\nuvicorn==0.17.6\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := run(t, "init", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	dt, err := os.ReadFile(filepath.Join(dir, "mlbuild.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spec.Load("mlbuild.yaml", dt, spec.Options{}); err != nil {
		t.Fatalf("init wrote a spec that does not load: %v\n%s", err, dt)
	}
	if _, err := os.Stat(filepath.Join(dir, ".dockerignore")); err != nil {
		t.Errorf("no .dockerignore: %v", err)
	}
	if _, errOut, code := run(t, "init", "--dir", dir); code == 0 || !strings.Contains(errOut, "mlbuild.yaml") {
		t.Errorf("a second init overwrote the spec: exit %d %s", code, errOut)
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, errOut, code := run(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// project writes a build context: the files given (path -> content; "@path" copies a file of
// the repository) and returns the spec's path.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		if src, ok := strings.CutPrefix(c, "@"); ok {
			dt, err := os.ReadFile(filepath.Join("..", "..", src))
			if err != nil {
				t.Fatal(err)
			}
			c = string(dt)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "mlbuild.yaml")
}

// uvProject is pkg/pydeps' uv.lock fixture: a project locked for linux and macOS, whose torch
// comes from the PyTorch CPU index on linux/amd64 only, with the extra "cuda" and the groups
// "dev" and "docs".
func uvProject(spec string) map[string]string {
	return map[string]string{
		"mlbuild.yaml":     spec,
		"pyproject.toml":   "@pkg/pydeps/testdata/uv/pyproject.toml",
		"uv.lock":          "@pkg/pydeps/testdata/uv/uv.lock",
		"requirements.txt": "numpy\n",
	}
}

// TestEjectLock: with a uv.lock in the spec's directory, "frontend dockerfile" writes the pins
// the frontend would install for the platform and the Python of the base's tag into the deps
// stage, and pip installs exactly them.
func TestEjectLock(t *testing.T) {
	f := project(t, uvProject("version: 1\nbase: python:3.11-slim\ntargets:\n  training:\n    dependencies: {groups: [dev]}\n"))
	out, errOut, code := run(t, "dockerfile", "-f", f, "--target", "training")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out = strings.ReplaceAll(out, "\n# ", " ") // comments unwrapped
	containsAll(t, out,
		"COPY <<'EOF' /tmp/mlbuild/requirements/uv.lock.txt\n",
		"linux/amd64 and Python 3.11:",
		"\n  --no-deps --require-hashes \\\n  -r /tmp/mlbuild/requirements/uv.lock.txt\n",
		"--extra-index-url https://download.pytorch.org/whl/cpu",
		"torch==2.4.0+cpu \\\n    --hash=sha256:",
		"iniconfig==2.0.0", // group dev
	)
	if strings.Contains(out, "requirements.txt") || strings.Contains(out, "colorama") {
		t.Errorf("the Dockerfile installs requirements.txt or a win32-only package:\n%s", out)
	}

	arm, errOut, code := run(t, "dockerfile", "-f", f, "--target", "inference", "--platform", "linux/arm64", "--python", "3.11.9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	containsAll(t, strings.ReplaceAll(arm, "\n# ", " "), "linux/arm64 and Python 3.11.9:", "torch==2.4.0 \\\n")
	if strings.Contains(arm, "iniconfig") || strings.Contains(arm, "+cpu") {
		t.Errorf("the inference image for arm64 gets the dev group or the x86_64 torch:\n%s", arm)
	}
}

func TestEjectErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		want  []string
	}{
		{"no python in the base's tag", uvProject("version: 1\nbase: ubuntu:24.04\n"), nil,
			[]string{"mlbuild.yaml:2:1: base:", "uv.lock", "--python"}},
		{"base python outside requires-python", uvProject("version: 1\nbase: python:3.9-slim\n"), nil,
			[]string{"base:", "requires-python >=3.10"}},
		{"misspelled group", uvProject("version: 1\nbase: python:3.11-slim\ntargets:\n  training:\n    dependencies: {groups: [dvs]}\n"), []string{"--target", "training"},
			[]string{`mlbuild.yaml:5:29: targets.training.dependencies.groups[0]: group "dvs" is not in uv.lock`, `did you mean "dev"?`}},
		{"bad platform", uvProject("version: 1\n"), []string{"--platform", "linux/nope"}, []string{"--platform"}},
		{"unknown target", uvProject("version: 1\n"), []string{"--target", "nope"}, []string{`unknown target "nope"`}},
		{"lock that does not parse", map[string]string{"mlbuild.yaml": "version: 1\n", "uv.lock": "version = 1\n[[package]\n"}, nil,
			[]string{"uv.lock:2:", "uv.lock:2 | [[package]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := project(t, tc.files)
			_, errOut, code := run(t, append([]string{"dockerfile", "-f", f}, tc.args...)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			containsAll(t, errOut, tc.want...)
		})
	}
}

// TestEjectHonoursDockerignore: the spec's directory is read as the build context, so a lock
// that .dockerignore excludes is not there and requirements.txt is installed instead.
func TestEjectHonoursDockerignore(t *testing.T) {
	files := uvProject("version: 1\n")
	files[".dockerignore"] = "uv.lock\n"
	out, errOut, code := run(t, "dockerfile", "-f", project(t, files), "--target", "training")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	containsAll(t, out, "--mount=type=bind,source=requirements.txt,target=/tmp/mlbuild/requirements/requirements.txt")
	if strings.Contains(out, "uv.lock") {
		t.Errorf("an excluded uv.lock was used:\n%s", out)
	}
}

func TestLintDependencies(t *testing.T) {
	t.Run("stale lock", func(t *testing.T) {
		files := uvProject("version: 1\nbase: python:3.12-slim\n")
		pp, err := os.ReadFile("../../pkg/pydeps/testdata/uv/pyproject.toml")
		if err != nil {
			t.Fatal(err)
		}
		files["pyproject.toml"] = strings.Replace(string(pp), `"numpy>=2",`, `"numpy>=2",`+"\n"+`    "pandas>=2",`, 1)
		line := strings.Count(files["pyproject.toml"][:strings.Index(files["pyproject.toml"], "pandas")], "\n") + 1
		out, errOut, code := run(t, "lint", "-f", project(t, files))
		if code != 1 {
			t.Fatalf("exit %d, want 1 (builds refuse the lock)\n%s%s", code, out, errOut)
		}
		containsAll(t, out, fmt.Sprintf("pyproject.toml:%d:5: warning StaleLock: project.dependencies[", line), `"pandas>=2" is not what uv.lock records`)
		containsAll(t, errOut, "uv.lock is out of date with pyproject.toml (1 difference)")
	})
	t.Run("lock not used", func(t *testing.T) {
		out, errOut, code := run(t, "lint", "-f", project(t, uvProject("version: 1\nbase: python:3.12-slim\nrequirements: [requirements.txt]\n")))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		containsAll(t, out,
			"mlbuild.yaml:3:1: warning LockNotUsed: uv.lock is in the context but dependencies come from requirements.txt",
			"mlbuild.yaml:3:16: warning UnpinnedRequirement", // requirements.txt is what is installed
			"(2 targets, 2 warnings)")
	})
	t.Run("requirements file named in dependencies.from", func(t *testing.T) {
		files := map[string]string{"mlbuild.yaml": "version: 1\nbase: python:3.12-slim\ndependencies: {from: reqs/prod.txt}\n",
			"reqs/prod.txt": "numpy==2.0.0\npandas>=2\n"}
		out, errOut, code := run(t, "lint", "-f", project(t, files))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		containsAll(t, out, `mlbuild.yaml:3:16: warning UnpinnedRequirement: reqs/prod.txt:2: "pandas>=2" is not pinned with ==`, "(2 targets, 1 warnings)")
	})
	t.Run("misspelled group", func(t *testing.T) {
		out, errOut, code := run(t, "lint", "-f", project(t, uvProject("version: 1\nbase: python:3.12-slim\ndependencies:\n  groups: [docs, devv]\n")))
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
		}
		containsAll(t, errOut, `mlbuild.yaml:4:18: dependencies.groups[1]: group "devv" is not in uv.lock`, `did you mean "dev"?`)
	})
	t.Run("lock used", func(t *testing.T) {
		out, errOut, code := run(t, "lint", "-f", project(t, uvProject("version: 1\nbase: python:3.12-slim\n")))
		if code != 0 || !strings.Contains(out, "(2 targets, 0 warnings)") {
			t.Fatalf("exit %d: requirements.txt is not installed, nothing to warn about\n%s%s", code, out, errOut)
		}
	})
}

func containsAll(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}

// TestInitThenEjectLock: init leaves a uv.lock to the frontend's detection, and the spec it
// writes ejects with the lock's pins.
func TestInitThenEjectLock(t *testing.T) {
	files := uvProject("")
	delete(files, "mlbuild.yaml")
	delete(files, "requirements.txt")
	files["src/api.py"] = "from fastapi import FastAPI\napp = FastAPI()\n"
	files["src/train.py"] = "print(1)\n"
	f := project(t, files)
	out, errOut, code := run(t, "init", "--dir", filepath.Dir(f))
	if code != 0 {
		t.Fatalf("init: exit %d: %s%s", code, out, errOut)
	}
	containsAll(t, out, "note: dependencies: uv.lock (the frontend finds it: nothing written)")
	dt, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(dt), "\nrequirements:") {
		t.Errorf("init wrote requirements for a uv.lock project:\n%s", dt)
	}
	df, errOut, code := run(t, "dockerfile", "-f", f, "--target", "training")
	if code != 0 {
		t.Fatalf("dockerfile: exit %d: %s\nspec:\n%s", code, errOut, dt)
	}
	containsAll(t, strings.ReplaceAll(df, "\n# ", " "), "COPY <<'EOF' /tmp/mlbuild/requirements/uv.lock.txt", "linux/amd64 and Python 3.10:")
}

// TestLockShapes: lock files as projects write them (pkg/pydeps/testdata/README.md names
// the public projects of each shape), through the CLI that resolves them as a build does.
func TestLockShapes(t *testing.T) {
	t.Run("conflicting extras chosen together", func(t *testing.T) {
		spec := "version: 1\nbase: python:3.11-slim\ndependencies: {extras: [cpu]}\ntargets:\n  training:\n    dependencies: {extras: [cu128]}\n"
		files := map[string]string{"mlbuild.yaml": spec, "pyproject.toml": "@pkg/pydeps/testdata/uvconflicts/pyproject.toml", "uv.lock": "@pkg/pydeps/testdata/uvconflicts/uv.lock"}
		f := project(t, files)
		_, errOut, code := run(t, "dockerfile", "-f", f, "--target", "training")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, errOut)
		}
		containsAll(t, errOut, `mlbuild.yaml:6:5: targets.training.dependencies: extra "cpu" and extra "cu128" cannot be installed together: pyproject.toml:14 declares them conflicting`)
		if strings.Count(errOut, "cannot") != 1 || strings.Contains(errOut, "uv.lock:") {
			t.Errorf("more than the one conflict error:\n%s", errOut)
		}
		out, errOut, code := run(t, "dockerfile", "-f", f, "--target", "inference") // cpu alone
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		containsAll(t, out, "torch==2.7.0+cpu", "--extra-index-url https://download.pytorch.org/whl/cpu")
	})
	t.Run("dynamic dependencies", func(t *testing.T) {
		pp, err := os.ReadFile("../../pkg/pydeps/testdata/uvsources/pyproject.toml")
		if err != nil {
			t.Fatal(err)
		}
		dynamic := strings.Replace(string(pp), "dependencies = [\n    \"fastapi>=0.110\",\n    \"tokenizer-kit>=0.2\",\n]\n", "dynamic = [\"dependencies\"]\n", 1)
		files := map[string]string{"mlbuild.yaml": "version: 1\nbase: python:3.11-slim\n", "pyproject.toml": dynamic, "uv.lock": "@pkg/pydeps/testdata/uvsources/uv.lock"}
		out, errOut, code := run(t, "lint", "-f", project(t, files))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		containsAll(t, out, "pyproject.toml:5:1: warning StalenessNotChecked: project.dynamic: the project's dependencies are dynamic", "(2 targets, 1 warning")
		if strings.Contains(out, "StaleLock") {
			t.Errorf("dynamic dependencies reported as stale:\n%s", out)
		}
	})
	t.Run("a git source is refused for itself, not as stale", func(t *testing.T) {
		files := map[string]string{"mlbuild.yaml": "version: 1\nbase: python:3.11-slim\n", "pyproject.toml": "@pkg/pydeps/testdata/uvsources/pyproject.toml", "uv.lock": "@pkg/pydeps/testdata/uvsources/uv.lock"}
		_, errOut, code := run(t, "dockerfile", "-f", project(t, files), "--target", "training")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, errOut)
		}
		containsAll(t, errOut, "uv.lock:", "tokenizer-kit 0.2.1: a git source has no hash")
		if strings.Contains(errOut, "uv lock") {
			t.Errorf("reported as a stale lock:\n%s", errOut)
		}
	})
	t.Run("a requirements file named pylock.toml", func(t *testing.T) {
		files := map[string]string{"mlbuild.yaml": "version: 1\nbase: python:3.11-slim\n", "pylock.toml": "numpy==2.1.1\npandas>=2 ; python_version >= '3.10'\n"}
		_, errOut, code := run(t, "dockerfile", "-f", project(t, files), "--target", "training")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, errOut)
		}
		containsAll(t, errOut, "pylock.toml:1:", "pylock.toml reads as a pip requirements file, not a PEP 751 lock: rename it requirements.txt")
	})
}

// TestCLIPython: --python 3.13 is a 3.13.x (a requires-python >=3.13.5 is met by an assumed
// 3.13.5, with a warning), --python 3.13.5 is exact, and a --python the base's tag
// contradicts is an error located at base.
func TestCLIPython(t *testing.T) {
	pp, err := os.ReadFile("../../pkg/pydeps/testdata/uvexport/pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("../../pkg/pydeps/testdata/uvexport/pylock.toml")
	if err != nil {
		t.Fatal(err)
	}
	files := func(base string) map[string]string {
		return map[string]string{
			"mlbuild.yaml":   "version: 1\nbase: " + base + "\n",
			"pyproject.toml": strings.Replace(string(pp), `requires-python = ">=3.10"`, `requires-python = ">=3.13.5"`, 1),
			"pylock.toml":    strings.ReplaceAll(strings.Replace(string(lock), `requires-python = ">=3.10"`, `requires-python = ">=3.13.5"`, 1), "cp311", "cp313"),
		}
	}
	for _, tc := range []struct {
		name, base string
		args       []string
		code       int
		out, err   string
	}{
		{"minor from the flag", "ubuntu:24.04", []string{"--python", "3.13"}, 0, "Python 3.13.5:", "warning: Python 3.13 is taken as 3.13.5"},
		{"minor from the tag", "python:3.13-slim", nil, 0, "Python 3.13.5:", "warning: Python 3.13 is taken as 3.13.5"},
		{"exact", "python:3.13-slim", []string{"--python", "3.13.7"}, 0, "Python 3.13.7:", ""},
		{"exact and too old", "python:3.13-slim", []string{"--python", "3.13.2"}, 1, "", "mlbuild.yaml:2:1: base: python:3.13-slim has Python 3.13.2, but pyproject.toml asks for requires-python >=3.13.5"},
		{"contradicts the tag", "python:3.10-slim", []string{"--python", "3.12"}, 1, "", "mlbuild.yaml:2:1: base: --python 3.12 contradicts the base python:3.10-slim, whose tag names Python 3.10"},
		{"not a version", "python:3.13-slim", []string{"--python", "three"}, 1, "", `--python "three"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"dockerfile", "-f", project(t, files(tc.base)), "--target", "training"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			containsAll(t, strings.ReplaceAll(out, "\n# ", " "), tc.out)
			containsAll(t, errOut, tc.err)
			if tc.err == "" && errOut != "" {
				t.Errorf("unexpected stderr: %s", errOut)
			}
		})
	}
}

// TestWorkspaceInSubdirectory: a virtual uv workspace in python/ (the shape of sqlrooms'
// repository): dependencies.from names python/uv.lock, each target installs the members it
// names, each built from its own directory in a step of its own, with the members they
// depend on and what the lock resolves for them.
func TestWorkspaceInSubdirectory(t *testing.T) {
	files := func(spec string) map[string]string {
		return map[string]string{
			"mlbuild.yaml":          spec,
			"python/pyproject.toml": "@pkg/pydeps/testdata/uvworkspace/pyproject.toml",
			"python/uv.lock":        "@pkg/pydeps/testdata/uvworkspace/uv.lock",
		}
	}
	spec := "version: 1\nbase: python:3.11-slim\ndependencies: {from: python/uv.lock}\ntargets:\n  inference:\n    dependencies: {members: [ingest-api]}\n  training:\n    dependencies: {members: [notebooks]}\n"
	f := project(t, files(spec))
	out, errOut, code := run(t, "dockerfile", "-f", f, "--target", "inference")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	containsAll(t, out, "fastapi==0.115.0", "numpy==2.1.1",
		"# The workspace member feature-store (python/feature-store/pyproject.toml), built from the context as a wheel",
		"--mount=type=bind,source=python/feature-store,target=/tmp/mlbuild/project,rw",
		"--mount=type=bind,source=python/ingest-api,target=/tmp/mlbuild/project,rw")
	if strings.Contains(out, "pytest") || strings.Contains(out, "notebooks") {
		t.Errorf("the inference image gets the other member's packages:\n%s", out)
	}
	out, errOut, code = run(t, "dockerfile", "-f", f, "--target", "training")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	containsAll(t, out, "pytest==8.3.3", "source=python/feature-store,")
	if strings.Contains(out, "source=python/notebooks") || strings.Contains(out, "fastapi") {
		t.Errorf("the virtual member was built, or the api's packages installed:\n%s", out)
	}

	for _, tc := range []struct{ name, spec, want string }{
		{"no member named", "version: 1\nbase: python:3.11-slim\ndependencies: {from: python/uv.lock}\n",
			"mlbuild.yaml:3:1: dependencies: python/uv.lock is a uv workspace whose root pyproject.toml has no [project]: name the members to install in dependencies.members (it has: feature-store, ingest-api, notebooks)"},
		{"an unknown member", "version: 1\nbase: python:3.11-slim\ndependencies: {from: python/uv.lock, members: [ingest]}\n",
			`mlbuild.yaml:3:48: dependencies.members[0]: "ingest" is not a member of the workspace python/uv.lock locks (members: feature-store, ingest-api, notebooks)`},
		{"members from another source", "version: 1\nbase: python:3.11-slim\ndependencies: {from: python/pyproject.toml, members: [ingest-api]}\n",
			"dependencies.members[0]: workspace members come from a uv.lock; python/pyproject.toml has none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := run(t, "dockerfile", "-f", project(t, files(tc.spec)), "--target", "inference")
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			containsAll(t, errOut, tc.want)
		})
	}
}

// TestPoetryProjectInSubdirectory: services/api/poetry.lock (a monorepo service): its
// pyproject.toml is read beside it and project: true builds services/api.
func TestPoetryProjectInSubdirectory(t *testing.T) {
	files := map[string]string{
		"mlbuild.yaml":                "version: 1\nbase: python:3.11-slim\ndependencies: {from: services/api/poetry.lock, project: true}\n",
		"services/api/pyproject.toml": "@pkg/pydeps/testdata/poetry21/pyproject.toml",
		"services/api/poetry.lock":    "@pkg/pydeps/testdata/poetry21/poetry.lock",
	}
	out, errOut, code := run(t, "dockerfile", "-f", project(t, files), "--target", "training")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	containsAll(t, out, "certifi==2024.8.30", "torch==2.4.1+cpu",
		"--mount=type=bind,source=services/api,target=/tmp/mlbuild/project,rw")

	files["services/api/pyproject.toml"] = "[project]\nname = \"trainer\"\nversion = \"1\"\ndependencies = [\"scipy\"]\n"
	_, errOut, code = run(t, "dockerfile", "-f", project(t, files), "--target", "training")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	containsAll(t, errOut, "services/api/pyproject.toml:4:17: project.dependencies[0]: scipy is not in poetry.lock")
}

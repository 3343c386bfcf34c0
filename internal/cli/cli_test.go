package cli

import (
	"bytes"
	"context"
	"encoding/json"
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

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/tonistiigi/fsutil"
)

// buildxCall runs docker buildx build --call <what> and returns stdout, stderr and the error.
func buildxCall(t *testing.T, dir, what string, extra ...string) (string, string, error) {
	t.Helper()
	args := append([]string{"buildx", "build", "--builder", "mlbuild", "-f", filepath.Join(dir, "mlbuild.yaml"), "--call", what}, extra...)
	args = append(args, dir)
	cmd := exec.Command("docker", args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestCallSubrequests: --call targets, outline and check are answered by mlbuild itself
// (never by the Dockerfile frontend, which would try to parse the YAML as a Dockerfile).
func TestCallSubrequests(t *testing.T) {
	e := bed(t)
	dir := e.project(t, map[string]string{
		"mlbuild.yaml":     "version: 1\nargs:\n  PYTHON_TAG: \"3.10-slim\"\n  API_TOKEN: abc\nbase: python:${PYTHON_TAG}\npip:\n  secrets:\n    - {id: pip-index, env: PIP_INDEX_URL, optional: true}\ntargets:\n  batch:\n    description: nightly batch scoring\n    command: [python, -m, src.train]\n",
		"requirements.txt": "numpy==1.24.2\nfastapi\n",
	})
	out, errOut, err := buildxCall(t, dir, "targets,format=json")
	if err != nil {
		t.Fatalf("--call targets: %v\n%s", err, errOut)
	}
	var list struct {
		Targets []struct {
			Name, Description string
			Default           bool
		} `json:"targets"`
	}
	must(t, json.Unmarshal([]byte(out), &list))
	got := map[string]string{}
	for _, tg := range list.Targets {
		got[tg.Name] = tg.Description
		if tg.Default && tg.Name != "inference" {
			t.Errorf("default target %s", tg.Name)
		}
	}
	if got["batch"] != "nightly batch scoring" || got["inference"] == "" || got["training"] == "" {
		t.Errorf("targets = %v\n%s", got, out)
	}

	out, errOut, err = buildxCall(t, dir, "outline,format=json", "--target", "batch")
	if err != nil {
		t.Fatalf("--call outline: %v\n%s", err, errOut)
	}
	var ol struct {
		Name    string
		Args    []struct{ Name, Value string }
		Secrets []struct{ Name string }
	}
	must(t, json.Unmarshal([]byte(out), &ol))
	if ol.Name != "batch" || len(ol.Args) != 2 || len(ol.Secrets) != 1 || ol.Secrets[0].Name != "pip-index" {
		t.Errorf("outline = %+v\n%s", ol, out)
	}

	out, errOut, err = buildxCall(t, dir, "check,format=json")
	// --call check exits non-zero when there are warnings.
	if err == nil {
		t.Errorf("--call check found nothing to warn about:\n%s", out)
	}
	var lint struct {
		Warnings []struct {
			RuleName string
			Location struct {
				Ranges []struct{ Start struct{ Line int } }
			}
		} `json:"warnings"`
	}
	if jerr := json.Unmarshal([]byte(out), &lint); jerr != nil {
		t.Fatalf("--call check output: %v\n%s\n%s", jerr, out, errOut)
	}
	rules := map[string]int{}
	for _, w := range lint.Warnings {
		if len(w.Location.Ranges) > 0 {
			rules[w.RuleName] = w.Location.Ranges[0].Start.Line
		}
	}
	// Line 1 is "# syntax="; API_TOKEN is on line 5, requirements on the implicit default (version, line 2).
	if rules["SecretInArg"] != 5 || rules["UnpinnedRequirement"] == 0 || rules["PythonEndOfLife"] != 6 {
		t.Errorf("lint rules and lines = %v\n%s", rules, out)
	}
	if strings.Contains(errOut+out, "dockerfile parse error") || strings.Contains(errOut+out, "unknown instruction") {
		t.Errorf("a subrequest fell back to the Dockerfile frontend:\n%s", errOut)
	}
}

// TestBuildArgsAndNamedContexts: --build-arg values substitute into spec strings;
// --build-context replaces the base image and supplies models/ from elsewhere.
func TestBuildArgsAndNamedContexts(t *testing.T) {
	e := bed(t)
	dir := e.project(t, map[string]string{
		"mlbuild.yaml": "version: 1\nargs:\n  FLAVOR: dev\nlabels:\n  org.example.flavor: ${FLAVOR}\n  org.example.arch: ${TARGETARCH}\n",
	})
	trained := t.TempDir()
	must(t, os.WriteFile(filepath.Join(trained, "model.json"), []byte(`{"weights": [1, 2, 3, 4], "bias": 0.5, "n_features": 4}`), 0o644))
	must(t, os.WriteFile(filepath.Join(trained, "id.key"), []byte("secret"), 0o644))
	// The stand-in base under another name, to prove the override is used.
	alt := e.registry + "/it/alt-python:3.10-slim"
	src, err := name.ParseReference(e.registry+"/library/python:3.10-slim", name.Insecure)
	must(t, err)
	dst, err := name.ParseReference(alt, name.Insecure)
	must(t, err)
	desc, err := remote.Get(src)
	must(t, err)
	idx, err := desc.Image()
	must(t, err)
	must(t, remote.Write(dst, idx))

	tag := e.registry + "/it/ctx:buildx"
	meta := filepath.Join(t.TempDir(), "meta.json")
	cmd := exec.Command("docker", "buildx", "build", "--builder", "mlbuild", "-f", filepath.Join(dir, "mlbuild.yaml"),
		"--target", "inference", "--build-arg", "FLAVOR=prod",
		"--build-context", "python:3.10-slim=docker-image://"+alt,
		"--build-context", "models="+trained,
		"--provenance=mode=max", "--metadata-file", meta, "--output", "type=image,name="+tag+",push=true", dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("buildx: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "[context python:3.10-slim") {
		t.Errorf("the base was not taken from the named context:\n%s", out)
	}
	_, cfg := e.image(t, tag)
	if cfg.Config.Labels["org.example.flavor"] != "prod" || cfg.Config.Labels["org.example.arch"] != "amd64" {
		t.Errorf("labels = %v", cfg.Config.Labels)
	}
	files, _ := e.layerFiles(t, tag, "")
	has := map[string]bool{}
	for _, f := range files {
		has[f] = true
	}
	if !has["app/models/model.json"] || has["app/models/id.key"] {
		t.Errorf("models/ from --build-context: model.json %v, id.key (must be excluded) %v", has["app/models/model.json"], has["app/models/id.key"])
	}
	// Provenance: the pushed index carries an attestation manifest.
	ref, err := name.ParseReference(tag, name.Insecure)
	must(t, err)
	d, err := remote.Get(ref)
	must(t, err)
	if !strings.Contains(string(d.Manifest), "attestation-manifest") {
		t.Errorf("no provenance attestation in the index:\n%s", d.Manifest)
	}
}

// TestSchemaSubrequest: the frontend image answers its own subrequest with the JSON schema,
// the same bytes as docs/mlbuild.schema.json.
func TestSchemaSubrequest(t *testing.T) {
	e := bed(t)
	dir := e.project(t, nil)
	c := e.client(t)
	ctxFS, err := fsutil.NewFS(dir)
	must(t, err)
	var got []byte
	_, err = c.Build(context.Background(), client.SolveOpt{LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": ctxFS}}, "mlbuild-test",
		func(ctx context.Context, gw gwclient.Client) (*gwclient.Result, error) {
			res, err := gw.Solve(ctx, gwclient.SolveRequest{Frontend: "gateway.v0", FrontendOpt: map[string]string{
				"source": e.frontendImage, "filename": "mlbuild.yaml", "requestid": "frontend.mlbuild.schema"}})
			if err != nil {
				return nil, err
			}
			got = res.Metadata["result.json"]
			return gwclient.NewResult(), nil
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../docs/mlbuild.schema.json")
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Errorf("the schema subrequest returned %d bytes, not docs/mlbuild.schema.json (%d bytes)", len(got), len(want))
	}
}

// TestBuildWarnings: lint findings reach buildx users as located build warnings.
func TestBuildWarnings(t *testing.T) {
	e := bed(t)
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\nargs:\n  HF_TOKEN: \"\"\n"})
	out, err := exec.Command("docker", "buildx", "build", "--builder", "mlbuild", "-f", filepath.Join(dir, "mlbuild.yaml"), "--target", "training", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("buildx: %v\n%s", err, tailString(string(out), 3000))
	}
	// Line 1 is "# syntax="; the argument is declared on line 4.
	for _, want := range []string{"SecretInArg", "HF_TOKEN", "(line 4)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("build output lacks %q:\n%s", want, tailString(string(out), 2000))
		}
	}
}

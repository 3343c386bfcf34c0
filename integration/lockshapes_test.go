package integration

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The tests of this file build lock files in the shapes real projects commit (issue 19;
// testdata/deps/README.md names the public projects each follows) through the daemon, with
// pip installing from the local index.

// TestDepsUVExportPylock: a pylock.toml as `uv export --format pylock.toml` writes it lists
// the project itself as directory = { path = "." , editable = true }: that entry is the
// project, built from the context with dependencies.project, and the rest is installed
// exactly.
func TestDepsUVExportPylock(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	more := renderFixture(t, ix, "uvexport")
	for p, c := range renderFixture(t, ix, "project") {
		if p != "uv.lock" {
			more[p] = c
		}
	}
	dir := e.depsProject(t, ix, "uvexport", e.depsSpec("dependencies:\n  project: true\n"), more)
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps-uvexport"})
	requireSeen(t, "the build", res, "pylock.toml", "pip install the project")
	v := e.inspectVenv(t, res.ref, "mlbproj")
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-util==2.1.0", "mlbproj==0.1.0"})
	checkProjectInstalled(t, v, 1.0)
}

// TestDepsWorkspace: a virtual uv workspace in python/ (no [project] at its root; the shape
// of sqlrooms' python/ directory): each target installs the members it names, each built
// from its own directory in a step of its own, with the members they depend on and the
// packages the lock resolves for them, and nothing of the other members.
func TestDepsWorkspace(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	files := renderFixture(t, ix, "workspace")
	backend := files["ws_backend.py"]
	more := map[string]string{"ws_backend.py": "", "python/mlb-api/ws_backend.py": backend, "python/mlb-feat/ws_backend.py": backend}
	spec := e.depsSpec("dependencies: {from: python/uv.lock}\ntargets:\n  inference:\n    dependencies: {members: [mlb-api]}\n  training:\n    dependencies: {members: [mlb-feat]}\n")
	dir := e.depsProject(t, ix, "workspace", spec, more)
	for _, tc := range []struct {
		target, member string
		modules        []string
		want           []string
	}{
		{"inference", "pip install the workspace member mlb-api", []string{"mlb_api", "mlb_feat"},
			[]string{"mlb-api==0.2.0", "mlb-feat==0.1.0", "mlb-core==1.0.0", "mlb-util==2.1.0", "mlb-serve==1.2.0"}},
		{"training", "pip install the workspace member mlb-feat", []string{"mlb_feat"},
			[]string{"mlb-feat==0.1.0", "mlb-core==1.0.0", "mlb-util==2.1.0"}},
	} {
		res := buildOK(t, e, dir, buildOpts{target: tc.target, push: "it/deps-workspace"})
		requireSeen(t, tc.target, res, tc.member, "pip install the workspace member mlb-feat (python/mlb-feat/pyproject.toml)")
		v := e.inspectVenv(t, res.ref, tc.modules...)
		checkDists(t, tc.target, v, tc.want)
		for _, m := range tc.modules {
			if file, _ := v.Modules[m]["file"].(string); !strings.HasPrefix(file, v.Site+"/"+m+"/") {
				t.Errorf("%s: %s is imported from %q, not from the venv's %s", tc.target, m, file, v.Site)
			}
		}
		if got := v.Modules["mlb_feat"]["VALUE"]; got != 10.0 {
			t.Errorf("%s: mlb_feat.VALUE = %v, want 10 (%v)", tc.target, got, v.Modules["mlb_feat"])
		}
		if tc.target == "inference" && v.Modules["mlb_api"]["VALUE"] != 1.0 {
			t.Errorf("inference: mlb_api (which imports mlb_feat) = %v", v.Modules["mlb_api"])
		}
		for name, content := range v.Pth {
			t.Errorf("%s: the venv has a .pth file %s (%q): members must be installed, not linked", tc.target, name, content)
		}
	}
}

// TestDepsProjectInSubdirectory: a monorepo's Python project in backend/ (backend/pyproject.toml
// and backend/uv.lock beside a frontend/ that is not Python, the layout of
// fastapi/full-stack-fastapi-template): dependencies.from names the lock, its pyproject.toml
// is read beside it, project: true builds backend/, and the build context sent is only what
// the spec reads (not the 20 MB under frontend/).
func TestDepsProjectInSubdirectory(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	more := map[string]string{}
	for p, c := range renderFixture(t, ix, "project") {
		more["backend/"+p] = c
	}
	big := make([]byte, 20<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	more["frontend/node_modules/bundle.bin"] = string(big)
	// The fixture's own files are the backend's: depsProject writes "project" into the root
	// too, so remove those.
	for p := range renderFixture(t, ix, "project") {
		more[p] = ""
	}
	dir := e.depsProject(t, ix, "project", e.depsSpec("dependencies: {from: backend/uv.lock, project: true}\n"), more)
	repo := fmt.Sprintf("it/deps-subdir-%d", time.Now().UnixNano())
	out, err := buildxPlain(t, e, dir, "training", repo)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, tailString(out, 3000))
	}
	if !strings.Contains(out, "pip install the project") {
		t.Errorf("no project step in the build:\n%s", tailString(out, 3000))
	}
	if sent := transferred(t, out); sent > 5e6 {
		t.Errorf("the build sent %.1f MB of the context; the spec reads src, configs, models and backend/ (a few kB), not frontend/ (20 MB)", sent/1e6)
	}
	v := e.inspectVenv(t, e.registry+"/"+repo+":buildx", "mlbproj")
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-util==2.1.0", "mlbproj==0.1.0"})
	checkProjectInstalled(t, v, 1.0)
}

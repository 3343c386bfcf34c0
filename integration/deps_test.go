package integration

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
	"github.com/moby/buildkit/solver/errdefs"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// The tests of this file build projects whose dependencies come from a pyproject.toml and
// its lock (uv.lock, poetry.lock, pylock.toml) instead of a requirements.txt, against the
// real daemon, real pip in the stand-in base (Python 3.11) and wheels served by pyindex,
// then look inside the images they push. The fixture projects are testdata/deps (see its
// README): the locks are templates, rendered with the sha256 of the wheels served.

//go:embed all:testdata/deps
var depsFixtures embed.FS

//go:embed testdata/deps/inspect.py
var inspectPy string

// depsPackages are the distributions every fixture index serves (testdata/deps/README.md).
// mlb-core 1.1.0 is newer than the locks' 1.0.0: a lock must win over "the newest".
var depsPackages = []pyindex.Package{
	{Name: "mlb-core", Version: "1.0.0", Requires: []string{"mlb-util>=2"}},
	{Name: "mlb-core", Version: "1.1.0", Requires: []string{"mlb-util>=2"}},
	{Name: "mlb-util", Version: "2.1.0"},
	{Name: "mlb-train", Version: "0.3.0", Requires: []string{"mlb-util>=2"}},
	{Name: "mlb-serve", Version: "1.2.0"},
	{Name: "mlb-devtool", Version: "5.0.0"},
	{Name: "mlb-win", Version: "1.0.0"},
	{Name: "mlb-arm", Version: "1.0.0"},
}

// neverInstalled are served packages no fixture installs on linux/amd64 with the
// selections below: a dev group never selected, and markers for other platforms.
var neverInstalled = []string{"mlb-devtool", "mlb-win", "mlb-arm"}

func startDepsIndex(t *testing.T, opts ...pyindex.Option) *pyindex.Index {
	t.Helper()
	ix, err := pyindex.Start(depsPackages, opts...)
	must(t, err)
	t.Cleanup(func() { ix.Close() })
	return ix
}

// renderFixture returns the files of testdata/deps/<name>, by path in the project: a
// ".tmpl" file rendered (and its suffix dropped) with the index's URL and wheels.
func renderFixture(t *testing.T, ix *pyindex.Index, name string) map[string]string {
	t.Helper()
	wheels := func(project, version string) ([]pyindex.File, error) {
		var out []pyindex.File
		for _, f := range ix.Files(project) {
			if parts := strings.Split(strings.TrimSuffix(f.Filename, ".whl"), "-"); len(parts) == 5 && parts[1] == version {
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("the index serves no wheel of %s %s", project, version)
		}
		return out, nil
	}
	funcs := template.FuncMap{
		"indexURL": func() string { return strings.TrimSuffix(ix.URL, "/") },
		"filesURL": func() string { return strings.TrimSuffix(ix.URL, "simple/") + "files/" },
		"wheels":   wheels,
		"wheel": func(project, version string) (pyindex.File, error) {
			ws, err := wheels(project, version)
			if err == nil && len(ws) != 1 {
				err = fmt.Errorf("%s %s has %d wheels, want one", project, version, len(ws))
			}
			if err != nil {
				return pyindex.File{}, err
			}
			return ws[0], nil
		},
	}
	root := "testdata/deps/" + name
	out := map[string]string{}
	err := fs.WalkDir(depsFixtures, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dt, err := depsFixtures.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		if base, ok := strings.CutSuffix(rel, ".tmpl"); ok {
			tmpl, err := template.New(path.Base(p)).Funcs(funcs).Option("missingkey=error").Parse(string(dt))
			if err != nil {
				return err
			}
			var b strings.Builder
			if err := tmpl.Execute(&b, nil); err != nil {
				return err
			}
			out[base] = b.String()
			return nil
		}
		out[rel] = string(dt)
		return nil
	})
	must(t, err)
	if len(out) == 0 {
		t.Fatalf("no fixture files under %s", root)
	}
	return out
}

// depsProject is the example project (its src/, configs/, models/) without its
// requirements.txt, with the fixture's files, then more (path -> content, "" deletes), and
// the spec.
func (e *testEnv) depsProject(t *testing.T, ix *pyindex.Index, fixture, spec string, more map[string]string) string {
	t.Helper()
	edits := renderFixture(t, ix, fixture)
	edits["requirements.txt"] = ""
	edits["mlbuild.yaml"] = spec
	for p, c := range more {
		edits[p] = c
	}
	return e.project(t, edits)
}

// depsSpec is a version 1 spec on the local stand-in (Python 3.11), plus body.
func (e *testEnv) depsSpec(body string) string {
	return "version: 1\nbase: " + e.registry + "/library/python:3.10-slim\n" + body
}

// venvReport is what testdata/deps/inspect.py prints.
type venvReport struct {
	Prefix     string `json:"prefix"`
	Executable string `json:"executable"`
	Site       string `json:"site"`
	Dists      map[string]struct {
		Version   string  `json:"version"`
		DirectURL *string `json:"direct_url"`
		Installer string  `json:"installer"`
	} `json:"dists"`
	Pth     map[string]string         `json:"pth"`
	Modules map[string]map[string]any `json:"modules"`
}

// set is the venv's distributions as sorted "name==version", names normalized.
func (v *venvReport) set() []string {
	var out []string
	for n, d := range v.Dists {
		out = append(out, pyindex.Normalize(n)+"=="+d.Version)
	}
	slices.Sort(out)
	return out
}

func (v *venvReport) has(name string) bool {
	for n := range v.Dists {
		if pyindex.Normalize(n) == pyindex.Normalize(name) {
			return true
		}
	}
	return false
}

// inspectVenv runs inspect.py with the image's own python (its PATH, user and workdir),
// importing modules, and checks the interpreter is the venv's.
func (e *testEnv) inspectVenv(t *testing.T, ref string, modules ...string) *venvReport {
	t.Helper()
	rep := e.runInBuildKit(t, ref, "exec", nil, append([]string{"python", "-c", inspectPy}, modules...)...)
	return decodeVenvReport(t, ref, rep)
}

func decodeVenvReport(t *testing.T, ref string, rep *report) *venvReport {
	t.Helper()
	if rep.Exit != 0 || rep.Error != "" {
		t.Fatalf("inspect.py in %s: exit %d, error %q\nstdout: %s\nstderr: %s", ref, rep.Exit, rep.Error, rep.Stdout, rep.Stderr)
	}
	var v venvReport
	if err := json.Unmarshal([]byte(rep.Stdout), &v); err != nil {
		t.Fatalf("inspect.py output: %v\n%s", err, rep.Stdout)
	}
	if v.Prefix != "/opt/venv" {
		t.Errorf("the image's python is %s (prefix %s), not the venv's", v.Executable, v.Prefix)
	}
	for m, info := range v.Modules {
		if msg, bad := info["error"]; bad {
			t.Errorf("import %s in %s: %v", m, ref, msg)
		}
	}
	return &v
}

// checkDists compares the venv's distributions with exactly want ("name==version").
func checkDists(t *testing.T, what string, v *venvReport, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	got := v.set()
	if slices.Equal(got, want) {
		return
	}
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	t.Errorf("%s: the venv holds %v, want exactly %v (missing %v, unexpected %v)", what, got, want, missing, extra)
}

// checkNeverInstalled: the dev group and the other platforms' packages are neither in the
// venv nor were they downloaded.
func checkNeverInstalled(t *testing.T, what string, v *venvReport, ix *pyindex.Index, also ...string) {
	t.Helper()
	for _, n := range append(slices.Clone(neverInstalled), also...) {
		if v.has(n) {
			t.Errorf("%s: %s is installed; its group is not selected or its marker is for another platform", what, n)
		}
	}
	for _, n := range neverInstalled {
		if d := ix.Downloads(n); d != 0 {
			t.Errorf("%s: pip downloaded %s %d times", what, n, d)
		}
	}
}

func buildOK(t *testing.T, e *testEnv, dir string, o buildOpts) *buildResult {
	t.Helper()
	start := time.Now()
	res, err := e.build(t, InProcess, dir, o)
	if err != nil {
		t.Fatalf("build %s: %v\n%s", o.target, err, tailString(res.logs, 4000))
	}
	logf(t, "built %s in %s: %s", o.target, time.Since(start).Round(time.Millisecond), res.ref)
	return res
}

// TestDepsUVLock: a project with only pyproject.toml and uv.lock, and a spec that names
// neither a requirements file nor an index: each target's venv holds exactly the lock's
// set for linux/amd64 and CPython 3.11, downloaded from the index the lock names. The
// training target adds its dependency group; the dev group and the packages behind
// aarch64 and win32 markers are left out; mlb-core stays at the locked 1.0.0 although
// the index has 1.1.0.
func TestDepsUVLock(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	dir := e.depsProject(t, ix, "uv", e.depsSpec("targets:\n  training:\n    dependencies:\n      groups: [train]\n"), nil)
	fetched := 0
	for _, tc := range []struct {
		target, step string
		want         []string
	}{
		{"training", "install from uv.lock, layer", []string{"mlb-core==1.0.0", "mlb-train==0.3.0", "mlb-util==2.1.0"}},
		{"inference", "install from uv.lock, layer", []string{"mlb-core==1.0.0", "mlb-util==2.1.0"}},
	} {
		res := buildOK(t, e, dir, buildOpts{target: tc.target, push: "it/deps"})
		requireSeen(t, tc.target, res, tc.step)
		fetched += res.seen(": fetch mlb_")
		v := e.inspectVenv(t, res.ref, "mlb_core", "mlb_util")
		checkDists(t, tc.target, v, tc.want)
		checkNeverInstalled(t, tc.target, v, ix, "mlb-serve")
		if tc.target == "inference" {
			if v.has("mlb-train") {
				t.Errorf("inference has mlb-train: the training target's group leaked into it")
			}
			// The app started on this venv: its smoke test ran (and passed) before the push.
			if n := smokeRuns(res); n != 1 {
				t.Errorf("the inference build ran its smoke test %d times, want 1", n)
			}
		}
		if got := v.Modules["mlb_core"]["__version__"]; got != "1.0.0" {
			t.Errorf("%s: mlb_core.__version__ = %v, want the locked 1.0.0", tc.target, got)
		}
		if tc.target == "training" {
			// The image runs: the example's training writes its model with the venv's python.
			rep := e.runInBuildKit(t, res.ref, "train", []string{"/app/models/model.json"})
			if rep.Exit != 0 || strings.HasPrefix(rep.Files["/app/models/model.json"], "ERROR") {
				t.Errorf("training run: exit %d, model %q\n%s", rep.Exit, tailString(rep.Files["/app/models/model.json"], 200), tailString(rep.Stderr, 2000))
			}
		}
	}
	// The lock's registry is where the packages come from: the spec names none. The builder
	// fetches a wheel by its sha256 from the URL the lock gives, and keeps it by that sha256
	// (another test's index may have served the same bytes first): so each was fetched from
	// this index, or is a fetch vertex of this build.
	if fetched == 0 && (ix.Downloads("mlb-core") == 0 || ix.Downloads("mlb-util") == 0 || ix.Downloads("mlb-train") == 0) {
		t.Errorf("pip did not download from the lock's index: mlb-core %d, mlb-util %d, mlb-train %d downloads",
			ix.Downloads("mlb-core"), ix.Downloads("mlb-util"), ix.Downloads("mlb-train"))
	}
}

// TestDepsPoetryLock: a poetry.lock 2.1 (groups, markers, [extras]), the training target
// selecting the group "train" and the extra "serve".
func TestDepsPoetryLock(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	dir := e.depsProject(t, ix, "poetry", e.depsSpec("targets:\n  training:\n    dependencies:\n      groups: [train]\n      extras: [serve]\n"), nil)
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps"})
	requireSeen(t, "training", res, "pip install from poetry.lock, layer")
	v := e.inspectVenv(t, res.ref, "mlb_core", "mlb_serve", "mlb_train")
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-serve==1.2.0", "mlb-train==0.3.0", "mlb-util==2.1.0"})
	checkNeverInstalled(t, "training", v, ix)
}

// TestDepsPylock: a PEP 751 pylock.toml, the training target selecting the extra "serve"
// and no group: the packages behind 'train' in dependency_groups stay out.
func TestDepsPylock(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	dir := e.depsProject(t, ix, "pylock", e.depsSpec("targets:\n  training:\n    dependencies:\n      extras: [serve]\n"), nil)
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps"})
	requireSeen(t, "training", res, "install from pylock.toml, layer")
	v := e.inspectVenv(t, res.ref, "mlb_core", "mlb_serve")
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-serve==1.2.0", "mlb-util==2.1.0"})
	checkNeverInstalled(t, "training", v, ix, "mlb-train")
}

// TestDepsPyprojectOnly: a pyproject.toml without a lock: pip resolves its ranges (and
// the selected group's) from the spec's index, with the dependencies of what it installs.
func TestDepsPyprojectOnly(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	spec := e.depsSpec(fmt.Sprintf("pip:\n  index-url: %q\ntargets:\n  training:\n    dependencies:\n      groups: [train]\n", ix.URL))
	dir := e.depsProject(t, ix, "pyproject", spec, nil)
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps"})
	requireSeen(t, "training", res, "pip install -r pyproject.toml (groups train)")
	v := e.inspectVenv(t, res.ref, "mlb_core", "mlb_train", "mlb_util")
	// Unlocked, pip takes the newest mlb-core, and mlb-util because mlb-core requires it.
	checkDists(t, "training", v, []string{"mlb-core==1.1.0", "mlb-train==0.3.0", "mlb-util==2.1.0"})
	checkNeverInstalled(t, "training", v, ix, "mlb-serve")
}

// TestDepsHashMismatch: a lock whose hash for mlb-core is not that of the wheel the index
// serves (it is mlb-core 1.1.0's, as a stale lock would have it) fails the build, and nothing
// is pushed. From a uv.lock (wheel URLs) the builder fetches the wheel and its checksum
// refuses it: the failed vertex names the wheel and its lock entry, where buildx points. From a
// poetry.lock (no URLs) pip installs it and refuses it with its hash error.
func TestDepsHashMismatch(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	var good, stale string
	for _, f := range ix.Files("mlb-core") {
		switch {
		case strings.HasPrefix(f.Filename, "mlb_core-1.0.0-"):
			good = f.SHA256
		case strings.HasPrefix(f.Filename, "mlb_core-1.1.0-"):
			stale = f.SHA256
		}
	}
	for _, tc := range []struct {
		fixture, lock string
		want          []string
	}{
		{"uv", "uv.lock", []string{"fetch mlb_core-1.0.0-py3-none-any.whl (uv.lock:", "digest mismatch sha256:" + good + ": sha256:" + stale}},
		{"poetry", "poetry.lock", []string{"THESE PACKAGES DO NOT MATCH THE HASHES", "mlb-core==1.0.0", "Expected sha256 " + stale, "Got        " + good}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			files := renderFixture(t, ix, tc.fixture)
			if good == "" || stale == "" || strings.Count(files[tc.lock], good) != 1 {
				t.Fatalf("fixture: mlb-core hashes %q and %q, the lock has the good one %d times", good, stale, strings.Count(files[tc.lock], good))
			}
			repo := fmt.Sprintf("it/deps-hash-%s-%d", tc.fixture, time.Now().UnixNano())
			before := ix.Downloads("mlb-core")
			dir := e.depsProject(t, ix, tc.fixture, e.depsSpec(""), map[string]string{tc.lock: strings.Replace(files[tc.lock], good, stale, 1)})
			res, err := e.build(t, InProcess, dir, buildOpts{target: "inference", push: repo})
			if err == nil {
				t.Fatalf("the build succeeded with a wrong hash in %s: %s", tc.lock, res.ref)
			}
			msg := err.Error() + "\n" + res.logs
			for _, v := range res.vertices {
				if v.Error != "" {
					msg += "\nfailed vertex " + v.Name + ": " + v.Error
				}
			}
			for _, want := range tc.want {
				if !strings.Contains(msg, want) {
					t.Errorf("the failure does not show %q:\n%v\n%s", want, err, tailString(res.logs, 3000))
				}
			}
			if ix.Downloads("mlb-core") == before {
				t.Errorf("mlb-core was never downloaded: the build failed before the hash check: %v", err)
			}
			// What docker buildx build prints, through the frontend image.
			out, err := buildxPlain(t, e, dir, "inference", repo)
			if err == nil {
				t.Errorf("docker buildx build succeeded with a wrong hash in %s", tc.lock)
			}
			for _, want := range append(tc.want[:2:2], "ERROR: failed to build") {
				if !strings.Contains(out, want) {
					t.Errorf("docker buildx build's output does not show %q:\n%s", want, tailString(out, 3000))
				}
			}
			if tags := e.tags(t, repo); len(tags) != 0 {
				t.Errorf("a build that failed the hash check pushed %v", tags)
			}
		})
	}
}

// buildxPlain runs docker buildx build with plain progress, as a user or a CI log sees it
// (the "# syntax=" line of dir's spec selects the frontend image), pushing to repo, and
// returns its combined output.
func buildxPlain(t *testing.T, e *testEnv, dir, target, repo string) (string, error) {
	t.Helper()
	cmd := exec.Command("docker", "buildx", "build", "--builder", "mlbuild", "--progress=plain", "--provenance=false",
		"-f", filepath.Join(dir, "mlbuild.yaml"), "--target", target,
		"--output", "type=image,name="+e.registry+"/"+repo+":buildx,push=true", dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestDepsRequiresPython: a project that asks for Python 3.12 (requires-python, or a
// .python-version) is refused on the stand-in's 3.11 before anything is installed: the
// error names both versions and suggests a python:3.12-slim base.
func TestDepsRequiresPython(t *testing.T) {
	e := bed(t)
	t.Parallel()
	for _, tc := range []struct {
		name string
		more map[string]string
		want []string
	}{
		{"requires-python", map[string]string{}, []string{"3.11", ">=3.12", "python:3.12-slim", "pyproject.toml"}},
		{"python-version", map[string]string{".python-version": "3.12\n"}, []string{"3.11", "3.12", "python:3.12-slim", ".python-version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := startDepsIndex(t)
			files := renderFixture(t, ix, "pyproject")
			if tc.name == "requires-python" {
				tc.more["pyproject.toml"] = strings.Replace(files["pyproject.toml"], `requires-python = ">=3.10"`, `requires-python = ">=3.12"`, 1)
				if tc.more["pyproject.toml"] == files["pyproject.toml"] {
					t.Fatal("fixture: no requires-python to change")
				}
			}
			repo := fmt.Sprintf("it/deps-python-%d", time.Now().UnixNano())
			dir := e.depsProject(t, ix, "pyproject", e.depsSpec(fmt.Sprintf("pip:\n  index-url: %q\n", ix.URL)), tc.more)
			res, err := e.build(t, InProcess, dir, buildOpts{target: "training", push: repo})
			if err == nil {
				t.Fatalf("a project for Python 3.12 was built on the 3.11 stand-in: %s", res.ref)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not name %q: %v", w, err)
				}
			}
			logf(t, "refused: %v", err)
			if len(errdefs.Sources(err)) == 0 {
				t.Errorf("the error has no source location: %v", err)
			}
			if n := res.seen("pip install"); n != 0 {
				t.Errorf("the progress shows %d pip vertices: the check must come before installing", n)
			}
			if n := ix.Requests(); n != 0 {
				t.Errorf("the index got %d requests: the check must come before installing", n)
			}
			if tags := e.tags(t, repo); len(tags) != 0 {
				t.Errorf("pushed %v", tags)
			}
		})
	}
}

// TestDepsProject: dependencies.project builds the project from the context with its own
// in-tree PEP 517 backend and installs it into the venv as a wheel, not editable. After an
// edit of the project's code only that step runs again: the locked dependencies' step and
// the copies stay cached.
func TestDepsProject(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	dir := e.depsProject(t, ix, "project", e.depsSpec("dependencies:\n  project: true\n"), nil)
	const locked, project = "install from uv.lock, layer", "pip install the project"
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps"})
	requireSeen(t, "the first build", res, locked, project)
	v := e.inspectVenv(t, res.ref, "mlbproj")
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-util==2.1.0", "mlbproj==0.1.0"})
	checkProjectInstalled(t, v, 1.0)

	code := filepath.Join(dir, "mlbproj", "__init__.py")
	dt, err := os.ReadFile(code)
	must(t, err)
	edited := strings.Replace(string(dt), "VALUE = 1\n", "VALUE = 2\n", 1)
	if edited == string(dt) {
		t.Fatal("fixture: mlbproj/__init__.py has no VALUE = 1")
	}
	must(t, os.WriteFile(code, []byte(edited), 0o644))
	downloads := ix.Downloads("mlb-core") + ix.Downloads("mlb-util")
	res = buildOK(t, e, dir, buildOpts{target: "training", push: "it/deps"})
	requireSeen(t, "the rebuild", res, locked, project, "copy src", "python3 -m venv")
	if res.ran(project) == 0 {
		t.Errorf("after an edit of the project the project step did not run again")
	}
	// The wheels' fetch vertices report as done without "cached" when the step they feed is
	// a cache hit: what matters is that nothing was downloaded again.
	if n := ix.Downloads("mlb-core") + ix.Downloads("mlb-util"); n != downloads {
		t.Errorf("after an edit of the project the wheels were downloaded again: %d downloads, %d before", n, downloads)
	}
	if n := res.steps(locked, true); n != 0 {
		t.Errorf("after an edit of the project only, %d dependency steps ran; want them cached", n)
	}
	for _, step := range []string{"copy src", "copy configs", "python3 -m venv", "create user"} {
		if n := res.ran(step); n != 0 || res.cached(step) == 0 {
			t.Errorf("after an edit of the project only, %q ran %d times (cached %d); want it cached", step, n, res.cached(step))
		}
	}
	checkProjectInstalled(t, e.inspectVenv(t, res.ref, "mlbproj"), 2.0)
}

// checkProjectInstalled: mlbproj imports from the venv's site-packages with VALUE value,
// through no .pth file and not as an editable install.
func checkProjectInstalled(t *testing.T, v *venvReport, value float64) {
	t.Helper()
	m := v.Modules["mlbproj"]
	if file, _ := m["file"].(string); !strings.HasPrefix(file, v.Site+"/mlbproj/") {
		t.Errorf("mlbproj is imported from %q, not from the venv's %s", file, v.Site)
	}
	if m["VALUE"] != value {
		t.Errorf("mlbproj.VALUE = %v, want %v (the context's code at build time)", m["VALUE"], value)
	}
	for name, content := range v.Pth {
		t.Errorf("the venv has a .pth file %s (%q): the project must be installed, not linked", name, content)
	}
	if d, ok := v.Dists["mlbproj"]; ok && d.DirectURL != nil && strings.Contains(strings.ReplaceAll(*d.DirectURL, " ", ""), `"editable":true`) {
		t.Errorf("mlbproj is an editable install: direct_url.json %s", *d.DirectURL)
	}
}

// TestDepsArm64: a uv.lock whose package has an x86_64 and an aarch64 wheel (each saying
// which it is): a linux/amd64 + linux/arm64 build installs each platform's own wheel, and
// each image runs (the arm64 one under emulation).
func TestDepsArm64(t *testing.T) {
	e := bed(t)
	skipUnless(t, os.Getenv("MLBUILD_ARM64") == "yes", "linux/arm64 emulation: MLBUILD_ARM64=%q, not yes (make up enables it where qemu-user-static and binfmt_misc are available)", os.Getenv("MLBUILD_ARM64"))
	t.Parallel()
	native := func(arch string) pyindex.Package {
		return pyindex.Package{Name: "mlb-native", Version: "1.0.0", Files: map[string]string{"mlb_native/__init__.py": fmt.Sprintf("ARCH = %q\n", arch)}}
	}
	ix := startDepsIndex(t,
		pyindex.WithPlatformWheel(native("x86_64"), "manylinux2014_x86_64"),
		pyindex.WithPlatformWheel(native("aarch64"), "manylinux2014_aarch64"))
	dir := e.depsProject(t, ix, "arm64", e.depsSpec(""), nil)
	res, err := e.build(t, InProcess, dir, buildOpts{target: "training", push: "it/deps", platforms: "linux/amd64,linux/arm64"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, tailString(res.logs, 4000))
	}
	for _, p := range []struct{ arch, machine string }{{"amd64", "x86_64"}, {"arm64", "aarch64"}} {
		plat := ocispecs.Platform{OS: "linux", Architecture: p.arch}
		rep := e.runOn(t, res.ref, plat, "python", "-c", inspectPy, "mlb_native")
		v := decodeVenvReport(t, res.ref+" "+p.arch, rep)
		checkDists(t, p.arch, v, []string{"mlb-native==1.0.0"})
		if got := v.Modules["mlb_native"]["ARCH"]; got != p.machine {
			t.Errorf("linux/%s image: mlb_native.ARCH = %v, want %s (pip installed the wrong platform's wheel)", p.arch, got, p.machine)
		}
	}
}

// runOn is runInBuildKit's "exec" for one platform of ref (an index or a manifest).
func (e *testEnv) runOn(t *testing.T, ref string, p ocispecs.Platform, args ...string) *report {
	t.Helper()
	return e.runInBuildKitOn(t, ref, &p, "exec", nil, args...)
}

// TestDepsBadLock: a truncated uv.lock and locks of a format version mlbuild does not
// read are refused through the daemon with a located error: the file and line in the
// message and in errdefs.Sources (with the file's bytes, for buildx to show), no panic,
// nothing exported.
func TestDepsBadLock(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	uv := renderFixture(t, ix, "uv")["uv.lock"]
	// Cut inside the string of mlb-train's source: the file ends in an unterminated string.
	cut := strings.Index(uv, "[[package]]\nname = \"mlb-train\"")
	cut += strings.Index(uv[cut:], "registry = \"http") + len("registry = \"http")
	truncated := uv[:cut]
	poetry := renderFixture(t, ix, "poetry")["poetry.lock"]
	pylock := renderFixture(t, ix, "pylock")["pylock.toml"]
	for _, tc := range []struct {
		name, file, content string
		line                int
		want                string
	}{
		{"truncated uv.lock", "uv.lock", truncated, strings.Count(truncated, "\n") + 1, ""},
		{"uv.lock version 2", "uv.lock", strings.Replace(uv, "version = 1\n", "version = 2\n", 1), 1, "version 2"},
		{"poetry.lock lock-version 3.0", "poetry.lock", strings.Replace(poetry, `lock-version = "2.1"`, `lock-version = "3.0"`, 1),
			strings.Count(poetry[:strings.Index(poetry, `lock-version = "2.1"`)], "\n") + 1, `"3.0"`},
		{"pylock.toml lock-version 2.0", "pylock.toml", strings.Replace(pylock, `lock-version = "1.0"`, `lock-version = "2.0"`, 1), 1, `"2.0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixture := strings.TrimSuffix(strings.TrimSuffix(tc.file, ".lock"), ".toml") // uv, poetry, pylock
			repo := fmt.Sprintf("it/deps-bad-%d", time.Now().UnixNano())
			dir := e.depsProject(t, ix, fixture, e.depsSpec(""), map[string]string{tc.file: tc.content})
			res, err := e.build(t, InProcess, dir, buildOpts{target: "training", push: repo})
			if err == nil {
				t.Fatalf("built with a bad %s: %s", tc.file, res.ref)
			}
			logf(t, "refused: %v", err)
			if strings.Contains(err.Error(), "panic") {
				t.Errorf("the frontend panicked: %v", err)
			}
			loc := fmt.Sprintf("%s:%d:", tc.file, tc.line)
			if !strings.Contains(err.Error(), loc) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the error does not say %q and %q: %v", loc, tc.want, err)
			}
			found := false
			for _, s := range errdefs.Sources(err) {
				if s.Info == nil || s.Info.Filename != tc.file {
					continue
				}
				found = true
				if string(s.Info.Data) != tc.content {
					t.Errorf("the error's source for %s does not carry the file's bytes (%d bytes, want %d)", tc.file, len(s.Info.Data), len(tc.content))
				}
				if len(s.Ranges) == 0 || s.Ranges[0].Start.Line != int32(tc.line) {
					t.Errorf("the error's source range is %v, want line %d", s.Ranges, tc.line)
				}
			}
			if !found {
				t.Errorf("errdefs.Sources has no source for %s: %v", tc.file, errdefs.Sources(err))
			}
			if n := res.seen("pip install"); n != 0 {
				t.Errorf("the progress shows %d pip vertices for a lock that cannot be read", n)
			}
			// docker buildx build, through the frontend image, prints the offending line of
			// the lock under its name.
			out, err := buildxPlain(t, e, dir, "training", repo)
			lines := strings.Split(tc.content, "\n")
			for _, want := range []string{fmt.Sprintf("\n%s:%d\n", tc.file, tc.line), fmt.Sprintf("%d | >>> %s\n", tc.line, lines[tc.line-1]), "ERROR: failed to build: failed to solve: " + loc} {
				if err == nil || !strings.Contains(out, want) {
					t.Errorf("docker buildx build (%v) does not print %q:\n%s", err, want, tailString(out, 2000))
				}
			}
			if tags := e.tags(t, repo); len(tags) != 0 {
				t.Errorf("pushed %v", tags)
			}
		})
	}
}

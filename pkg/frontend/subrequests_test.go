package frontend_test

import (
	"os"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
)

// absent, as a file's content in a test case, removes the file from the context.
const absent = "\x00absent"

// uvFixture is pkg/pydeps' uv.lock project: the extra "cuda", the groups "dev" and "docs".
func uvFixture(t *testing.T) (pyproject, lock string) {
	t.Helper()
	pp, err := os.ReadFile("../pydeps/testdata/uv/pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	lk, err := os.ReadFile("../pydeps/testdata/uv/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	return string(pp), string(lk)
}

// uvFiles are uvFixture's files by their path in the context.
func uvFiles(t *testing.T) map[string]string {
	pyproject, lock := uvFixture(t)
	return map[string]string{"pyproject.toml": pyproject, "uv.lock": lock}
}

// workspacePyproject and workspaceLock are pkg/pydeps' virtual uv workspace.
func workspacePyproject(t *testing.T) string {
	return readPydepsTestdata(t, "uvworkspace/pyproject.toml")
}
func workspaceLock(t *testing.T) string { return readPydepsTestdata(t, "uvworkspace/uv.lock") }

func readPydepsTestdata(t *testing.T, name string) string {
	t.Helper()
	dt, err := os.ReadFile("../pydeps/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(dt)
}

// TestOutlineDependencies: --call outline names the dependency source (detected or the
// spec's) with the target's groups and extras after its description, reading only the
// dependency files of the context, and lists pip's cache only when pip runs.
func TestOutlineDependencies(t *testing.T) {
	pyproject, lock := uvFixture(t)
	for _, tc := range []struct {
		name, spec, target string
		files              map[string]string
		want               string
		cache              bool
	}{
		{"detected lock with groups and extras", syntaxLine + "version: 1\ndependencies: {extras: [cuda]}\ntargets:\n  training:\n    description: Trains\n    dependencies: {groups: [dev]}\n",
			"training", map[string]string{"pyproject.toml": pyproject, "uv.lock": lock},
			"Trains — dependencies: uv.lock (detected; groups: dev; extras: cuda)", true},
		{"detected requirements.txt", syntaxLine + "version: 1\ntargets:\n  inference:\n    description: Serves\n", "inference", nil,
			"Serves — dependencies: requirements.txt (detected)", true},
		{"named source and the project", syntaxLine + "version: 1\ndependencies: {from: uv.lock, project: true}\ntargets:\n  evaluate:\n    command: [python, -m, src.eval]\n",
			"evaluate", map[string]string{"pyproject.toml": pyproject, "uv.lock": lock},
			"dependencies: uv.lock (project installed)", true},
		{"workspace members", syntaxLine + "version: 1\ndependencies: {from: python/uv.lock}\ntargets:\n  inference:\n    dependencies: {members: [ingest-api]}\n",
			"inference", map[string]string{"python/pyproject.toml": workspacePyproject(t), "python/uv.lock": workspaceLock(t)},
			"Inference image: serves src.api:app with uvicorn — dependencies: python/uv.lock (members: ingest-api)", true},
		{"nothing installed", syntaxLine + "version: 1\nrequirements: []\n", "training", nil,
			"Training image: runs python -m src.train — dependencies: none (requirements: [])", false},
		{"detected lock out of date", syntaxLine + "version: 1\n", "inference",
			map[string]string{"pyproject.toml": strings.Replace(pyproject, `"numpy>=2",`, `"numpy>=2.1",`, 1), "uv.lock": lock},
			"Inference image: serves src.api:app with uvicorn — dependencies: uv.lock (detected; unusable: see --call check)", true},
		{"nothing found", syntaxLine + "version: 1\n", "inference", map[string]string{"requirements.txt": absent},
			"Inference image: serves src.api:app with uvicorn — dependencies: none found (see --call check)", true},
		{"named source missing", syntaxLine + "version: 1\ndependencies: {from: sub/uv.lock}\n", "inference", nil,
			"Inference image: serves src.api:app with uvicorn — dependencies: sub/uv.lock (unusable: see --call check)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.spec).withOpt("requestid", outline.SubrequestsOutlineDefinition.Name).withOpt("target", tc.target)
			for p, c := range tc.files {
				if c == absent {
					f.without("context", p)
				} else {
					f.withFile("context", p, c)
				}
			}
			res, err := build(t, f)
			if err != nil {
				t.Fatal(err)
			}
			var o outline.Outline
			mustUnmarshal(t, res.Metadata["result.json"], &o)
			if o.Description != tc.want {
				t.Errorf("description %q, want %q", o.Description, tc.want)
			}
			if got := len(o.Cache) == 1; got != tc.cache {
				t.Errorf("pip cache listed: %v, want %v (%+v)", got, tc.cache, o.Cache)
			}
			if n := len(f.solvesOf(kindImage)) + len(f.solvesOf(kindCheck)) + len(f.resolvedRefs()); n != 0 {
				t.Errorf("the outline built or resolved %d things", n)
			}
		})
	}
}

// TestLintDependencies: --call check warns about a lock the spec does not use and reports
// each difference of a stale lock located in its own file (added to the sources), with the
// build's refusal as the lint's error; a lock that does not parse is the error, located in it.
func TestLintDependencies(t *testing.T) {
	pyproject, lock := uvFixture(t)
	stalePyproject := strings.Replace(pyproject, `"numpy>=2",`, `"numpy>=2",`+"\n"+`    "pandas>=2",`, 1)
	type located struct {
		file string
		line int
	}
	for _, tc := range []struct {
		name     string
		spec     string
		files    map[string]string
		warnings map[string]located // rule -> where
		absent   []string           // rules not reported
		err      string             // substring of the lint's error
		errAt    located
	}{
		{name: "lock not used", spec: syntaxLine + "version: 1\nrequirements: [requirements.txt]\n",
			files:    map[string]string{"uv.lock": lock, "pyproject.toml": pyproject, "requirements.txt": "numpy\n"},
			warnings: map[string]located{"LockNotUsed": {specFile, 3}, "UnpinnedRequirement": {specFile, 3}}},
		{name: "lock used", spec: syntaxLine + "version: 1\n",
			files:  map[string]string{"uv.lock": lock, "pyproject.toml": pyproject, "requirements.txt": "numpy\n"},
			absent: []string{"LockNotUsed", "UnpinnedRequirement", "StaleLock"}},
		{name: "stale lock", spec: syntaxLine + "version: 1\n",
			files:    map[string]string{"uv.lock": lock, "pyproject.toml": stalePyproject},
			warnings: map[string]located{"StaleLock": {"pyproject.toml", posOf(t, stalePyproject, `"pandas`).Line}},
			err:      "uv.lock is out of date with pyproject.toml (1 difference)", errAt: located{"pyproject.toml", posOf(t, stalePyproject, `"pandas`).Line}},
		{name: "requirements file named in dependencies.from", spec: syntaxLine + "version: 1\ndependencies: {from: reqs/prod.txt}\n",
			files:    map[string]string{"reqs/prod.txt": "numpy==2.0.0\npandas>=2\n"},
			warnings: map[string]located{"UnpinnedRequirement": {specFile, 3}}},
		{name: "misspelled group", spec: syntaxLine + "version: 1\ndependencies:\n  groups:\n    - devv\n",
			files: map[string]string{"uv.lock": lock, "pyproject.toml": pyproject},
			err:   `group "devv" is not in uv.lock`, errAt: located{specFile, 5}},
		{name: "misspelled extra of a target", spec: syntaxLine + "version: 1\ntargets:\n  training:\n    dependencies: {extras: [cudaa]}\n",
			files: map[string]string{"uv.lock": lock, "pyproject.toml": pyproject},
			err:   `did you mean "cuda"?`, errAt: located{specFile, 5}},
		{name: "lock that does not parse", spec: syntaxLine + "version: 1\n",
			files: map[string]string{"uv.lock": "version = 1\n[[package]\n"},
			err:   "uv.lock:2:", errAt: located{"uv.lock", 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.spec).withOpt("requestid", lint.SubrequestLintDefinition.Name)
			for p, c := range tc.files {
				f.withFile("context", p, c)
			}
			res, err := build(t, f)
			if err != nil {
				t.Fatal(err)
			}
			var l lint.LintResults
			mustUnmarshal(t, res.Metadata["result.json"], &l)
			at := func(src int32, r int32) located {
				if src < 0 || int(src) >= len(l.Sources) {
					return located{}
				}
				return located{l.Sources[src].Filename, int(r)}
			}
			got := map[string]located{}
			for _, w := range l.Warnings {
				got[w.RuleName] = at(w.Location.SourceIndex, w.Location.Ranges[0].Start.Line)
				if w.URL == "" || w.Description == "" {
					t.Errorf("warning %s without its rule's URL or description: %+v", w.RuleName, w)
				}
			}
			for rule, want := range tc.warnings {
				if g, ok := got[rule]; !ok || g != want {
					t.Errorf("%s at %+v (reported: %v), want %+v; all: %+v", rule, g, ok, want, got)
				}
			}
			for _, rule := range tc.absent {
				if _, ok := got[rule]; ok {
					t.Errorf("%s reported: %+v", rule, got)
				}
			}
			switch {
			case tc.err == "" && l.Error != nil:
				t.Errorf("lint error %q", l.Error.Message)
			case tc.err != "" && (l.Error == nil || !strings.Contains(l.Error.Message, tc.err)):
				t.Errorf("lint error %+v, want one containing %q", l.Error, tc.err)
			case tc.err != "" && len(l.Error.Location.Ranges) > 0:
				if g := at(l.Error.Location.SourceIndex, l.Error.Location.Ranges[0].Start.Line); g != tc.errAt {
					t.Errorf("lint error at %+v, want %+v", g, tc.errAt)
				}
			case tc.err != "":
				t.Errorf("lint error without a location: %+v", l.Error)
			}
			reads := 0
			for _, sv := range f.solvesOf(kindLocal) {
				if sv.Graph.HasName("read the requirements and dependency files") {
					reads++
				}
			}
			if reads != 1 {
				t.Errorf("lint read the dependency files in %d solves, want 1", reads)
			}
		})
	}
}

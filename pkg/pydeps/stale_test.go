package pydeps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStale(t *testing.T) {
	uvProject := readTestdata(t, "uv/pyproject.toml")
	uvLock := readTestdata(t, "uv/uv.lock")
	tests := []struct {
		name      string
		pyproject []byte
		lock      func() (Lock, error)
		want      []string
	}{{
		name: "uv, in step", pyproject: uvProject,
		lock: func() (Lock, error) { return ParseUVLock("uv.lock", uvLock) },
	}, {
		name: "uv, a changed specifier and a new group member", pyproject: edit(t, edit(t, uvProject, `"numpy>=2",`, `"numpy>=2.1",`), `dev = ["pytest>=8"]`, `dev = ["pytest>=8", "hypothesis"]`),
		lock: func() (Lock, error) { return ParseUVLock("uv.lock", uvLock) },
		want: []string{
			`pyproject.toml:9:5: project.dependencies[2]: "numpy>=2.1" is not what uv.lock records for the project's dependencies (it records numpy>=2); run ` + "`uv lock`",
			"uv.lock:" + itoa(lineOf(t, uvLock, `{ name = "numpy", specifier = ">=2" },`)) + `:5: package[4].metadata.requires-dist[2]: uv.lock records numpy>=2 for the project's dependencies, which pyproject.toml no longer declares; run ` + "`uv lock`",
			`pyproject.toml:22:21: dependency-groups.dev[1]: "hypothesis" is not what uv.lock records for the group dev (it records no hypothesis); run ` + "`uv lock`",
		},
	}, {
		name: "uv, a renamed project", pyproject: edit(t, uvProject, `name = "demo"`, `name = "demo2"`),
		lock: func() (Lock, error) { return ParseUVLock("uv.lock", uvLock) },
		want: []string{`pyproject.toml:2:1: project.name: the project is "demo2" but uv.lock locks "demo"; run ` + "`uv lock`"},
	}, {
		// A git source: uv records the requirement without its specifier; not stale.
		// [tool.uv] dev-dependencies are the dev group uv records.
		name: "uv, a git source and legacy dev-dependencies", pyproject: readTestdata(t, "uvsources/pyproject.toml"),
		lock: func() (Lock, error) { return ParseUVLock("uv.lock", readTestdata(t, "uvsources/uv.lock")) },
	}, {
		name:      "uv, a git source pyproject.toml no longer names",
		pyproject: edit(t, readTestdata(t, "uvsources/pyproject.toml"), `tokenizer-kit = { git`, `# tokenizer-kit = { git`),
		lock:      func() (Lock, error) { return ParseUVLock("uv.lock", readTestdata(t, "uvsources/uv.lock")) },
		want: []string{
			`pyproject.toml:7:5: project.dependencies[1]: "tokenizer-kit>=0.2" is not what uv.lock records for the project's dependencies (it records tokenizer-kit); run ` + "`uv lock`",
			"uv.lock:" + itoa(lineOf(t, readTestdata(t, "uvsources/uv.lock"), `{ name = "tokenizer-kit", git`)) + `:5: package[2].metadata.requires-dist[1]: uv.lock records tokenizer-kit for the project's dependencies, which pyproject.toml no longer declares; run ` + "`uv lock`",
		},
	}, {
		name:      "uv, a legacy dev dependency changed",
		pyproject: edit(t, readTestdata(t, "uvsources/pyproject.toml"), `"pytest>=8",`, `"pytest>=8.3",`),
		lock:      func() (Lock, error) { return ParseUVLock("uv.lock", readTestdata(t, "uvsources/uv.lock")) },
		want: []string{
			`pyproject.toml:16:5: tool.uv.dev-dependencies[0]: "pytest>=8.3" is not what uv.lock records for the group dev (it records pytest>=8); run ` + "`uv lock`",
			"uv.lock:" + itoa(lineOf(t, readTestdata(t, "uvsources/uv.lock"), `dev = [{ name = "pytest"`)) + `:8: package[2].metadata.requires-dev.dev[0]: uv.lock records pytest>=8 for the group dev, which pyproject.toml no longer declares; run ` + "`uv lock`",
		},
	}, {
		// Dynamic dependencies: uv builds the project to learn them; not compared.
		name: "uv, dynamic dependencies",
		pyproject: edit(t, edit(t, readTestdata(t, "uvsources/pyproject.toml"), `version = "0.4.0"`, `version = "0.4.0"`+"\n"+`dynamic = ["dependencies"]`),
			"dependencies = [\n    \"fastapi>=0.110\",\n    \"tokenizer-kit>=0.2\",\n]", ""),
		lock: func() (Lock, error) { return ParseUVLock("uv.lock", readTestdata(t, "uvsources/uv.lock")) },
	}, {
		name: "poetry 2.1, in step", pyproject: readTestdata(t, "poetry21/pyproject.toml"),
		lock: func() (Lock, error) {
			return ParsePoetryLock("poetry.lock", readTestdata(t, "poetry21/poetry.lock"), nil)
		},
	}, {
		name:      "poetry 2.1, a dependency the lock lacks and a version it does not satisfy",
		pyproject: edit(t, edit(t, readTestdata(t, "poetry21/pyproject.toml"), `"certifi>=2024",`, `"certifi>=2024", "scipy",`), `pytest = "^8.3"`, `pytest = "^9"`),
		lock: func() (Lock, error) {
			return ParsePoetryLock("poetry.lock", readTestdata(t, "poetry21/poetry.lock"), nil)
		},
		want: []string{
			"pyproject.toml:7:22: project.dependencies[1]: scipy is not in poetry.lock; lock again",
			"pyproject.toml:27:1: tool.poetry.group.dev.dependencies.pytest: pytest ^9 is not satisfied by the version poetry.lock locks (8.3.3); lock again",
		},
	}, {
		name: "poetry 2.0, a python constraint changed", pyproject: edit(t, readTestdata(t, "poetry20/pyproject.toml"), `python = "^3.10"`, `python = "^3.11"`),
		lock: func() (Lock, error) {
			return ParsePoetryLock("poetry.lock", readTestdata(t, "poetry20/poetry.lock"), &Project{})
		},
		want: []string{`pyproject.toml:8:1: tool.poetry.dependencies.python: python "^3.11" is not the lock's "^3.10"; run ` + "`poetry lock`"},
	}, {
		name: "pylock, markers, unlisted extras and URLs are not checked", pyproject: readTestdata(t, "pylock/pyproject.toml"),
		lock: func() (Lock, error) { return ParsePylock("pylock.toml", readTestdata(t, "pylock/pylock.toml")) },
	}, {
		name: "pylock, a version the lock does not satisfy", pyproject: edit(t, readTestdata(t, "pylock/pyproject.toml"), `"numpy~=2.1",`, `"numpy~=2.2",`),
		lock: func() (Lock, error) { return ParsePylock("pylock.toml", readTestdata(t, "pylock/pylock.toml")) },
		want: []string{"pyproject.toml:7:5: project.dependencies[1]: numpy ~=2.2 is not satisfied by the version pylock.toml locks (2.1.1); lock again"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project, err := ParsePyproject("pyproject.toml", tt.pyproject)
			if err != nil {
				t.Fatal(err)
			}
			lock, err := tt.lock()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, Stale(project, lock), cmpEmpty); diff != "" {
				t.Errorf("Stale (-want +got):\n%s", diff)
			}
		})
	}
	if Stale(nil, nil) != nil {
		t.Error("Stale(nil, nil) is not nil")
	}
}

// TestUVSourcesLocked: a lock in step with a git source is refused for the git source
// itself, not as stale; dynamic dependencies give one warning that they were not checked.
func TestUVSourcesLocked(t *testing.T) {
	data := readTestdata(t, "uvsources/uv.lock")
	lock, err := ParseUVLock("uv.lock", data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	wantLocated(t, err, "uv.lock", where{path: "package[3].source", line: lineOf(t, data, `source = { git =`), col: 1, msg: "tokenizer-kit 0.2.1: a git source has no hash"})

	pyproject := readTestdata(t, "uvsources/pyproject.toml")
	static, err := ParsePyproject("pyproject.toml", pyproject)
	if err != nil {
		t.Fatal(err)
	}
	if e := StaleUnchecked(static, lock); e != nil {
		t.Errorf("static dependencies: StaleUnchecked = %v", e)
	}
	dynamic, err := ParsePyproject("pyproject.toml", edit(t, pyproject, `version = "0.4.0"`, `version = "0.4.0"`+"\n"+`dynamic = ["dependencies"]`))
	if err != nil {
		t.Fatal(err)
	}
	wantLocated(t, StaleUnchecked(dynamic, lock), "pyproject.toml", where{path: "project.dynamic", line: 4, col: 1, msg: "the project's dependencies are dynamic (computed by its build backend), so whether uv.lock is up to date with them was not checked"})
}

// TestConflicts: [tool.uv] conflicts (PyTorch's cpu and cu128 extras, as uv's PyTorch guide
// declares them): either extra installs, and Conflicting names both when they are chosen
// together; the lock is in step with the sources per extra.
func TestConflicts(t *testing.T) {
	data := readTestdata(t, "uvconflicts/pyproject.toml")
	project, err := ParsePyproject("pyproject.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := ParseUVLock("uv.lock", readTestdata(t, "uvconflicts/uv.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if stale := Stale(project, lock); stale != nil {
		t.Errorf("stale: %v", stale)
	}
	env := mustEnv(t, "linux", "amd64", "", "3.11.9")
	for extra, want := range map[string]string{"cpu": "torch==2.7.0+cpu", "cu128": "torch==2.7.0+cu128"} {
		sel := Selection{Extras: []string{extra}}
		if _, _, _, ok := project.Conflicting(sel); ok {
			t.Errorf("%s alone conflicts", extra)
		}
		pins, err := lock.Pins(env, sel)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"numpy==2.1.1", want}, pinList(pins)); diff != "" {
			t.Errorf("%s: pins (-want +got):\n%s", extra, diff)
		}
	}
	a, b, c, ok := project.Conflicting(Selection{Extras: []string{"CU128", "cpu"}, Groups: []string{"dev"}})
	if !ok || a.String() != `extra "cpu"` || b.String() != `extra "cu128"` || c.Source != "pyproject.toml:"+itoa(lineOf(t, data, `{ extra = "cpu" }`)) {
		t.Errorf("Conflicting = %v, %v, %+v, %v", a, b, c, ok)
	}
}

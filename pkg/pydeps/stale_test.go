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

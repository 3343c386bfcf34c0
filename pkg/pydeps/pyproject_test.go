package pydeps

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlbuild/mlbuild/pkg/located"
)

func TestParsePyproject(t *testing.T) {
	tests := []struct {
		file string
		want *Project
	}{{
		file: "uv/pyproject.toml",
		want: &Project{
			Name: "demo", RequiresPython: ">=3.10",
			Dependencies:         []string{"antlr4-python3-runtime==4.9.3", "colorama; sys_platform == 'win32'", "numpy>=2", "requests[socks]>=2.32,<3", "tomli; python_full_version < '3.11'", "torch==2.4.0"},
			OptionalDependencies: map[string][]string{"cuda": {"nvidia-cublas-cu12>=12.1"}},
			DependencyGroups:     map[string][]string{"dev": {"pytest>=8"}, "docs": {"sphinx-lite"}},
			BuildBackend:         "hatchling.build",
			Scripts:              map[string]string{"demo-serve": "demo.server:main"},
			UV:                   &UVProject{Sources: map[string][]UVSource{"torch": {{Kind: "index", Value: "pytorch-cpu"}}}},
		},
	}, {
		file: "poetry20/pyproject.toml",
		want: &Project{
			Name: "svc", BuildBackend: "poetry.core.masonry.api",
			Poetry: &PoetryProject{
				Python: "^3.10",
				Dependencies: []PoetryDependency{
					{Name: "alpha", Version: "^1.0", path: "tool.poetry.dependencies.alpha"},
					{Name: "beta", Version: "<1.2", path: "tool.poetry.dependencies.beta"},
					{Name: "delta", Version: ">=2", Optional: true, path: "tool.poetry.dependencies.delta"},
					{Name: "gamma", Markers: "platform_machine == 'aarch64'", path: "tool.poetry.dependencies.gamma"},
				},
				Groups: map[string][]PoetryDependency{"dev": {{Name: "pytest-lite", Version: "^8", path: "tool.poetry.group.dev.dependencies.pytest-lite"}}},
				Extras: map[string][]string{"speed": {"delta"}},
			},
		},
	}, {
		file: "poetry21/pyproject.toml",
		want: &Project{
			Name: "trainer", RequiresPython: ">=3.10,<3.13",
			Dependencies:         []string{"certifi>=2024", "colorama; platform_system == 'Windows'", "numpy>=2.1,<2.2", "sdist-only==0.3.0", "torch==2.4.1"},
			OptionalDependencies: map[string][]string{"socks": {"pysocks>=1.7"}},
			BuildBackend:         "poetry.core.masonry.api",
			Poetry: &PoetryProject{
				Dependencies: []PoetryDependency{
					{Name: "torch", Markers: "platform_machine == 'x86_64'", Source: "pytorch-cpu", path: "tool.poetry.dependencies.torch[0]"},
					{Name: "torch", Markers: "platform_machine != 'x86_64'", Source: "PyPI", path: "tool.poetry.dependencies.torch[1]"},
				},
				Groups: map[string][]PoetryDependency{"dev": {{Name: "pytest", Version: "^8.3", path: "tool.poetry.group.dev.dependencies.pytest"}}},
			},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParsePyproject("pyproject.toml", readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			opts := cmp.Options{cmpopts.IgnoreUnexported(Project{}), cmp.AllowUnexported(PoetryDependency{})}
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPyprojectGroups(t *testing.T) {
	p, err := ParsePyproject("pyproject.toml", []byte(`
[dependency-groups]
Test = ["pytest>=8", {include-group = "typing"}]
typing = ["mypy", {include-group = "base"}]
base = ["ruff"]
all = [{include-group = "test"}, {include-group = "Typing"}]

[build-system]
requires = ["setuptools"]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"test":   {"pytest>=8", "mypy", "ruff"},
		"typing": {"mypy", "ruff"},
		"base":   {"ruff"},
		"all":    {"pytest>=8", "mypy", "ruff"},
	}
	if diff := cmp.Diff(want, p.DependencyGroups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if p.BuildBackend != "setuptools.build_meta:__legacy__" || p.Poetry != nil || p.Name != "" {
		t.Errorf("BuildBackend %q, Poetry %v, Name %q", p.BuildBackend, p.Poetry, p.Name)
	}
}

func TestPyprojectErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       where
	}{{
		name: "a cycle of groups",
		data: "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [\"x\", {include-group = \"a\"}]\n",
		want: where{path: "dependency-groups.b[1].include-group", line: 3, col: 12, msg: `group "b" includes "a", which includes "b" again (a cycle)`},
	}, {
		name: "an unknown group",
		data: "[dependency-groups]\ntest = [{include-group = \"lnt\"}]\nlint = [\"ruff\"]\n",
		want: where{path: "dependency-groups.test[0].include-group", line: 2, col: 10, msg: `which is not a dependency group (did you mean "lint"?)`},
	}, {
		name: "a group table that is not an include",
		data: "[dependency-groups]\ntest = [{include = \"lint\"}]\n",
		want: where{path: "dependency-groups.test[0]", line: 2, col: 9, msg: "must be {include-group"},
	}, {
		name: "two groups equal once normalized",
		data: "[dependency-groups]\nDev = [\"a\"]\ndev = [\"b\"]\n",
		want: where{path: "dependency-groups.dev", line: 3, col: 1, msg: `also declared as "Dev"`},
	}, {
		name: "a malformed requirement",
		data: "[project]\nname = \"x\"\ndependencies = [\n  \"numpy\",\n  \"torch>=>2\",\n]\n",
		want: where{path: "project.dependencies[1]", line: 5, col: 3, msg: `requirement "torch>=>2"`},
	}, {
		name: "dependencies of the wrong type",
		data: "[project]\nname = \"x\"\ndependencies = \"numpy\"\n",
		want: where{path: "project.dependencies", line: 3, col: 1, msg: "must be an array"},
	}, {
		name: "a bad requires-python",
		data: "[project]\nrequires-python = \"3.10\"\n",
		want: where{path: "project.requires-python", line: 2, col: 1, msg: "no operator"},
	}, {
		name: "a bad project name",
		data: "[project]\nname = \"-x-\"\n",
		want: where{path: "project.name", line: 2, col: 1, msg: "not a valid project name"},
	}, {
		name: "a bad poetry marker",
		data: "[tool.poetry.dependencies]\ntorch = { version = \"^2\", markers = \"platform_machine = 'x86_64'\" }\n",
		want: where{path: "tool.poetry.dependencies.torch.markers", line: 2, col: 27, msg: "invalid marker"},
	}, {
		name: "malformed TOML",
		data: "[project]\nname = \"x\"\nname = \"y\"\n",
		want: where{path: "", line: 3, col: 1, msg: "invalid TOML"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePyproject("pyproject.toml", []byte(tt.data))
			wantLocated(t, err, "pyproject.toml", tt.want)
		})
	}
}

func TestPyprojectReportsEveryProblem(t *testing.T) {
	_, err := ParsePyproject("pyproject.toml", []byte(`[project]
name = "ok"
dependencies = ["numpy>=>1", 7]

[project.optional-dependencies]
gpu = ["torch @"]
`))
	var es located.Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("err = %#v, want 3 errors", err)
	}
	var paths []string
	for _, e := range es {
		paths = append(paths, e.Path)
	}
	want := []string{"project.dependencies[0]", "project.dependencies[1]", "project.optional-dependencies.gpu[0]"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

func TestParseRequirement(t *testing.T) {
	tests := map[string]Requirement{
		"numpy":             {Name: "numpy"},
		"numpy >= 1.26, <2": {Name: "numpy", Specifier: ">= 1.26, <2"},
		"requests[socks, security] (>=2.32,<3) ; python_version < '3.13'": {Name: "requests", Extras: []string{"socks", "security"}, Specifier: ">=2.32,<3", Marker: "python_version < '3.13'"},
		"zope.interface~=6.0":                                {Name: "zope.interface", Specifier: "~=6.0"},
		"torch @ https://download.pytorch.org/whl/torch.whl": {Name: "torch", URL: "https://download.pytorch.org/whl/torch.whl"},
		"torch @ https://x/t.whl ; sys_platform == 'linux'":  {Name: "torch", URL: "https://x/t.whl", Marker: "sys_platform == 'linux'"},
		"Foo_Bar[]": {Name: "Foo_Bar"},
	}
	for in, want := range tests {
		got, err := ParseRequirement(in)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseRequirement(%q) (-want +got):\n%s", in, diff)
		}
		if again, err := ParseRequirement(got.String()); err != nil || NormalizeName(again.Name) != NormalizeName(got.Name) {
			t.Errorf("String() %q does not parse back: %v", got.String(), err)
		}
	}
	for _, bad := range []string{"", ">=1", "numpy>=>1", "numpy[", "numpy[a b]", "numpy @", "numpy; python_version", "numpy 1.0", "-numpy"} {
		if _, err := ParseRequirement(bad); err == nil {
			t.Errorf("ParseRequirement(%q) succeeded", bad)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Foo.Bar__baz": "foo-bar-baz", "foo-bar": "foo-bar", "FOO": "foo", "a_-_b": "a-b", "_x_": "-x-", "": "",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

package pydeps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parsePoetry parses a testdata directory's pyproject.toml and poetry.lock.
func parsePoetry(t *testing.T, dir string) (*Project, Lock, []byte) {
	t.Helper()
	project, err := ParsePyproject("pyproject.toml", readTestdata(t, dir+"/pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	data := readTestdata(t, dir+"/poetry.lock")
	lock, err := ParsePoetryLock("poetry.lock", data, project)
	if err != nil {
		t.Fatal(err)
	}
	return project, lock, data
}

func TestPoetryLockPins(t *testing.T) {
	tests := []struct {
		name, dir                 string
		goos, goarch, variant, py string
		sel                       Selection
		want                      []string
	}{{
		name: "2.1: x86_64 takes the CPU torch", dir: "poetry21", goos: "linux", goarch: "amd64", py: "3.11.9",
		want: []string{"certifi==2024.8.30", "filelock==3.16.1", "numpy==2.1.1", "sdist-only==0.3.0", "torch==2.4.1+cpu"},
	}, {
		name: "2.1: aarch64 takes the PyPI torch", dir: "poetry21", goos: "linux", goarch: "arm64", py: "3.10",
		want: []string{"certifi==2024.8.30", "filelock==3.16.1", "numpy==2.1.1", "sdist-only==0.3.0", "torch==2.4.1"},
	}, {
		name: "2.1: a group marker per group", dir: "poetry21", goos: "windows", goarch: "amd64", py: "3.12.1",
		want: []string{"certifi==2024.8.30", "colorama==0.4.6", "filelock==3.16.1", "numpy==2.1.1", "sdist-only==0.3.0", "torch==2.4.1"},
	}, {
		name: "2.1: an optional package of an extra", dir: "poetry21", goos: "linux", goarch: "amd64", py: "3.11.9", sel: Selection{Extras: []string{"SOCKS"}},
		want: []string{"certifi==2024.8.30", "filelock==3.16.1", "numpy==2.1.1", "pysocks==1.7.1", "sdist-only==0.3.0", "torch==2.4.1+cpu"},
	}, {
		name: "2.1: the dev group", dir: "poetry21", goos: "linux", goarch: "arm64", py: "3.10.4", sel: Selection{Groups: []string{"dev"}},
		want: []string{"certifi==2024.8.30", "filelock==3.16.1", "iniconfig==2.0.0", "numpy==2.1.1", "pytest==8.3.3", "sdist-only==0.3.0", "tomli==2.0.2", "torch==2.4.1"},
	}, {
		// What `poetry install --only main` (Poetry 1.3.2, which wrote this lock) installs.
		name: "2.0: the main group", dir: "poetry20", goos: "linux", goarch: "amd64", py: "3.11.2",
		want: []string{"alpha==1.0.0", "beta==1.1.0"},
	}, {
		name: "2.0: a root marker", dir: "poetry20", goos: "linux", goarch: "arm64", variant: "v8", py: "3.11.2",
		want: []string{"alpha==1.0.0", "beta==1.1.0", "gamma==0.5"},
	}, {
		name: "2.0: a transitive marker", dir: "poetry20", goos: "windows", goarch: "amd64", py: "3.11.2",
		want: []string{"alpha==1.0.0", "beta==1.1.0", "gamma==0.5"},
	}, {
		name: "2.0: an optional root dependency of an extra", dir: "poetry20", goos: "linux", goarch: "amd64", py: "3.11.2", sel: Selection{Extras: []string{"speed"}},
		want: []string{"alpha==1.0.0", "beta==1.1.0", "delta==2.0.0"},
	}, {
		name: "2.0: the dev group", dir: "poetry20", goos: "linux", goarch: "amd64", py: "3.11.2", sel: Selection{Groups: []string{"dev"}},
		want: []string{"alpha==1.0.0", "beta==1.1.0", "gamma==0.5", "pytest-lite==8.0.0"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, lock, _ := parsePoetry(t, tt.dir)
			pins, err := lock.Pins(mustEnv(t, tt.goos, tt.goarch, tt.variant, tt.py), tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, pinList(pins)); diff != "" {
				t.Errorf("pins (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPoetryLockPinDetails(t *testing.T) {
	_, lock, data := parsePoetry(t, "poetry21")
	if lock.Kind() != "poetry.lock" || lock.RequiresPython() != ">=3.10,<3.13" {
		t.Errorf("Kind, RequiresPython = %q, %q", lock.Kind(), lock.RequiresPython())
	}
	pins, err := lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	torch := pins[len(pins)-1]
	want := Pin{Name: "torch", Version: "2.4.1+cpu", Index: "https://download.pytorch.org/whl/cpu", Hashes: torch.Hashes,
		Source: "poetry.lock:" + itoa(lineOf(t, data, "name = \"torch\"\nversion = \"2.4.1+cpu\"")-1)}
	if diff := cmp.Diff(want, torch); diff != "" || len(torch.Hashes) != 3 {
		t.Errorf("torch (-want +got):\n%s%v", diff, torch.Hashes)
	}
	golden(t, "poetry21/requirements-linux-amd64-py311.txt", Requirements(pins))

	_, lock20, _ := parsePoetry(t, "poetry20")
	pins, err = lock20.Pins(mustEnv(t, "linux", "amd64", "", "3.11.2"), Selection{Extras: []string{"speed"}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "poetry20/requirements-linux-amd64-speed.txt", Requirements(pins))
}

func TestPoetryLockErrors(t *testing.T) {
	project21, _, data21 := parsePoetry(t, "poetry21")
	project20, _, data20 := parsePoetry(t, "poetry20")
	amd64 := mustEnv(t, "linux", "amd64", "", "3.11.9")
	header := func(data []byte, name string) int { return lineOf(t, data, "[[package]]\nname = \""+name+"\"") }
	tests := []struct {
		name    string
		data    []byte
		project *Project
		parse   bool
		env     Env
		sel     Selection
		want    where
	}{{
		name: "truncated", data: data21[:len(data21)-40], project: project21, parse: true,
		want: where{path: "", line: lineOf(t, data21, "content-hash"), col: 42, msg: "invalid TOML: unterminated basic string"},
	}, {
		name: "unknown lock-version", data: edit(t, data21, `lock-version = "2.1"`, `lock-version = "3.0"`), project: project21, parse: true,
		want: where{path: "metadata.lock-version", line: lineOf(t, data21, "lock-version"), col: 1, msg: `lock-version "3.0" is not supported`},
	}, {
		name: "no lock-version", data: edit(t, data21, `lock-version = "2.1"`, `lock_version = "2.1"`), project: project21, parse: true,
		want: where{path: "metadata.lock-version", line: lineOf(t, data21, "[metadata]"), col: 1, msg: "[metadata] has no lock-version"},
	}, {
		name: "2.0 without the project", data: data20, project: nil, parse: true,
		want: where{path: "metadata.lock-version", line: lineOf(t, data20, "lock-version"), col: 1, msg: "pyproject.toml is needed"},
	}, {
		name: "a missing hash", project: project21, env: amd64,
		data: editBlock(t, data21, "[[package]]\nname = \"sdist-only\"", `, hash = "sha256:`, `, nohash = "sha256:`),
		want: where{path: "package[7]", line: header(data21, "sdist-only"), col: 1, msg: "sdist-only 0.3.0: no sha256 hash recorded; pip --require-hashes would refuse it"},
	}, {
		name: "a git source", project: project20, env: amd64,
		data: editBlock(t, data20, "[[package]]\nname = \"beta\"", `type = "legacy"`, `type = "git"`),
		want: where{path: "package[1].source", line: header(data20, "beta") + 11, col: 1, msg: "beta 1.1.0: a git source has no hash"},
	}, {
		name: "a directory source", project: project20, env: amd64,
		data: editBlock(t, data20, "[[package]]\nname = \"beta\"", `type = "legacy"`, `type = "directory"`),
		want: where{path: "package[1].source", line: header(data20, "beta") + 11, col: 1, msg: "a local directory source"},
	}, {
		name: "no wheel for the machine", project: project20, env: mustEnv(t, "linux", "riscv64", "", "3.11"), sel: Selection{Extras: []string{"speed"}}, data: data20,
		want: where{path: "package[2]", line: header(data20, "delta"), col: 1, msg: "delta 2.0.0: no sdist, and no wheel for linux/riscv64"},
	}, {
		name: "a python outside the lock's", project: project21, env: mustEnv(t, "linux", "amd64", "", "3.13.0"), data: data21,
		want: where{path: "metadata.python-versions", line: lineOf(t, data21, "python-versions = \">=3.10,<3.13\""), col: 1, msg: "the lock is for Python >=3.10,<3.13"},
	}, {
		name: "an unknown extra", project: project21, env: amd64, sel: Selection{Extras: []string{"sock"}}, data: data21,
		want: where{path: "extras", line: lineOf(t, data21, "[extras]"), col: 1, msg: `extra "sock" is not in the lock (it has "socks") (did you mean "socks"?)`},
	}, {
		name: "a bad per-group marker", project: project21, parse: true,
		data: edit(t, data21, `dev = "sys_platform == \"win32\""}`, `dev = "sys_platform === "}`),
		want: where{path: "package[1].markers.dev", line: lineOf(t, data21, "markers = {main"), col: colOf(t, data21, `dev = "sys_platform == \"win32\""}`), msg: "invalid marker"},
	}, {
		name: "a dependency the lock lacks", project: project20, env: amd64,
		data: editBlock(t, data20, "[[package]]\nname = \"alpha\"", `beta = ">=1.0"`, `betta = ">=1.0"`),
		want: where{path: "package[0].dependencies.betta", line: lineOf(t, data20, `beta = ">=1.0"`), col: 1, msg: "alpha depends on betta, which poetry.lock does not lock"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, err := ParsePoetryLock("poetry.lock", tt.data, tt.project)
			if !tt.parse {
				if err != nil {
					t.Fatal(err)
				}
				_, err = lock.Pins(tt.env, tt.sel)
			}
			wantLocated(t, err, "poetry.lock", tt.want)
		})
	}
}

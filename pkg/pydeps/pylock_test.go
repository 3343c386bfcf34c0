package pydeps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPylockPins(t *testing.T) {
	data := readTestdata(t, "pylock/pylock.toml")
	lock, err := ParsePylock("pylock.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		goos, goarch, python string
		sel                  Selection
		want                 []string
	}{{
		name: "default groups on x86_64", goos: "linux", goarch: "amd64", python: "3.11.9",
		want: []string{"filelock==3.16.1", "numpy==2.1.1", "pytest==8.3.3", "tiny-model-utils @ https://example.com/releases/tiny_model_utils-0.1.0.tar.gz", "torch==2.4.1+cpu"},
	}, {
		name: "no default groups on aarch64 with 3.10", goos: "linux", goarch: "arm64", python: "3.10.14", sel: Selection{NoDefaultGroups: true},
		want: []string{"filelock==3.16.1", "numpy==2.1.1", "tiny-model-utils @ https://example.com/releases/tiny_model_utils-0.1.0.tar.gz", "torch==2.4.1"},
	}, {
		name: "a named group replaces the defaults", goos: "linux", goarch: "arm64", python: "3.10.14", sel: Selection{Groups: []string{"Dev"}},
		want: []string{"filelock==3.16.1", "numpy==2.1.1", "pytest==8.3.3", "tiny-model-utils @ https://example.com/releases/tiny_model_utils-0.1.0.tar.gz", "tomli==2.0.2", "torch==2.4.1"},
	}, {
		name: "an extra", goos: "linux", goarch: "amd64", python: "3.12", sel: Selection{Extras: []string{"cuda"}, NoDefaultGroups: true},
		want: []string{"filelock==3.16.1", "numpy==2.1.1", "nvidia-cublas-cu12==12.1.3.1", "tiny-model-utils @ https://example.com/releases/tiny_model_utils-0.1.0.tar.gz", "torch==2.4.1+cpu"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pins, err := lock.Pins(mustEnv(t, tt.goos, tt.goarch, "", tt.python), tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, pinList(pins)); diff != "" {
				t.Errorf("pins (-want +got):\n%s", diff)
			}
		})
	}
	pins, err := lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	torch := pins[len(pins)-1]
	if torch.Index != "https://download.pytorch.org/whl/cpu" || len(torch.Hashes) != 3 || torch.Source != "pylock.toml:"+itoa(lineOf(t, data, "name = \"torch\"\nversion = \"2.4.1+cpu\"")-1) {
		t.Errorf("torch = %+v", torch)
	}
	if lock.Kind() != "pylock.toml" || lock.RequiresPython() != ">=3.10" {
		t.Errorf("Kind, RequiresPython = %q, %q", lock.Kind(), lock.RequiresPython())
	}
	golden(t, "pylock/requirements-linux-amd64-py311.txt", Requirements(pins))
}

func TestPylockErrors(t *testing.T) {
	data := readTestdata(t, "pylock/pylock.toml")
	amd64 := mustEnv(t, "linux", "amd64", "", "3.11.9")
	header := func(name string) int { return lineOf(t, data, "[[packages]]\nname = \""+name+"\"") }
	tests := []struct {
		name  string
		data  []byte
		parse bool
		env   Env
		sel   Selection
		want  where
	}{{
		name: "truncated", data: data[:lineOffset(t, data, header("numpy")+3)+20], parse: true,
		want: where{path: "", line: header("numpy") + 3, col: 20, msg: "invalid TOML: unterminated basic string"},
	}, {
		name: "unknown major version", data: edit(t, data, `lock-version = "1.0"`, `lock-version = "2.0"`), parse: true,
		want: where{path: "lock-version", line: 1, col: 1, msg: `lock-version "2.0" is not supported`},
	}, {
		name: "a directory package", data: data, env: amd64, sel: Selection{Groups: []string{"local"}},
		want: where{path: "packages[8].directory", line: lineOf(t, data, "[packages.directory]"), col: 1, msg: `localpkg: a local directory ("./localpkg") cannot be installed`},
	}, {
		name: "a vcs package", env: amd64,
		data: edit(t, data, "[packages.archive]\nurl = ", "[packages.vcs]\ntype = \"git\"\nurl = "),
		want: where{path: "packages[7].vcs", line: lineOf(t, data, "[packages.archive]"), col: 1, msg: "tiny-model-utils 0.1.0: a VCS source has no hash"},
	}, {
		name: "a missing hash", env: amd64,
		data: editBlock(t, data, "[[packages]]\nname = \"filelock\"", "hashes = ", "digests = "),
		want: where{path: "packages[0]", line: header("filelock"), col: 1, msg: "filelock 3.16.1: no sha256 hash recorded"},
	}, {
		name: "no wheel for the machine", env: amd64, sel: Selection{NoDefaultGroups: true},
		data: edit(t, data, "marker = \"platform_machine != 'x86_64'\"", "marker = \"platform_machine != 'ppc64le'\""),
		want: where{path: "packages[5]", line: header("torch"), col: 1, msg: "torch 2.4.1: no sdist, and no wheel for linux/x86_64"},
	}, {
		name: "an environment the lock is not for", env: mustEnv(t, "windows", "amd64", "", "3.11"), data: data,
		want: where{path: "environments", line: 2, col: 1, msg: "the lock is for other environments than win32/AMD64"},
	}, {
		name: "an unknown group", env: amd64, sel: Selection{Groups: []string{"docs"}}, data: data,
		want: where{path: "dependency-groups", line: 5, col: 1, msg: `group "docs" is not in the lock (it has "dev", "local")`},
	}, {
		name: "a package's requires-python", env: amd64, sel: Selection{NoDefaultGroups: true},
		data: edit(t, data, "requires-python = \">=3.10\"\nindex", "requires-python = \">=3.12\"\nindex"),
		want: where{path: "packages[1].requires-python", line: header("numpy") + 3, col: 1, msg: "numpy 2.1.1: requires Python >=3.12"},
	}, {
		name: "a malformed package marker", parse: true,
		data: edit(t, data, "marker = \"'dev' in dependency_groups\"", "marker = \"'dev' in dependency-groups\""),
		want: where{path: "packages[3].marker", line: header("pytest") + 3, col: 1, msg: "invalid marker"},
	}, {
		// pip freeze or `uv pip compile -o pylock.toml` output under the lock's name.
		name: "a requirements file named pylock.toml", parse: true,
		data: []byte("# generated by pip-compile\nnumpy==2.1.1 \\\n    --hash=sha256:00\ntorch==2.4.1 ; platform_machine == 'x86_64'\n"),
		want: where{path: "", line: 2, col: 7, msg: "pylock.toml reads as a pip requirements file, not a PEP 751 lock: rename it requirements.txt"},
	}, {
		name: "a hash that is not hex", parse: true,
		data: editBlock(t, data, "[[packages]]\nname = \"filelock\"", `hashes = { sha256 = "`, `hashes = { sha256 = "zz`),
		want: where{path: "packages[0].sdist.hashes.sha256", line: header("filelock") + 5, col: colOf(t, data, `sha256 = "`), msg: "not 64 hexadecimal digits"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, err := ParsePylock("pylock.toml", tt.data)
			if !tt.parse {
				if err != nil {
					t.Fatal(err)
				}
				_, err = lock.Pins(tt.env, tt.sel)
			}
			wantLocated(t, err, "pylock.toml", tt.want)
		})
	}
}

// TestPylockUVExport: `uv export --format pylock.toml` lists the project itself as
// directory = { path = ".", editable = true }: it is the project, not a pin; any other
// local directory stays refused (testdata/README.md names the public projects of this shape).
func TestPylockUVExport(t *testing.T) {
	data := readTestdata(t, "uvexport/pylock.toml")
	lock, err := ParsePylock("pylock.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	pins, err := lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"joblib==1.4.2", "numpy==2.1.1"}, pinList(pins)); diff != "" {
		t.Errorf("pins (-want +got):\n%s", diff)
	}
	project, err := ParsePyproject("pyproject.toml", readTestdata(t, "uvexport/pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if stale := StaleErrors(project, lock); len(stale) > 0 {
		t.Errorf("the exported lock is stale: %v", stale)
	}
	member := edit(t, data, `directory = { path = ".", editable = true }`, `directory = { path = "libs/features", editable = true }`)
	lock, err = ParsePylock("pylock.toml", member)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	wantLocated(t, err, "pylock.toml", where{path: "packages[0].directory", line: 7, col: 1, msg: `churn-model: a local directory ("libs/features") cannot be installed`})
}

package pydeps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUVLockPins(t *testing.T) {
	data := readTestdata(t, "uv/uv.lock")
	lock, err := ParseUVLock("uv.lock", data)
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"antlr4-python3-runtime==4.9.3", "certifi==2024.7.4", "charset-normalizer==3.3.2", "idna==3.7"}
	tests := []struct {
		name                 string
		goos, goarch, python string
		sel                  Selection
		want                 []string
	}{{
		name: "linux amd64 takes the CPU torch from its index", goos: "linux", goarch: "amd64", python: "3.11.9",
		want: append(common, "numpy==2.3.5", "pysocks==1.7.1", "requests==2.32.3", "torch==2.4.0+cpu", "urllib3==2.2.2"),
	}, {
		name: "linux arm64 on 3.10 takes the PyPI torch, the older numpy and tomli", goos: "linux", goarch: "arm64", python: "3.10.14",
		want: append(common, "numpy==2.2.6", "pysocks==1.7.1", "requests==2.32.3", "tomli==2.0.1", "torch==2.4.0", "urllib3==2.2.2"),
	}, {
		name: "an extra, spelled differently", goos: "linux", goarch: "amd64", python: "3.12", sel: Selection{Extras: []string{"CUDA"}},
		want: append(common, "numpy==2.3.5", "nvidia-cublas-cu12==12.1.3.1", "pysocks==1.7.1", "requests==2.32.3", "torch==2.4.0+cpu", "urllib3==2.2.2"),
	}, {
		name: "an extra whose marker excludes the machine", goos: "linux", goarch: "arm64", python: "3.12", sel: Selection{Extras: []string{"cuda"}},
		want: append(common, "numpy==2.3.5", "pysocks==1.7.1", "requests==2.32.3", "torch==2.4.0", "urllib3==2.2.2"),
	}, {
		name: "the dev group and its transitive dependencies", goos: "linux", goarch: "arm64", python: "3.10", sel: Selection{Groups: []string{"dev"}},
		want: append(common, "iniconfig==2.0.0", "numpy==2.2.6", "packaging==24.1", "pluggy==1.5.0", "pysocks==1.7.1", "pytest==8.3.2", "requests==2.32.3", "tomli==2.0.1", "torch==2.4.0", "urllib3==2.2.2"),
	}, {
		name: "windows", goos: "windows", goarch: "amd64", python: "3.11.9", sel: Selection{Groups: []string{"docs"}},
		want: append(common[:3:3], "colorama==0.4.6", "idna==3.7", "numpy==2.3.5", "pysocks==1.7.1", "requests==2.32.3", "sphinx-lite==1.0.0", "torch==2.4.0", "urllib3==2.2.2"),
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
}

func TestUVLockPinDetails(t *testing.T) {
	data := readTestdata(t, "uv/uv.lock")
	lock, err := ParseUVLock("uv.lock", data)
	if err != nil {
		t.Fatal(err)
	}
	if lock.Kind() != "uv.lock" || lock.RequiresPython() != ">=3.10" {
		t.Errorf("Kind, RequiresPython = %q, %q", lock.Kind(), lock.RequiresPython())
	}
	pins, err := lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11.9"), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Pin{}
	for _, p := range pins {
		byName[p.Name] = p
	}
	torch := byName["torch"]
	if torch.Index != "https://download.pytorch.org/whl/cpu" || torch.URL != "" || len(torch.Hashes) != 3 {
		t.Errorf("torch pin = %+v", torch)
	}
	if want := "uv.lock:" + itoa(lineOf(t, data, "name = \"torch\"\nversion = \"2.4.0+cpu\"")-1); torch.Source != want {
		t.Errorf("torch Source = %q, want %q", torch.Source, want)
	}
	if numpy := byName["numpy"]; numpy.Index != "" || len(numpy.Hashes) != 9 {
		t.Errorf("numpy pin = %+v: want PyPI and 8 wheels plus the sdist", numpy)
	}
	if torch.Size != 1000 {
		t.Errorf("torch Size = %d, want the 1000 bytes its x86_64 wheel records", torch.Size)
	}
	if antlr := byName["antlr4-python3-runtime"]; len(antlr.Hashes) != 1 {
		t.Errorf("the sdist-only package has hashes %v", antlr.Hashes)
	}
	for _, p := range pins {
		for _, h := range p.Hashes {
			if !strings.HasPrefix(h, "sha256:") || len(h) != len("sha256:")+64 {
				t.Errorf("%s: hash %q", p.Name, h)
			}
		}
	}
	if diff := cmp.Diff([]string{"https://pypi.org/simple", "https://download.pytorch.org/whl/cpu"}, Indexes(pins)); diff != "" {
		t.Errorf("Indexes (-want +got):\n%s", diff)
	}
	golden(t, "uv/requirements-linux-amd64-py311.txt", Requirements(pins))
}

func TestUVLockConflictMarkers(t *testing.T) {
	// uv encodes conflicting extras of the project as extra-N-PROJECT-EXTRA.
	lockText := `version = 1
revision = 2
requires-python = ">=3.12"
conflicts = [[
    { package = "app", extra = "cpu" },
    { package = "app", extra = "cu124" },
]]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }

[package.optional-dependencies]
cpu = [
    { name = "torch", version = "2.6.0+cpu", source = { registry = "https://download.pytorch.org/whl/cpu" } },
]
cu124 = [
    { name = "torch", version = "2.6.0+cu124", source = { registry = "https://download.pytorch.org/whl/cu124" } },
]

[[package]]
name = "filelock"
version = "3.16.1"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/filelock-3.16.1-py3-none-any.whl", hash = "sha256:` + strings.Repeat("1", 64) + `" }]

[[package]]
name = "torch"
version = "2.6.0+cpu"
source = { registry = "https://download.pytorch.org/whl/cpu" }
dependencies = [
    { name = "filelock", marker = "extra == 'extra-3-app-cpu' or extra != 'extra-3-app-cu124'" },
]
wheels = [{ url = "https://x/torch-2.6.0%2Bcpu-cp312-cp312-linux_x86_64.whl", hash = "sha256:` + strings.Repeat("2", 64) + `" }]

[[package]]
name = "torch"
version = "2.6.0+cu124"
source = { registry = "https://download.pytorch.org/whl/cu124" }
dependencies = [
    { name = "filelock", marker = "extra == 'extra-3-app-cu124' and extra == 'extra-3-app-cpu'" },
]
wheels = [{ url = "https://x/torch-2.6.0%2Bcu124-cp312-cp312-linux_x86_64.whl", hash = "sha256:` + strings.Repeat("3", 64) + `" }]
`
	lock, err := ParseUVLock("uv.lock", []byte(lockText))
	if err != nil {
		t.Fatal(err)
	}
	env := mustEnv(t, "linux", "amd64", "", "3.12.7")
	for extra, want := range map[string][]string{
		"cpu":   {"filelock==3.16.1", "torch==2.6.0+cpu"},
		"cu124": {"torch==2.6.0+cu124"},
		"":      nil,
	} {
		var sel Selection
		if extra != "" {
			sel.Extras = []string{extra}
		}
		pins, err := lock.Pins(env, sel)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, pinList(pins), cmpEmpty); diff != "" {
			t.Errorf("extra %q (-want +got):\n%s", extra, diff)
		}
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func TestUVLockErrors(t *testing.T) {
	data := readTestdata(t, "uv/uv.lock")
	amd64, arm64 := mustEnv(t, "linux", "amd64", "", "3.11.9"), mustEnv(t, "linux", "arm64", "", "3.11.9")
	header := func(name string) int { return lineOf(t, data, "[[package]]\nname = \""+name+"\"") }
	noHashes := editBlock(t, data, "[[package]]\nname = \"nvidia-cublas-cu12\"", " hash = ", " nohash = ")
	truncated := data[:strings.Index(string(data), `{ name = "colorama", marker = "sys_pl`)+len(`{ name = "colorama", marker = "sys_pl`)]
	tests := []struct {
		name  string
		data  []byte
		parse bool // the error comes from ParseUVLock, not Pins
		env   Env
		sel   Selection
		want  where
	}{{
		name: "truncated", data: truncated, parse: true,
		want: where{path: "", line: lineOf(t, data, `{ name = "colorama", marker = "sys_pl`), col: 41, msg: "invalid TOML: unterminated basic string"},
	}, {
		name: "unknown version", data: edit(t, data, "version = 1\n", "version = 2\n"), parse: true,
		want: where{path: "version", line: 1, col: 1, msg: "version 2 is not supported"},
	}, {
		name: "version of the wrong type", data: edit(t, data, "version = 1\n", "version = \"1\"\n"), parse: true,
		want: where{path: "version", line: 1, col: 1, msg: "must be an integer"},
	}, {
		name: "no project package", data: edit(t, data, `source = { editable = "." }`, `source = { editable = "demo" }`), parse: true,
		want: where{path: "package", line: 11, col: 1, msg: "no project package"},
	}, {
		name: "malformed marker", data: edit(t, data, `marker = "sys_platform == 'win32'" },`, `marker = "sys_platform = 'win32'" },`), parse: true,
		want: where{path: "package[4].dependencies[1].marker", line: lineOf(t, data, `{ name = "colorama", marker`), col: colOf(t, data, `marker = "sys_platform == 'win32'" },`), msg: "invalid marker"},
	}, {
		name: "missing hash", env: amd64, sel: Selection{Extras: []string{"cuda"}},
		data: noHashes,
		want: where{path: "package[9]", line: header("nvidia-cublas-cu12"), col: 1, msg: "nvidia-cublas-cu12 12.1.3.1: no sha256 hash recorded; pip --require-hashes would refuse it"},
	}, {
		name: "git source", env: amd64, sel: Selection{Groups: []string{"docs"}},
		data: edit(t, data, "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }", "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { git = \"https://github.com/x/sphinx-lite?rev=v1#0123abc\" }"),
		want: where{path: "package[15].source", line: header("sphinx-lite") + 3, col: 1, msg: "sphinx-lite 1.0.0: a git source has no hash"},
	}, {
		name: "credentials in the registry URL", env: amd64, sel: Selection{Groups: []string{"docs"}},
		data: edit(t, data, "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }", "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { registry = \"https://ci:s3cret@pypi.internal/simple\" }"),
		want: where{path: "package[15]", line: header("sphinx-lite"), col: 1, msg: "sphinx-lite 1.0.0: the lock names https://pypi.internal with credentials"},
	}, {
		name: "path source of another package", env: amd64, sel: Selection{Groups: []string{"docs"}},
		data: edit(t, data, "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }", "name = \"sphinx-lite\"\nversion = \"1.0.0\"\nsource = { directory = \"../sphinx-lite\" }"),
		want: where{path: "package[15].source", line: header("sphinx-lite") + 3, col: 1, msg: "local directory source"},
	}, {
		name: "no artifact for the machine", env: arm64, sel: Selection{Extras: []string{"cuda"}},
		data: edit(t, data, `{ name = "nvidia-cublas-cu12", marker = "platform_machine == 'x86_64' and sys_platform == 'linux'" },`, `{ name = "nvidia-cublas-cu12" },`),
		want: where{path: "package[9]", line: header("nvidia-cublas-cu12"), col: 1, msg: "no sdist, and no wheel for linux/aarch64"},
	}, {
		name: "no artifact at all", env: amd64,
		data: edit(t, data, "sdist = { url = \"https://files.pythonhosted.org/packages/xx/antlr4-python3-runtime-4.9.3.tar.gz\"", "nosdist = { url = \"https://files.pythonhosted.org/packages/xx/antlr4-python3-runtime-4.9.3.tar.gz\""),
		want: where{path: "package[0]", line: header("antlr4-python3-runtime"), col: 1, msg: "no wheel or sdist recorded"},
	}, {
		name: "an edge to a package the lock lacks", env: amd64,
		data: edit(t, data, `{ name = "idna" },`, `{ name = "idna-ng" },`),
		want: where{path: "package[14].dependencies[2]", line: lineOf(t, data, `{ name = "idna" },`), col: 5, msg: "requests depends on idna-ng, which uv.lock does not lock"},
	}, {
		name: "an unknown extra", env: amd64, data: data, sel: Selection{Extras: []string{"cuda12"}},
		want: where{path: "package[4]", line: header("demo"), col: 1, msg: `extra "cuda12" is not in the lock (it has "cuda") (did you mean "cuda"?)`},
	}, {
		name: "an unknown group", env: amd64, data: data, sel: Selection{Groups: []string{"test"}},
		want: where{path: "package[4]", line: header("demo"), col: 1, msg: `group "test" is not in the lock (it has "dev", "docs")`},
	}, {
		name: "a python outside requires-python", env: mustEnv(t, "linux", "amd64", "", "3.9.19"), data: data,
		want: where{path: "requires-python", line: 3, col: 1, msg: "the lock is for Python >=3.10; the target's Python is 3.9.19"},
	}, {
		name: "a bad hash", env: amd64,
		data: edit(t, data, `hash = "sha256:859818ecce40db46a860660c66394d3540644dd34a24cabfcee8eeda5c89eb21"`, `hash = "sha256:85981"`), parse: true,
		want: where{path: "package[0].sdist.hash", line: header("antlr4-python3-runtime") + 4, col: colOf(t, data, `hash = "sha256:859818ecc`), msg: "not 64 hexadecimal digits"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, err := ParseUVLock("uv.lock", tt.data)
			if !tt.parse {
				if err != nil {
					t.Fatal(err)
				}
				var pins []Pin
				pins, err = lock.Pins(tt.env, tt.sel)
				if err != nil && pins != nil {
					t.Errorf("Pins returned pins and an error")
				}
			}
			wantLocated(t, err, "uv.lock", tt.want)
		})
	}
}

func TestUVLockErrorString(t *testing.T) {
	data := readTestdata(t, "uv/uv.lock")
	data = editBlock(t, data, "[[package]]\nname = \"nvidia-cublas-cu12\"", " hash = ", " nohash = ")
	lock, err := ParseUVLock("uv.lock", data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lock.Pins(mustEnv(t, "linux", "amd64", "", "3.11"), Selection{Extras: []string{"cuda"}})
	want := "uv.lock:" + itoa(lineOf(t, data, "[[package]]\nname = \"nvidia-cublas-cu12\"")) +
		":1: package[9]: nvidia-cublas-cu12 12.1.3.1: no sha256 hash recorded; pip --require-hashes would refuse it"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

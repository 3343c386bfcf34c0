package pydeps

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/located"
)

// checkLocated fails unless err is nil or where errors of file, none of them a panic the
// TOML library turned into an error.
func checkLocated(t *testing.T, err error, file string) {
	t.Helper()
	if err == nil {
		return
	}
	var es located.Errors
	var one *located.Error
	switch {
	case errors.As(err, &one):
		es = located.Errors{one}
	case errors.As(err, &es):
	default:
		t.Fatalf("error %v is a %T, not located", err, err)
	}
	if len(es) == 0 {
		t.Fatalf("empty located.Errors")
	}
	for _, e := range es {
		if e.File != file || e.Range.Start.Line < 1 || e.Range.Start.Column < 1 || e.Msg == "" {
			t.Fatalf("badly where error %#v", e)
		}
		if strings.Contains(e.Msg, internalError) {
			t.Fatalf("the TOML library panicked: %v", e)
		}
	}
}

// fuzzEnvs are the environments each parsed lock is pinned for.
var fuzzEnvs = []struct{ goos, goarch, python string }{
	{"linux", "amd64", "3.11.9"}, {"linux", "arm64", "3.10"}, {"windows", "amd64", "3.12.1"},
}

// checkLock pins a parsed lock for several environments and selections and checks the
// results are where errors or sorted, hashed pins that render the same twice.
func checkLock(t *testing.T, lock Lock, file string) {
	for _, e := range fuzzEnvs {
		env, err := NewEnv(e.goos, e.goarch, "", e.python)
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range []Selection{{}, {Groups: []string{"dev"}, Extras: []string{"cuda"}}, {NoDefaultGroups: true}} {
			pins, err := lock.Pins(env, sel)
			checkLocated(t, err, file)
			if err != nil {
				continue
			}
			if !sort.SliceIsSorted(pins, func(i, j int) bool { return NormalizeName(pins[i].Name) < NormalizeName(pins[j].Name) }) {
				t.Fatalf("pins not sorted: %v", pinList(pins))
			}
			for _, p := range pins {
				if len(p.Hashes) == 0 {
					t.Fatalf("pin %s has no hash", p.Name)
				}
			}
			if string(Requirements(pins)) != string(Requirements(pins)) {
				t.Fatal("Requirements is not deterministic")
			}
		}
	}
	_ = lock.RequiresPython()
	_ = lock.Kind()
}

// addSeeds adds the testdata files and some hand-made fragments to a fuzz corpus.
func addSeeds(f *testing.F, files []string, extra ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzUVLock(f *testing.F) {
	addSeeds(f, []string{"uv/uv.lock"},
		"version = 1\n[[package]]\nname = \"p\"\nversion = \"0\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"a\", extra = [\"x\"] }]\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://pypi.org/simple\" }\nwheels = [{ url = \"https://x/a-1-py3-none-any.whl\", hash = \"sha256:"+strings.Repeat("a", 64)+"\" }]\n[package.optional-dependencies]\nx = [{ name = \"a\" }]\n",
		"version = 2\n", "version = 1\nrequires-python = \">=3.10\"\n[[package]]\nname = \"p\"\nsource = { editable = \".\" }\n[package.dev-dependencies]\ndev = [{ name = \"p\" }]\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		lock, err := ParseUVLock("uv.lock", data)
		checkLocated(t, err, "uv.lock")
		if err == nil {
			checkLock(t, lock, "uv.lock")
			project, perr := ParsePyproject("pyproject.toml", data)
			if perr == nil {
				_ = Stale(project, lock)
			}
		}
	})
}

func FuzzPoetryLock(f *testing.F) {
	addSeeds(f, []string{"poetry21/poetry.lock", "poetry20/poetry.lock"},
		"[[package]]\nname = \"a\"\nversion = \"1\"\noptional = true\ngroups = [\"main\"]\nmarkers = \"extra == 'x'\"\nfiles = [{file = \"a-1.tar.gz\", hash = \"sha256:"+strings.Repeat("b", 64)+"\"}]\n[package.dependencies]\na = [{version = \"^1\", markers = \"python_version < '4'\"}]\n[extras]\nx = [\"a (>=1)\"]\n[metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.10\"\n",
		"[metadata]\nlock-version = \"2.0\"\n",
	)
	project, err := ParsePyproject("pyproject.toml", readTestdataF(f, "poetry20/pyproject.toml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []*Project{nil, project} {
			lock, err := ParsePoetryLock("poetry.lock", data, p)
			checkLocated(t, err, "poetry.lock")
			if err == nil {
				checkLock(t, lock, "poetry.lock")
				_ = Stale(project, lock)
			}
		}
	})
}

func FuzzPylock(f *testing.F) {
	addSeeds(f, []string{"pylock/pylock.toml"},
		"lock-version = \"1.0\"\ndefault-groups = [\"dev\"]\ndependency-groups = [\"dev\"]\n[[packages]]\nname = \"a\"\nversion = \"1\"\nmarker = \"'dev' in dependency_groups\"\n[[packages.wheels]]\nname = \"a-1-py3-none-any.whl\"\nhashes = {sha256 = \""+strings.Repeat("c", 64)+"\"}\n",
		"lock-version = \"2.0\"\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		lock, err := ParsePylock("pylock.toml", data)
		checkLocated(t, err, "pylock.toml")
		if err == nil {
			checkLock(t, lock, "pylock.toml")
		}
	})
}

func FuzzPyproject(f *testing.F) {
	addSeeds(f, []string{"uv/pyproject.toml", "poetry20/pyproject.toml", "poetry21/pyproject.toml", "pylock/pyproject.toml"},
		"[dependency-groups]\na = [{include-group = \"b\"}, \"x>=1; extra == 'y'\"]\nb = [{include-group = \"a\"}]\n",
		"[tool.poetry.dependencies]\nx = [{version = \"^1\", python = \"<3.11\"}, {git = \"https://g/x\"}]\n",
	)
	uv, err := ParseUVLock("uv.lock", readTestdataF(f, "uv/uv.lock"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePyproject("pyproject.toml", data)
		checkLocated(t, err, "pyproject.toml")
		if err == nil {
			for _, msg := range Stale(p, uv) {
				if !strings.HasPrefix(msg, "pyproject.toml:") && !strings.HasPrefix(msg, "uv.lock:") {
					t.Fatalf("unlocated stale message %q", msg)
				}
			}
		}
	})
}

func FuzzMarker(f *testing.F) {
	for _, s := range []string{
		`python_version >= "3.10" and (sys_platform == "linux" or platform_machine == "arm64")`,
		`extra == "Foo_Bar"`, `'dev' in dependency_groups`, `"x" not in extras`,
		`python_full_version != "3.11.*" or implementation_version ~= "3.1"`,
		`((os.name=='nt'))and platform_release>='5'`, `python_version in "3.10 3.11"`, ``,
	} {
		f.Add(s, "3.11.9")
	}
	f.Add(`python_version ~= "1!2.0.post1.dev3+local.7"`, "3.13.0rc1")
	env, err := NewEnv("linux", "amd64", "", "3.11.9")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, marker, version string) {
		got, err := EvalMarker(marker, env, []string{"foo-bar"}, []string{"dev"})
		m, perr := parseMarker(marker)
		if perr != nil || m == nil {
			if perr != nil && err == nil {
				t.Fatalf("EvalMarker accepted %q that does not parse", marker)
			}
		} else {
			// The normal form parses back to itself and evaluates alike.
			again, err2 := parseMarker(m.String())
			if err2 != nil || again.String() != m.String() {
				t.Fatalf("%q: String %q does not parse back: %v", marker, m.String(), err2)
			}
			got2, err3 := EvalMarker(m.String(), env, []string{"foo-bar"}, []string{"dev"})
			if got2 != got || (err == nil) != (err3 == nil) {
				t.Fatalf("%q evaluates %v/%v but its normal form %q %v/%v", marker, got, err, m.String(), got2, err3)
			}
		}
		// Specifiers and versions from the same input must not panic either, and a version
		// that parses matches itself.
		_, _ = MatchSpecifier(marker, version)
		if v, err := parseVersion(version); err == nil {
			if ok, err := MatchSpecifier("=="+v.String(), version); err == nil && !ok {
				t.Fatalf("%q does not match ==%s", version, v)
			}
			if again, err := parseVersion(v.String()); err != nil || compareVersions(again, v) != 0 {
				t.Fatalf("%q: normal form %q does not parse back", version, v)
			}
		}
	})
}

// readTestdataF reads a file under testdata for a fuzz target's setup.
func readTestdataF(f *testing.F, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return data
}

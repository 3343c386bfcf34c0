package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/internal/initspec"
)

// stamp sets the link-time stamps for one test, as "make dist" would.
func stamp(t *testing.T, version, commit, image, digest string) {
	t.Helper()
	old := [4]string{Version, Commit, Image, ImageDigest}
	Version, Commit, Image, ImageDigest = version, commit, image, digest
	t.Cleanup(func() { Version, Commit, Image, ImageDigest = old[0], old[1], old[2], old[3] })
}

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestSyntaxImage(t *testing.T) {
	for _, c := range []struct {
		name, version, image, digest, want string
	}{
		{"unstamped development build", "dev", "", "", initspec.DefaultFrontend},
		{"release, digest unknown (the binary inside the image)", "1.2.3", "ghcr.io/mlbuild/frontend:1.2.3", "", "ghcr.io/mlbuild/frontend:1.2.3"},
		{"release, digest known (make dist after make release)", "1.2.3", "ghcr.io/mlbuild/frontend:1.2.3", testDigest, "ghcr.io/mlbuild/frontend:1.2.3@" + testDigest},
		{"go install of a released module version", "v1.4.0", "", "", "ghcr.io/mlbuild/frontend:1.4.0"},
		{"go install of a pseudo-version", "v0.0.0-20261207000000-3d786bafa2b1", "", "", initspec.DefaultFrontend},
	} {
		t.Run(c.name, func(t *testing.T) {
			stamp(t, c.version, "", c.image, c.digest)
			if got := syntaxImage(); got != c.want {
				t.Fatalf("syntaxImage() = %q, want %q", got, c.want)
			}
		})
	}
}

func TestVersionPrintsStamps(t *testing.T) {
	stamp(t, "1.2.3", "3d786bafa2b1", "127.0.0.1:5000/r/frontend:1.2.3", testDigest)
	out, errOut, code := run(t, "version")
	want := "mlbuild frontend 1.2.3\ncommit: 3d786bafa2b1\nsyntax: 127.0.0.1:5000/r/frontend:1.2.3@" + testDigest + "\ngo: "
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, stdout:\n%s\nwant it to start with:\n%s\nstderr: %s", code, out, want, errOut)
	}
}

// The # syntax= line init writes is the stamped image, and the spec it writes loads.
func TestInitWritesItsReleaseSyntaxLine(t *testing.T) {
	stamp(t, "1.2.3", "3d786bafa2b1", "127.0.0.1:5000/r/frontend:1.2.3", testDigest)
	dir := filepath.Dir(project(t, map[string]string{"requirements.txt": "numpy\n", "src/train.py": "print(1)\n"}))
	if out, errOut, code := run(t, "init", "--dir", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	dt, err := os.ReadFile(filepath.Join(dir, initspec.SpecFile))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(dt), "\n")
	if want := "# syntax=127.0.0.1:5000/r/frontend:1.2.3@" + testDigest; first != want {
		t.Fatalf("first line %q, want %q", first, want)
	}
	if out, errOut, code := run(t, "lint", "-f", filepath.Join(dir, initspec.SpecFile)); code != 0 {
		t.Fatalf("the written spec does not lint: exit %d\n%s%s", code, out, errOut)
	}
}

func TestStartedByBuildKit(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	for _, c := range []struct {
		name string
		args []string
		env  func(string) (string, bool)
		want bool
	}{
		{"BuildKit's gateway call", nil, env("BUILDKIT_SESSION_ID", "abc", "BUILDKIT_WORKERS", "[]", "BUILDKIT_EXPORTEDPRODUCT", "buildkit"), true},
		{"gateway call without a session", nil, env("BUILDKIT_SESSION_ID", "", "BUILDKIT_EXPORTEDPRODUCT", "buildkit"), true},
		{"docker run IMAGE init", []string{"init"}, env(), false},
		{"a command, whatever the environment", []string{"version"}, env("BUILDKIT_SESSION_ID", "abc"), false},
		{"no command, no BuildKit: the usage", nil, env(), false},
	} {
		if got := StartedByBuildKit(c.args, c.env); got != c.want {
			t.Errorf("%s: StartedByBuildKit = %v, want %v", c.name, got, c.want)
		}
	}
}

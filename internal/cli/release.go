package cli

import (
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"

	"github.com/mlbuild/mlbuild/internal/initspec"
)

// Stamped at link time by "make dist" and "make release" (hack/release.sh):
//
//	-X github.com/mlbuild/mlbuild/internal/cli.Version=1.2.3
//	-X github.com/mlbuild/mlbuild/internal/cli.Commit=<git commit>
//	-X github.com/mlbuild/mlbuild/internal/cli.Image=ghcr.io/mlbuild/frontend:1.2.3
//	-X github.com/mlbuild/mlbuild/internal/cli.ImageDigest=sha256:...
//
// Image is the frontend image of this release, the one "frontend init" writes into
// "# syntax="; ImageDigest is its index digest when it was known at link time (the CLI
// binaries of "make dist" are linked after the image is pushed; the binary inside the image
// cannot know the digest of the image that holds it).
var (
	Commit      = ""
	Image       = ""
	ImageDigest = ""
)

// defaultImageName is where releases are published; "go install ...@vX.Y.Z" builds carry
// no stamps, and name the image of their module version under it.
const defaultImageName = "ghcr.io/mlbuild/frontend"

var releaseVersion = regexp.MustCompile(`^v?([0-9]+\.[0-9]+\.[0-9]+)$`)

// syntaxImage is the image "frontend init" writes into "# syntax=": the stamped image of
// this release, pinned by digest when the digest is known; for an unstamped build of a
// released module version (go install) the image of that version; otherwise the major
// channel initspec.DefaultFrontend.
func syntaxImage() string {
	img := Image
	if img == "" {
		if m := releaseVersion.FindStringSubmatch(version()); m != nil {
			img = defaultImageName + ":" + m[1]
		} else {
			return initspec.DefaultFrontend
		}
	}
	if ImageDigest != "" {
		return img + "@" + ImageDigest
	}
	return img
}

// printVersion writes what "frontend version" prints: the version on the first line
// ("mlbuild frontend 1.2.3"), then the commit, the "# syntax=" image and the Go toolchain.
func printVersion(w io.Writer) {
	fmt.Fprintln(w, "mlbuild frontend", version())
	commit := Commit
	if commit == "" {
		commit = vcsRevision()
	}
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintln(w, "commit:", commit)
	fmt.Fprintln(w, "syntax:", syntaxImage())
	fmt.Fprintf(w, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func vcsRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

// StartedByBuildKit tells BuildKit's gateway call from a person's. BuildKit starts a
// frontend image with its entrypoint alone (the image's Cmd and no arguments) and sets
// BUILDKIT_SESSION_ID, BUILDKIT_WORKERS and BUILDKIT_EXPORTEDPRODUCT (frontend/gateway in
// BuildKit, read back by grpcclient); the gateway API then runs over stdin and stdout. A
// person runs the binary (or "docker run" the image) with a command, so arguments always
// mean the CLI, whatever the environment holds; no arguments mean the gateway only when
// BuildKit's variables are there (BUILDKIT_SESSION_ID may be empty, but it is set).
func StartedByBuildKit(args []string, lookupEnv func(string) (string, bool)) bool {
	if len(args) > 0 {
		return false
	}
	for _, k := range []string{"BUILDKIT_SESSION_ID", "BUILDKIT_EXPORTEDPRODUCT", "BUILDKIT_WORKERS"} {
		if _, ok := lookupEnv(k); ok {
			return true
		}
	}
	return false
}

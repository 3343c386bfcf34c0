package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestMultiPlatform: --platform linux/amd64,linux/arm64 produces one index with both images,
// built under emulation on an arm64 stand-in base; each image's smoke test (its server
// started, its healthcheck passing) ran on its own platform before the push.
func TestMultiPlatform(t *testing.T) {
	e := bed(t)
	skipUnless(t, os.Getenv("MLBUILD_ARM64") == "yes", "linux/arm64 emulation: MLBUILD_ARM64=%q, not yes (make up enables it where qemu-user-static and binfmt_misc are available)", os.Getenv("MLBUILD_ARM64"))
	// A generous probe timeout: under emulation each Python start of the probe takes seconds,
	// and more on a loaded machine.
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\nlabels:\n  org.example.arch: ${TARGETARCH}\n" +
		"targets:\n  inference:\n    healthcheck: {timeout: 60s, start-period: 5m}\n"})
	tag := e.registry + "/it/multiplatform:buildx"
	out, err := exec.Command("docker", "buildx", "build", "--builder", "mlbuild", "-f", filepath.Join(dir, "mlbuild.yaml"),
		"--target", "inference", "--platform", "linux/amd64,linux/arm64", "--provenance=false",
		"--output", "type=image,name="+tag+",push=true", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("buildx: %v\n%s", err, tailString(string(out), 4000))
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !strings.Contains(string(out), "linux/"+arch) {
			t.Errorf("no linux/%s vertices in the progress", arch)
		}
	}
	ref, err := name.ParseReference(tag, name.Insecure)
	must(t, err)
	idx, err := remote.Index(ref)
	must(t, err)
	im, err := idx.IndexManifest()
	must(t, err)
	archs := map[string]bool{}
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		archs[m.Platform.Architecture] = true
		img, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: m.Platform.Architecture}))
		must(t, err)
		cf, err := img.ConfigFile()
		must(t, err)
		if cf.Architecture != m.Platform.Architecture || cf.Config.Labels["org.example.arch"] != m.Platform.Architecture {
			t.Errorf("%s manifest: config architecture %q, label %q", m.Platform.Architecture, cf.Architecture, cf.Config.Labels["org.example.arch"])
		}
		if cf.Config.Healthcheck == nil {
			t.Errorf("%s image has no healthcheck", m.Platform.Architecture)
		}
		checkBaseLabels(t, e, cf, m.Platform.Architecture)
	}
	if !archs["amd64"] || !archs["arm64"] || len(archs) != 2 {
		t.Errorf("index platforms = %v, want amd64 and arm64", archs)
	}
}

// checkBaseLabels: the org.opencontainers.image.base.* labels of one platform's image
// (docs/spec.md, base). base.digest is the digest base.name resolves to (the stand-in's index,
// the same for every platform), and base.name@base.digest pulled for the image's platform is
// the image's base: its layers are the image's first layers. It returns how many there are.
func checkBaseLabels(t *testing.T, e *testEnv, cf *v1.ConfigFile, arch string) int {
	t.Helper()
	labels := cf.Config.Labels
	if got, want := labels["org.opencontainers.image.base.name"], "docker.io/library/python:3.10-slim"; got != want {
		t.Fatalf("%s image: base.name %q, want %q", arch, got, want)
	}
	// docker.io is served by the local registry (buildkitd's mirror).
	baseRepo := e.registry + "/library/python"
	tagRef, err := name.ParseReference(baseRepo+":3.10-slim", name.Insecure)
	must(t, err)
	desc, err := remote.Get(tagRef)
	must(t, err)
	if !desc.MediaType.IsIndex() {
		t.Fatalf("the base stand-in %s is a %s, not an index: the test bed's make up pushes both platforms", tagRef, desc.MediaType)
	}
	if got := labels["org.opencontainers.image.base.digest"]; got != desc.Digest.String() {
		t.Errorf("%s image: base.digest %q, want the digest base.name resolves to, %s", arch, got, desc.Digest)
	}
	pinned, err := name.ParseReference(baseRepo+"@"+labels["org.opencontainers.image.base.digest"], name.Insecure)
	must(t, err)
	base, err := remote.Image(pinned, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
	must(t, err)
	bcf, err := base.ConfigFile()
	must(t, err)
	n := len(bcf.RootFS.DiffIDs)
	if n == 0 || len(cf.RootFS.DiffIDs) <= n || !slices.Equal(cf.RootFS.DiffIDs[:n], bcf.RootFS.DiffIDs) {
		t.Errorf("%s image: its first layers are not those of base.name@base.digest for linux/%s:\nimage %v\nbase  %v", arch, arch, cf.RootFS.DiffIDs, bcf.RootFS.DiffIDs)
	}
	if bcf.Architecture != arch {
		t.Errorf("base.name@base.digest for linux/%s is a %s image", arch, bcf.Architecture)
	}
	return n
}

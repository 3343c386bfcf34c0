package integration

import (
	"os"
	"os/exec"
	"path/filepath"
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
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\nlabels:\n  org.example.arch: ${TARGETARCH}\n"})
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
	}
	if !archs["amd64"] || !archs["arm64"] || len(archs) != 2 {
		t.Errorf("index platforms = %v, want amd64 and arm64", archs)
	}
}

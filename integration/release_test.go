package integration

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/mlbuild/mlbuild/pkg/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// The platforms hack/release.sh publishes by default.
var releasePlatforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x", "linux/riscv64"}

// TestRelease runs "make release" twice from this commit against the test registry, then
// "make dist", and uses what they made the way the README's Install section does: the image
// through "# syntax=" (pinned by the digest the CLI was stamped with), the image as the CLI
// ("docker run ... init"), the linux/amd64 binary.
func TestRelease(t *testing.T) {
	e := bed(t)
	_, err := exec.LookPath("docker")
	skipUnless(t, err == nil && exec.Command("docker", "buildx", "version").Run() == nil, "docker with the buildx plugin (make up installs it)")
	skipUnless(t, e.docker, "a Docker engine (docker run of the released image as the CLI)")
	const version = "1.2.3"
	root, err := filepath.Abs("..")
	must(t, err)
	commit := strings.TrimSpace(gitOut(t, root, "rev-parse", "HEAD"))
	epoch, err := strconv.ParseInt(strings.TrimSpace(gitOut(t, root, "log", "-1", "--format=%ct", "HEAD")), 10, 64)
	must(t, err)
	dirty := strings.TrimSpace(gitOut(t, root, "status", "--porcelain", "--untracked-files=no")) != ""
	if dirty {
		commit += "-dirty" // a developer's tree; CI's clone is clean
	}
	run := t.Name() + strconv.FormatInt(time.Now().UnixNano(), 36)
	release := func(t *testing.T, registry, dist string, extra ...string) string {
		t.Helper()
		start := time.Now()
		cmd := exec.Command("make", "-s", "release", "REGISTRY="+registry, "VERSION="+version)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "BUILDX_BUILDER=mlbuild", "DIST_DIR="+dist, "PROGRESS=quiet")
		if dirty {
			cmd.Env = append(cmd.Env, "RELEASE_ALLOW_DIRTY=1")
		}
		cmd.Env = append(cmd.Env, extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make release: %v\n%s", err, out)
		}
		logf(t, "make release REGISTRY=%s: %s", registry, time.Since(start).Round(time.Second))
		rec, err := os.ReadFile(filepath.Join(dist, "release-image"))
		must(t, err)
		return strings.TrimSpace(string(rec))
	}

	reg1 := e.registry + "/" + strings.ToLower(run) + "/a"
	dist := t.TempDir()
	pinned := release(t, reg1, dist)
	image := reg1 + "/frontend"
	if !strings.HasPrefix(pinned, image+":"+version+"@sha256:") {
		t.Fatalf("dist/release-image = %q, want %s:%s@sha256:...", pinned, image, version)
	}
	digests := checkReleaseIndex(t, image, version, pinned[strings.Index(pinned, "@")+1:], commit, epoch)

	t.Run("reproducible", func(t *testing.T) {
		// The same commit released again, into another repository (as a verifier does, with
		// the published name stamped in) and without BuildKit's cache: every platform's image
		// has the same manifest digest.
		reg2 := e.registry + "/" + strings.ToLower(run) + "/b"
		pinned2 := release(t, reg2, t.TempDir(), "NO_CACHE=1", "IMAGE_NAME="+image)
		again := platformDigests(t, pinned2)
		for p, d := range digests {
			if again[p] != d {
				t.Errorf("%s: first release %s, second %s", p, d, again[p])
			}
		}
		if len(again) != len(digests) {
			t.Errorf("platforms: first %v, second %v", digests, again)
		}
		// The README's comparison: hack/release-digests.sh prints the same lines for both.
		var lines []string
		for _, p := range releasePlatforms {
			lines = append(lines, p+" "+digests[p])
		}
		slices.Sort(lines)
		want := strings.Join(lines, "\n") + "\n"
		for _, ref := range []string{pinned, pinned2} {
			out, err := exec.Command("bash", "../hack/release-digests.sh", ref).Output()
			if err != nil || string(out) != want {
				t.Errorf("hack/release-digests.sh %s: %v\n%s\nwant:\n%s", ref, err, out, want)
			}
		}
	})

	t.Run("dist", func(t *testing.T) {
		start := time.Now()
		cmd := exec.Command("make", "-s", "dist", "VERSION="+version, "REGISTRY="+reg1)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "DIST_DIR="+dist)
		if dirty {
			cmd.Env = append(cmd.Env, "RELEASE_ALLOW_DIRTY=1")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make dist: %v\n%s", err, out)
		}
		logf(t, "make dist: %s", time.Since(start).Round(time.Second))
		checkDist(t, dist, version)
		// The linux/amd64 binary prints its stamps: the version, the commit and the image of
		// this release pinned by the digest make release recorded.
		out, err := exec.Command(filepath.Join(dist, "frontend-"+version+"-linux-amd64"), "version").CombinedOutput()
		must(t, err)
		want := fmt.Sprintf("mlbuild frontend %s\ncommit: %s\nsyntax: %s\n", version, commit, pinned)
		if !strings.HasPrefix(string(out), want) {
			t.Fatalf("version printed:\n%s\nwant it to start with:\n%s", out, want)
		}
	})

	t.Run("syntax", func(t *testing.T) {
		// The example built through "# syntax=" naming the released image by its digest, as
		// the spec "frontend init" of this release writes starts.
		re := *e
		re.frontendImage = pinned
		dir := re.project(t, nil)
		res, err := re.build(t, Syntax, dir, buildOpts{target: "inference", push: "it/release-inference"})
		if err != nil {
			t.Fatalf("build through # syntax=%s: %v", pinned, err)
		}
		_, cfg := e.image(t, res.ref)
		checkConfig(t, "inference", cfg)
	})

	t.Run("docker-run-init", func(t *testing.T) {
		// docker run of the image as the CLI, the README's one-liner, in a repository owned
		// by a non-root user (the test runs as root: the owner stands for the invoking user).
		tag := image + ":" + version
		if out, err := exec.Command("docker", "pull", "-q", tag).CombinedOutput(); err != nil {
			t.Fatalf("docker pull %s: %v\n%s", tag, err, out)
		}
		t.Cleanup(func() { exec.Command("docker", "rmi", tag).Run() })
		repo := t.TempDir()
		must(t, os.CopyFS(repo, os.DirFS("../examples/ml-pipeline")))
		for _, f := range []string{"mlbuild.yaml", ".dockerignore", "mlbuild.yaml.dockerignore"} {
			os.Remove(filepath.Join(repo, f))
		}
		const uid, gid = 4242, 4343
		must(t, filepath.WalkDir(repo, func(p string, _ os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		}))
		out, err := exec.Command("docker", "run", "--rm", "-v", repo+":/src", "-w", "/src", tag, "init").CombinedOutput()
		if err != nil {
			t.Fatalf("docker run %s init: %v\n%s", tag, err, out)
		}
		logf(t, "docker run init:\n%s", out)
		for _, f := range []string{"mlbuild.yaml", ".dockerignore"} {
			fi, err := os.Stat(filepath.Join(repo, f))
			if err != nil {
				t.Fatalf("init did not write %s: %v\n%s", f, err, out)
			}
			if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
				t.Errorf("%s is owned by %d:%d, want the invoking user's %d:%d", f, st.Uid, st.Gid, uid, gid)
			}
		}
		dt, err := os.ReadFile(filepath.Join(repo, "mlbuild.yaml"))
		must(t, err)
		if want := "# syntax=" + tag + "\n"; !strings.HasPrefix(string(dt), want) {
			t.Errorf("the spec starts %q, want %q (the image's own release)", firstLines(string(dt), 1), want)
		}
		if _, err := spec.Load("mlbuild.yaml", dt, spec.Options{}); err != nil {
			t.Errorf("the spec init wrote does not load: %v\n%s", err, dt)
		}
		out, err = exec.Command("docker", "run", "--rm", tag, "version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "mlbuild frontend "+version+"\n") {
			t.Errorf("docker run %s version: %v\n%s", tag, err, out)
		}
		// Without a command it is still the CLI (its usage, exit 2), not a gateway waiting on
		// stdin: only BuildKit's environment makes it one.
		out, err = exec.Command("docker", "run", "--rm", tag).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "usage: frontend") {
			t.Errorf("docker run %s with no command: %v\n%s", tag, err, out)
		}
	})
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// platformDigests maps each image platform of an index to its manifest digest.
func platformDigests(t *testing.T, ref string) map[string]string {
	t.Helper()
	_, m := releaseIndex(t, ref)
	got := map[string]string{}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			got[platformString(d.Platform)] = d.Digest.String()
		}
	}
	return got
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func releaseIndex(t *testing.T, ref string) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	idx, err := remote.Index(r)
	must(t, err)
	m, err := idx.IndexManifest()
	must(t, err)
	return idx, m
}

// checkReleaseIndex checks what make release pushed: the three tags name one index, which
// holds an image per platform with the right config and labels, and an attestation manifest
// per image with SLSA provenance and an SPDX SBOM listing the modules linked in. It returns
// the per-platform manifest digests.
func checkReleaseIndex(t *testing.T, image, version, digest, commit string, epoch int64) map[string]string {
	t.Helper()
	for _, tag := range []string{version, "1.2", "1"} {
		r, err := name.ParseReference(image+":"+tag, name.Insecure)
		must(t, err)
		d, err := remote.Head(r)
		if err != nil {
			t.Fatalf("tag %s: %v", tag, err)
		}
		if d.Digest.String() != digest {
			t.Errorf("tag %s names %s, want the release's %s", tag, d.Digest, digest)
		}
	}
	idx, m := releaseIndex(t, image+"@"+digest)
	images := map[string]v1.Hash{}
	attests := map[string]v1.Hash{} // image manifest digest -> its attestation manifest
	for _, d := range m.Manifests {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			attests[d.Annotations["vnd.docker.reference.digest"]] = d.Digest
			continue
		}
		images[platformString(d.Platform)] = d.Digest
	}
	created := time.Unix(epoch, 0).UTC()
	digests := map[string]string{}
	for _, p := range releasePlatforms {
		h, ok := images[p]
		if !ok {
			t.Errorf("the index has no %s image (has %v)", p, images)
			continue
		}
		digests[p] = h.String()
		img, err := idx.Image(h)
		must(t, err)
		raw, err := img.RawConfigFile()
		must(t, err)
		var cfg dockerspec.DockerOCIImage
		must(t, json.Unmarshal(raw, &cfg))
		if got := platformString(&v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}); got != p {
			t.Errorf("%s: config platform %s", p, got)
		}
		if len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != "/frontend" {
			t.Errorf("%s: entrypoint %v", p, cfg.Config.Entrypoint)
		}
		if cfg.Created == nil || !cfg.Created.Equal(created) {
			t.Errorf("%s: created %v, want the commit's time %v", p, cfg.Created, created)
		}
		for k, want := range map[string]string{
			"moby.buildkit.frontend.network.none":  "true",
			"moby.buildkit.frontend.caps":          "moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts",
			"org.opencontainers.image.version":     version,
			"org.opencontainers.image.revision":    commit,
			"org.opencontainers.image.created":     created.Format(time.RFC3339),
			"org.opencontainers.image.source":      "https://github.com/mlbuild/mlbuild",
			"org.opencontainers.image.title":       "mlbuild frontend",
			"org.opencontainers.image.description": cfg.Config.Labels["org.opencontainers.image.description"], // any, but not empty
		} {
			if got, ok := cfg.Config.Labels[k]; !ok || got != want || got == "" {
				t.Errorf("%s: label %s = %q, want %q", p, k, got, want)
			}
		}
		layers, err := img.Layers()
		must(t, err)
		if len(layers) != 1 {
			t.Errorf("%s: %d layers, want 1 (the binary)", p, len(layers))
		}
		a, ok := attests[h.String()]
		if !ok {
			t.Errorf("%s: no attestation manifest", p)
			continue
		}
		checkAttestations(t, p, idx, a)
	}
	if len(images) != len(releasePlatforms) {
		t.Errorf("the index holds %d images, want %d: %v", len(images), len(releasePlatforms), images)
	}
	return digests
}

func checkAttestations(t *testing.T, p string, idx v1.ImageIndex, h v1.Hash) {
	t.Helper()
	att, err := idx.Image(h)
	must(t, err)
	m, err := att.Manifest()
	must(t, err)
	found := map[string]string{}
	for _, l := range m.Layers {
		pt := l.Annotations["in-toto.io/predicate-type"]
		layer, err := att.LayerByDigest(l.Digest)
		must(t, err)
		rc, err := layer.Uncompressed()
		must(t, err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		must(t, err)
		found[pt] = buf.String()
	}
	prov := ""
	for pt, body := range found {
		if strings.HasPrefix(pt, "https://slsa.dev/provenance/") {
			prov = body
		}
	}
	if prov == "" {
		t.Errorf("%s: no SLSA provenance among %d attestations", p, len(found))
	} else if !strings.Contains(prov, "Dockerfile.frontend") {
		t.Errorf("%s: the provenance does not name Dockerfile.frontend", p)
	}
	sbom, ok := found["https://spdx.dev/Document"]
	if !ok {
		t.Errorf("%s: no SPDX SBOM", p)
		return
	}
	for _, want := range []string{`"SPDX-2.3"`, "pkg:golang/github.com/moby/buildkit@", "pkg:golang/stdlib@go", `"/frontend"`} {
		if !strings.Contains(sbom, want) {
			t.Errorf("%s: the SBOM lacks %s", p, want)
		}
	}
}

// checkDist: every binary of make dist is there, for its OS and architecture, and SHA256SUMS
// lists exactly them with their checksums.
func checkDist(t *testing.T, dist, version string) {
	t.Helper()
	sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	must(t, err)
	listed := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, file, ok := strings.Cut(l, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", l)
		}
		listed[file] = sum
	}
	for _, p := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		goos, arch, _ := strings.Cut(p, "/")
		file := "frontend-" + version + "-" + goos + "-" + arch
		if goos == "windows" {
			file += ".exe"
		}
		path := filepath.Join(dist, file)
		dt, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		sum := sha256.Sum256(dt)
		if listed[file] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: SHA256SUMS lists %q, the file's is %x", file, listed[file], sum)
		}
		delete(listed, file)
		if got := binaryPlatform(path); got != p {
			t.Errorf("%s is a %s binary, want %s", file, got, p)
		}
	}
	if len(listed) > 0 {
		t.Errorf("SHA256SUMS lists files make dist should not have made: %v", listed)
	}
}

// binaryPlatform reads an executable's OS and architecture from its header.
func binaryPlatform(path string) string {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		return "linux/" + map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		return "darwin/" + map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return "windows/" + map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	return "unknown"
}

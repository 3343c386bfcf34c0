package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// The tests of this file build on a multi-node buildx builder, as a team that outgrew one
// machine runs mlbuild: "make up" starts two more buildkitd nodes (their own roots and
// sockets) and joins them into the builder mlbuild-multi with --platform linux/amd64 for one
// and linux/arm64 for the other (hack/up.sh, 5b; the README's "Scale out"). Both nodes run on
// this machine, arm64 under emulation; buildx sends each platform to its node as it would to
// real machines.

// multiBed is the multi-node builder of the test bed.
type multiBed struct {
	builder string
	// nodes are the nodes' addresses by architecture.
	nodes map[string]string
}

func multiNode(t *testing.T) (*testEnv, *multiBed) {
	t.Helper()
	e := bed(t)
	m := &multiBed{builder: os.Getenv("MLBUILD_MULTI_BUILDER"), nodes: map[string]string{
		"amd64": os.Getenv("MLBUILD_NODE_AMD64"), "arm64": os.Getenv("MLBUILD_NODE_ARM64")}}
	skipUnless(t, m.builder != "" && m.nodes["amd64"] != "" && m.nodes["arm64"] != "",
		"the multi-node builder: MLBUILD_MULTI_BUILDER, MLBUILD_NODE_AMD64 and MLBUILD_NODE_ARM64 are not set (make up starts it where linux/arm64 emulation works)")
	return e, m
}

// buildxOn runs docker buildx build on builder with rawjson progress; args go before the
// context dir. It returns the progress and buildx's metadata file (nil when the build failed).
func buildxOn(t *testing.T, builder, dir string, env []string, args ...string) (*buildResult, map[string]any, error) {
	t.Helper()
	meta := filepath.Join(t.TempDir(), "meta.json")
	all := append([]string{"buildx", "build", "--builder", builder, "--progress=rawjson", "--metadata-file", meta,
		"-f", filepath.Join(dir, "mlbuild.yaml")}, args...)
	all = append(all, dir)
	cmd := exec.Command("docker", all...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := decodeRawJSON(&stderr)
	if err != nil {
		return res, nil, fmt.Errorf("docker %s: %v\n%s", strings.Join(all, " "), err, tailString(res.logs, 4000))
	}
	logf(t, "buildx on %s: %s", builder, time.Since(start).Round(time.Millisecond))
	var md map[string]any
	dt, err := os.ReadFile(meta)
	if err == nil {
		err = json.Unmarshal(dt, &md)
	}
	if err != nil {
		t.Fatalf("buildx metadata: %v", err)
	}
	return res, md, nil
}

// pushedRef is the repository@digest buildx's metadata names for an image pushed as tag.
func pushedRef(t *testing.T, tag string, md map[string]any) string {
	t.Helper()
	dgst, _ := md["containerimage.digest"].(string)
	if dgst == "" {
		t.Fatalf("no containerimage.digest in buildx metadata: %v", md)
	}
	return repoOf(tag) + "@" + dgst
}

// historyRecord is the part of a build history record (buildctl debug histories) the tests read.
type historyRecord struct {
	Ref           string
	Frontend      string
	FrontendAttrs map[string]string
}

// nodeHistory lists the builds a node recorded whose build-arg RUN is run, read with
// buildctl debug histories.
func nodeHistory(t *testing.T, addr, run string) []historyRecord {
	t.Helper()
	out, err := exec.Command("buildctl", "--addr", addr, "debug", "histories", "--format", "{{json .Record}}").Output()
	if err != nil {
		t.Fatalf("buildctl --addr %s debug histories: %v", addr, err)
	}
	var recs []historyRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r historyRecord
		if line := sc.Bytes(); len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &r) != nil {
			continue
		}
		if r.FrontendAttrs["build-arg:RUN"] == run {
			recs = append(recs, r)
		}
	}
	must(t, sc.Err())
	return recs
}

// checkBuiltOn requires that each node in want recorded exactly one build of run, for the
// platforms want gives it (the frontend's "platform" attribute, as buildx sent it), and that the
// other nodes recorded none.
func checkBuiltOn(t *testing.T, m *multiBed, run string, want map[string]string) {
	t.Helper()
	for _, arch := range slices.Sorted(maps.Keys(m.nodes)) {
		recs := nodeHistory(t, m.nodes[arch], run)
		wantPlatform, ok := want[arch]
		switch {
		case !ok && len(recs) != 0:
			t.Errorf("node %s recorded %d builds of run %s, want none: %+v", arch, len(recs), run, recs)
		case ok && len(recs) != 1:
			t.Errorf("node %s recorded %d builds of run %s, want 1", arch, len(recs), run)
		case ok && recs[0].FrontendAttrs["platform"] != wantPlatform:
			t.Errorf("node %s built platform %q, want %q", arch, recs[0].FrontendAttrs["platform"], wantPlatform)
		case ok:
			logf(t, "node %s history: build %s, frontend %s, platform %s, multi-platform %q", arch, recs[0].Ref,
				recs[0].Frontend, recs[0].FrontendAttrs["platform"], recs[0].FrontendAttrs["multi-platform"])
		}
	}
}

// TestMultiNodeBuild: --platform linux/amd64,linux/arm64 on the multi-node builder builds each
// platform on its own node (each node's build history records its platform, and only it),
// with a named context (models/) and a pip credential passed as a build secret. Every step
// name says its platform ([inference linux/arm64 3/7] ...), so the two nodes' progress can be
// told apart; the pushed index holds both images, both run (amd64 serves and passes its
// healthcheck; arm64, emulated, imports its app), both hold the named context's file, and the
// credential is in no layer, config or history.
func TestMultiNodeBuild(t *testing.T) {
	e, m := multiNode(t)
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	ver := "1.0." + run
	password := "pw-" + run + "-s3cr3t"
	private, err := pyindex.Start([]pyindex.Package{{Name: "mlb-private", Version: ver}}, pyindex.WithBasicAuth("ml", password))
	must(t, err)
	defer private.Close()

	models := t.TempDir()
	must(t, os.CopyFS(models, os.DirFS("../examples/ml-pipeline/models")))
	marker := "from the named context " + run
	must(t, os.WriteFile(filepath.Join(models, "origin.txt"), []byte(marker), 0o644))
	dir := e.project(t, map[string]string{
		"mlbuild.yaml": "version: 1\nargs:\n  RUN: \"\"\nlabels:\n  org.example.run: ${RUN}\n  org.example.arch: ${TARGETARCH}\n" +
			"pip:\n  secrets:\n    - id: private-index\n      env: PIP_INDEX_URL\n" +
			// The arm64 node emulates arm64: each Python start of the probe takes seconds.
			"targets:\n  inference:\n    healthcheck: {timeout: 60s, start-period: 5m}\n",
		"requirements.txt": "fastapi==0.92.0\nuvicorn==0.17.6\nnumpy==1.24.2\nmlb-private==" + ver + "\n",
	})
	tag := e.registry + "/it/multinode:" + run
	res, md, err := buildxOn(t, m.builder, dir, []string{"MLBUILD_TEST_PIP_INDEX=" + private.AuthURL()},
		"--target", "inference", "--platform", "linux/amd64,linux/arm64", "--provenance=false",
		"--build-arg", "RUN="+run, "--build-context", "models="+models,
		"--secret", "id=private-index,env=MLBUILD_TEST_PIP_INDEX",
		"--output", "type=image,name="+tag+",push=true")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.logs, password) {
		t.Errorf("the credential appears in the build's progress")
	}

	// Each platform on its own node, as each node's build history shows.
	checkBuiltOn(t, m, run, map[string]string{"amd64": "linux/amd64", "arm64": "linux/arm64"})

	// The step names say their platform: each node got one platform, with multi-platform set.
	for _, arch := range []string{"amd64", "arm64"} {
		requireSeen(t, "the multi-node build", res, "[inference linux/"+arch+" ", "[inference linux/"+arch+" 0] FROM")
	}
	for _, v := range res.vertices {
		if strings.HasPrefix(v.Name, "[inference ") && !strings.HasPrefix(v.Name, "[inference linux/") {
			t.Errorf("vertex %q does not say its platform", v.Name)
		}
	}

	ref := pushedRef(t, tag, md)
	r, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	idx, err := remote.Index(r)
	must(t, err)
	im, err := idx.IndexManifest()
	must(t, err)
	var archs []string
	for _, desc := range im.Manifests {
		if desc.Platform != nil {
			archs = append(archs, desc.Platform.Architecture)
		}
	}
	slices.Sort(archs)
	if !slices.Equal(archs, []string{"amd64", "arm64"}) {
		t.Fatalf("the index holds %v, want amd64 and arm64", archs)
	}
	if private.Downloads("mlb-private") < 2 {
		t.Errorf("mlb-private was downloaded %d times, want once per node", private.Downloads("mlb-private"))
	}

	for _, arch := range archs {
		img, err := remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
		must(t, err)
		cf, err := img.ConfigFile()
		must(t, err)
		if cf.Architecture != arch || cf.Config.Labels["org.example.arch"] != arch || cf.Config.Labels["org.example.run"] != run {
			t.Errorf("%s image: architecture %q, labels %v", arch, cf.Architecture, cf.Config.Labels)
		}
		baseLayers := checkBaseLabels(t, e, cf, arch)

		// It runs, on the node that built it, and models/ came from the named context. The
		// amd64 image serves (its healthcheck and /health pass); the arm64 one, emulated here
		// and so too slow to start a server within the runner's time on a loaded machine,
		// imports the app on arm64 (its server answered its healthcheck in the build's smoke
		// test before the push).
		node := *e
		node.host = m.nodes[arch]
		p := &ocispecs.Platform{OS: "linux", Architecture: arch}
		read := []string{"/app/models/origin.txt"}
		var rep *report
		if arch == "amd64" {
			rep = node.runInBuildKitOn(t, ref, p, "serve", read)
			if rep.Healthcheck != 0 || rep.HealthCode != 200 || rep.Health["status"] != "ok" {
				t.Errorf("%s image: healthcheck exit %d, /health %d %v (%s)\nserver log:\n%s", arch, rep.Healthcheck, rep.HealthCode, rep.Health, rep.Error, rep.ServerLog)
			}
		} else {
			rep = node.runInBuildKitOn(t, ref, p, "exec", read, "python", "-c", "import platform, src.api; print(platform.machine())")
			if rep.Exit != 0 || strings.TrimSpace(rep.Stdout) != "aarch64" {
				t.Errorf("%s image: importing the app: exit %d, stdout %q, stderr %q", arch, rep.Exit, rep.Stdout, rep.Stderr)
			}
		}
		if got := rep.Files["/app/models/origin.txt"]; got != marker {
			t.Errorf("%s image: /app/models/origin.txt = %q, want the named context's %q", arch, got, marker)
		}

		// The credential is nowhere in the image (the base's layers aside: they come from the
		// registry as they are).
		layers, err := img.Layers()
		must(t, err)
		for i, l := range layers[baseLayers:] {
			i += baseLayers
			rc, err := l.Uncompressed()
			must(t, err)
			var buf bytes.Buffer
			_, err = buf.ReadFrom(rc)
			rc.Close()
			must(t, err)
			if bytes.Contains(buf.Bytes(), []byte(password)) {
				t.Errorf("%s image: the credential is in layer %d", arch, i)
			}
		}
		raw, err := img.RawConfigFile()
		must(t, err)
		if bytes.Contains(raw, []byte(password)) {
			t.Errorf("%s image: the credential is in the config (history included)", arch)
		}
	}
}

// TestMultiNodeCallCheck: --call check through the multi-node builder is answered by mlbuild
// (located lint warnings), never by the Dockerfile frontend.
func TestMultiNodeCallCheck(t *testing.T) {
	e, m := multiNode(t)
	t.Parallel()
	dir := e.project(t, map[string]string{"mlbuild.yaml": "version: 1\nargs:\n  API_TOKEN: abc\n"})
	cmd := exec.Command("docker", "buildx", "build", "--builder", m.builder, "-f", filepath.Join(dir, "mlbuild.yaml"),
		"--call", "check,format=json", "--platform", "linux/amd64,linux/arm64", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		t.Errorf("--call check exited 0 on a spec with a warning:\n%s", stdout.String())
	}
	// One answer (buildx asks one node), or one per node: each must be mlbuild's.
	dec := json.NewDecoder(bytes.NewReader(stdout.Bytes()))
	answers := 0
	for {
		var lint struct {
			Warnings []struct {
				RuleName string
				Location struct {
					Ranges []struct{ Start struct{ Line int } }
				}
			} `json:"warnings"`
		}
		if jerr := dec.Decode(&lint); jerr != nil {
			if answers == 0 || dec.More() {
				t.Fatalf("--call check output: %v\nstdout:\n%s\nstderr:\n%s", jerr, stdout.String(), stderr.String())
			}
			break
		}
		answers++
		lines := map[string]int{}
		for _, w := range lint.Warnings {
			if len(w.Location.Ranges) > 0 {
				lines[w.RuleName] = w.Location.Ranges[0].Start.Line
			}
		}
		// Line 1 is "# syntax=", API_TOKEN is on line 4.
		if lines["SecretInArg"] != 4 {
			t.Errorf("lint rules and lines = %v, want SecretInArg on line 4\n%s", lines, stdout.String())
		}
	}
	logf(t, "--call check through %s: %d answer(s)", m.builder, answers)
	if s := stdout.String() + stderr.String(); strings.Contains(s, "dockerfile parse error") || strings.Contains(s, "unknown instruction") {
		t.Errorf("--call check fell back to the Dockerfile frontend:\n%s", s)
	}
}

// TestMultiNodeRegistryCache: the amd64 node builds a uv.lock project (a layer per
// package) with --cache-to type=registry,mode=max; a fresh, empty node (a third buildkitd, its
// own buildx builder) importing that cache runs no pip step and pushes the same layers; after
// a small dependency bump in the lock (mlb-core 1.0.0 to 1.1.0) the fresh node runs the pip
// step of that package's layer only, and one layer changes.
func TestMultiNodeRegistryCache(t *testing.T) {
	e, m := multiNode(t)
	t.Parallel()
	ix := startDepsIndex(t)
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	spec := e.depsSpec("args:\n  RUN: \"\"\ntargets:\n  training:\n    dependencies:\n      groups: [train]\n")
	dir := e.depsProject(t, ix, "uv", spec, nil)
	cache := e.registry + "/it/multinode-cache:" + run
	const pipStep = "install from uv.lock, layer"
	build := func(builder, what, tag string, cacheArgs ...string) (*buildResult, string) {
		t.Helper()
		args := append([]string{"--target", "training", "--platform", "linux/amd64", "--provenance=false",
			"--build-arg", "RUN=" + run + "-" + what, "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
			"--output", "type=image,name=" + tag + ",push=true"}, cacheArgs...)
		res, md, err := buildxOn(t, builder, dir, nil, args...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		requireSeen(t, what, res, pipStep)
		return res, pushedRef(t, tag, md)
	}
	// pipRuns are the pip steps that ran (not the ": layer" diffs that follow them): the
	// package layers' installs, and any other vertex that ran pip install.
	pipRuns := func(res *buildResult) (steps []string) {
		for _, v := range res.vertices {
			if (strings.Contains(v.Name, "pip install") || strings.Contains(v.Name, pipStep)) && !strings.HasSuffix(v.Name, ": layer") && !strings.Contains(v.Name, ": fetch ") && !v.Cached && v.Completed != nil {
				steps = append(steps, v.Name)
			}
		}
		slices.Sort(steps)
		return steps
	}

	first, firstRef := build(m.builder, "first", e.registry+"/it/multinode-cache-img:"+run+"-first",
		"--cache-to", "type=registry,ref="+cache+",mode=max")
	checkBuiltOn(t, m, run+"-first", map[string]string{"amd64": "linux/amd64"})
	firstPip := pipRuns(first)
	layerSteps := first.steps(pipStep, false)
	if layerSteps != 3 {
		t.Fatalf("%d dependency layers for 3 packages, want a layer each", layerSteps)
	}

	fresh := e.startDaemon(t)
	builder := "mlbuild-fresh-" + run
	if out, err := exec.Command("docker", "buildx", "create", "--name", builder, "--driver", "remote", fresh.Host).CombinedOutput(); err != nil {
		t.Fatalf("buildx create: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "buildx", "rm", builder).Run() })

	second, secondRef := build(builder, "fresh", e.registry+"/it/multinode-cache-img:"+run+"-fresh",
		"--cache-from", "type=registry,ref="+cache)
	if got := pipRuns(second); len(got) != 0 {
		t.Errorf("the fresh node with the registry cache ran pip steps %q, want none", got)
	}
	a, b := e.layerDigests(t, firstRef), e.layerDigests(t, secondRef)
	if !slices.Equal(a, b) {
		t.Errorf("the fresh node's layers differ from the first node's:\nfirst %v\nfresh %v", a, b)
	}
	logf(t, "pip steps run: first node %d (%d dependency layers) %q, fresh node %d %q; layers first %v, fresh %v",
		len(firstPip), layerSteps, firstPip, len(pipRuns(second)), pipRuns(second), a, b)

	// A small bump on the fresh node, as uv lock --upgrade-package mlb-core would write it:
	// only mlb-core's layer is installed again.
	bumpLock(t, ix, dir, "mlb-core", "1.0.0", "1.1.0")
	third, thirdRef := build(builder, "bump", e.registry+"/it/multinode-cache-img:"+run+"-bump",
		"--cache-from", "type=registry,ref="+cache)
	bumped := pipRuns(third)
	if len(bumped) != 1 || !strings.Contains(bumped[0], "mlb-core") {
		t.Errorf("after bumping mlb-core the fresh node ran the pip steps %q, want mlb-core's alone", bumped)
	}
	c := e.layerDigests(t, thirdRef)
	var changed []string
	for _, d := range c {
		if !slices.Contains(b, d) {
			changed = append(changed, d)
		}
	}
	if len(c) != len(b) || len(changed) != 1 {
		t.Errorf("after the bump %d layers (%d before), %d not in the image before, want the same count and 1 new:\nbefore %v\nafter  %v", len(c), len(b), len(changed), b, c)
	}
	var work []string
	for _, v := range third.vertices {
		if isWork(v.Name) && !v.Cached && v.Completed != nil {
			work = append(work, v.Name)
		}
	}
	slices.Sort(work)
	logf(t, "bump on the fresh node: pip steps run %q, every step run %q, new layer %v, layers %v", bumped, work, changed, c)
}

// bumpLock moves project from version old to new in the fixture's pyproject.toml (its upper
// bound) and uv.lock (the package's version and wheel), as a one-package upgrade does.
func bumpLock(t *testing.T, ix *pyindex.Index, dir, project, old, new string) {
	t.Helper()
	wheel := func(version string) pyindex.File {
		for _, f := range ix.Files(project) {
			if strings.Contains(f.Filename, "-"+version+"-") {
				return f
			}
		}
		t.Fatalf("the index serves no wheel of %s %s", project, version)
		return pyindex.File{}
	}
	ow, nw := wheel(old), wheel(new)
	edit := func(file string, pairs ...string) {
		t.Helper()
		p := filepath.Join(dir, file)
		dt, err := os.ReadFile(p)
		must(t, err)
		s := string(dt)
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%s has no %q", file, pairs[i])
			}
			s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
		}
		must(t, os.WriteFile(p, []byte(s), 0o644))
	}
	edit("pyproject.toml", `"mlb-core>=1.0,<1.1"`, `"mlb-core>=1.0,<1.2"`)
	edit("uv.lock",
		`{ name = "mlb-core", specifier = ">=1.0,<1.1" }`, `{ name = "mlb-core", specifier = ">=1.0,<1.2" }`,
		"name = \""+project+"\"\nversion = \""+old+"\"", "name = \""+project+"\"\nversion = \""+new+"\"",
		fmt.Sprintf("{ url = %q, hash = \"sha256:%s\", size = %d,", ow.URL, ow.SHA256, ow.Size),
		fmt.Sprintf("{ url = %q, hash = \"sha256:%s\", size = %d,", nw.URL, nw.SHA256, nw.Size))
}

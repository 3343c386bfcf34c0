package integration

import (
	"archive/tar"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// layerDigests are the digests of an image's layers, in order.
func (e *testEnv) layerDigests(t *testing.T, ref string) []string {
	t.Helper()
	img, _ := e.image(t, ref)
	layers, err := img.Layers()
	must(t, err)
	var out []string
	for _, l := range layers {
		d, err := l.Digest()
		must(t, err)
		out = append(out, d.String())
	}
	return out
}

// TestDepsPackageLayers: with a lock, each package gets a dependency layer of its own
// (dependencies.layers: packages, the default; fewer packages than plan.MaxDepLayers). Adding
// one package to a target runs only the pip step of its new layer: every other layer of the new image is a blob the
// registry already has, byte for byte. With "layers: single" the same change rebuilds the
// one layer that holds every package.
func TestDepsPackageLayers(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	for _, tc := range []struct {
		layout, pipPrefix string
		// newHolds are the packages the one new layer holds.
		newHolds []string
	}{
		{"packages", "install from uv.lock, layer", []string{"mlb_serve"}},
		{"single", "locked packages from uv.lock", []string{"mlb_core", "mlb_serve", "mlb_train", "mlb_util"}},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			spec := func(extras string) string {
				return e.depsSpec("dependencies:\n  layers: " + tc.layout + "\ntargets:\n  training:\n    dependencies:\n      groups: [train]\n" + extras)
			}
			dir := e.depsProject(t, ix, "uv", spec(""), nil)
			before := buildOK(t, e, dir, buildOpts{target: "training", push: "it/layers-" + tc.layout})
			requireSeen(t, "first build", before, tc.pipPrefix)
			pipBefore := before.steps(tc.pipPrefix, false)
			if tc.layout == "packages" {
				// The uv fixture's lock gives the wheels' URLs: the builder fetches them.
				requireSeen(t, "first build", before, ": fetch mlb_core-1.0.0-py3-none-any.whl")
			}
			if tc.layout == "packages" && pipBefore != 3 {
				t.Fatalf("%d dependency layers for 3 packages, want a layer each", pipBefore)
			}
			if tc.layout == "single" && pipBefore != 1 {
				t.Fatalf("layers: single gave %d dependency layers", pipBefore)
			}
			old := e.layerDigests(t, before.ref)

			// Add the extra "serve" (one more package, mlb-serve) to training.
			must(t, os.WriteFile(filepath.Join(dir, "mlbuild.yaml"), []byte("# syntax="+e.frontendImage+"\n"+spec("      extras: [serve]\n")), 0o644))
			after := buildOK(t, e, dir, buildOpts{target: "training", push: "it/layers-" + tc.layout})
			if ran := after.steps(tc.pipPrefix, true); ran != 1 {
				t.Errorf("adding one package re-ran %d install steps, want 1", ran)
			}
			v := e.inspectVenv(t, after.ref)
			checkDists(t, "training with serve", v, []string{"mlb-core==1.0.0", "mlb-serve==1.2.0", "mlb-train==0.3.0", "mlb-util==2.1.0"})

			now := e.layerDigests(t, after.ref)
			var fresh []string
			for _, d := range now {
				if !slices.Contains(old, d) {
					fresh = append(fresh, d)
				}
			}
			if len(fresh) != 1 {
				t.Fatalf("the new image has %d layers the old one lacks, want exactly 1:\nold %v\nnew %v", len(fresh), old, now)
			}
			// What the new layer holds: mlb-serve alone, or with "single" every package again.
			img, _ := e.image(t, after.ref)
			layers, err := img.Layers()
			must(t, err)
			held := map[string]bool{}
			for _, l := range layers {
				if d, _ := l.Digest(); d.String() != fresh[0] {
					continue
				}
				rc, err := l.Uncompressed()
				must(t, err)
				eachTarEntry(t, rc, func(h *tar.Header, _ io.Reader) {
					// A dependency layer holds the venv and nothing else (no bytecode of the
					// base's standard library, say, that an installer's imports wrote).
					if name := strings.TrimPrefix(h.Name, "./"); name != "opt/" && name != "opt" && !strings.HasPrefix(name, "opt/venv") {
						t.Errorf("the new dependency layer holds %s, outside the venv", h.Name)
					}
					for _, part := range strings.Split(h.Name, "/") {
						if strings.HasPrefix(part, "mlb_") && !strings.Contains(part, ".") {
							held[part] = true
						}
					}
				})
				rc.Close()
			}
			if got := slices.Sorted(maps.Keys(held)); !slices.Equal(got, tc.newHolds) {
				t.Errorf("the new layer holds the packages %v, want %v", got, tc.newHolds)
			}
			t.Logf("%s: %d layers before, %d after, %d new", tc.layout, len(old), len(now), len(fresh))
		})
	}
}

// TestDepsLayersReinstalledSameBytes: installing the same packages again from scratch (no
// cache, no SOURCE_DATE_EPOCH) gives byte-identical dependency layers: pip's files and the
// bytecode get fixed times, so a registry that has a layer is not sent it again after a
// rebuild on another machine or an emptied cache.
func TestDepsLayersReinstalledSameBytes(t *testing.T) {
	e := bed(t)
	// Not parallel: --no-cache marks the user and venv vertices this build shares with every
	// other test's, and BuildKit would run them again for those builds too.
	ix := startDepsIndex(t)
	dir := e.depsProject(t, ix, "uv", e.depsSpec("targets:\n  training:\n    dependencies:\n      groups: [train]\n"), nil)
	first := buildOK(t, e, dir, buildOpts{target: "training", push: "it/reinstall"})
	requireSeen(t, "first build", first, "install from uv.lock, layer")
	time.Sleep(1100 * time.Millisecond) // a second apart: times that were not fixed would differ
	again := buildOK(t, e, dir, buildOpts{target: "training", push: "it/reinstall", noCache: true})
	if n := again.ran("install from uv.lock, layer"); n == 0 {
		t.Fatalf("the no-cache build did not run pip again")
	}
	a, b := e.layerDigests(t, first.ref), e.layerDigests(t, again.ref)
	if len(a) != len(b) {
		t.Fatalf("%d layers, then %d", len(a), len(b))
	}
	// The layers that come from pip: after the base's, the user's and the venv's.
	pipLayers := first.steps("install from uv.lock, layer", false)
	// user, venv, pip layers, src, configs, and the working directory (training's
	// writable-workdir)
	base := len(a) - (2 + pipLayers + 3)
	for i := base + 2; i < base+2+pipLayers; i++ {
		if a[i] != b[i] {
			t.Errorf("dependency layer %d differs after a reinstall: %s, then %s", i, a[i], b[i])
		}
	}
}

// TestRequirementsPackageLayers: requirements files with dependencies.layers: packages are
// resolved by a pip dry run first, then each package is installed by hash into a layer of
// its own; the venv holds what pip resolved (mlb-util comes in as a dependency).
func TestRequirementsPackageLayers(t *testing.T) {
	e := bed(t)
	t.Parallel()
	ix := startDepsIndex(t)
	spec := e.depsSpec("pip: {index-url: \"" + ix.URL + "\"}\ndependencies: {layers: packages}\n")
	dir := e.project(t, map[string]string{"mlbuild.yaml": spec, "requirements.txt": "mlb-core==1.0.0\nmlb-train==0.3.0\n"})
	res := buildOK(t, e, dir, buildOpts{target: "training", push: "it/req-layers"})
	requireSeen(t, "training", res, "resolve requirements.txt", "install from requirements.txt, layer")
	if n := res.steps("install from requirements.txt, layer", false); n != 3 {
		t.Errorf("%d dependency layers for 3 packages", n)
	}
	v := e.inspectVenv(t, res.ref)
	checkDists(t, "training", v, []string{"mlb-core==1.0.0", "mlb-train==0.3.0", "mlb-util==2.1.0"})
}

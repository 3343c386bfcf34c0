package integration

import (
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
)

// TestReproducible: with SOURCE_DATE_EPOCH set, two cold builds on two fresh buildkitd states
// give identical image digests for both targets (bytecode, timestamps and file order included).
// The comparison is of platform manifests: no provenance is attached in these builds.
func TestReproducible(t *testing.T) {
	e := bed(t)
	// A package pip really downloads and byte-compiles, so .pyc files are part of the check.
	ix, err := pyindex.Start([]pyindex.Package{{Name: "mlb-repro", Version: "2.0", Files: map[string]string{
		"mlb_repro/__init__.py": "VALUE = 42\n", "mlb_repro/util.py": "def f():\n    return 1\n"}}})
	must(t, err)
	defer ix.Close()
	dir := e.project(t, map[string]string{
		"requirements.txt": "numpy==1.24.2\nmlb-repro==2.0\n",
		"mlbuild.yaml":     "version: 1\npip:\n  index-url: \"" + ix.URL + "\"\n",
	})
	digests := map[string][]string{}
	for i := 0; i < 2; i++ {
		d := e.startDaemon(t)
		ed := e.on(d)
		for _, target := range []string{"training", "inference"} {
			res, err := ed.build(t, InProcess, dir, buildOpts{target: target, push: "it/repro", rewriteTimestamp: true,
				buildArgs: map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}})
			if err != nil {
				t.Fatalf("daemon %d, %s: %v", i, target, err)
			}
			digests[target] = append(digests[target], res.ref)
			logf(t, "daemon %d %s -> %s", i, target, res.ref)
		}
		d.Stop()
	}
	files, _ := e.layerFiles(t, digests["inference"][0], "")
	pyc := false
	for _, f := range files {
		pyc = pyc || (strings.Contains(f, "site-packages/mlb_repro/__pycache__/util.") && strings.HasSuffix(f, ".pyc"))
	}
	if !pyc {
		t.Errorf("no byte-compiled mlb_repro in the venv layer; the check would not cover .pyc files")
	}
	// pip's own bytecode (python images ship none) goes to the pip cache mount: no .pyc the
	// base lacks may appear outside the venv.
	baseFiles, _ := e.layerFiles(t, e.registry+"/library/python:3.10-slim", "")
	inBase := map[string]bool{}
	for _, f := range baseFiles {
		inBase[f] = true
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".pyc") && !inBase[f] && !strings.HasPrefix(strings.TrimPrefix(f, "./"), "opt/venv/") {
			t.Errorf("bytecode outside the venv that the base does not have: %s", f)
		}
	}
	if ix.Downloads("mlb-repro") != 2 {
		t.Errorf("mlb-repro was downloaded %d times, want once per cold daemon", ix.Downloads("mlb-repro"))
	}
	for target, refs := range digests {
		if refs[0] != refs[1] {
			t.Errorf("%s: two cold builds differ: %s vs %s", target, refs[0], refs[1])
			_, c0 := e.image(t, refs[0])
			_, c1 := e.image(t, refs[1])
			t.Logf("diff ids:\n%v\n%v", c0.RootFS.DiffIDs, c1.RootFS.DiffIDs)
		}
	}
}

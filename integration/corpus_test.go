package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
)

// TestMalformedSpecsThroughDaemon: every malformed spec of pkg/spec/testdata/bad is refused
// by the real daemon with a source-mapped error, and nothing is exported.
func TestMalformedSpecsThroughDaemon(t *testing.T) {
	e := bed(t)
	files, err := filepath.Glob("../pkg/spec/testdata/bad/*.yaml")
	must(t, err)
	if len(files) < 40 {
		t.Fatalf("only %d malformed specs found", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dt, err := os.ReadFile(f)
			must(t, err)
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "mlbuild.yaml"), dt, 0o644))
			must(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("numpy==1.24.2\n"), 0o644))
			_, err = e.build(t, InProcess, dir, buildOpts{push: "it/corpus"})
			if err == nil {
				t.Fatal("the daemon built a malformed spec")
			}
			if len(errdefs.Sources(err)) == 0 {
				t.Errorf("no source location in the error: %v", firstLine(err))
			}
			if !strings.Contains(err.Error(), "mlbuild.yaml:") {
				t.Errorf("the error does not name the file: %v", firstLine(err))
			}
		})
	}
	if tags := e.tags(t, "it/corpus"); len(tags) != 0 {
		t.Errorf("malformed specs exported %v", tags)
	}
}

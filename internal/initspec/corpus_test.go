package initspec

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// TestCorpus runs Detect on each repository of testdata/corpus/<case>/repo and compares the
// spec, the notes and the .dockerignore with the golden files beside it (-update rewrites
// them).
func TestCorpus(t *testing.T) {
	dirs, err := filepath.Glob("testdata/corpus/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			res, err := Detect(os.DirFS(filepath.Join(dir, "repo")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			mustLoad(t, res.Spec, DefaultFrontend)
			golden(t, filepath.Join(dir, "mlbuild.yaml.golden"), res.Spec)
			golden(t, filepath.Join(dir, "notes.golden"), []byte(strings.Join(res.Notes, "\n")+"\n"))
			golden(t, filepath.Join(dir, "dockerignore.golden"), res.Dockerignore)
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if got == nil {
			os.Remove(file)
			return
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if got == nil && os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatalf("%v (run go test ./internal/initspec -run TestCorpus -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-update rewrites it):\n--- want\n%s\n--- got\n%s", file, want, got)
	}
}

package initspec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAptPackages(t *testing.T) {
	for line, want := range map[string][]string{
		"apt-get update && apt-get install -y --no-install-recommends libgomp1 gcc \\\n    libpq-dev && rm -rf /var/lib/apt/lists/*": {"libgomp1", "gcc", "libpq-dev"},
		"apt update; apt install -y git curl=7.88.* $EXTRA | tee log":                                                                {"git", "curl=7.88.*"},
		"pip install -r requirements.txt":        nil,
		"apt-get -qq install -y build-essential": {"build-essential"},
	} {
		if diff := cmp.Diff(want, aptPackages(line)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", line, diff)
		}
	}
}

// TestInitSystemPackages: the apt-get install lines of a repository's Dockerfiles become
// system-packages and build-packages (compilers and -dev packages), each noted with its
// file:line, and the spec loads.
func TestInitSystemPackages(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{
		"src/__init__.py":  "",
		"src/api.py":       fastapiApp,
		"src/train.py":     "",
		"requirements.txt": "fastapi\nuvicorn\n",
		"Dockerfile": "FROM python:3.11-slim\n" +
			"RUN apt-get update && apt-get install -y --no-install-recommends \\\n    libgomp1 libgl1 python3 build-essential libpq-dev \\\n && rm -rf /var/lib/apt/lists/*\n" +
			"COPY . /app\nCMD [\"uvicorn\", \"src.api:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8000\"]\n",
		"docker/train/Dockerfile": "FROM python:3.11-slim\nRUN apt-get install -y git\nCMD [\"python\", \"-m\", \"src.train\"]\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Detect(os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := mustLoad(t, res.Spec, DefaultFrontend)
	if diff := cmp.Diff([]string{"libgomp1", "libgl1", "git"}, s.SystemPackages); diff != "" {
		t.Errorf("system-packages (-want +got):\n%s\n%s", diff, res.Spec)
	}
	if diff := cmp.Diff([]string{"build-essential", "libpq-dev"}, s.BuildPackages); diff != "" {
		t.Errorf("build-packages (-want +got):\n%s", diff)
	}
	for _, want := range []string{"Dockerfile:2", "docker/train/Dockerfile:2"} {
		if !strings.Contains(string(res.Spec), want) || !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("no note with %s in the spec or the notes:\n%s\n%s", want, res.Spec, strings.Join(res.Notes, "\n"))
		}
	}
}

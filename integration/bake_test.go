package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mlbuild/mlbuild/internal/testkit/pyindex"
)

// TestBakeBothTargets: the example's docker-bake.hcl builds both targets in one invocation
// and pip runs once (the requirements include a package pip must really download).
func TestBakeBothTargets(t *testing.T) {
	e := bed(t)
	ver := fmt.Sprintf("1.0.%d", time.Now().UnixNano())
	ix, err := pyindex.Start([]pyindex.Package{{Name: "mlb-bake", Version: ver}})
	must(t, err)
	defer ix.Close()
	dir := e.project(t, map[string]string{
		"requirements.txt": "numpy==1.24.2\nmlb-bake==" + ver + "\n",
		"mlbuild.yaml":     "version: 1\npip:\n  index-url: \"" + ix.URL + "\"\n",
	})
	cmd := exec.Command("docker", "buildx", "bake", "--builder", "mlbuild", "--progress=rawjson", "--push")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REGISTRY="+e.registry+"/it/bake", "TAG=test", "MLBUILD_FRONTEND="+e.frontendImage)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bake: %v\n%s", err, tailString(stderr.String(), 3000))
	}
	pipRuns := 0
	for _, v := range decodeRawJSON(&stderr).vertices {
		// The pip step itself, not the diff that makes its output a layer.
		if strings.Contains(v.Name, "pip install") && !strings.HasSuffix(v.Name, ": layer") && !v.Cached && v.Completed != nil {
			pipRuns++
		}
	}
	if pipRuns != 1 {
		t.Errorf("bake ran pip %d times for both targets, want 1", pipRuns)
	}
	if ix.Downloads("mlb-bake") != 1 {
		t.Errorf("mlb-bake downloaded %d times, want 1", ix.Downloads("mlb-bake"))
	}
	for _, target := range []string{"training", "inference"} {
		if tags := e.tags(t, "it/bake/"+target); len(tags) == 0 {
			t.Errorf("bake pushed no %s image", target)
		}
	}
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

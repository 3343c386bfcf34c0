package pydeps

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoYAMLOrBuildKit: pydeps reads TOML and Python's formats only; its located
// errors come from the leaf package located, so it pulls in neither a YAML decoder nor
// BuildKit (the spec package would bring both).
func TestImportsNoYAMLOrBuildKit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err) // no go command: nothing to check against
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "yaml") || strings.Contains(p, "github.com/moby/") || p == "github.com/mlbuild/mlbuild/pkg/spec" {
			t.Errorf("pydeps depends on %s", p)
		}
	}
}

package depsrc_test

import (
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/depsrc"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/mlbuild/mlbuild/pkg/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

func load(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Load("mlbuild.yaml", []byte(src), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files is a build context in memory.
type files map[string]string

func (f files) read(p string) ([]byte, bool) {
	c, ok := f[p]
	return []byte(c), ok
}

const pyproject = `[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["numpy>=2"]

[project.optional-dependencies]
gpu = ["cupy"]

[dependency-groups]
dev = ["pytest"]
docs = ["sphinx"]
`

// TestDetection: without a source in the spec, the first of spec.DetectOrder the context
// has is the source; nothing found is an error at the spec's requirements.
func TestDetection(t *testing.T) {
	s := load(t, "version: 1\n")
	for _, tc := range []struct {
		ctx  files
		kind string
	}{
		{files{"requirements.txt": "numpy==2.0.0\n", "pyproject.toml": pyproject}, spec.SourceRequirements},
		{files{"pyproject.toml": pyproject}, spec.SourcePyproject},
	} {
		d, err := depsrc.Find(s, tc.ctx.read)
		if err != nil || d.Kind() != tc.kind {
			t.Errorf("%v: kind %q, error %v; want %q", tc.ctx, d.Kind(), err, tc.kind)
		}
	}
	if _, err := depsrc.Find(s, files{}.read); err == nil || !strings.Contains(err.Error(), "mlbuild.yaml:1:1: requirements: no dependency file") {
		t.Errorf("nothing found: %v", err)
	}
}

// TestLayersRule: requirements files get one layer unless the spec asks for packages; the
// plan then asks pip first (a Resolve step), and WithReport is the second phase.
func TestLayersRule(t *testing.T) {
	ctx := files{"requirements.txt": "numpy==2.0.0\n"}
	for _, tc := range []struct {
		src, layers string
		resolve     bool
	}{
		{"version: 1\n", spec.LayersSingle, false},
		{"version: 1\ndependencies: {layers: packages}\n", spec.LayersPackages, true},
	} {
		s := load(t, tc.src)
		d, err := depsrc.Find(s, ctx.read)
		if err != nil {
			t.Fatal(err)
		}
		pd, err := d.Resolve(s, "inference", amd64, "")
		if err != nil {
			t.Fatal(err)
		}
		if pd.Layers != tc.layers {
			t.Errorf("%q: layers %q, want %q", tc.src, pd.Layers, tc.layers)
		}
		p, err := plan.New(s, plan.Options{Target: "inference", Deps: pd})
		if err != nil {
			t.Fatal(err)
		}
		if (p.Resolve != nil) != tc.resolve {
			t.Errorf("%q: Resolve step %v, want %v", tc.src, p.Resolve != nil, tc.resolve)
		}
		if !tc.resolve {
			continue
		}
		hash := strings.Repeat("ab", 32)
		report := `{"version": "1", "install": [{"download_info": {"url": "https://x/numpy.whl", "archive_info": {"hashes": {"sha256": "` + hash + `"}}}, "metadata": {"name": "numpy", "version": "2.0.0"}}]}`
		withPins, ok, err := depsrc.WithReport(s, pd, []byte(report))
		if err != nil || !ok {
			t.Fatalf("WithReport: ok %v, %v", ok, err)
		}
		if !withPins.Locked || len(withPins.Pins) != 1 || !strings.Contains(string(withPins.Pins[0].Requirement), "numpy==2.0.0 \\\n    --hash=sha256:"+hash) {
			t.Errorf("pins %+v", withPins.Pins)
		}
		if pd.Locked {
			t.Error("WithReport changed the first phase's Deps")
		}
		p, err = plan.New(s, plan.Options{Target: "inference", Deps: withPins})
		if err != nil {
			t.Fatal(err)
		}
		if p.Resolve != nil || !strings.Contains(p.Steps[2].What, "layer numpy: numpy==2.0.0") {
			t.Errorf("second phase: Resolve %v, step 3 %q", p.Resolve, p.Steps[2].What)
		}
	}
}

// TestSelection: a group or extra the source lacks is an error at the spec's list item with
// the closest name; the declared requirements of a pyproject.toml include those selected.
func TestSelection(t *testing.T) {
	ctx := files{"pyproject.toml": pyproject}
	s := load(t, "version: 1\ndependencies: {extras: [gpu]}\ntargets:\n  training:\n    dependencies:\n      groups: [dev, doc]\n")
	d, err := depsrc.Find(s, ctx.read)
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckSelection(s)
	if err == nil || !strings.Contains(err.Error(), `mlbuild.yaml:6:21: targets.training.dependencies.groups[1]: group "doc" is not in pyproject.toml (it has: dev, docs) (did you mean "docs"?)`) {
		t.Errorf("CheckSelection: %v", err)
	}
	if err := d.CheckSelection(s, "inference"); err != nil {
		t.Errorf("inference selects nothing wrong: %v", err)
	}
	if _, err := d.Resolve(s, "training", amd64, "3.12.1"); err == nil {
		t.Error("Resolve accepted the misspelled group")
	}
	pd, err := d.Resolve(s, "inference", amd64, "3.12.1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(pd.Generated), "numpy>=2\ncupy\n"; got != want {
		t.Errorf("generated %q, want %q", got, want)
	}
	if _, err := d.Resolve(s, "inference", amd64, "3.9.18"); err == nil || !strings.Contains(err.Error(), "requires-python >=3.10") {
		t.Errorf("Python 3.9: %v", err)
	}
}

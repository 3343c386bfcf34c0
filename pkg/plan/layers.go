package plan

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// Pin is one locked package the frontend resolved, with the lines of the requirements file
// that install it (name==version and its hashes).
type Pin struct {
	Name, Version string
	// Size is the size in bytes the lock records for its artifact (0: unknown).
	Size        int64
	Requirement Text
	// Wheels are the pin's wheels the builder could fetch itself (see NeedsTags); Wheel is
	// the one chosen for the base image's interpreter, nil when none is (pip installs it).
	Wheels []Wheel `json:",omitempty"`
	Wheel  *Wheel  `json:",omitempty"`
}

// How the packages of a lock are laid out when Deps.Layers is spec.LayersPackages (see
// layout).
//
// MaxDepLayers caps the dependency layers. Docker's overlay2 driver refuses images more than
// about 125 layers deep, a CUDA base image brings 10 to 15 and the venv, project, code and
// run steps about 10 more: 64 stays well under, with room for a second base. Up to the cap,
// every package gets a layer of its own, so adding, removing or bumping a package rebuilds,
// pushes and pulls that package's layer and nothing else: the physical limit.
//
// Beyond it, the MaxDepLayers-PackageGroups largest packages keep a layer each and the rest
// share PackageGroups layers by a hash of their name. In an ML environment the 32 largest
// packages hold nearly all of its bytes (torch, triton, the nvidia-* libraries, scipy...),
// and what is left is small pure-Python packages, about n/32 of them a group: adding one
// reinstalls a handful of small packages, not a 5% slice of the environment.
const (
	MaxDepLayers  = 64
	PackageGroups = 32
)

// knownLarge are packages that install hundreds of megabytes, for locks that record no sizes
// (poetry.lock): beyond the cap, one of them whose size is unknown ranks as the largest.
var knownLarge = []string{"torch", "torchvision", "torchaudio", "tensorflow", "tensorflow-cpu", "jaxlib",
	"triton", "xformers", "onnxruntime", "onnxruntime-gpu", "opencv-python", "opencv-python-headless", "scipy", "pyarrow"}

// rankSize is the size a pin ranks by: the size the lock records, else the largest for a
// package known by its name to be large.
func rankSize(p Pin) int64 {
	n := strings.ToLower(p.Name)
	if p.Size == 0 && (slices.Contains(knownLarge, n) || strings.HasPrefix(n, "nvidia-")) {
		return math.MaxInt64
	}
	return p.Size
}

// bySize orders pins largest first (rankSize), then by name: a total order, so the rank never
// depends on the lock's order.
func bySize(a, b Pin) int {
	if c := cmp.Compare(rankSize(b), rankSize(a)); c != 0 {
		return c
	}
	return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
}

// layerGroup is the packages of one dependency layer and its label.
type layerGroup struct {
	label string
	pins  []Pin
}

// layout splits pins into dependency layers, at most MaxDepLayers.
//
// Up to MaxDepLayers pins, each gets a layer of its own, in name order: a package keeps its
// layer, and the layer holds nothing else, whatever else is added, removed or bumped.
//
// Beyond the cap, the MaxDepLayers-PackageGroups largest (bySize) get a layer each, in name
// order, and the others go into one of PackageGroups groups by an FNV hash of their name
// (empty groups left out). There a package keeps its layer while the rank boundary stays
// where it is; a package moves between a layer of its own and a group only when an added,
// removed or resized package moves the boundary past it (then the two layers involved
// change). Crossing the cap (MaxDepLayers+1 packages) lays everything out again, once.
func layout(pins []Pin) []layerGroup {
	own, rest := slices.Clone(pins), []Pin(nil)
	if len(own) > MaxDepLayers {
		slices.SortStableFunc(own, bySize)
		own, rest = own[:MaxDepLayers-PackageGroups], own[MaxDepLayers-PackageGroups:]
	}
	byName := func(a, b Pin) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }
	slices.SortStableFunc(own, byName)
	var out []layerGroup
	for _, p := range own {
		out = append(out, layerGroup{label: strings.ToLower(p.Name), pins: []Pin{p}})
	}
	groups := make([][]Pin, PackageGroups)
	for _, p := range rest {
		h := fnv.New32a()
		h.Write([]byte(strings.ToLower(p.Name)))
		g := h.Sum32() % PackageGroups
		groups[g] = append(groups[g], p)
	}
	for i, g := range groups {
		if len(g) > 0 {
			slices.SortStableFunc(g, byName)
			out = append(out, layerGroup{label: fmt.Sprintf("group-%d", i+1), pins: g})
		}
	}
	return out
}

// depLayout is how the dependencies are laid out in layers.
type depLayout int

const (
	// oneStep: one pip step installs them all, one layer.
	oneStep depLayout = iota
	// perPackage: the packages are known (Deps.Pins) and get layers of their own (packageSteps).
	perPackage
	// needsReport: requirements files whose packages are not known yet: the Resolve step
	// asks pip first, and the plan is made again with its answer (depsrc.WithReport).
	needsReport
)

// layout is the one place the layer layout of the dependencies is decided, from what
// depsrc resolved (Deps.Layers: the spec's dependencies.layers, "single" for requirements
// files unless the spec asks for packages): a layer per package needs "packages", a builder
// that merges layers (ShapeMerge) and a renderer that can (not OneLayer), and the packages
// known, else learned first from pip's report.
func (p *Plan) layout() depLayout {
	d := p.Deps
	switch {
	case d.Layers != spec.LayersPackages || p.Shape != ShapeMerge || p.oneLayer:
		return oneStep
	case d.Locked && len(d.Pins) > 0:
		return perPackage
	case d.Kind == spec.SourceRequirements && len(d.Files) > 0 && len(d.Pins) == 0:
		return needsReport
	}
	return oneStep
}

// packageSteps are the pip steps of a per-package layout: each installs its packages into
// the bare virtualenv, on its own, so its layer holds those packages only and is rebuilt
// only when they change.
func (p *Plan) packageSteps() []Step {
	var out []Step
	for _, g := range layout(p.Deps.Pins) {
		var req []byte
		var names []string
		for _, pin := range g.pins {
			req = append(req, pin.Requirement...)
			names = append(names, pin.Name+"=="+pin.Version)
		}
		if ps := p.wheelStep(g); ps != nil {
			what := wheelsWhat(p.Deps.Source, g.label, ps.Wheels)
			out = append(out, Step{Kind: Pip, What: what, History: "mlbuild: " + what, SpecPath: pipSpecPath(p.spec), Pip: ps})
			continue
		}
		name := path.Base(p.Deps.Source) + "." + g.label + ".txt"
		ps := p.newPipStep()
		ps.Alone, ps.Generated, ps.Requirements = true, req, []string{name}
		ps.Command = append(ps.Command, []string{"--no-deps", "--require-hashes"}, []string{"-r", path.Join(RequirementsDir, name)})
		if len(names) > 4 {
			names = append(names[:4], fmt.Sprintf("and %d more", len(names)-4))
		}
		what := fmt.Sprintf("pip install from %s, layer %s: %s", path.Base(p.Deps.Source), g.label, strings.Join(names, ", "))
		out = append(out, Step{Kind: Pip, What: what, History: "mlbuild: " + what, SpecPath: pipSpecPath(p.spec), Pip: ps})
	}
	return out
}

package plan

import (
	"fmt"
	"hash/fnv"
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
}

// How the packages of a lock are laid out when Deps.Layers is spec.LayersPackages (see
// layout): at most MaxOwnLayers packages get a layer of their own, those of at least
// OwnLayerBytes or known to be large; the rest go into PackageGroups layers by a hash of
// their name. At most MaxOwnLayers+PackageGroups (24) dependency layers, well under the
// 127 layers an overlay filesystem image can stack.
const (
	OwnLayerBytes = 16 << 20
	MaxOwnLayers  = 16
	PackageGroups = 8
)

// knownLarge are packages that install hundreds of megabytes, for locks that record no sizes
// (poetry.lock): each gets a layer of its own.
var knownLarge = []string{"torch", "torchvision", "torchaudio", "tensorflow", "tensorflow-cpu", "jaxlib",
	"triton", "xformers", "onnxruntime", "onnxruntime-gpu", "opencv-python", "opencv-python-headless", "scipy", "pyarrow"}

// large reports whether a pin gets a layer of its own by its size or its name.
func large(p Pin) bool {
	n := strings.ToLower(p.Name)
	return p.Size >= OwnLayerBytes || slices.Contains(knownLarge, n) || strings.HasPrefix(n, "nvidia-")
}

// layerGroup is the packages of one dependency layer and its label.
type layerGroup struct {
	label string
	pins  []Pin
}

// layout splits pins into dependency layers by a stable rule: a package keeps its layer, and
// its layer keeps its other members, whatever else is added, removed or bumped (unless it
// crosses the size threshold, or more than MaxOwnLayers packages are large). The largest
// large packages get layers of their own, in name order; the others go into one of
// PackageGroups groups by an FNV hash of their name; empty groups are left out.
func layout(pins []Pin) []layerGroup {
	var big, rest []Pin
	for _, p := range pins {
		if large(p) {
			big = append(big, p)
		} else {
			rest = append(rest, p)
		}
	}
	if len(big) > MaxOwnLayers {
		slices.SortStableFunc(big, func(a, b Pin) int {
			if a.Size != b.Size {
				return int(min(max(b.Size-a.Size, -1), 1))
			}
			return strings.Compare(a.Name, b.Name)
		})
		rest, big = append(rest, big[MaxOwnLayers:]...), big[:MaxOwnLayers]
	}
	slices.SortFunc(big, func(a, b Pin) int { return strings.Compare(a.Name, b.Name) })
	var out []layerGroup
	for _, p := range big {
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
			slices.SortFunc(g, func(a, b Pin) int { return strings.Compare(a.Name, b.Name) })
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

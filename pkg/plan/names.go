package plan

import "fmt"

// Every vertex name of a build comes from here, so buildx's progress reads as one story:
//
//	[inference] load metadata for python:3.10-slim
//	[inference 0] FROM python:3.10-slim
//	[inference 3/6] pip install -r requirements.txt
//	[inference 3/6] pip install -r requirements.txt: layer
//	[inference check] smoke test: …
//	[inference] image, once 1 check(s) passed
//
// Steps are numbered by New, which counts the steps it names; the base image is step 0.

// namer formats the vertex names of one target build.
type namer struct{ label string }

func (p *Plan) names() namer { return namer{label: p.Label} }

func (n namer) step(i, total int, what string) string {
	return fmt.Sprintf("[%s %d/%d] %s", n.label, i, total, what)
}

// unnumbered names a vertex of the target that is not one of its numbered steps.
func (n namer) unnumbered(what string) string { return fmt.Sprintf("[%s] %s", n.label, what) }

// LayerName names the vertex that turns a step's output into a layer of its own.
func (st Step) LayerName() string { return st.Name + ": layer" }

// BaseVertex names the base image's source vertex of a build labelled label.
func BaseVertex(label, ref string) string { return fmt.Sprintf("[%s 0] FROM %s", label, ref) }

// MetadataVertex names the resolution of the base image's config.
func MetadataVertex(label, ref string) string {
	return namer{label: label}.unnumbered("load metadata for " + ref)
}

// The vertices of a check besides its run, by the suffix CheckName adds to its name.
const (
	CheckRun        = ""
	CheckKeepResult = ": keep the result"
	CheckPassed     = ": passed"
)

// CheckName names a vertex of a check; suffix is one of CheckRun, CheckKeepResult and
// CheckPassed.
func (p *Plan) CheckName(chk Check, suffix string) string {
	return fmt.Sprintf("[%s check] %s%s", p.Label, chk.Name, suffix)
}

// GateName names the vertex that makes the image depend on its checks.
func (p *Plan) GateName() string {
	return p.names().unnumbered(fmt.Sprintf("image, once %d check(s) passed", len(p.Checks)))
}

// Label is what a build's vertex names start with: the target, and the platform in
// multi-platform builds.
func Label(target, platform string) string {
	if platform == "" {
		return target
	}
	return target + " " + platform
}

// InternalVertex names a vertex that belongs to no target, such as a context load, as
// BuildKit's own frontends do: "[internal] " and one of the Internal* below.
func InternalVertex(what string) string { return "[internal] " + what }

// What the [internal] vertices of a build do.
const (
	InternalLoadContext      = "load build context"
	InternalLoadRequirements = "load requirements files"
	InternalReadDeps         = "read the dependency files"
	InternalReadLintFiles    = "read the requirements and dependency files"
	InternalCheckPaths       = "check the paths the spec needs"
	InternalBasePython       = "ask the base image for its Python version"
	InternalBaseTags         = "ask the base image's pip which wheels its Python takes"
)

// InternalImageSoFar is what the vertex does that merges a target's layers below a run step,
// for the step to run on.
func InternalImageSoFar(step string) string { return "image so far, for " + step }

// InternalCacheDir is what the vertex does that creates a run step's cache directory, owned
// by the target's user.
func InternalCacheDir(target string) string { return "cache directory for " + target }

// InternalWrite is what the vertex does that writes a file the frontend generated.
func InternalWrite(file string) string { return "write " + file }

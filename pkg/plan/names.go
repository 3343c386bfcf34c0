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

func (n namer) step(i, total int, what string) string {
	return fmt.Sprintf("[%s %d/%d] %s", n.label, i, total, what)
}

// aside names a vertex of the target that is no numbered step (it makes no layer).
func (n namer) aside(what string) string { return fmt.Sprintf("[%s] %s", n.label, what) }

// LayerName names the vertex that turns a step's output into a layer of its own.
func (st Step) LayerName() string { return st.Name + ": layer" }

// BaseName names the base image's source vertex.
func (p *Plan) BaseName(ref string) string { return BaseVertex(p.names.label, ref) }

// BaseVertex names the base image's source vertex of a build labelled label.
func BaseVertex(label, ref string) string { return fmt.Sprintf("[%s 0] FROM %s", label, ref) }

// MetadataVertex names the resolution of the base image's config.
func MetadataVertex(label, ref string) string {
	return fmt.Sprintf("[%s] load metadata for %s", label, ref)
}

// CheckName names a vertex of a check; suffix is "" for the run itself.
func (p *Plan) CheckName(chk Check, suffix string) string {
	return fmt.Sprintf("[%s check] %s%s", p.names.label, chk.Name, suffix)
}

// GateName names the vertex that makes the image depend on its checks.
func (p *Plan) GateName() string {
	return fmt.Sprintf("[%s] image, once %d check(s) passed", p.names.label, len(p.Checks))
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
// BuildKit's own frontends do.
func InternalVertex(what string) string { return "[internal] " + what }

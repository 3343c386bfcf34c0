package llbgraph

import (
	"slices"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// image is the plan's config applied to the base image's, with the platform, the creation
// time and the history of the steps.
func (g *graph) image() *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	var base *dockerspec.DockerOCIImageConfig
	if g.opt.BaseImage != nil {
		base = &g.opt.BaseImage.Config
		img.History = slices.Clone(g.opt.BaseImage.History)
	}
	p := g.opt.Platform
	img.OS, img.Architecture, img.Variant, img.OSVersion, img.OSFeatures = p.OS, p.Architecture, p.Variant, p.OSVersion, p.OSFeatures
	img.RootFS.Type = "layers"
	if g.opt.Epoch != nil {
		e := g.opt.Epoch.UTC()
		img.Created = &e
	}
	for _, createdBy := range g.p.History() {
		h := ocispecs.History{CreatedBy: createdBy, Comment: "mlbuild.v0"}
		if g.opt.Epoch != nil {
			e := g.opt.Epoch.UTC()
			h.Created = &e
		}
		img.History = append(img.History, h)
	}
	img.Config = g.p.Config.Apply(base, g.opt.BaseName, g.opt.BaseDigest.String())
	return img
}

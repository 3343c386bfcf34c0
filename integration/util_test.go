package integration

import (
	"github.com/moby/buildkit/client/llb/sourceresolver"
)

func sourceresolverOpt() sourceresolver.Opt { return sourceresolver.Opt{} }

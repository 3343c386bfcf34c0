package integration

import (
	"encoding/json"
	"io"

	"github.com/moby/buildkit/client/llb/sourceresolver"
)

func ioReadAll(dec *json.Decoder) ([]byte, error) { return io.ReadAll(dec.Buffered()) }

func sourceresolverOpt() sourceresolver.Opt { return sourceresolver.Opt{} }

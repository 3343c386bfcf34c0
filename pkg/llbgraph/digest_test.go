package llbgraph

import digest "github.com/opencontainers/go-digest"

func digestOf(dt []byte) digest.Digest        { return digest.FromBytes(dt) }
func digestFromString(s string) digest.Digest { return digest.Digest(s) }

package llbgraph

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// capInfo says what an LLB capability is for, in words, and the oldest BuildKit release and
// Docker Engine release that offer it. Read from BuildKit's solver/pb/caps.go of each release
// and from the BuildKit version each Docker Engine release vendors.
type capInfo struct {
	what            string
	buildkit, since string
}

// knownCaps covers every capability the graph or frontend/dockerui's context loading can ask
// for. Capabilities present since BuildKit v0.8 (Docker Engine 20.10, the oldest engine with
// a usable gateway) are listed so their errors still read well on a builder that disables them.
var knownCaps = map[apicaps.CapID]capInfo{
	pb.CapMergeOp:                        {"merge op (layers assembled independently, like COPY --link)", "v0.10", "Docker Engine 23.0 with the containerd image store"},
	pb.CapDiffOp:                         {"diff op (a step's output as a layer of its own)", "v0.10", "Docker Engine 23.0 with the containerd image store"},
	pb.CapExecSecretEnv:                  {"secrets as environment variables", "v0.10", "Docker Engine 23.0"},
	pb.CapSourceLocalDiffer:              {"context transfer by metadata differ", "v0.9", "Docker Engine 23.0"},
	pb.CapFileCopyIncludeExcludePatterns: {"copy include/exclude patterns", "v0.9", "Docker Engine 23.0"},
	pb.CapExecMountTmpfsSize:             {"sized tmpfs mounts", "v0.10", "Docker Engine 23.0"},
	pb.CapSourceDateEpoch:                {"SOURCE_DATE_EPOCH in the exporter", "v0.11", "Docker Engine 24.0"},
	pb.CapExecMountTmpfs:                 {"tmpfs mounts", "v0.3", "Docker Engine 20.10"},
	pb.CapExecMountCache:                 {"cache mounts", "v0.3", "Docker Engine 20.10"},
	pb.CapExecMountCacheSharing:          {"shared cache mounts", "v0.3", "Docker Engine 20.10"},
	pb.CapExecMountSecret:                {"secret mounts", "v0.3", "Docker Engine 20.10"},
	pb.CapExecMountBind:                  {"bind mounts", "v0.3", "Docker Engine 20.10"},
	pb.CapExecMetaNetwork:                {"network modes for steps", "v0.3", "Docker Engine 20.10"},
	pb.CapFileBase:                       {"file ops (copy, mkdir)", "v0.5", "Docker Engine 20.10"},
	pb.CapSourceLocalFollowPaths:         {"context transfer limited to named paths", "v0.3", "Docker Engine 20.10"},
	pb.CapSourceLocalExcludePatterns:     {"context exclude patterns (.dockerignore)", "v0.3", "Docker Engine 20.10"},
}

// UsedCaps lists the LLB capabilities a marshalled definition asks the builder for, sorted.
func UsedCaps(def *llb.Definition) []apicaps.CapID {
	seen := map[apicaps.CapID]bool{}
	for _, md := range def.Metadata {
		for c, on := range md.Caps {
			if on {
				seen[c] = true
			}
		}
	}
	out := make([]apicaps.CapID, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// CheckCaps returns an error naming, in one sentence each, every capability def needs that
// caps (the builder's LLB capabilities) lacks or disables: what the feature is for, the
// oldest BuildKit and Docker Engine that have it, and the builder's own reason when it turned
// the feature off. Nil caps, or a definition within them, give nil.
func CheckCaps(def *llb.Definition, caps *apicaps.CapSet) error {
	if caps == nil {
		return nil
	}
	var msgs []string
	for _, id := range UsedCaps(def) {
		err := caps.Supports(id)
		if err == nil {
			continue
		}
		info, ok := knownCaps[id]
		if !ok {
			info = capInfo{what: "BuildKit feature " + string(id), buildkit: "a newer release", since: "a newer Docker Engine"}
		}
		msg := fmt.Sprintf("this builder does not offer the %s (%q), which came with BuildKit %s (%s)", info.what, id, info.buildkit, info.since)
		var ce *apicaps.CapError
		if errors.As(err, &ce) && ce.State != nil && !ce.State.Enabled {
			msg = fmt.Sprintf("this builder has turned off the %s (%q)", info.what, id)
			if r := ce.State.DisabledReasonMsg; r != "" {
				msg += ": " + r
			}
		}
		msgs = append(msgs, msg+"; update the engine or build with a BuildKit builder (docker buildx create --driver docker-container --use)")
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("mlbuild: %s", strings.Join(msgs, "; and "))
}

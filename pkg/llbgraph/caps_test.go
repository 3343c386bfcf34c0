package llbgraph

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	apipb "github.com/moby/buildkit/util/apicaps/pb"
	digest "github.com/opencontainers/go-digest"
)

// sinceV08 are the LLB capabilities BuildKit added after v0.8, the builder of Docker Engine
// 20.10 (read from solver/pb/caps.go of each release).
var sinceV08 = []apicaps.CapID{
	pb.CapMergeOp, pb.CapDiffOp, pb.CapExecSecretEnv, pb.CapSourceLocalDiffer,
	pb.CapFileCopyIncludeExcludePatterns, pb.CapRemoteCacheGHA, pb.CapSourceGitSubdir,
	pb.CapExecMetaCgroupParent, pb.CapExecMetaUlimit, pb.CapExecMountTmpfsSize,
	pb.CapFileRmNoFollowSymlink, pb.CapRemoteCacheAzBlob, pb.CapRemoteCacheS3,
	pb.CapAnnotations, pb.CapAttestations, pb.CapSourceImageLayerLimit, pb.CapSourceOCILayout,
	pb.CapSourcePolicy, pb.CapExecMountContentCache, pb.CapMultipleExporters,
	pb.CapFileCopyAlwaysReplaceExistingDestPaths, pb.CapExecValidExitCode, pb.CapGCFreeSpaceFilter,
	pb.CapFileSymlinkCreate, pb.CapExecMetaCDI, pb.CapHistoryFilters, pb.CapSessionExporter,
	pb.CapSourceHTTPAuth, pb.CapSourceHTTPHeader, pb.CapSourceMetadataTransfer,
	pb.CapSourceGitChecksum, pb.CapSourceGitSkipSubmodules, pb.CapSourceImageChecksum,
	pb.CapFileCopyRequiredPaths, pb.CapSourceGitSignatureVerify, pb.CapSourcePolicySession,
	pb.CapSourceHTTPSignatureVerify, pb.CapSourceImageBlob, pb.CapSourceGitMTime,
	pb.CapSourceGitBundle, pb.CapSourceGitCheckoutBundle, pb.CapSourceGitFetchByCommit,
	pb.CapExecMetaLinuxResources, pb.CapExecMetaNetworkProxy, pb.CapPassthroughOp,
	pb.CapSourceDateEpoch,
}

// engineCaps is the LLB capability set a builder advertises: every capability this BuildKit
// knows, minus those missing, with those disabled turned off the way dockerd does it on
// graphdriver storage.
func engineCaps(missing, disabled []apicaps.CapID) *apicaps.CapSet {
	var list []*apipb.APICap
	for _, c := range pb.Caps.All() {
		id := apicaps.CapID(c.ID)
		switch {
		case contains(missing, id):
			continue
		case contains(disabled, id):
			list = append(list, &apipb.APICap{ID: c.ID, Enabled: false, DisabledReasonMsg: "only enabled with containerd image store backend"})
		default:
			list = append(list, c)
		}
	}
	cs := pb.Caps.CapSet(list)
	return &cs
}

func contains(ids []apicaps.CapID, id apicaps.CapID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// The builders mlbuild runs on, and the shape each gets.
var engines = []struct {
	name  string
	caps  *apicaps.CapSet
	shape plan.Shape
}{
	{"buildkitd v0.34", engineCaps(nil, nil), plan.ShapeMerge},
	{"docker 29 containerd store", engineCaps(nil, nil), plan.ShapeMerge},
	{"docker 29 graphdriver", engineCaps(nil, []apicaps.CapID{pb.CapMergeOp, pb.CapDiffOp}), plan.ShapeCopy},
	{"docker 20.10 (BuildKit v0.8)", engineCaps(sinceV08, nil), plan.ShapeCopy},
}

// TestGraphWithinEngineCaps builds every target of the default and the rich spec for each
// builder and requires that the image and every check use only capabilities that builder
// offers, so no build reaches the daemon to fail on a missing feature.
func TestGraphWithinEngineCaps(t *testing.T) {
	for _, e := range engines {
		for _, src := range []string{"version: 1\ntargets:\n  inference:\n    test: [\"true\"]\n", richSpec} {
			s := load(t, src)
			for _, target := range s.TargetNames() {
				opt := testOptions(s, target)
				opt.Caps = e.caps
				res, err := Build(s, opt)
				if err != nil {
					t.Fatal(err)
				}
				if res.Shape != e.shape {
					t.Errorf("%s: %s got the %s shape, want %s", e.name, target, res.Shape, e.shape)
				}
				states := []llb.State{res.State}
				for _, c := range res.Checks {
					states = append(states, c.State)
				}
				for _, st := range states {
					def, err := st.Marshal(context.Background(), llb.Platform(amd64))
					if err != nil {
						t.Fatal(err)
					}
					if err := CheckCaps(def, e.caps); err != nil {
						t.Errorf("%s: target %s: %v", e.name, target, err)
					}
					if e.shape == plan.ShapeCopy {
						for _, op := range ops(t, def) {
							if op.GetMerge() != nil || op.GetDiff() != nil {
								t.Errorf("%s: target %s has a merge or diff op", e.name, target)
							}
						}
					}
				}
			}
		}
	}
}

// TestCheckCapsExplains: the merge-shaped graph sent to a builder that turned merge ops off
// gets one sentence per feature naming it, the builder's reason and the remedy, never
// BuildKit's raw "requested experimental feature" text.
func TestCheckCapsExplains(t *testing.T) {
	_, def := buildAndMarshal(t, "version: 1\n", "inference")
	err := CheckCaps(def, engines[2].caps)
	if err == nil {
		t.Fatal("the merge graph passed the graphdriver builder's caps")
	}
	msg := err.Error()
	for _, want := range []string{`merge op`, `"mergeop"`, `diff op`, "only enabled with containerd image store backend", "docker-container"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "experimental") {
		t.Errorf("raw BuildKit text leaked: %s", msg)
	}
	err = CheckCaps(def, engines[3].caps)
	if err == nil || !strings.Contains(err.Error(), "BuildKit v0.10 (Docker Engine 23.0") {
		t.Errorf("missing merge op on BuildKit v0.8: %v", err)
	}
	if err := CheckCaps(def, engines[0].caps); err != nil {
		t.Errorf("full caps: %v", err)
	}
}

// TestSecretEnvAsFile: without exec.secretenv the secret meant for the environment is mounted
// as a file on the pip step's tmpfs and exported by its script; the value never appears in
// the LLB either way.
func TestSecretEnvAsFile(t *testing.T) {
	s := load(t, richSpec)
	opt := testOptions(s, "inference")
	opt.Caps = engines[3].caps
	_, def := buildWith(t, s, opt)
	var pip *pb.ExecOp
	for _, op := range ops(t, def) {
		if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Args, " "), " install ") {
			pip = e
		}
	}
	if pip == nil {
		t.Fatal("no pip step")
	}
	if len(pip.Secretenv) != 0 {
		t.Errorf("secret env used on a builder without it: %v", pip.Secretenv)
	}
	var mounted bool
	for _, m := range pip.Mounts {
		if m.MountType == pb.MountType_SECRET && m.Dest == plan.SecretEnvDir+"/pip-index" && m.SecretOpt.Optional {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("pip-index is not mounted under %s: %v", plan.SecretEnvDir, pip.Mounts)
	}
	if !strings.Contains(pip.Meta.Args[2], "PIP_EXTRA_INDEX_URL=$(cat "+plan.SecretEnvDir+"/pip-index)") {
		t.Errorf("script does not export the secret: %q", pip.Meta.Args[2])
	}
}

func ops(t *testing.T, def *llb.Definition) []*pb.Op {
	t.Helper()
	var out []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		out = append(out, &op)
	}
	return out
}

// TestCopyShapeWritableCopyDest: in the copy shape a writable directory that is also a copy
// destination is left to the copy to create (root-owned, as the merge gives it); the other
// writable directories are still created by the user step.
func TestCopyShapeWritableCopyDest(t *testing.T) {
	s := load(t, "version: 1\ntargets:\n  inference:\n    writable: [models, cache]\n")
	script := func(caps *apicaps.CapSet) string {
		opt := testOptions(s, "inference")
		opt.Caps = caps
		_, def := buildWith(t, s, opt)
		for _, op := range ops(t, def) {
			if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Args, " "), "/etc/passwd") {
				return e.Meta.Args[2]
			}
		}
		t.Fatal("no user step")
		return ""
	}
	if got := script(nil); !strings.Contains(got, "mkdir -p /app/models /app/cache") {
		t.Errorf("merge shape user script: %s", got)
	}
	got := script(engines[2].caps)
	if strings.Contains(got, "/app/models") || !strings.Contains(got, "mkdir -p /app/cache") {
		t.Errorf("copy shape user script: %s", got)
	}
}

// TestWritableWorkdirLayer: the working directory given to the user is, in the merge shape,
// the last layer merged (after the copies, which make it root's): the diff of the plan's
// script run on the base; in the copy shape it is that script on the image after the copies.
func TestWritableWorkdirLayer(t *testing.T) {
	s := load(t, "version: 1\nworkdir: /srv/app\n")
	_, def := buildWith(t, s, testOptions(s, "training"))
	byDigest := map[digest.Digest]*pb.Op{}
	var merge *pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		byDigest[digest.FromBytes(dt)] = &op
		if op.GetMerge() != nil {
			merge = &op
		}
	}
	if merge == nil {
		t.Fatal("no merge op")
	}
	// The last merged layer is the diff of the workdir script's exec on the base: an exec,
	// which BuildKit caches (a file op on scratch runs again on every build).
	last := byDigest[digest.Digest(merge.Inputs[len(merge.Inputs)-1].Digest)]
	if last.GetDiff() == nil || len(last.Inputs) != 2 {
		t.Fatalf("the last merged layer is not a diff: %v", last)
	}
	upper := byDigest[digest.Digest(last.Inputs[1].Digest)]
	ex := upper.GetExec()
	if ex == nil {
		t.Fatalf("the workdir layer's upper is not an exec: %v", upper)
	}
	want := "set -eu\nmkdir -p /srv/app && chown 10001:10001 /srv/app && chmod 0755 /srv/app"
	if got := ex.Meta.Args[len(ex.Meta.Args)-1]; got != want {
		t.Errorf("the workdir exec runs %q, want %q", got, want)
	}
	if lower, below := last.Inputs[0].Digest, upper.Inputs[0].Digest; lower != below {
		t.Errorf("the workdir diff's lower %s is not what its exec runs on (%s)", lower, below)
	}

	// Copy shape: the step after the copies runs the plan's script on the image so far.
	opt := testOptions(s, "training")
	opt.Caps = engines[3].caps
	_, def = buildWith(t, s, opt)
	var scripts []string
	for _, op := range ops(t, def) {
		if e := op.GetExec(); e != nil {
			scripts = append(scripts, e.Meta.Args[len(e.Meta.Args)-1])
		}
	}
	if !slices.Contains(scripts, want) {
		t.Errorf("copy shape: no step runs %q", want)
	}
	s = load(t, "version: 1\ntargets:\n  training:\n    writable-workdir: false\n")
	_, def = buildWith(t, s, testOptions(s, "training"))
	for _, op := range ops(t, def) {
		if strings.Contains(op.String(), "10001:10001 /app &&") || op.GetFile() != nil && slices.ContainsFunc(op.GetFile().Actions, func(a *pb.FileAction) bool { return a.GetMkdir() != nil }) {
			t.Errorf("writable-workdir: false still makes the workdir: %v", op)
		}
	}
}

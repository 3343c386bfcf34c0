// This test runs BuildKit's own Dockerfile frontend (dockerfile2llb) on the ejected
// Dockerfiles, with a resolver that hands it the same base config as llbgraph gets, and
// compares the image config it produces with llbgraph's.

package eject_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
)

type fakeResolver struct{ base []byte }

func (r fakeResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, "", r.base, nil
}

// TestDockerfile2LLBConfig converts each ejected Dockerfile with BuildKit's Dockerfile
// frontend and compares the image config it produces with llbgraph's.
func TestDockerfile2LLBConfig(t *testing.T) {
	base, err := json.Marshal(dockerspec.DockerOCIImage{Config: baseConfig()})
	if err != nil {
		t.Fatal(err)
	}
	caps := pb.Caps.CapSet(pb.Caps.All()) // a current builder's: a rw bind mount checks them
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.src)
			want := frontendBuild(t, s, tc.target, tc.deps).Image.Config
			delete(want.Labels, plan.LabelBaseDigest) // documented difference
			res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), ejectT(t, s, tc.target, tc.deps), dockerfile2llb.ConvertOpt{
				Config:         dockerui.Config{},
				TargetPlatform: &amd64,
				LLBCaps:        &caps,
				MetaResolver:   fakeResolver{base: base},
				Warn: func(rule, _, _, msg string, loc []parser.Range) {
					t.Errorf("lint %s: %s (%v)", rule, msg, loc)
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Image.Config
			if got.Cmd != nil && !got.ArgsEscaped { //nolint:staticcheck // documented difference
				t.Error("CMD did not set ArgsEscaped")
			}
			got.ArgsEscaped = false //nolint:staticcheck
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("image config (-frontend +dockerfile2llb):\n%s", diff)
			}

			def, err := res.State.Marshal(context.Background(), llb.Platform(amd64))
			if err != nil {
				t.Fatal(err)
			}
			for _, dt := range def.Def {
				var op pb.Op
				if err := op.UnmarshalVT(dt); err != nil {
					t.Fatal(err)
				}
				for _, m := range op.GetExec().GetMounts() {
					if m.MountType == pb.MountType_CACHE && m.CacheOpt.ID != "/mlbuild-pip" && !strings.HasPrefix(m.CacheOpt.ID, "/mlbuild-apt-") && !strings.HasPrefix(m.CacheOpt.ID, "/mlbuild-run/") {
						t.Errorf("pip cache id %q: the package doc says /mlbuild-pip", m.CacheOpt.ID)
					}
				}
				if ex := op.GetExec(); ex != nil && strings.Contains(strings.Join(ex.Meta.Args, " "), "mlbuild/requirements") {
					return
				}
			}
			if len(s.Requirements) > 0 {
				t.Error("no pip step in the LLB")
			}
		})
	}
}

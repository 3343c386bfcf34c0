package llbgraph

import (
	"strconv"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/plan"
	"github.com/moby/buildkit/client/llb"
)

// aptRun runs an apt step (plan.AptStep) as root on root, with apt's lists and downloads in
// locked cache mounts and /tmp a tmpfs, so neither reaches the output.
func (g *graph) aptRun(st plan.Step, root llb.State) llb.State {
	ro := []llb.RunOption{
		llb.Args([]string{"/bin/sh", "-c", st.Apt.Script()}),
		llb.User("0:0"),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
		llb.AddMount(plan.AptListsDir, llb.Scratch(), llb.AsPersistentCacheDir(plan.CacheMountID(g.opt.CacheNS, plan.AptListsCacheID), llb.CacheMountLocked)),
		llb.AddMount(plan.AptArchivesDir, llb.Scratch(), llb.AsPersistentCacheDir(plan.CacheMountID(g.opt.CacheNS, plan.AptCacheID), llb.CacheMountLocked)),
	}
	if g.opt.Epoch != nil {
		ro = append(ro, llb.AddEnv("SOURCE_DATE_EPOCH", strconv.FormatInt(g.opt.Epoch.Unix(), 10)))
	}
	ro = append(ro, withConstraints(g.c(st)))
	return root.Run(ro...).Root()
}

// systemLayer installs the target's system packages on the base, the first layer; it
// returns the base with them for the user step.
func (g *graph) systemLayer(st plan.Step) (llb.State, layer) {
	system := g.aptRun(st, g.opt.Base)
	return system, layer{
		alone: llb.Diff(g.opt.Base, system, g.named(st.LayerName(), "")...),
		onto:  func(below llb.State) llb.State { return g.aptRun(st, below) },
	}
}

// depsRoot is what the dependency steps run on (see plan.Plan.BuildRoot): the base, the
// base with the system packages, or the base with the build packages too.
func (g *graph) depsRoot() llb.State {
	switch {
	case g.p.BuildRoot != nil:
		return g.aptRun(*g.p.BuildRoot, g.opt.Base)
	case g.p.DepsOnSystem:
		return g.aptRun(*g.p.Find(plan.System), g.opt.Base)
	}
	return g.opt.Base
}

// runLayer runs a build-time command on the image so far (the layers below, merged, in the
// merge shape) and keeps what it wrote as a layer of its own.
func (g *graph) runLayer(st plan.Step, below []layer) layer {
	run := func(on llb.State) llb.State { return g.runExec(st, on) }
	if g.p.Shape == plan.ShapeCopy {
		return layer{onto: run}
	}
	states := []llb.State{g.opt.Base}
	for _, l := range below {
		states = append(states, l.alone)
	}
	merged := llb.Merge(states, g.named(plan.InternalVertex(plan.InternalImageSoFar(st.What)), "")...)
	return layer{alone: llb.Diff(merged, run(merged), g.named(st.LayerName(), "")...), onto: run}
}

// runExec is the exec of a run step: as the target's user, in its working directory, with
// the image's environment and HOME, /tmp a tmpfs, its secrets and its cache mounts.
func (g *graph) runExec(st plan.Step, on llb.State) llb.State {
	rs := st.Run
	secrets, exports := g.secrets(rs.Secrets)
	args := rs.Argv
	if len(exports) > 0 {
		args = append([]string{"/bin/sh", "-c", strings.Join(exports, "\n") + "\nexec \"$@\"", "mlbuild-run"}, args...)
	}
	ro := []llb.RunOption{llb.Args(args), llb.Dir(rs.Dir), llb.User(rs.User)}
	for _, kv := range g.img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		ro = append(ro, llb.AddEnv(k, v))
	}
	ro = append(ro, llb.AddEnv("HOME", rs.Home), llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()))
	for _, c := range rs.Caches {
		owned := llb.Scratch().File(llb.Mkdir("/cache", 0o755, llb.WithUIDGID(c.UID, c.GID)),
			g.named(plan.InternalVertex(plan.InternalCacheDir(c.Target)), "")...)
		ro = append(ro, llb.AddMount(c.Target, owned, llb.SourcePath("/cache"),
			llb.AsPersistentCacheDir(plan.CacheMountID(g.opt.CacheNS, c.ID), llb.CacheMountShared)))
	}
	ro = append(ro, secrets...)
	ro = append(ro, withConstraints(g.c(st)))
	return on.Run(ro...).Root()
}

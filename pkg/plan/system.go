package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// apt's state the system-packages steps keep in cache mounts (namespaced by
// BUILDKIT_CACHE_MOUNT_NS), locked: apt takes its own locks there, and two builds must not
// update the lists at once.
const (
	AptListsDir     = "/var/lib/apt/lists"
	AptArchivesDir  = "/var/cache/apt"
	AptListsCacheID = "mlbuild-apt-lists"
	AptCacheID      = "mlbuild-apt-cache"
	// NoAptExit is the exit status of an apt step on a base image without apt-get.
	NoAptExit = 100
)

// CacheMountID is the id of a cache mount in a build with cache namespace ns
// (BUILDKIT_CACHE_MOUNT_NS).
func CacheMountID(ns, id string) string {
	if ns != "" {
		return ns + "/" + id
	}
	return id
}

// AptStep installs Debian or Ubuntu packages with apt-get: Script runs as root on the base
// image, with AptListsDir and AptArchivesDir as locked cache mounts and /tmp as a tmpfs.
type AptStep struct {
	// Packages are apt-get install's arguments, in the spec's order.
	Packages []string
}

// Script is the apt step's /bin/sh script. It refuses a base without apt-get (exit
// NoAptExit), installs the packages without their recommendations, removes the logs and
// caches apt, dpkg and ldconfig leave outside the cache mounts, and gives every file it
// wrote one modification time (SOURCE_DATE_EPOCH, else FixedMtime), so the layer is the
// same bytes when built again from the same archive state.
func (a *AptStep) Script() string {
	prune := []string{"/proc", "/sys", "/dev", "/tmp", "/run", AptListsDir, AptArchivesDir}
	var expr []string
	for _, p := range prune {
		expr = append(expr, "-path "+p)
	}
	return "set -eu\n" +
		"if ! command -v apt-get >/dev/null 2>&1; then echo 'mlbuild: this base image has no apt-get: system-packages and build-packages need a Debian or Ubuntu base' >&2; exit " + fmt.Sprint(NoAptExit) + "; fi\n" +
		"export DEBIAN_FRONTEND=noninteractive\n" +
		"mkdir -p /tmp/mlbuild && touch " + InstallStamp + "\n" +
		"apt-get update -q\n" +
		"apt-get install -y -q --no-install-recommends -o APT::Keep-Downloaded-Packages=true -- " + ShellJoin(a.Packages) + "\n" +
		"find /var/log -type f -cnewer " + InstallStamp + " -delete\n" +
		"rm -f /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/cache/ldconfig/aux-cache\n" +
		"find / -xdev \\( " + strings.Join(expr, " -o ") + " \\) -prune -o -cnewer " + InstallStamp + " -exec touch -h -d \"@" + fixedTime + "\" {} +"
}

// systemStep installs the target's system packages on the base, in a layer of its own that
// depends on nothing but the base and the list: targets with the same base and list share it.
func (p *Plan) systemStep() Step {
	pkgs := p.target.SystemPackages
	what := "apt-get install " + strings.Join(pkgs, " ")
	return Step{Kind: System, What: what, History: "mlbuild: " + what, SpecPath: p.spec.SystemPackagesPath(p.target), Apt: &AptStep{Packages: pkgs}}
}

// depsRoot decides what the dependency steps (venv, pip, project) run on: the base with the
// spec's system-packages and its build-packages, so sdists compile against them, but never
// a target's own system packages, so those steps stay shared by the targets on one base.
// Only the dependency steps' own output (the venv) goes into the image: the build packages
// are in no layer.
func (p *Plan) depsRoot() {
	s := p.spec
	if len(s.BuildPackages) == 0 {
		p.DepsOnSystem = len(s.SystemPackages) > 0 && len(p.target.SystemPackages) == len(s.SystemPackages)
		if len(s.SystemPackages) == 0 || p.DepsOnSystem {
			return
		}
	}
	pkgs := append(append([]string(nil), s.SystemPackages...), s.BuildPackages...)
	what := "apt-get install " + strings.Join(pkgs, " ") + " (where pip runs, in no layer)"
	specPath := "build-packages"
	if len(s.BuildPackages) == 0 {
		specPath = "system-packages"
	}
	p.BuildRoot = &Step{Kind: System, Name: p.names().unnumbered(what), What: what, SpecPath: specPath, Apt: &AptStep{Packages: pkgs}}
}

// Secret is a BuildKit secret a step mounts (pip's, a run step's).
type Secret = spec.PipSecret

// RunStep is a build-time command of the spec: it runs as the target's user, in its working
// directory, with the image's environment (and HOME), on the image without its code.
type RunStep struct {
	// Argv is the command; a shell-form command runs in /bin/sh -c.
	Argv []string
	// Dir is the working directory; User is "uid:gid"; Home is HOME.
	Dir, User, Home string
	// Secrets are mounted for the step only.
	Secrets []Secret `json:",omitempty"`
	// Caches are persistent cache mounts, owned by the user.
	Caches []CacheMount `json:",omitempty"`
}

// CacheMount is a persistent cache mount of a run step, created owned by UID:GID.
type CacheMount struct {
	// Target is where it is mounted; ID is its id before the cache namespace.
	Target, ID string
	UID, GID   int
}

// runStep is one of the target's build-time commands.
func (p *Plan) runStep(r spec.RunStep) Step {
	t := p.target
	u := t.User
	home := "/home/" + u.Name
	if *u.UID == 0 {
		home = "/root"
	}
	rs := &RunStep{Argv: CommandArgs(r.Command), Dir: t.Workdir, User: fmt.Sprintf("%d:%d", *u.UID, *u.GID), Home: home, Secrets: r.Secrets}
	for _, c := range r.Cache {
		c = path.Clean(c)
		rs.Caches = append(rs.Caches, CacheMount{Target: c, ID: "mlbuild-run" + c, UID: *u.UID, GID: *u.GID})
	}
	cmd := strings.Join(r.Command.Args, " ")
	if !r.Command.Shell {
		cmd = ShellJoin(r.Command.Args)
	}
	what := "run " + cmd
	if r.Name != "" {
		what = "run " + r.Name
	}
	return Step{Kind: Run, What: what, History: "mlbuild: RUN " + cmd, SpecPath: r.Path, Run: rs}
}

// Sharing names the other targets of s whose steps are target's own: those whose dependency
// steps are the same (the same base, and so the same Python on each platform, and the same
// groups and extras), and those whose system packages step is the same (the same base and
// list). The steps are shared once the base reference resolves to one digest, as it does
// within one build.
func Sharing(s *spec.Spec, target string) (deps, system []string) {
	t := s.Targets[target]
	g, e := s.Selection(t)
	for _, name := range s.TargetNames() {
		o := s.Targets[name]
		if name == target || s.BaseOf(o) != s.BaseOf(t) {
			continue
		}
		og, oe := s.Selection(o)
		if strings.Join(og, ",") == strings.Join(g, ",") && strings.Join(oe, ",") == strings.Join(e, ",") {
			deps = append(deps, name)
		}
		if len(t.SystemPackages) > 0 && strings.Join(o.SystemPackages, " ") == strings.Join(t.SystemPackages, " ") {
			system = append(system, name)
		}
	}
	return deps, system
}

// DescribeBase says which base target starts from and what it shares with the other
// targets, for --call outline: "base python:3.10-slim; dependency steps shared with
// inference; system packages shared with inference". Empty for a spec that sets no base per
// target and no system packages: every target then starts from the one base and shares the
// dependency steps it can.
func DescribeBase(s *spec.Spec, target string) string {
	t := s.Targets[target]
	perTarget := false
	for _, name := range s.TargetNames() {
		perTarget = perTarget || s.Has("targets."+name+".base")
	}
	if !perTarget && len(t.SystemPackages) == 0 {
		return ""
	}
	out := "base " + s.BaseOf(t)
	deps, system := Sharing(s, target)
	if len(deps) > 0 {
		out += "; dependency steps shared with " + strings.Join(deps, ", ")
	} else {
		out += "; dependency steps its own"
	}
	if len(t.SystemPackages) > 0 {
		out += "; system packages " + strings.Join(t.SystemPackages, " ")
		if len(system) > 0 {
			out += " (shared with " + strings.Join(system, ", ") + ")"
		}
	}
	return out
}

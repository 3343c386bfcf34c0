package spec

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
)

// debPackageRe is a Debian package name, optionally with "=VERSION" (apt accepts a trailing
// "*" glob in it) or "/RELEASE".
var debPackageRe = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:*-]+|/[a-z0-9.-]+)?$`)

// buildTools are packages needed to compile only, besides every "-dev" package.
var buildTools = []string{"build-essential", "gcc", "g++", "make", "cmake", "clang", "gfortran", "pkg-config", "pkgconf",
	"cpp", "autoconf", "automake", "libtool", "ninja-build", "swig", "cython3"}

// IsBuildPackage reports whether a Debian package is a compiler, a build tool or headers: a
// build-packages entry rather than a system-packages one.
func IsBuildPackage(pkg string) bool {
	name, _, _ := strings.Cut(strings.SplitN(pkg, "/", 2)[0], "=")
	return slices.Contains(buildTools, name) || strings.HasSuffix(name, "-dev") ||
		strings.HasPrefix(name, "gcc-") || strings.HasPrefix(name, "g++-")
}

// BaseOf is the base image target t starts from: its own base, else the spec's.
func (s *Spec) BaseOf(t *Target) string {
	if t.Base != "" {
		return t.Base
	}
	return s.Base
}

// BasePath is where target t's base is written: the target's own base, else the spec's.
func (s *Spec) BasePath(t *Target) string {
	if p := "targets." + t.Name + ".base"; s.Has(p) {
		return p
	}
	return "base"
}

// SystemPackagesPath is where target t's system packages are written: the target's own
// list when it has one, else the spec's.
func (s *Spec) SystemPackagesPath(t *Target) string {
	if p := "targets." + t.Name + ".system-packages"; s.Has(p) {
		return p
	}
	return "system-packages"
}

// NoAptBase reports whether an image reference names a base known to have no apt-get:
// Alpine (apk) and distroless images.
func NoAptBase(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	name := reference.Path(named)
	tag := ""
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return strings.Contains(name, "distroless") || path.Base(name) == "alpine" || tag == "alpine" ||
		strings.HasSuffix(tag, "-alpine") || strings.Contains(tag, "-alpine3") || strings.HasPrefix(tag, "alpine")
}

// checkPackages checks a list of Debian packages: valid names, each once.
func checkPackages(c *errs, p string, pkgs []string) {
	seen := map[string]int{}
	for i, pkg := range pkgs {
		ip := fmt.Sprintf("%s[%d]", p, i)
		if !debPackageRe.MatchString(pkg) {
			c.at(ip, "%q is not a Debian package name (lowercase letters, digits, '+', '-', '.'; optionally =VERSION or /RELEASE)", pkg)
			continue
		}
		name, _, _ := strings.Cut(strings.SplitN(pkg, "/", 2)[0], "=")
		if j, dup := seen[name]; dup {
			c.at(ip, "package %q is already listed at %s[%d]", name, p, j)
		}
		seen[name] = i
	}
}

// checkSystem checks the package lists and the targets' bases: a base known to have no
// apt-get cannot install them.
func checkSystem(c *errs, s *Spec) {
	checkPackages(c, "system-packages", s.SystemPackages)
	checkPackages(c, "build-packages", s.BuildPackages)
	reported := map[string]bool{}
	noApt := func(field, base string) {
		if reported[field+" "+base] {
			return
		}
		reported[field+" "+base] = true
		c.at(field, "base image %s has no apt-get (Alpine and distroless images do not): %s needs a Debian or Ubuntu base", base, field[strings.LastIndexByte(field, '.')+1:])
	}
	for _, name := range sortedKeys(s.Targets) {
		t, p := s.Targets[name], "targets."+name
		if s.Has(p + ".base") {
			if _, err := reference.ParseNormalizedNamed(t.Base); err != nil {
				c.at(p+".base", "%q is not an image reference: %v", t.Base, err)
				continue
			}
		}
		if s.Has(p + ".system-packages") {
			checkPackages(c, p+".system-packages", t.ownSystemPackages)
		}
		var own []RunStep
		for _, st := range t.Run {
			if strings.HasPrefix(st.Path, p+".run[") {
				own = append(own, st)
			}
		}
		checkRun(c, own)
		if !NoAptBase(s.BaseOf(t)) {
			continue
		}
		if len(t.SystemPackages) > 0 {
			noApt(s.SystemPackagesPath(t), s.BaseOf(t))
		}
		if len(s.BuildPackages) > 0 {
			noApt("build-packages", s.BaseOf(t))
		}
	}
}

// checkRun checks build-time run steps: a command, valid secrets, absolute cache directories.
func checkRun(c *errs, steps []RunStep) {
	for _, st := range steps {
		if st.Command == nil {
			c.at(st.Path+".command", "is required")
		} else {
			checkCommand(c, st.Path+".command", st.Command)
		}
		checkSecrets(c, st.Path+".secrets", st.Secrets)
		seen := map[string]int{}
		for i, d := range st.Cache {
			ip := fmt.Sprintf("%s.cache[%d]", st.Path, i)
			checkAbs(c, ip, d)
			if j, dup := seen[path.Clean(d)]; dup {
				c.at(ip, "%q is already listed at cache[%d]", d, j)
			}
			seen[path.Clean(d)] = i
		}
	}
}

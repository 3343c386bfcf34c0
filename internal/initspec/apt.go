package initspec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// aptFact is a Debian package a Dockerfile installs with apt-get install (or apt install).
type aptFact struct {
	pkg string
	at  where
}

var (
	debPackageRe = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:*-]+)?$`)
	// shellSplitRe splits a RUN line into its commands.
	shellSplitRe = regexp.MustCompile(`&&|\|\||;|\||\n`)
)

// aptPackages are the packages the apt-get install (or apt install) commands of a RUN line
// install, in order: the words after "install" that are not options or variables.
func aptPackages(line string) []string {
	var out []string
	for _, cmd := range shellSplitRe.Split(strings.ReplaceAll(line, "\\\n", " "), -1) {
		words := strings.Fields(strings.ReplaceAll(cmd, "\\", " "))
		i := slices.IndexFunc(words, func(w string) bool { return w == "apt-get" || w == "apt" })
		if i < 0 {
			continue
		}
		j := slices.Index(words[i:], "install")
		if j < 0 {
			continue
		}
		for _, w := range words[i+j+1:] {
			w = strings.Trim(w, `"'`)
			if strings.HasPrefix(w, "-") || strings.Contains(w, "$") || !debPackageRe.MatchString(w) {
				continue
			}
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// handledPackages are what the base image and mlbuild already provide: Python and its
// virtualenv and pip.
var handledPackages = []string{"python3", "python3-pip", "python3-venv", "python-is-python3", "python3-virtualenv"}

// planPackages splits the packages the Dockerfiles install into system-packages (what the
// images need at run time) and build-packages (compilers and headers, for pip only), with the
// file and line of each.
func (r *repo) planPackages(p *plan, d *declared) {
	var sysAt, buildAt []string
	for _, f := range d.apt {
		name, _, _ := strings.Cut(f.pkg, "=")
		if slices.Contains(handledPackages, name) {
			continue
		}
		if spec.IsBuildPackage(f.pkg) {
			if !slices.Contains(p.buildPackages, f.pkg) {
				p.buildPackages = append(p.buildPackages, f.pkg)
				buildAt = appendWhere(buildAt, f.at)
			}
			continue
		}
		if !slices.Contains(p.systemPackages, f.pkg) {
			p.systemPackages = append(p.systemPackages, f.pkg)
			sysAt = appendWhere(sysAt, f.at)
		}
	}
	if len(p.systemPackages) > 0 {
		p.systemWhy = fmt.Sprintf("Installed by apt-get in %s: in a layer of their own. Check the images need each at run time.", strings.Join(sysAt, ", "))
		r.note("system-packages %s: apt-get install in %s", strings.Join(p.systemPackages, " "), strings.Join(sysAt, ", "))
	}
	if len(p.buildPackages) > 0 {
		p.buildWhy = fmt.Sprintf("Compilers and headers installed by apt-get in %s: present only where pip runs, in no layer of the images.", strings.Join(buildAt, ", "))
		r.note("build-packages %s: apt-get install in %s (compilers and -dev packages)", strings.Join(p.buildPackages, " "), strings.Join(buildAt, ", "))
	}
}

func appendWhere(list []string, at where) []string {
	if s := at.String(); !slices.Contains(list, s) {
		return append(list, s)
	}
	return list
}

package spec

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// The kinds of dependency file a spec can install from.
const (
	SourceRequirements = "requirements"
	SourcePyproject    = "pyproject.toml"
	SourceUVLock       = "uv.lock"
	SourcePoetryLock   = "poetry.lock"
	SourcePylock       = "pylock.toml"
)

// DetectOrder is where the dependencies come from when the spec names no source: the first of
// these files the build context has. Locks come first (they say exactly what to install),
// the most specific standard first; a bare pyproject.toml last (pip resolves its ranges).
var DetectOrder = []string{"pylock.toml", "uv.lock", "poetry.lock", "requirements.txt", "pyproject.toml"}

var (
	pylockName = regexp.MustCompile(`^pylock\.([^.]+\.)?toml$`)
	groupName  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
)

// SourceKind is the kind of dependency file at p, by its name, or "" for none mlbuild reads.
func SourceKind(p string) string {
	switch base := path.Base(p); {
	case pylockName.MatchString(base):
		return SourcePylock
	case base == "uv.lock", base == "poetry.lock", base == "pyproject.toml":
		return base
	case strings.HasSuffix(base, ".txt"), strings.HasSuffix(base, ".in"):
		return SourceRequirements
	}
	return ""
}

// DependencyFiles are the files the spec names as its dependency source: its requirements
// when it sets them (an empty list: nothing to install), else dependencies.from. named is
// false when the spec names none: the frontend then takes the first of DetectOrder that the
// build context has.
func (s *Spec) DependencyFiles() (files []string, named bool) {
	switch {
	case s.Has("requirements"):
		return s.Requirements, true
	case s.Dependencies != nil && s.Dependencies.From != "":
		return []string{s.Dependencies.From}, true
	}
	return nil, false
}

// Selection is the dependency groups and extras target t installs: the spec's, then the
// target's own, each once.
func (s *Spec) Selection(t *Target) (groups, extras []string) {
	add := func(to []string, more []string) []string {
		for _, m := range more {
			if !slices.Contains(to, m) {
				to = append(to, m)
			}
		}
		return to
	}
	if d := s.Dependencies; d != nil {
		groups, extras = add(groups, d.Groups), add(extras, d.Extras)
	}
	if d := t.Dependencies; d != nil {
		groups, extras = add(groups, d.Groups), add(extras, d.Extras)
	}
	return groups, extras
}

// Members are the uv workspace members target t installs: the spec's, then the target's
// own, each once.
func (s *Spec) Members(t *Target) []string {
	var out []string
	add := func(more []string) {
		for _, m := range more {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	if d := s.Dependencies; d != nil {
		add(d.Members)
	}
	if d := t.Dependencies; d != nil {
		add(d.Members)
	}
	return out
}

// InstallsProject reports whether the project itself is built and installed.
func (s *Spec) InstallsProject() bool {
	return s.Dependencies != nil && s.Dependencies.Project != nil && *s.Dependencies.Project
}

// The values of dependencies.layers.
const (
	LayersPackages = "packages"
	LayersSingle   = "single"
)

// checkDependencies checks the dependency source and the group and extra names; a group or
// extra asked of requirements files, which have none, is an error where it is asked.
func checkDependencies(c *errs, s *Spec) {
	d := s.Dependencies
	if d.From != "" {
		checkContextPath(c, "dependencies.from", d.From)
		if SourceKind(d.From) == "" {
			c.at("dependencies.from", "%q is not a dependency file mlbuild reads (pylock.toml, uv.lock, poetry.lock, pyproject.toml, or a requirements *.txt)", d.From)
		}
		if s.Has("requirements") {
			c.at("dependencies.from", "set either requirements or dependencies.from, not both")
		}
	}
	if d.Layers != LayersPackages && d.Layers != LayersSingle {
		c.at("dependencies.layers", "%q is not a layout: use %q (a layer per package) or %q (one layer)", d.Layers, LayersPackages, LayersSingle)
	}
	files, named := s.DependencyFiles()
	plain := named && (len(files) == 0 || SourceKind(files[0]) == SourceRequirements)
	check := func(p string, groups, extras, members []string) {
		for i, m := range members {
			switch {
			case !groupName.MatchString(m):
				c.at(fmt.Sprintf("%s.members[%d]", p, i), "%q is not a valid project name (letters, digits, '.', '_', '-')", m)
			case named && len(files) > 0 && SourceKind(files[0]) != SourceUVLock:
				c.at(fmt.Sprintf("%s.members[%d]", p, i), "workspace members come from a uv.lock; %s has none", files[0])
			}
		}
		for i, g := range groups {
			checkSelectionName(c, fmt.Sprintf("%s.groups[%d]", p, i), g, plain)
		}
		for i, e := range extras {
			checkSelectionName(c, fmt.Sprintf("%s.extras[%d]", p, i), e, plain)
		}
	}
	check("dependencies", d.Groups, d.Extras, d.Members)
	for _, name := range sortedKeys(s.Targets) {
		if td := s.Targets[name].Dependencies; td != nil && s.Has(TargetPath(name, "dependencies")) {
			check(TargetPath(name, "dependencies"), td.Groups, td.Extras, td.Members)
		}
	}
}

func checkSelectionName(c *errs, p, name string, plain bool) {
	switch {
	case !groupName.MatchString(name):
		c.at(p, "%q is not a valid group or extra name (letters, digits, '.', '_', '-')", name)
	case plain:
		c.at(p, "requirements files have no groups or extras: install %q from a pyproject.toml or a lock (dependencies.from)", name)
	}
}

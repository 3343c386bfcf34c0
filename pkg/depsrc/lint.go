package depsrc

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/located"
	"github.com/mlbuild/mlbuild/pkg/pydeps"
	"github.com/mlbuild/mlbuild/pkg/spec"
)

// Check is lint, as frontend lint and --call check both run it: Find (reading the files of
// Paths), CheckSelection for every target, and LintAll. err is what a build would refuse,
// nil when nothing (see Source.LintError for how lint words a stale lock).
func Check(s *spec.Spec, read Reader) (*Source, []spec.Warning, error) {
	d, err := Find(s, read)
	if err == nil {
		err = d.CheckSelection(s)
	}
	return d, LintAll(s, d), err
}

// LintAll is every lint warning of a spec and its dependency source d (Find's, also when it
// failed), each located in the file it is about, from the one registry (spec.Rules): what
// frontend lint and --call check both report.
func LintAll(s *spec.Spec, d *Source) []spec.Warning {
	return append(spec.Lint(s, d.Requirements()), d.Lint(s)...)
}

// Lint returns the warnings about the dependency files: each difference between a lock and
// the pyproject.toml beside it (pydeps.StaleErrors), located in the file it is about; and a
// lock that the spec's source (requirements files, a pyproject.toml) leaves unused, located
// at the spec's source. It works on what Find could parse, also when it failed.
func (d *Source) Lint(s *spec.Spec) []spec.Warning {
	var out []spec.Warning
	if d.kind == "" {
		return out
	}
	for _, e := range d.stale() {
		msg := e.Msg
		if e.Path != "" {
			msg = e.Path + ": " + msg
		}
		out = append(out, spec.Warning{Rule: spec.RuleStaleLock, File: e.File, Range: e.Range, Message: msg})
	}
	if d.lock != nil && d.project != nil {
		if e := pydeps.StaleUnchecked(d.project, d.lock); e != nil {
			out = append(out, spec.Warning{Rule: spec.RuleStalenessNotChecked, File: e.File, Range: e.Range, Message: e.Path + ": " + e.Msg})
		}
	}
	for _, l := range lockCandidates(s) {
		if _, ok := d.files[l]; ok {
			fix := "set dependencies.from: " + l
			if s.Has("requirements") {
				fix += " and remove requirements"
			}
			out = append(out, spec.Warning{Rule: spec.RuleLockNotUsed, File: s.File, Range: s.Locate(SpecPath(s)),
				Message: fmt.Sprintf("%s is in the context but dependencies come from %s; to install the lock, %s", l, d.source, fix)})
		}
	}
	return out
}

// stale are the differences between the lock and its pyproject.toml.
func (d *Source) stale() located.Errors {
	if d.lock == nil || d.project == nil {
		return nil
	}
	return pydeps.StaleErrors(d.project, d.lock)
}

// Stale reports whether Find's error is a lock out of date with its pyproject.toml, which
// Lint reports difference by difference.
func (d *Source) Stale() bool { return len(d.stale()) > 0 }

// LintError is how lint reports Find's error err: for a lock out of date with its
// pyproject.toml, one sentence (Lint has a warning for each difference); else err itself.
func (d *Source) LintError(err error) error {
	if n := len(d.stale()); n > 0 && err != nil {
		what := "differences"
		if n == 1 {
			what = "difference"
		}
		return fmt.Errorf("%s is out of date with %s (%d %s): builds refuse it until it is locked again",
			d.source, path.Join(path.Dir(d.source), "pyproject.toml"), n, what)
	}
	return err
}

// lockCandidates are the locks lint looks for when the spec names requirements files or a
// pyproject.toml as the source: those of spec.DetectOrder in the context's root and beside
// the source.
func lockCandidates(s *spec.Spec) []string {
	files, named := s.DependencyFiles()
	if !named || len(files) == 0 {
		return nil
	}
	if k := spec.SourceKind(files[0]); k != spec.SourceRequirements && k != spec.SourcePyproject {
		return nil
	}
	var out []string
	for _, dir := range []string{".", path.Dir(files[0])} {
		for _, f := range spec.DetectOrder {
			if p := path.Join(dir, f); isLock(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func isLock(p string) bool {
	switch spec.SourceKind(p) {
	case spec.SourcePylock, spec.SourceUVLock, spec.SourcePoetryLock:
		return true
	}
	return false
}

// SpecPath is the spec path that says where the dependencies come from.
func SpecPath(s *spec.Spec) string {
	for _, p := range []string{"requirements", "dependencies.from", "dependencies"} {
		if s.Has(p) {
			return p
		}
	}
	return "requirements"
}

// Describe says where target t's dependencies come from, for --call outline:
// "dependencies: uv.lock (detected; groups: train; extras: gpu; members: api; project
// installed)". d and
// err are Find's; a source the build could not use is still named (as found, or as the spec
// names it), and --call check and the build say why.
func Describe(s *spec.Spec, t *spec.Target, d *Source, err error) string {
	files, named := s.DependencyFiles()
	var notes []string
	source := ""
	switch {
	case d.kind == "" && !named:
		return "dependencies: none found (see --call check)"
	case d.kind == "":
		source = strings.Join(files, " ")
	case d.kind == spec.SourceRequirements && len(d.requirements) == 0:
		source = "none (requirements: [])"
	default:
		source = d.source
		if !named {
			notes = append(notes, "detected")
		}
	}
	if err != nil {
		notes = append(notes, "unusable: see --call check")
	}
	groups, extras := s.Selection(t)
	if len(groups) > 0 {
		notes = append(notes, "groups: "+strings.Join(groups, ", "))
	}
	if len(extras) > 0 {
		notes = append(notes, "extras: "+strings.Join(extras, ", "))
	}
	if members := s.Members(t); len(members) > 0 {
		notes = append(notes, "members: "+strings.Join(members, ", "))
	}
	if s.InstallsProject() {
		notes = append(notes, "project installed")
	}
	if len(notes) == 0 {
		return "dependencies: " + source
	}
	return "dependencies: " + source + " (" + strings.Join(notes, "; ") + ")"
}

// Installs reports whether the build runs pip (and so uses pip's cache mount), from Find's
// Source (whose kind is "" when no source was found).
func (d *Source) Installs(s *spec.Spec) bool {
	switch {
	case s.InstallsProject():
		return true
	case d.kind == "":
		files, named := s.DependencyFiles()
		return !named || len(files) > 0
	}
	return d.kind != spec.SourceRequirements || len(d.requirements) > 0
}

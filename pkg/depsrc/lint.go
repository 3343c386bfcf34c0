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

// Warning is a lint warning about the dependency files, located in the file it is about:
// the spec (File is the spec's file name) or a dependency file (its path in the context).
type Warning struct {
	Rule, Description, Message string
	File                       string
	Range                      located.Range
}

// The rules of the dependency lint.
const (
	// RuleStaleLock: pyproject.toml declares what the lock does not record
	// (pydeps.StaleErrors); builds refuse such a lock.
	RuleStaleLock = "StaleLock"
	// RuleLockNotUsed: the context has a lock, but the spec installs from requirements files
	// or a pyproject.toml.
	RuleLockNotUsed = "LockNotUsed"
)

// Lint returns the warnings about the dependency files: each difference between a lock and
// the pyproject.toml beside it (pydeps.StaleErrors), located in the file it is about; and a
// lock that the spec's source (requirements files, a pyproject.toml) leaves unused, located
// at the spec's source. It works on what Find could parse, also when it failed.
func (d *Source) Lint(s *spec.Spec) []Warning {
	var out []Warning
	if d.kind == "" {
		return out
	}
	for _, e := range d.stale() {
		msg := e.Msg
		if e.Path != "" {
			msg = e.Path + ": " + msg
		}
		out = append(out, Warning{Rule: RuleStaleLock, File: e.File, Range: e.Range, Message: msg,
			Description: "The lock does not record what pyproject.toml declares: builds refuse it until it is locked again."})
	}
	for _, l := range lockCandidates(s) {
		if _, ok := d.files[l]; ok {
			fix := "set dependencies.from: " + l
			if s.Has("requirements") {
				fix += " and remove requirements"
			}
			out = append(out, Warning{Rule: RuleLockNotUsed, File: s.File, Range: s.Locate(SpecPath(s)),
				Description: "A lock is in the build context, but the spec installs from another file: the lock's versions and hashes are not used.",
				Message:     fmt.Sprintf("%s is in the context but dependencies come from %s; to install the lock, %s", l, d.source, fix)})
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
// "dependencies: uv.lock (detected; groups: train; extras: gpu; project installed)". d and
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

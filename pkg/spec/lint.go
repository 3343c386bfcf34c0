package spec

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/distribution/reference"
)

// Warning is a lint finding: legal input that is probably a mistake, located in the file it
// is about (the spec, or a dependency file: its path in the build context).
type Warning struct {
	Rule    Rule
	Message string
	File    string
	Range   Range
}

// Rule is a lint rule of the registry (Rules): frontend lint, --call check and the build's
// warnings all report these, documented at LintURL.
type Rule struct {
	// Name is how the rule is reported ("UnpinnedBaseImage").
	Name string
	// Description says in one sentence why it matters.
	Description string
}

// LintURL documents every lint rule (docs/spec.md, "Lint warnings").
const LintURL = "https://github.com/mlbuild/mlbuild/blob/main/docs/spec.md#lint-warnings"

// The lint rules. Lint reports the spec's; pkg/depsrc those about the dependency files.
var (
	RuleUnpinnedBaseImage      = Rule{"UnpinnedBaseImage", "The base image has no tag or uses :latest, and no digest, so it changes under you."}
	RulePythonEndOfLife        = Rule{"PythonEndOfLife", "Python 3.10 reached end of life in October 2026."}
	RuleRootUser               = Rule{"RootUser", "The image runs as root."}
	RuleHealthcheckWithoutPort = Rule{"HealthcheckWithoutPort", "A healthcheck on a target that exposes no port."}
	RuleSecretInEnv            = Rule{"SecretInEnv", "A secret-looking value is baked into the image environment."}
	RuleSecretInArg            = Rule{"SecretInArg", "Build arguments are recorded in the build history."}
	RulePipNoCacheDir          = Rule{"PipNoCacheDir", "--no-cache-dir defeats the pip cache mount."}
	RuleCompilerInImage        = Rule{"CompilerInImage", "A compiler or headers in system-packages end up in every image."}
	RuleUnpinnedRequirement    = Rule{"UnpinnedRequirement", "A requirement without an exact version makes builds unreproducible."}
	RuleLockNotUsed            = Rule{"LockNotUsed", "A lock is in the build context, but the spec installs from another file: the lock's versions and hashes are not used."}
	RuleStaleLock              = Rule{"StaleLock", "The lock does not record what pyproject.toml declares: builds refuse it until it is locked again."}
	RuleStalenessNotChecked    = Rule{"StalenessNotChecked", "The project's dependencies are computed by its build backend: whether the lock is up to date with them is not checked (uv builds the project to know)."}
)

// Rules is the lint registry, in the order docs/spec.md lists them.
var Rules = []Rule{RuleUnpinnedBaseImage, RulePythonEndOfLife, RuleRootUser, RuleHealthcheckWithoutPort, RuleSecretInEnv,
	RuleSecretInArg, RulePipNoCacheDir, RuleCompilerInImage, RuleUnpinnedRequirement, RuleLockNotUsed, RuleStaleLock, RuleStalenessNotChecked}

// secretWords are the name parts (split at "_", "-" and ".") that mark a secret-looking
// variable: API_TOKEN and DB_PASSWORD warn, TOKENIZERS_PARALLELISM does not.
var secretWords = map[string]bool{"PASSWORD": true, "PASSWD": true, "SECRET": true, "TOKEN": true,
	"APIKEY": true, "CREDENTIAL": true, "CREDENTIALS": true, "PRIVATEKEY": true, "ACCESSKEY": true}

func secretLike(name string) bool {
	parts := regexp.MustCompile(`[_.\-]+`).Split(strings.ToUpper(name), -1)
	for i, p := range parts {
		if secretWords[p] || (i > 0 && secretWords[parts[i-1]+p]) {
			return true
		}
	}
	return false
}

// Lint returns the warnings for a loaded spec. requirements are the requirements files the
// build installs (those the spec lists, the one dependencies.from names, or the one the
// frontend detected), by name, where the caller could read them; missing entries are not
// checked.
func Lint(s *Spec, requirements map[string][]byte) []Warning {
	var out []Warning
	warn := func(rule Rule, path, format string, args ...any) {
		out = append(out, Warning{Rule: rule, Message: fmt.Sprintf(format, args...), File: s.File, Range: s.Pos(path)})
	}
	if named, err := reference.ParseNormalizedNamed(s.Base); err == nil {
		_, digested := named.(reference.Digested)
		tagged, isTagged := named.(reference.Tagged)
		switch {
		case !digested && !isTagged:
			warn(RuleUnpinnedBaseImage, "base", "base %q has no tag; pin a version tag or a digest", s.Base)
		case !digested && tagged.Tag() == "latest":
			warn(RuleUnpinnedBaseImage, "base", "base %q uses the latest tag; pin a version", s.Base)
		}
		if strings.Contains(s.Base, "python:3.10") {
			warn(RulePythonEndOfLife, "base", "%s is end of life since October 2026; consider python:3.12-slim", s.Base)
		}
	}
	reported := map[string]bool{}
	for _, name := range s.TargetNames() {
		t := s.Targets[name]
		p := TargetPath(name)
		if t.User != nil && t.User.UID != nil && *t.User.UID == 0 {
			up := p + ".user"
			if !s.Has(up) {
				up = "user"
			}
			if !reported[up] || up != "user" {
				warn(RuleRootUser, up, "target %s runs as root; drop the uid: 0 override", name)
			}
			reported[up] = true
		}
		if t.Healthcheck != nil && !t.Healthcheck.Disabled && len(t.Expose) == 0 {
			warn(RuleHealthcheckWithoutPort, p+".healthcheck", "target %s has a healthcheck but exposes no port", name)
		}
		for _, k := range sortedKeys(t.Env) {
			if secretLike(k) && t.Env[k] != "" {
				path := p + ".env." + k
				if !s.Has(path) {
					path = "env." + k
					if reported[path] {
						continue
					}
					reported[path] = true
				}
				warn(RuleSecretInEnv, path, "env %s looks like a secret and would be stored in the image config; pass it at run time or as a BuildKit secret", k)
			}
		}
	}
	for _, k := range sortedKeys(s.Args) {
		if secretLike(k) {
			warn(RuleSecretInArg, "args."+k, "build argument %s looks like a secret; use a BuildKit secret (pip.secrets)", k)
		}
	}
	for i, a := range s.Pip.Args {
		if a == "--no-cache-dir" {
			warn(RulePipNoCacheDir, fmt.Sprintf("pip.args[%d]", i), "--no-cache-dir disables the persistent pip cache mount and slows rebuilds; mlbuild already keeps the cache out of the image")
		}
	}
	for i, pkg := range s.SystemPackages {
		if IsBuildPackage(pkg) {
			warn(RuleCompilerInImage, fmt.Sprintf("system-packages[%d]", i),
				"%s is a build tool or headers: list it under build-packages, present only where pip runs and in no layer", pkg)
		}
	}
	for _, r := range requirementsOrder(s, requirements) {
		dt := requirements[r]
		text, _, err := DecodeText(dt)
		if err != nil {
			continue
		}
		for ln, line := range strings.Split(text, "\n") {
			req := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
			if req == "" || strings.HasPrefix(req, "-") || strings.Contains(req, "://") || strings.HasPrefix(req, ".") || strings.HasPrefix(req, "/") {
				continue
			}
			if !strings.Contains(req, "==") && !strings.Contains(req, "===") && !strings.Contains(req, "@") {
				warn(RuleUnpinnedRequirement, requirementsPath(s, r), "%s:%d: %q is not pinned with ==", r, ln+1, req)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range.Start.Line < out[j].Range.Start.Line })
	return out
}

// requirementsOrder are the requirements files given to Lint in the spec's order: those it
// lists, the one dependencies.from names, then any other (a detected requirements.txt).
func requirementsOrder(s *Spec, requirements map[string][]byte) []string {
	var out []string
	for _, r := range s.Requirements {
		if _, ok := requirements[r]; ok && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(requirements)) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// requirementsPath is where the spec names requirements file r: its entry in requirements,
// dependencies.from, or (a detected file) the spec path that would name it.
func requirementsPath(s *Spec, r string) string {
	if i := slices.Index(s.Requirements, r); i >= 0 {
		return fmt.Sprintf("requirements[%d]", i)
	}
	if s.Dependencies != nil && s.Dependencies.From == r {
		return "dependencies.from"
	}
	return "requirements"
}

// DecodeText decodes a requirements file as pip does: a UTF-8, UTF-16 or UTF-32 byte order
// mark says the encoding, else it is UTF-8. enc names an encoding other than plain UTF-8.
func DecodeText(data []byte) (text, enc string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data, enc = data[3:], "UTF-8 with a byte order mark"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return "", "", fmt.Errorf("UTF-32, which mlbuild does not read")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		be := data[0] == 0xFE
		data = data[2:]
		if len(data)%2 != 0 {
			return "", "", fmt.Errorf("UTF-16 with an odd number of bytes")
		}
		u := make([]uint16, len(data)/2)
		for i := range u {
			if be {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		enc = "UTF-16 (little-endian)"
		if be {
			enc = "UTF-16 (big-endian)"
		}
		return string(utf16.Decode(u)), enc, nil
	}
	if !utf8.Valid(data) {
		if bytes.Contains(data, []byte{0}) {
			return "", "", fmt.Errorf("UTF-16 without a byte order mark")
		}
		return "", "", fmt.Errorf("not UTF-8")
	}
	return string(data), enc, nil
}

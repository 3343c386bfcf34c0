package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/distribution/reference"
)

// Warning is a lint finding: legal input that is probably a mistake.
type Warning struct {
	Rule        string
	Description string
	URL         string
	Message     string
	Range       Range
}

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

// Lint returns the warnings for a loaded spec. requirements maps requirements file names to
// their contents where the caller could read them; missing entries are not checked.
func Lint(s *Spec, requirements map[string][]byte) []Warning {
	var out []Warning
	warn := func(rule, desc, path, format string, args ...any) {
		out = append(out, Warning{Rule: rule, Description: desc, Message: fmt.Sprintf(format, args...), Range: s.Pos(path)})
	}
	if named, err := reference.ParseNormalizedNamed(s.Base); err == nil {
		_, digested := named.(reference.Digested)
		tagged, isTagged := named.(reference.Tagged)
		switch {
		case !digested && !isTagged:
			warn("UnpinnedBaseImage", "The base image has no tag, so it means :latest and changes under you.", "base", "base %q has no tag; pin a version tag or a digest", s.Base)
		case !digested && tagged.Tag() == "latest":
			warn("UnpinnedBaseImage", "The base image uses :latest, which changes under you.", "base", "base %q uses the latest tag; pin a version", s.Base)
		}
		if strings.Contains(s.Base, "python:3.10") {
			warn("PythonEndOfLife", "Python 3.10 reached end of life in October 2026.", "base", "%s is end of life since October 2026; consider python:3.12-slim", s.Base)
		}
	}
	reported := map[string]bool{}
	for _, name := range s.TargetNames() {
		t := s.Targets[name]
		p := "targets." + name
		if t.User != nil && t.User.UID != nil && *t.User.UID == 0 {
			up := p + ".user"
			if !s.Has(up) {
				up = "user"
			}
			if !reported[up] || up != "user" {
				warn("RootUser", "The image runs as root.", up, "target %s runs as root; drop the uid: 0 override", name)
			}
			reported[up] = true
		}
		if t.Healthcheck != nil && !t.Healthcheck.Disabled && len(t.Expose) == 0 {
			warn("HealthcheckWithoutPort", "A healthcheck on a target that exposes no port.", p+".healthcheck", "target %s has a healthcheck but exposes no port", name)
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
				warn("SecretInEnv", "A secret-looking value is baked into the image environment.", path, "env %s looks like a secret and would be stored in the image config; pass it at run time or as a BuildKit secret", k)
			}
		}
	}
	for _, k := range sortedKeys(s.Args) {
		if secretLike(k) {
			warn("SecretInArg", "Build arguments are recorded in the build history.", "args."+k, "build argument %s looks like a secret; use a BuildKit secret (pip.secrets)", k)
		}
	}
	for i, a := range s.Pip.Args {
		if a == "--no-cache-dir" {
			warn("PipNoCacheDir", "--no-cache-dir defeats the pip cache mount.", fmt.Sprintf("pip.args[%d]", i), "--no-cache-dir disables the persistent pip cache mount and slows rebuilds; mlbuild already keeps the cache out of the image")
		}
	}
	for i, r := range s.Requirements {
		dt, ok := requirements[r]
		if !ok {
			continue
		}
		for ln, line := range strings.Split(string(dt), "\n") {
			req := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
			if req == "" || strings.HasPrefix(req, "-") || strings.Contains(req, "://") || strings.HasPrefix(req, ".") || strings.HasPrefix(req, "/") {
				continue
			}
			if !strings.Contains(req, "==") && !strings.Contains(req, "===") && !strings.Contains(req, "@") {
				warn("UnpinnedRequirement", "A requirement without an exact version makes builds unreproducible.", fmt.Sprintf("requirements[%d]", i), "%s:%d: %q is not pinned with ==", r, ln+1, req)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range.Start.Line < out[j].Range.Start.Line })
	return out
}

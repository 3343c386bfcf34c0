package spec

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/distribution/reference"
)

// validate checks a defaulted spec, recording every problem.
func validate(s *Spec, c *errs) {
	if !s.Has("version") {
		c.at("version", "is required: start the file with \"version: 1\" after the # syntax= line")
	} else if s.Version != 1 {
		c.at("version", "%d is not supported; this frontend reads version 1", s.Version)
	}
	if _, err := reference.ParseNormalizedNamed(s.Base); err != nil {
		c.at("base", "%q is not an image reference: %v", s.Base, err)
	}
	for _, k := range sortedKeys(s.Args) {
		if !envNameRe.MatchString(k) {
			c.at("args."+k, "%q is not a valid build argument name", k)
		}
	}
	checkAbs(c, "workdir", s.Workdir)
	checkAbs(c, "python.venv", s.Python.Venv)
	checkUser(c, s, "user", s.User)
	for i, r := range s.Requirements {
		checkContextPath(c, fmt.Sprintf("requirements[%d]", i), r)
	}
	checkDependencies(c, s)
	checkPip(c, s.Pip)
	checkSystem(c, s)
	checkRun(c, s.Run)
	checkEnv(c, "env", s.Env)
	checkLabels(c, "labels", s.Labels)
	for _, name := range sortedKeys(s.Targets) {
		p := TargetPath(name)
		if !targetNameRe.MatchString(name) {
			c.at(p, "%q is not a valid target name (letters, digits, '.', '_', '-')", name)
		}
		checkTarget(c, s, p, s.Targets[name])
	}
	if s.Targets[s.DefaultTarget] == nil {
		c.at("default-target", "unknown target %q%s", s.DefaultTarget, suggest(s.DefaultTarget, s.TargetNames()))
	}
}

// checkTarget checks a target's own fields; what it inherits from the top level or from the
// target it extends is checked (and reported) there, once.
func checkTarget(c *errs, s *Spec, p string, t *Target) {
	if s.Has(p + ".workdir") {
		checkAbs(c, p+".workdir", t.Workdir)
	}
	if s.Has(p + ".user") {
		checkUser(c, s, p+".user", t.User)
	}
	checkCopies(c, p, t)
	checkTargetCommands(c, s, p, t)
	checkTargetEnv(c, s, p, t.Env)
	checkLabels(c, p+".labels", t.Labels)
	checkExpose(c, p, t.Expose)
	checkWritable(c, p, t.Writable)
	if s.Has(p + ".pythonpath") {
		for i, pp := range t.PythonPath {
			checkAbs(c, fmt.Sprintf("%s.pythonpath[%d]", p, i), pp)
		}
	}
	checkHealthcheck(c, p+".healthcheck", t.Healthcheck)
}

// checkCopies checks every copy entry and that no two copy to the same destination.
func checkCopies(c *errs, p string, t *Target) {
	seen := map[string]int{}
	for i, cp := range t.Copy {
		ip := fmt.Sprintf("%s.copy[%d]", p, i)
		if !checkCopy(c, ip, cp) {
			continue
		}
		dst := path.Clean(t.CopyDest(cp))
		if j, dup := seen[dst]; dup {
			c.at(ip+".to", "copies to %s, as copy[%d] already does", dst, j)
		}
		seen[dst] = i
	}
}

// checkCopy checks one copy entry's fields and reports whether it has a source.
func checkCopy(c *errs, ip string, cp Copy) bool {
	if cp.From == "" {
		c.at(ip+".from", "is required")
		return false
	}
	checkContextPath(c, ip+".from", cp.From)
	if cp.To != cp.From && hasDotDot(cp.To) {
		c.at(ip+".to", "%q must not contain \"..\"", cp.To)
	}
	if cp.Context != "" && !contextNameRe.MatchString(cp.Context) {
		c.at(ip+".context", "%q is not a valid build context name (lowercase letters, digits, '.', '_', '-')", cp.Context)
	}
	return true
}

// checkTargetCommands checks the command, tests, smoke test and entrypoint of a target.
func checkTargetCommands(c *errs, s *Spec, p string, t *Target) {
	if t.Command == nil && t.Entrypoint == nil {
		c.at(p+".command", "is required: this target has no default command (set command or entrypoint)")
	}
	checkCommand(c, p+".command", t.Command)
	for i := range t.Test {
		checkCommand(c, fmt.Sprintf("%s.test[%d]", p, i), &t.Test[i])
	}
	if *t.SmokeTest && (t.Healthcheck == nil || t.Healthcheck.Disabled) && s.Has(p+".smoke-test") {
		c.at(p+".smoke-test", "needs a healthcheck: the smoke test waits for it to pass")
	}
	checkCommand(c, p+".entrypoint", t.Entrypoint)
}

// checkTargetEnv checks the names of the environment variables the target sets itself.
func checkTargetEnv(c *errs, s *Spec, p string, env map[string]string) {
	for _, k := range sortedKeys(env) {
		if s.Has(p+".env."+k) && !envNameRe.MatchString(k) {
			c.at(p+".env."+k, "%q is not a valid environment variable name", k)
		}
	}
}

// checkExpose reports a port listed twice.
func checkExpose(c *errs, p string, expose []Port) {
	ports := map[Port]int{}
	for i, port := range expose {
		if j, dup := ports[port]; dup {
			c.at(fmt.Sprintf("%s.expose[%d]", p, i), "port %d/%s is already listed at expose[%d]", port.Number, port.Protocol, j)
		}
		ports[port] = i
	}
}

// checkWritable checks the directories the user is given: plain paths below the root.
func checkWritable(c *errs, p string, writable []string) {
	for i, w := range writable {
		wp := fmt.Sprintf("%s.writable[%d]", p, i)
		switch {
		case w == "" || w == "/":
			c.at(wp, "%q is not a directory the user may own", w)
		case hasDotDot(w):
			c.at(wp, "%q must not contain \"..\"", w)
		case strings.ContainsAny(w, "*?[\\\n"):
			c.at(wp, "%q must be a plain path (no wildcards or backslashes)", w)
		}
	}
}

// checkHealthcheck checks an enabled healthcheck: its probe, its timings and its retries.
func checkHealthcheck(c *errs, hp string, h *Healthcheck) {
	if h == nil || h.Disabled {
		return
	}
	if r := IntRanges["Healthcheck.port"]; h.Port != nil && (int64(*h.Port) < r.Min || int64(*h.Port) > r.Max) {
		c.at(hp+".port", "%d is not a port (%d-%d)", *h.Port, r.Min, r.Max)
	}
	if h.Command == nil {
		checkHTTPProbe(c, hp, h)
	} else {
		checkCommand(c, hp+".command", h.Command)
	}
	for _, d := range []struct {
		name string
		v    *Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start-period", h.StartPeriod}, {"start-interval", h.StartInterval}} {
		if time.Duration(*d.v) < time.Millisecond {
			c.at(hp+"."+d.name, "%s is too short (at least 1ms)", time.Duration(*d.v))
		}
	}
	if *h.Retries < 0 {
		c.at(hp+".retries", "%d must not be negative", *h.Retries)
	}
}

// checkHTTPProbe checks the port and path a healthcheck without a command probes.
func checkHTTPProbe(c *errs, hp string, h *Healthcheck) {
	if h.Port == nil {
		c.at(hp+".port", "is required: the target exposes no port to probe (set expose, healthcheck.port or healthcheck.command)")
	}
	if !strings.HasPrefix(h.Path, "/") {
		c.at(hp+".path", "%q must start with \"/\"", h.Path)
	} else if strings.ContainsAny(h.Path, "'\"\\ \n") {
		c.at(hp+".path", "%q must not contain quotes, spaces or backslashes", h.Path)
	}
}

func checkPip(c *errs, p *Pip) {
	checkURL(c, "pip.index-url", p.IndexURL)
	for i, u := range p.ExtraIndexURLs {
		checkURL(c, fmt.Sprintf("pip.extra-index-urls[%d]", i), u)
	}
	for i, u := range p.FindLinks {
		if strings.Contains(u, "://") {
			checkURL(c, fmt.Sprintf("pip.find-links[%d]", i), u)
		}
	}
	checkSecrets(c, "pip.secrets", p.Secrets)
	for i, a := range p.Args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v // --index-url=https://...
		}
		if strings.Contains(a, "://") {
			if u, err := url.Parse(a); err == nil && u.User != nil {
				c.at(fmt.Sprintf("pip.args[%d]", i), "carries credentials: pass them with a BuildKit secret (pip.secrets), never in the spec")
			}
		}
	}
}

// checkSecrets checks a list of secrets (pip's, a run step's): ids, each once, and where
// each goes.
func checkSecrets(c *errs, p string, list []PipSecret) {
	ids := map[string]bool{}
	for i, sec := range list {
		sp := fmt.Sprintf("%s[%d]", p, i)
		switch {
		case sec.ID == "":
			c.at(sp+".id", "is required")
		case !secretIDRe.MatchString(sec.ID):
			c.at(sp+".id", "%q is not a valid secret id", sec.ID)
		case ids[sec.ID]:
			c.at(sp+".id", "secret %q is listed twice", sec.ID)
		}
		ids[sec.ID] = true
		if sec.Env != "" && !envNameRe.MatchString(sec.Env) {
			c.at(sp+".env", "%q is not a valid environment variable name", sec.Env)
		}
		if sec.Env != "" && sec.Target != "" {
			c.at(sp+".target", "set env or target, not both")
		}
		if sec.Target != "" {
			checkAbs(c, sp+".target", sec.Target)
		}
	}
}

func checkURL(c *errs, p, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme == "file" && u.Path == "", u.Scheme != "file" && u.Host == "",
		u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file":
		c.at(p, "%q is not an http(s) or file URL", s)
	case u.User != nil:
		c.at(p, "carries credentials: they would be recorded in the build; pass the URL through a BuildKit secret (pip.secrets, e.g. env: PIP_INDEX_URL or PIP_EXTRA_INDEX_URL)")
	}
}

func checkAbs(c *errs, p, s string) {
	switch {
	case s == "":
		c.at(p, "must not be empty")
	case !path.IsAbs(s):
		c.at(p, "%q must be an absolute path", s)
	case hasDotDot(s):
		c.at(p, "%q must not contain \"..\"", s)
	}
}

// checkContextPath accepts a clean relative path that stays inside the build context.
func checkContextPath(c *errs, p, s string) {
	switch {
	case s == "":
		c.at(p, "must not be empty")
	case path.IsAbs(s):
		c.at(p, "%q must be relative to the build context", s)
	case hasDotDot(s):
		c.at(p, "%q leaves the build context (\"..\")", s)
	case strings.ContainsAny(s, "*?[\\"):
		c.at(p, "%q must be a plain path (no wildcards or backslashes)", s)
	}
}

func hasDotDot(s string) bool {
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

func checkUser(c *errs, s *Spec, p string, u *User) {
	if u == nil {
		return
	}
	if u.Name != "" && !userNameRe.MatchString(u.Name) {
		c.at(p+".name", "%q is not a valid user name (lowercase letters, digits, '_', '-')", u.Name)
	}
	if r := IntRanges["User.uid"]; u.UID != nil && (int64(*u.UID) < r.Min || int64(*u.UID) > r.Max) {
		c.at(p+".uid", "%d is out of range (%d-%d)", *u.UID, r.Min, r.Max)
	}
	if r := IntRanges["User.gid"]; u.GID != nil && s.Has(p+".gid") && (int64(*u.GID) < r.Min || int64(*u.GID) > r.Max) {
		c.at(p+".gid", "%d is out of range (%d-%d)", *u.GID, r.Min, r.Max)
	}
}

func checkCommand(c *errs, p string, cmd *Command) {
	if cmd == nil {
		return
	}
	if len(cmd.Args) == 0 || (len(cmd.Args) == 1 && strings.TrimSpace(cmd.Args[0]) == "") {
		c.at(p, "must not be empty")
	}
}

func checkEnv(c *errs, p string, env map[string]string) {
	for _, k := range sortedKeys(env) {
		if !envNameRe.MatchString(k) {
			c.at(p+"."+k, "%q is not a valid environment variable name", k)
		}
	}
}

func checkLabels(c *errs, p string, labels map[string]string) {
	for _, k := range sortedKeys(labels) {
		if strings.TrimSpace(k) == "" {
			c.at(p, "label keys must not be empty")
		}
	}
}

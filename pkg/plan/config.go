package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// Labels recording the base image, from the OCI annotation conventions.
const (
	LabelBaseName   = "org.opencontainers.image.base.name"
	LabelBaseDigest = "org.opencontainers.image.base.digest"
)

// DefaultPath is PATH for a base image that sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// EnvVar is one environment variable the image sets. With PrependToPath, Value is put in
// front of the base image's PATH (DefaultPath when it has none); an empty Value then only
// makes sure PATH is set.
type EnvVar struct {
	Key, Value    string
	PrependToPath bool `json:",omitempty"`
}

// Config is how a target's image config is derived from the base image's. The entrypoint,
// the command, the exposed ports and the healthcheck are the target's own: the base image's
// are dropped. Env and labels are added to the base image's.
type Config struct {
	// Env is set onto the base image's environment in this order, each key once: an existing
	// key keeps its place and takes the new value, a new key is appended.
	Env        []EnvVar
	WorkingDir string
	User       string
	Entrypoint []string `json:",omitempty"`
	Cmd        []string `json:",omitempty"`
	// ExposedPorts as "8000/tcp", in the spec's order.
	ExposedPorts []string `json:",omitempty"`
	// Healthcheck is nil when the target has none.
	Healthcheck *dockerspec.HealthcheckConfig `json:",omitempty"`
	// Labels are the target's, added after the base-image labels.
	Labels map[string]string `json:",omitempty"`
	// EntrypointSet and CmdSet: the target gives an entrypoint, a command (an empty
	// Entrypoint then means an explicitly empty one).
	EntrypointSet, CmdSet bool
	// Paths are the spec paths the config's fields come from, by field ("env.KEY",
	// "labels.KEY", "workdir"): the target's own, or the spec's it inherits.
	Paths map[string]string `json:",omitempty"`
}

func (p *Plan) config() Config {
	s, t := p.spec, p.target
	var env envSet
	if p.Deps.installs() {
		env.set(EnvVar{Key: "VIRTUAL_ENV", Value: s.Python.Venv})
		env.set(EnvVar{Key: "PATH", Value: s.Python.Venv + "/bin", PrependToPath: true})
	} else {
		env.set(EnvVar{Key: "PATH", PrependToPath: true})
	}
	env.set(EnvVar{Key: "PYTHONPATH", Value: strings.Join(t.PythonPath, ":")})
	env.set(EnvVar{Key: "PYTHONUNBUFFERED", Value: "1"})
	env.set(EnvVar{Key: "PYTHONDONTWRITEBYTECODE", Value: "1"})
	for _, k := range slices.Sorted(maps.Keys(t.Env)) {
		env.set(EnvVar{Key: k, Value: t.Env[k]})
	}
	c := Config{
		Env:           env,
		WorkingDir:    t.Workdir,
		User:          fmt.Sprintf("%d:%d", *t.User.UID, *t.User.GID),
		Entrypoint:    CommandArgs(t.Entrypoint),
		Cmd:           CommandArgs(t.Command),
		Healthcheck:   healthcheck(t.Healthcheck),
		Labels:        t.Labels,
		EntrypointSet: t.Entrypoint != nil,
		CmdSet:        t.Command != nil,
		Paths:         map[string]string{},
	}
	field := func(f string) {
		c.Paths[f] = f
		if tp := spec.TargetPath(t.Name, f); s.Has(tp) || !s.Has(f) {
			c.Paths[f] = tp
		}
	}
	field("workdir")
	for k := range t.Env {
		field("env." + k)
	}
	for k := range t.Labels {
		field("labels." + k)
	}
	for _, port := range t.Expose {
		c.ExposedPorts = append(c.ExposedPorts, fmt.Sprintf("%d/%s", port.Number, port.Protocol))
	}
	return c
}

// envSet keeps each key once, at the place of its first set, with its last value.
type envSet []EnvVar

func (e *envSet) set(v EnvVar) {
	for i := range *e {
		if (*e)[i].Key == v.Key {
			(*e)[i] = v
			return
		}
	}
	*e = append(*e, v)
}

// Apply returns the image config of the target built on base (nil: an empty config), with
// the base image's name and digest recorded as labels when set. It does not change base.
func (c Config) Apply(base *dockerspec.DockerOCIImageConfig, baseName, baseDigest string) dockerspec.DockerOCIImageConfig {
	var out dockerspec.DockerOCIImageConfig
	if base != nil {
		out = *base
	}
	env := slices.Clone(out.Env)
	basePath := lookupEnv(env, "PATH")
	if basePath == "" {
		basePath = DefaultPath
	}
	for _, v := range c.Env {
		val := v.Value
		if v.PrependToPath {
			val = strings.TrimPrefix(val+":"+basePath, ":")
		}
		env = setEnv(env, v.Key, val)
	}
	out.Env = env
	out.WorkingDir = c.WorkingDir
	out.User = c.User
	out.Entrypoint = slices.Clone(c.Entrypoint)
	out.Cmd = slices.Clone(c.Cmd)
	out.ExposedPorts = nil
	if len(c.ExposedPorts) > 0 {
		out.ExposedPorts = map[string]struct{}{}
		for _, p := range c.ExposedPorts {
			out.ExposedPorts[p] = struct{}{}
		}
	}
	out.Healthcheck = c.Healthcheck
	out.Labels = maps.Clone(out.Labels)
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if baseName != "" {
		out.Labels[LabelBaseName] = baseName
	}
	if baseDigest != "" {
		out.Labels[LabelBaseDigest] = baseDigest
	}
	maps.Copy(out.Labels, c.Labels)
	return out
}

func lookupEnv(env []string, k string) string {
	for _, kv := range env {
		if key, v, _ := strings.Cut(kv, "="); key == k {
			return v
		}
	}
	return ""
}

// setEnv sets k in a KEY=VALUE list in place, or appends it.
func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if key, _, _ := strings.Cut(kv, "="); key == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// CommandArgs is a command's argv in the image config: a shell-form command runs in
// /bin/sh -c.
func CommandArgs(c *spec.Command) []string {
	if c == nil {
		return nil
	}
	if c.Shell {
		return []string{"/bin/sh", "-c", c.Args[0]}
	}
	return slices.Clone(c.Args)
}

// healthcheck builds Docker's HEALTHCHECK. The default probe is Python's urllib, since slim
// images have neither curl nor wget.
func healthcheck(h *spec.Healthcheck) *dockerspec.HealthcheckConfig {
	if h == nil {
		return nil
	}
	if h.Disabled {
		return &dockerspec.HealthcheckConfig{Test: []string{"NONE"}}
	}
	hc := &dockerspec.HealthcheckConfig{
		Interval:      time.Duration(*h.Interval),
		Timeout:       time.Duration(*h.Timeout),
		StartPeriod:   time.Duration(*h.StartPeriod),
		StartInterval: time.Duration(*h.StartInterval),
		Retries:       *h.Retries,
	}
	switch {
	case h.Command != nil && h.Command.Shell:
		hc.Test = []string{"CMD-SHELL", h.Command.Args[0]}
	case h.Command != nil:
		hc.Test = append([]string{"CMD"}, h.Command.Args...)
	default:
		hc.Test = []string{"CMD", "python3", "-c", HTTPProbe(*h.Port, h.Path, time.Duration(*h.Timeout))}
	}
	return hc
}

// HTTPProbe is the Python program of the default healthcheck: exit 0 when GET
// http://127.0.0.1:<port><path> answers below 400 within the timeout, 1 otherwise.
func HTTPProbe(port int, path string, timeout time.Duration) string {
	secs := strconv.FormatFloat(max(timeout.Seconds(), 1), 'f', -1, 64)
	return "import sys, urllib.request\n" +
		"try:\n" +
		"    r = urllib.request.urlopen('http://127.0.0.1:" + strconv.Itoa(port) + path + "', timeout=" + secs + ")\n" +
		"    sys.exit(0 if r.status < 400 else 1)\n" +
		"except Exception as e:\n" +
		"    print('unhealthy:', e)\n" +
		"    sys.exit(1)\n"
}

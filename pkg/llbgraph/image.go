package llbgraph

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// image derives the target's config from the base image's.
func (g *graph) image() *dockerspec.DockerOCIImage {
	t, s := g.t, g.s
	img := &dockerspec.DockerOCIImage{}
	if g.opt.BaseImage != nil {
		img.Config = g.opt.BaseImage.Config
		img.Config.Env = slices.Clone(img.Config.Env)
		img.Config.Labels = maps.Clone(img.Config.Labels)
		img.History = slices.Clone(g.opt.BaseImage.History)
	}
	p := g.opt.Platform
	img.OS, img.Architecture, img.Variant, img.OSVersion, img.OSFeatures = p.OS, p.Architecture, p.Variant, p.OSVersion, p.OSFeatures
	img.RootFS.Type = "layers"
	if g.opt.Epoch != nil {
		e := g.opt.Epoch.UTC()
		img.Created = &e
	}
	img.History = append(img.History, g.history...)

	env := newEnv(img.Config.Env)
	basePath := env.get("PATH")
	if basePath == "" {
		basePath = defaultPath
	}
	if len(s.Requirements) > 0 {
		env.set("VIRTUAL_ENV", s.Python.Venv)
		env.set("PATH", s.Python.Venv+"/bin:"+basePath)
	} else {
		env.set("PATH", basePath)
	}
	env.set("PYTHONPATH", strings.Join(t.PythonPath, ":"))
	env.set("PYTHONUNBUFFERED", "1")
	env.set("PYTHONDONTWRITEBYTECODE", "1")
	for _, k := range sortedKeys(t.Env) {
		env.set(k, t.Env[k])
	}
	img.Config.Env = env.list

	img.Config.WorkingDir = t.Workdir
	img.Config.User = fmt.Sprintf("%d:%d", *t.User.UID, *t.User.GID)
	img.Config.Entrypoint = CommandArgs(t.Entrypoint)
	img.Config.Cmd = CommandArgs(t.Command)
	img.Config.ExposedPorts = nil
	if len(t.Expose) > 0 {
		img.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range t.Expose {
			img.Config.ExposedPorts[fmt.Sprintf("%d/%s", p.Number, p.Protocol)] = struct{}{}
		}
	}
	img.Config.Healthcheck = healthcheck(t.Healthcheck)
	if img.Config.Labels == nil {
		img.Config.Labels = map[string]string{}
	}
	if g.opt.BaseName != "" {
		img.Config.Labels[LabelBaseName] = g.opt.BaseName
	}
	if g.opt.BaseDigest != "" {
		img.Config.Labels[LabelBaseDigest] = g.opt.BaseDigest.String()
	}
	maps.Copy(img.Config.Labels, t.Labels)
	return img
}

// CommandArgs is a command's argv in the image config: a shell-form command runs in
// /bin/sh -c. Shared with pkg/eject, so an ejected Dockerfile declares the same argv.
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

// envList edits a KEY=VALUE list in place, keeping the order of existing keys and appending
// new ones.
type envList struct{ list []string }

func newEnv(l []string) *envList { return &envList{list: slices.Clone(l)} }

func (e *envList) get(k string) string {
	for _, kv := range e.list {
		if key, v, _ := strings.Cut(kv, "="); key == k {
			return v
		}
	}
	return ""
}

func (e *envList) set(k, v string) {
	for i, kv := range e.list {
		if key, _, _ := strings.Cut(kv, "="); key == k {
			e.list[i] = k + "=" + v
			return
		}
	}
	e.list = append(e.list, k+"="+v)
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

var _ = ocispecs.History{}

package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// CheckKind is what a check does.
type CheckKind string

const (
	// CheckCommand runs a spec test: a command that must exit 0.
	CheckCommand CheckKind = "command"
	// CheckSmoke starts the image's command and waits for its healthcheck to pass.
	CheckSmoke CheckKind = "smoke"
)

// Check is a command run inside the built image, with its config, before it is exported.
type Check struct {
	Kind CheckKind
	// Index is a spec test's index in the target's tests.
	Index int `json:",omitempty"`
	// Name is shown in vertex names and errors ("test[0]: pytest -q", "smoke test: …").
	Name string
	// SpecPath locates the check in the spec (targets.inference.test[0]).
	SpecPath string
	// Argv is the test's command, or the command the smoke test starts.
	Argv []string
	// Timeout bounds a test.
	Timeout time.Duration `json:",omitempty"`
	// Probe is the healthcheck command the smoke test polls.
	Probe []string `json:",omitempty"`
	// Deadline bounds the smoke test; Interval is its polling interval; ProbeTimeout bounds
	// one probe.
	Deadline     time.Duration `json:",omitempty"`
	Interval     time.Duration `json:",omitempty"`
	ProbeTimeout time.Duration `json:",omitempty"`
	// Port, when set, is the port the default HTTP probe needs open before it can pass.
	Port int `json:",omitempty"`
	// Hint ends the error of a failed check: what to do when it cannot pass at build time.
	Hint string `json:",omitempty"`
}

// checks are the spec tests, then the smoke test when it applies: it is on, the target has a
// healthcheck that is not "none", and a command to start.
func (p *Plan) checks() []Check {
	t, cfg := p.target, p.Config
	var out []Check
	for i, c := range t.Test {
		argv := CommandArgs(&c)
		out = append(out, Check{Kind: CheckCommand, Index: i, Argv: argv, Timeout: time.Hour,
			Name:     fmt.Sprintf("test[%d]: %s", i, strings.Join(argv, " ")),
			SpecPath: spec.TargetPath(t.Name, fmt.Sprintf("test[%d]", i))})
	}
	h := cfg.Healthcheck
	cmd := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if !*t.SmokeTest || h == nil || len(h.Test) < 2 || h.Test[0] == "NONE" || len(cmd) == 0 {
		return out
	}
	probe := h.Test[1:]
	if h.Test[0] == "CMD-SHELL" {
		probe = []string{"/bin/sh", "-c", h.Test[1]}
	}
	specPath := spec.TargetPath(t.Name, "smoke-test")
	if !p.spec.Has(specPath) {
		specPath = spec.TargetPath(t.Name, "healthcheck")
	}
	chk := Check{Kind: CheckSmoke, Argv: cmd, Probe: probe, SpecPath: specPath,
		Name:     "smoke test: start " + strings.Join(cmd, " ") + " and wait for the healthcheck",
		Deadline: max(min(h.StartPeriod+time.Duration(h.Retries)*h.Interval, 5*time.Minute), 30*time.Second),
		// Poll fast: the build waits on this, and a probe is cheap next to a build.
		Interval:     200 * time.Millisecond,
		ProbeTimeout: max(h.Timeout, time.Second),
		Hint: fmt.Sprintf("The smoke test starts the command at build time, with no network. An app that cannot start "+
			"there (it downloads a model from a hub, needs credentials, a database or a file the build context leaves out) "+
			"can turn it off: targets.%s.smoke-test: false.", t.Name),
	}
	if hc := t.Healthcheck; hc.Command == nil && hc.Port != nil {
		// The default HTTP probe cannot pass before its port accepts connections: the
		// runner waits for that with a cheap connect every 20ms instead of a probe.
		chk.Port = *hc.Port
	}
	return append(out, chk)
}

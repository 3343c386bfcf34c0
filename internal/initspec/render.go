package initspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const defaultsComment = `# Everything else is the default (see the mlbuild spec reference): "training" runs
# python -m src.train; "inference", the default target, serves src.api:app with uvicorn
# on port 8000 with a healthcheck on /health.
`

// render writes the spec: the syntax directive on line 1 (BuildKit reads directives only
// at the very top), "version: 1", then the fields that differ from the defaults.
func render(frontend string, p *plan) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# syntax=%s\n", frontend)
	b.WriteString("version: 1\n")
	if p.isDefault() {
		b.WriteString(defaultsComment)
		depsComment(&b, p)
		return []byte(b.String())
	}
	b.WriteString("# Written by \"frontend init\": only what differs from the defaults (see the mlbuild spec reference).\n")
	if p.depsWhy != "" {
		b.WriteString("\n")
		depsComment(&b, p)
	}
	if p.base != "" {
		b.WriteString("\n")
		comment(&b, "", p.baseWhy)
		fmt.Fprintf(&b, "base: %s\n", scalar(p.base))
	}
	if p.requirements != nil {
		b.WriteString("\n")
		comment(&b, "", p.reqWhy)
		fmt.Fprintf(&b, "requirements: %s\n", flow(p.requirements))
	}
	if p.systemPackages != nil {
		b.WriteString("\n")
		comment(&b, "", p.systemWhy)
		fmt.Fprintf(&b, "system-packages: %s\n", flow(p.systemPackages))
	}
	if p.buildPackages != nil {
		b.WriteString("\n")
		comment(&b, "", p.buildWhy)
		fmt.Fprintf(&b, "build-packages: %s\n", flow(p.buildPackages))
	}
	if p.training.isDefault() && p.inference.isDefault() {
		return []byte(b.String())
	}
	b.WriteString("\ntargets:\n")
	for _, t := range []struct {
		name string
		tp   *targetPlan
	}{{"training", &p.training}, {"inference", &p.inference}} {
		if t.tp.isDefault() {
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", t.name)
		tp := t.tp
		if tp.description != "" {
			fmt.Fprintf(&b, "    description: %s\n", scalar(tp.description))
		}
		for _, h := range tp.modelHow {
			comment(&b, "    ", h)
		}
		if tp.copy != nil {
			comment(&b, "    ", tp.copyWhy)
			if len(tp.copy) == 0 {
				b.WriteString("    # No code was found to copy: list what the images need here.\n")
			}
			fmt.Fprintf(&b, "    copy: %s\n", copyFlow(tp.copy))
		}
		if tp.command != nil {
			comment(&b, "    ", tp.commandWhy)
			fmt.Fprintf(&b, "    command: %s\n", flow(tp.command))
		} else if tp.shell != "" {
			comment(&b, "    ", tp.commandWhy)
			fmt.Fprintf(&b, "    command: %s\n", scalar(tp.shell))
		}
		if tp.pythonpath != nil {
			comment(&b, "    ", tp.pythonpathWhy)
			fmt.Fprintf(&b, "    pythonpath: %s\n", flow(tp.pythonpath))
		}
		if tp.expose != nil {
			comment(&b, "    ", tp.exposeWhy)
			var ports []string
			for _, p := range tp.expose {
				ports = append(ports, strconv.Itoa(p))
			}
			fmt.Fprintf(&b, "    expose: [%s]\n", strings.Join(ports, ", "))
		}
		if tp.healthPath != "" {
			comment(&b, "    ", tp.healthWhy)
			fmt.Fprintf(&b, "    healthcheck:\n      path: %s\n", scalar(tp.healthPath))
		} else if tp.healthCmd != nil {
			comment(&b, "    ", tp.healthWhy)
			fmt.Fprintf(&b, "    healthcheck:\n      command: %s\n", flow(tp.healthCmd))
		}
		if tp.smokeOff != "" {
			comment(&b, "    ", tp.smokeOff)
			b.WriteString("    smoke-test: false\n")
		}
		if tp.env != nil {
			comment(&b, "    ", tp.envWhy)
			b.WriteString("    env:\n")
			for _, k := range sortedKeys(tp.env) {
				fmt.Fprintf(&b, "      %s: %s\n", k, scalar(tp.env[k]))
			}
		}
		if tp.writable != nil {
			comment(&b, "    ", tp.writableWhy)
			fmt.Fprintf(&b, "    writable: %s\n", flow(tp.writable))
		}
		if tp.groups != nil {
			comment(&b, "    ", tp.groupsWhy)
			fmt.Fprintf(&b, "    dependencies:\n      groups: %s\n", flow(tp.groups))
		}
	}
	return []byte(b.String())
}

// depsComment writes the comment on the dependency source and its commented-out hint.
func depsComment(b *strings.Builder, p *plan) {
	comment(b, "", p.depsWhy)
	for _, l := range p.depsHint {
		b.WriteString("# " + l + "\n")
	}
}

// comment writes text as YAML comment lines, wrapped near 100 columns.
func comment(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	line := indent + "#"
	for _, w := range strings.Fields(sanitize(text)) {
		if len(line)+1+len(w) > 100 && line != indent+"#" {
			b.WriteString(line + "\n")
			line = indent + "#"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// copyFlow writes copy entries: a path, or {from: ..., to: ...}.
func copyFlow(items []copyItem) string {
	q := make([]string, len(items))
	for i, c := range items {
		if c.to == "" {
			q[i] = scalar(c.from)
		} else {
			q[i] = fmt.Sprintf("{from: %s, to: %s}", scalar(c.from), scalar(c.to))
		}
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func flow(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = scalar(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var (
	plainRe    = regexp.MustCompile(`^(?:[A-Za-z0-9_./]|--?[A-Za-z0-9])[A-Za-z0-9_./:@+-]*$`)
	numberish  = regexp.MustCompile(`^[-+]?(?:0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(?::[0-9_]+)*|\.(?:inf|nan))$`)
	yamlReserv = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true,
		"off": true, "y": true, "n": true, "null": true, "~": true}
)

// scalar returns s as a YAML scalar that reads back as the same string in block and flow
// context, with "$" doubled so that the spec's ${NAME} substitution leaves it as is.
func scalar(s string) string {
	s = strings.ReplaceAll(s, "$", "$$")
	if plainRe.MatchString(s) && !strings.HasSuffix(s, ":") && !yamlReserv[strings.ToLower(s)] &&
		!numberish.MatchString(strings.ToLower(s)) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return s
		}
	}
	return strconv.Quote(s)
}

package initspec

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// hydraRunDir is the @hydra.main op o with the run directory its primary config sets
// (hydra.run.dir in the config, or in the hydra group's config its defaults list picks), in
// place of Hydra's default outputs/ (the part that does not change from run to run); here
// reports a run directory that is the working directory itself. args are the words of the
// command the image runs: Hydra's --config-name (-cn) picks another primary config, and the
// overrides hydra.run.dir=DIR and hydra.job.chdir=BOOL win over the config.
func (r *repo) hydraRunDir(o pyOp, args []string) (op pyOp, here bool) {
	h := *o.hydra
	var argRun, argChdir string
	for i, a := range args {
		k, v, eq := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "++"), "+"), "=")
		switch {
		case (a == "--config-name" || a == "-cn") && i+1 < len(args):
			h.name = args[i+1]
		case eq && (k == "--config-name" || k == "-cn"):
			h.name = v
		case eq && k == "hydra.run.dir":
			argRun = strings.Trim(v, `"'`)
		case eq && k == "hydra.job.chdir":
			argChdir = v
		}
	}
	file := path.Join(h.dir, strings.TrimSuffix(h.name, ".yaml")+".yaml")
	doc := r.yamlDoc(file)
	if doc == nil {
		doc = &yaml.Node{Kind: yaml.MappingNode}
	}
	run, runAt := yamlAt(doc, "hydra", "run", "dir")
	chdir, _ := yamlAt(doc, "hydra", "job", "chdir")
	at := file
	if run == nil && argRun == "" {
		// A defaults list entry "hydra: NAME" loads DIR/hydra/NAME.yaml into the hydra node.
		if defs, _ := yamlAt(doc, "defaults"); defs != nil && defs.Kind == yaml.SequenceNode {
			for _, d := range defs.Content {
				if d.Kind != yaml.MappingNode || len(d.Content) != 2 || d.Content[0].Value != "hydra" || d.Content[1].Kind != yaml.ScalarNode {
					continue
				}
				at = path.Join(h.dir, "hydra", strings.TrimSuffix(d.Content[1].Value, ".yaml")+".yaml")
				if g := r.yamlDoc(at); g != nil {
					run, runAt = yamlAt(g, "run", "dir")
					chdir, _ = yamlAt(g, "job", "chdir")
				}
			}
		}
	}
	if argChdir != "" {
		chdir = &yaml.Node{Kind: yaml.ScalarNode, Value: argChdir}
	}
	var value, how string
	switch {
	case argRun != "":
		value, how = argRun, "the command's override hydra.run.dir="+argRun
	case run == nil || run.Kind != yaml.ScalarNode:
		return o, false
	default:
		value, how = run.Value, fmt.Sprintf("%s:%d hydra.run.dir: %s", at, runAt, run.Value)
	}
	dir := hydraLiteral(value, doc)
	if chdir != nil && chdir.Value == "true" {
		how += "; hydra.job.chdir: true, so the code's relative writes land there too"
	}
	callee, _, _ := strings.Cut(o.how, " ")
	o.how = callee + " (" + how + ")"
	if dir == "" || dir == "." {
		return o, true
	}
	// writableDirs makes it its top folder, or keeps it when it is inside a copied one.
	o.expr = strconv.Quote(dir)
	return o, false
}

var hydraInterp = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.]*)\}`)

// hydraLiteral is the folder part of a run directory that does not change from run to run:
// ${hydra:runtime.cwd}/ (the working directory) dropped, ${key} interpolations of the
// config's own string values put in, and the path cut before the first interpolation left
// (${now:...}, ${hydra.job.num}), cleaned.
func hydraLiteral(v string, doc *yaml.Node) string {
	if rest, ok := strings.CutPrefix(v, "${hydra:runtime.cwd}"); ok {
		v = strings.TrimPrefix(rest, "/")
	}
	for range 5 {
		next := hydraInterp.ReplaceAllStringFunc(v, func(m string) string {
			if n, _ := yamlAt(doc, strings.Split(m[2:len(m)-1], ".")...); n != nil && n.Kind == yaml.ScalarNode {
				return n.Value
			}
			return m
		})
		if next == v {
			break
		}
		v = next
	}
	if i := strings.Index(v, "${"); i >= 0 {
		v = v[:i]
		if j := strings.LastIndexByte(v, '/'); j >= 0 {
			v = v[:j]
		} else {
			v = ""
		}
	}
	if v == "" {
		return ""
	}
	return path.Clean(v)
}

// yamlDoc is the top node of a YAML file of the build context, nil when it is not there or
// does not parse.
func (r *repo) yamlDoc(file string) *yaml.Node {
	if !r.inContext(file, false) {
		return nil
	}
	data, err := r.read(file, maxTextSize)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// yamlAt is the node at the keys under node, with its line; nil when there is none.
func yamlAt(node *yaml.Node, keys ...string) (*yaml.Node, int) {
	for _, k := range keys {
		var next *yaml.Node
		if node.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == k {
					next = node.Content[i+1]
				}
			}
		}
		if next == nil {
			return nil, 0
		}
		node = next
	}
	return node, node.Line
}

package pydeps

import (
	"strings"
)

// UVProject is what [tool.uv] declares that changes what a uv.lock records or installs.
type UVProject struct {
	// Sources are [tool.uv.sources], by normalized package name: each replaces the
	// requirement's source (git, url, path, an index, a workspace member), possibly only
	// for one extra or group.
	Sources map[string][]UVSource
	// Conflicts are [tool.uv] conflicts: sets of extras or groups that cannot be installed
	// together (uv locks a separate resolution for each).
	Conflicts []Conflict
	// Members are the globs of [tool.uv.workspace] members; Exclude its exclude globs.
	Members, Exclude []string
}

// UVSource is one entry of [tool.uv.sources].
type UVSource struct {
	// Kind is "git", "url", "path", "index" or "workspace".
	Kind string
	// Value is the URL, path or index name ("" for workspace = true).
	Value string
	// Extra and Group restrict the source to that extra or group ("" for all).
	Extra, Group string
}

// Conflict is one set of [tool.uv] conflicts.
type Conflict struct {
	Items []ConflictItem
	// Source is "pyproject.toml:LINE" of the declaration, for messages.
	Source string
}

// ConflictItem is {extra = "cpu"} or {group = "train"}, for the package named (the
// project when Package is "").
type ConflictItem struct {
	Kind, Name, Package string
}

// String is "extra \"cpu\"".
func (c ConflictItem) String() string { return c.Kind + " \"" + c.Name + "\"" }

// uvSourceKeys are the keys of a [tool.uv.sources] entry naming its source.
var uvSourceKeys = []string{"git", "url", "path", "index", "workspace"}

// readUV reads [tool.uv]: dev-dependencies (the legacy "dev" group, which uv still reads
// and records as that group), sources, conflicts and workspace.
func (p *Project) readUV(r *reader, uv node) {
	if !r.isTable(uv) {
		return
	}
	if dev := uv.get("dev-dependencies"); dev.has() {
		if p.DependencyGroups == nil {
			p.DependencyGroups = map[string][]string{}
		}
		p.DependencyGroups["dev"] = dedupe(append(p.DependencyGroups["dev"], p.requirements(r, dev, "group:dev")...))
	}
	u := &UVProject{}
	sources := uv.get("sources")
	for _, name := range r.keys(sources) {
		e := sources.get(name)
		entries := []node{e}
		if _, ok := e.v.([]any); ok {
			entries = r.tables(e)
		}
		for _, s := range entries {
			if src, ok := readUVSourceDecl(r, s); ok {
				if u.Sources == nil {
					u.Sources = map[string][]UVSource{}
				}
				u.Sources[NormalizeName(name)] = append(u.Sources[NormalizeName(name)], src)
			}
		}
	}
	for _, set := range r.list(uv.get("conflicts")) {
		c := Conflict{Source: p.file.line(set.path)}
		for _, it := range r.tables(set) {
			item := ConflictItem{Package: r.str(it.get("package"))}
			for _, k := range []string{"extra", "group"} {
				if v := it.get(k); v.has() {
					item.Kind, item.Name = k, NormalizeName(r.str(v))
				}
			}
			if item.Kind == "" {
				r.fail(it.path, "a conflict item must name an extra or a group")
				continue
			}
			c.Items = append(c.Items, item)
		}
		u.Conflicts = append(u.Conflicts, c)
	}
	ws := uv.get("workspace")
	u.Members = r.strs(ws.get("members"))
	u.Exclude = r.strs(ws.get("exclude"))
	if u.Sources != nil || u.Conflicts != nil || ws.has() {
		p.UV = u
	}
}

// readUVSourceDecl reads one source table; false when it is not a table (an error).
func readUVSourceDecl(r *reader, n node) (UVSource, bool) {
	if !r.isTable(n) {
		return UVSource{}, false
	}
	s := UVSource{Extra: NormalizeName(r.str(n.get("extra"))), Group: NormalizeName(r.str(n.get("group")))}
	for _, k := range uvSourceKeys {
		if v := n.get(k); v.has() {
			s.Kind = k
			if k != "workspace" {
				s.Value = r.str(v)
			}
			return s, true
		}
	}
	r.fail(n.path, "a source names none of %s", strings.Join(uvSourceKeys, ", "))
	return s, false
}

// Conflicting is the first conflict declaration two of whose items sel selects for the
// project: which two, and the declaration. ok is false when the selection is free of
// conflicts.
func (p *Project) Conflicting(sel Selection) (a, b ConflictItem, c Conflict, ok bool) {
	if p == nil || p.UV == nil {
		return a, b, c, false
	}
	chosen := map[string]bool{}
	for _, e := range sel.Extras {
		chosen["extra:"+NormalizeName(e)] = true
	}
	for _, g := range sel.Groups {
		chosen["group:"+NormalizeName(g)] = true
	}
	for _, c := range p.UV.Conflicts {
		var hit []ConflictItem
		for _, it := range c.Items {
			if it.Package != "" && p.Name != "" && NormalizeName(it.Package) != NormalizeName(p.Name) {
				continue
			}
			if chosen[it.Kind+":"+it.Name] {
				hit = append(hit, it)
			}
		}
		if len(hit) >= 2 {
			return hit[0], hit[1], c, true
		}
	}
	return a, b, c, false
}

// sourcesFor are the [tool.uv.sources] entries that apply to a requirement of scope ("",
// "extra:NAME", "group:NAME"), as uv's lowering filters them by extra and group.
func (p *Project) sourcesFor(name, scope string) []UVSource {
	if p.UV == nil {
		return nil
	}
	kind, which, _ := strings.Cut(scope, ":")
	var out []UVSource
	for _, s := range p.UV.Sources[NormalizeName(name)] {
		if (s.Extra != "" && (kind != "extra" || which != s.Extra)) || (s.Group != "" && (kind != "group" || which != s.Group)) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// uvKeys are the reqKeys under which a uv.lock may record a declared requirement (its
// [package.metadata] requires-dist or requires-dev). uv lowers a requirement through
// [tool.uv.sources] (crates/uv-distribution/src/metadata/lowering.rs,
// LoweredRequirement::from_requirement): an index source keeps the specifier, a git, url,
// path or workspace source drops it, and where the sources' markers do not cover every
// environment the requirement is also recorded as written. So the requirement as written
// and, with such a source, its specifier-less form both count.
func (p *Project) uvKeys(req Requirement, scope string) []string {
	keys := []string{reqKey(req.Name, req.Extras, req.Specifier)}
	for _, s := range p.sourcesFor(req.Name, scope) {
		if s.Kind != "index" {
			return append(keys, reqKey(req.Name, req.Extras, ""))
		}
	}
	return keys
}

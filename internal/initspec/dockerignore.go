package initspec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
)

// ignoreRule is one secure-default pattern of .dockerignore, with paths it must exclude.
type ignoreRule struct {
	pattern string   // as written to a new .dockerignore
	probes  []string // paths an existing ignore file must exclude to count as having it
}

type ignoreGroup struct {
	comment string
	secret  bool // mlbuild excludes these itself (frontend.SecureExcludes)
	rules   []ignoreRule
}

// secureDefaults are the .dockerignore groups init writes and checks.
var secureDefaults = []ignoreGroup{
	{"Version control", true, []ignoreRule{
		{"**/.git", []string{".git"}},
	}},
	{"Secrets: environment files, private keys and certificates", true, []ignoreRule{
		{"**/.env", []string{".env"}},
		{"**/*.key", []string{"server.key"}},
		{"**/*.pem", []string{"server.pem"}},
	}},
	{"Terraform state and working directories (they may hold secrets)", true, []ignoreRule{
		{"**/*.tfstate", []string{"terraform.tfstate"}},
		{"**/*.tfstate.*", []string{"terraform.tfstate.backup"}},
		{"**/.terraform", []string{".terraform"}},
	}},
	{"Python caches and local virtual environments", false, []ignoreRule{
		{"**/__pycache__", []string{"__pycache__", "src/__pycache__"}},
		{"**/*.pyc", []string{"module.pyc"}},
		{".venv/", []string{".venv"}},
	}},
	{"Data and experiment tracking output: large, and not needed to build the images", false, []ignoreRule{
		{"data/", []string{"data"}},
		{"mlruns/", []string{"mlruns"}},
		{".dvc/cache/", []string{".dvc/cache"}},
	}},
	{"Agent working files", false, []ignoreRule{
		{".agents/", []string{".agents"}},
	}},
}

const ignoreHeader = `# Written by "frontend init". The build context is all that a build can read: keep secrets,
# caches and data out of it. mlbuild leaves out .git, .env, keys, certificates and Terraform
# state even without this file; listing them here protects builds by other tools too.
# A "!pattern" line re-includes a path on purpose.
`

// needed lists the context paths the spec reads: copy sources, requirements files and the
// dependency files the frontend finds.
func (p *plan) needed() []string {
	var out []string
	add := func(ps ...string) {
		for _, x := range ps {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	add(p.requirements...)
	if p.requirements == nil {
		add("requirements.txt")
	}
	add(p.depFiles...)
	for _, t := range []*targetPlan{&p.training, &p.inference} {
		if t.copy != nil {
			add(itemFroms(t.copy)...)
		}
	}
	if p.training.copy == nil {
		add(defaultTrainingCopy...)
	}
	if p.inference.copy == nil {
		add(defaultInferenceCopy...)
	}
	return out
}

// dockerignore returns a new .dockerignore, or nil when the repository has an ignore file
// already; the secure defaults that file lacks are noted.
func (r *repo) dockerignore(p *plan) []byte {
	if r.ignoreName != "" {
		r.checkIgnore()
		r.noteData(false)
		return nil
	}
	needed := slices.DeleteFunc(p.needed(), func(s string) bool { return s == "." })
	var b strings.Builder
	var data []string // the data patterns written
	b.WriteString(ignoreHeader)
	for _, g := range secureDefaults {
		var lines []string
		for _, rule := range g.rules {
			if hit := excludesAny(rule.pattern, needed); hit != "" {
				r.note(".dockerignore: left out %s, which would exclude %s that the spec copies", rule.pattern, hit)
				continue
			}
			lines = append(lines, rule.pattern)
			if strings.HasPrefix(g.comment, "Data") || strings.HasPrefix(g.comment, "Agent") {
				data = append(data, rule.pattern)
			}
		}
		if g.comment == "Python caches and local virtual environments" {
			for _, v := range r.otherVenvs() {
				if excludesAny(v+"/", needed) == "" {
					lines = append(lines, v+"/")
				}
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n# %s\n%s\n", g.comment, strings.Join(lines, "\n"))
		}
	}
	r.note(".dockerignore: written with the secure defaults (secrets, Terraform state, caches, %s)", strings.Join(data, ", "))
	r.noteData(slices.Contains(data, "data/"))
	return []byte(b.String())
}

// noteData tells the user that data/ stays out of the images (written: the .dockerignore
// init writes excludes it).
func (r *repo) noteData(written bool) {
	if !r.isDir("data") || (!written && !r.excluded("data")) || r.downloadsData {
		return // training fills data/ itself: noted with its downloads
	}
	r.note("data/ is kept out of the build context: mount it into the training container at run time")
}

// otherVenvs lists top-level virtual environments other than .venv (directories with a
// pyvenv.cfg).
func (r *repo) otherVenvs() []string {
	var out []string
	for _, e := range r.topEntries() {
		if n := e.Name(); e.IsDir() && n != ".venv" && safeNameRe.MatchString(n) && r.isFile(n+"/pyvenv.cfg") {
			out = append(out, n)
		}
	}
	return out
}

// excludesAny returns the first of paths the pattern excludes, or "".
func excludesAny(pattern string, paths []string) string {
	pm, err := patternmatcher.New([]string{pattern})
	if err != nil {
		return ""
	}
	for _, p := range paths {
		if m, err := pm.MatchesOrParentMatches(p); err == nil && m {
			return p
		}
	}
	return ""
}

// checkIgnore notes the secure defaults the existing ignore file lacks.
func (r *repo) checkIgnore() {
	if r.ignore == nil {
		return // unreadable: already noted
	}
	var secrets, others []string
	for _, g := range secureDefaults {
		for _, rule := range g.rules {
			lacks := slices.ContainsFunc(rule.probes, func(p string) bool { return !r.excluded(p) })
			if !lacks {
				continue
			}
			if g.secret {
				secrets = append(secrets, rule.pattern)
			} else {
				others = append(others, rule.pattern)
			}
		}
	}
	if len(secrets) == 0 && len(others) == 0 {
		r.note("%s: kept; it has all the secure defaults", r.ignoreName)
		return
	}
	if len(secrets) > 0 {
		r.note("%s: kept, but it lacks %s: mlbuild leaves these out anyway, add them for other builders", r.ignoreName, strings.Join(secrets, " "))
	}
	if len(others) > 0 {
		r.note("%s: kept, but it lacks %s: add them to keep caches and data out of the build context", r.ignoreName, strings.Join(others, " "))
	}
}

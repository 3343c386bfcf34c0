package initspec

import (
	"regexp"
	"strings"
)

// pyFile is what init learns from one Python file, line by line (no parser: regular
// expressions on lines that start outside triple-quoted strings and are not comments).
type pyFile struct {
	path string
	// apps are the module-level ASGI app assignments ("app = FastAPI(...)"), in file order.
	apps []pyApp
	// wsgi are module-level Flask app assignments, which uvicorn cannot serve.
	wsgi []pyApp
	// constructs is set when an ASGI framework class is called anywhere (a factory, say).
	constructs string
	// routes are the literal paths of GET-able route declarations.
	routes []pyRoute
	// prefix is the literal prefix of a router declared in the file (APIRouter(prefix="/x")).
	prefix string
	// imports are the top-level names imported absolutely ("import a.b" and "from a.b import c" give "a").
	imports map[string]bool
	// main is set when the file has an `if __name__ == "__main__":` block.
	main bool
}

type pyApp struct {
	obj, framework string
	line           int
}

type pyRoute struct {
	path string
	line int
}

var (
	// NAME = [pkg.]FastAPI(   or   NAME: FastAPI = FastAPI(
	asgiRe   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_][\w.\[\], ]*)?=\s*(?:[A-Za-z_][A-Za-z0-9_]*\.)*(FastAPI|Starlette|Litestar|Quart)\s*\(`)
	wsgiRe   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_][\w.\[\], ]*)?=\s*(?:[A-Za-z_][A-Za-z0-9_]*\.)*(Flask)\s*\(`)
	callRe   = regexp.MustCompile(`\b(FastAPI|Starlette|Litestar|Quart)\s*\(`)
	routeRe  = regexp.MustCompile(`^\s*(?:@(?:[A-Za-z_][\w.]*\.)?(?:get|route|api_route|head)|(?:[A-Za-z_][\w.]*\.)?(?:add_api_route|add_route|add_url_rule|Route))\s*\(\s*(?:path\s*=\s*|rule\s*=\s*)?[rRuU]?(["'])(/[^"'\s\\{}<>$]*)["']`)
	prefixRe = regexp.MustCompile(`\b(?:APIRouter|Router|Blueprint)\s*\(.*\b(?:prefix|url_prefix|path)\s*=\s*["'](/[^"'\s\\{}<>$]*)["']`)
	fromRe   = regexp.MustCompile(`^\s*from\s+([A-Za-z_][A-Za-z0-9_]*)[\w.]*\s+import\b`)
	importRe = regexp.MustCompile(`^\s*import\s+([A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*)`)
	mainRe   = regexp.MustCompile(`^if\s+__name__\s*==\s*["']__main__["']\s*:`)
)

var pyKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

func parsePy(p, src string) *pyFile {
	f := &pyFile{path: p, imports: map[string]bool{}}
	inString := "" // the triple quote of the string the current line starts in
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSuffix(line, "\r")
		startsInString := inString != ""
		inString = tripleQuoteState(line, inString)
		if startsInString || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		n := i + 1
		if m := asgiRe.FindStringSubmatch(line); m != nil {
			f.apps = append(f.apps, pyApp{obj: m[1], framework: m[2], line: n})
		} else if m := wsgiRe.FindStringSubmatch(line); m != nil {
			f.wsgi = append(f.wsgi, pyApp{obj: m[1], framework: m[2], line: n})
		}
		if m := callRe.FindStringSubmatch(line); m != nil && f.constructs == "" && !strings.Contains(line, "import") {
			f.constructs = m[1]
		}
		if m := routeRe.FindStringSubmatch(line); m != nil {
			f.routes = append(f.routes, pyRoute{path: m[2], line: n})
		}
		if m := prefixRe.FindStringSubmatch(line); m != nil && f.prefix == "" {
			f.prefix = strings.TrimSuffix(m[1], "/")
		}
		if m := fromRe.FindStringSubmatch(line); m != nil {
			f.imports[m[1]] = true
		} else if m := importRe.FindStringSubmatch(line); m != nil {
			for _, part := range strings.Split(m[1], ",") {
				name := strings.Fields(strings.TrimSpace(part))[0]
				f.imports[strings.SplitN(name, ".", 2)[0]] = true
			}
		}
		if mainRe.MatchString(line) {
			f.main = true
		}
	}
	return f
}

// tripleQuoteState returns the triple quote a string open at the end of line was opened
// with, given the one open at its start ("" for none). A '#' outside a string ends the scan.
// Quotes inside ordinary one-line strings are not tracked: good enough for finding
// module-level statements.
func tripleQuoteState(line, open string) string {
	s := line
	for {
		if open != "" {
			j := strings.Index(s, open)
			if j < 0 {
				return open
			}
			s, open = s[j+3:], ""
			continue
		}
		j, q := -1, ""
		for _, cand := range []string{`"""`, `'''`} {
			if k := strings.Index(s, cand); k >= 0 && (j < 0 || k < j) {
				j, q = k, cand
			}
		}
		if j < 0 {
			return ""
		}
		if h := strings.IndexByte(s, '#'); h >= 0 && h < j {
			return ""
		}
		s, open = s[j+3:], q
	}
}

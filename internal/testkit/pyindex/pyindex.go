// Package pyindex serves a PEP 503 "simple" Python package index over HTTP on
// 127.0.0.1 for integration tests.
//
// The test describes the packages it wants ([Package]); [Start] builds a real,
// installable pure-Python wheel (py3-none-any) for each of them in memory and
// serves them, so that a real `pip download` / `pip install --index-url
// <Index.URL>` fetches and installs real packages without touching the network.
//
// Contract:
//
//   - The server listens on 127.0.0.1 on a kernel-chosen port and stays up until
//     [Index.Close]. [Index.URL] is the index root, "http://127.0.0.1:PORT/simple/"
//     (with the trailing slash), suitable for pip's --index-url.
//   - GET /simple/ lists every project. GET /simple/<normalised-name>/ lists the
//     project's wheels, each link carrying a "#sha256=<hex>" fragment. Names are
//     normalised per PEP 503 (lowercase, runs of "-", "_" and "." become "-").
//     /simple/<name> (no trailing slash) and non-normalised names are redirected
//     to the canonical /simple/<normalised-name>/. Unknown projects give 404.
//   - Wheels are served at /files/<wheel-filename> with PyPI's caching headers
//     (max-age=365000000, immutable), so pip's cache works as it does with PyPI;
//     pages are not cacheable (pip revalidates them anyway).
//   - Wheels are deterministic: the same Package always yields the same bytes
//     (fixed 1980-01-01 timestamps, fixed entry order).
//   - With [WithBasicAuth], every request (pages and files) must carry those
//     HTTP Basic credentials, otherwise the answer is 401 with a
//     WWW-Authenticate header. [Index.AuthURL] gives the URL with the
//     credentials embedded, which pip accepts as --index-url.
//   - [Index.Requests] and [Index.Downloads] count requests and successful wheel
//     downloads; they are safe for concurrent use.
//   - [WithPlatformWheel] adds wheels tagged for one platform ("py3-none-manylinux2014_aarch64"),
//     so a test can serve one wheel per machine and see which pip picked; [Index.Files] gives
//     every wheel's URL, sha256 and size, for lock files that record them.
//
// Only GET and HEAD are supported; a HEAD of a wheel is not counted as a
// download.
package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Package describes one distribution (one name at one version) to serve as a
// wheel. Several Packages may share a Name with different Versions.
type Package struct {
	// Name is the project name, e.g. "mlb-extra". It must be a valid PEP 508
	// name (ASCII letters, digits, "-", "_", "."; starting and ending with a
	// letter or digit).
	Name string
	// Version is the version string, e.g. "1.0.0". It may only contain ASCII
	// letters, digits, ".", "+" and "!" (in particular no "-").
	Version string
	// Files are the files placed in the wheel (installed into site-packages),
	// keyed by slash-separated relative path, e.g. "mlb_extra/__init__.py".
	// If empty, a single module "<dist_lowercase>/__init__.py" containing
	// `__version__ = "<Version>"` is added.
	Files map[string]string
	// Requires are PEP 508 requirement strings written as Requires-Dist lines
	// in METADATA, e.g. "mlb-base>=1.0".
	Requires []string
}

// Option configures [Start].
type Option func(*config)

type config struct {
	user, password string
	auth           bool
	// platformWheels are the wheels WithPlatformWheel adds.
	platformWheels []platformWheel
}

type platformWheel struct {
	pkg      Package
	platform string
}

// WithBasicAuth makes every request require HTTP Basic credentials user and
// password; requests without them (or with wrong ones) get 401 and a
// `WWW-Authenticate: Basic realm="pyindex"` header.
func WithBasicAuth(user, password string) Option {
	return func(c *config) {
		c.user, c.password, c.auth = user, password, true
	}
}

// WithPlatformWheel serves, besides the pure wheels of Start's packages, a wheel of p
// tagged for one platform: "<dist>-<version>-py3-none-<platform>.whl", e.g. platform
// "manylinux2014_aarch64". Several platform wheels of the same name and version (with
// different Files, say) let a test see which one pip picked. p is validated like Start's
// packages; the wheel is as deterministic as theirs.
func WithPlatformWheel(p Package, platform string) Option {
	return func(c *config) {
		c.platformWheels = append(c.platformWheels, platformWheel{pkg: p, platform: platform})
	}
}

// File is one wheel an [Index] serves, as a lock file records it.
type File struct {
	// Filename is the wheel's file name, e.g. "mlb_core-1.0-py3-none-any.whl".
	Filename string
	// URL is where the index serves it: "http://127.0.0.1:PORT/files/<Filename>".
	URL string
	// SHA256 is the hex sha256 of its bytes, as the project page's link fragment says.
	SHA256 string
	// Size is its length in bytes.
	Size int
}

// Files lists the wheels of project name (normalised per PEP 503 first) sorted by file
// name, every version and platform; nil for a project the index does not serve.
func (ix *Index) Files(name string) []File {
	base := strings.TrimSuffix(ix.URL, "/simple/") + "/files/"
	var out []File
	for _, w := range ix.projects[Normalize(name)] {
		out = append(out, File{Filename: w.filename, URL: base + url.PathEscape(w.filename), SHA256: w.sha256, Size: len(w.data)})
	}
	return out
}

// Index is a running package index. Create it with [Start] and stop it with
// [Index.Close].
type Index struct {
	// URL is the index root, "http://127.0.0.1:PORT/simple/" (trailing slash
	// included), without credentials.
	URL string

	cfg      config
	projects map[string][]*wheel // normalised name -> wheels sorted by filename
	files    map[string]*wheel   // filename -> wheel

	srv       *http.Server
	serveDone chan struct{}
	closeOnce sync.Once
	closeErr  error

	requests  atomic.Int64
	mu        sync.Mutex
	downloads map[string]int // normalised name -> count
}

type wheel struct {
	project  string // normalised project name
	filename string
	data     []byte
	sha256   string // hex
}

// newIndex is an index with no wheels yet, configured by opts.
func newIndex(opts []Option) *Index {
	ix := &Index{
		projects:  map[string][]*wheel{},
		files:     map[string]*wheel{},
		downloads: map[string]int{},
		serveDone: make(chan struct{}),
	}
	for _, o := range opts {
		o(&ix.cfg)
	}
	return ix
}

// Start builds a wheel for every package and starts serving them on
// 127.0.0.1 on a free port. It fails if a package is invalid or two packages
// produce the same wheel file name.
func Start(pkgs []Package, opts ...Option) (*Index, error) {
	ix := newIndex(opts)
	stamp := fmt.Sprintf("pyindex %d", indexSerial.Add(1)) + " " + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, p := range pkgs {
		fn, data, err := buildWheel(p)
		if err != nil {
			return nil, err
		}
		data = withZipComment(data, stamp)
		if _, dup := ix.files[fn]; dup {
			return nil, fmt.Errorf("pyindex: duplicate package %s %s (wheel %s)", p.Name, p.Version, fn)
		}
		sum := sha256.Sum256(data)
		w := &wheel{project: Normalize(p.Name), filename: fn, data: data, sha256: hex.EncodeToString(sum[:])}
		ix.files[fn] = w
		ix.projects[w.project] = append(ix.projects[w.project], w)
	}
	for _, pw := range ix.cfg.platformWheels {
		fn, data, err := buildTaggedWheel(pw.pkg, pw.platform)
		if err != nil {
			return nil, err
		}
		data = withZipComment(data, stamp)
		if _, dup := ix.files[fn]; dup {
			return nil, fmt.Errorf("pyindex: duplicate package %s %s (wheel %s)", pw.pkg.Name, pw.pkg.Version, fn)
		}
		sum := sha256.Sum256(data)
		w := &wheel{project: Normalize(pw.pkg.Name), filename: fn, data: data, sha256: hex.EncodeToString(sum[:])}
		ix.files[fn] = w
		ix.projects[w.project] = append(ix.projects[w.project], w)
	}
	for _, ws := range ix.projects {
		sort.Slice(ws, func(i, j int) bool { return ws[i].filename < ws[j].filename })
	}

	if err := ix.serve(); err != nil {
		return nil, err
	}
	return ix, nil
}

// indexSerial numbers the indexes Start makes in this process.
var indexSerial atomic.Int64

// withZipComment is a zip archive (written without a comment) with comment as its archive
// comment, which pip and every installer ignore. Start gives each index's wheels a comment of
// their own, so two indexes never serve the same bytes: BuildKit keeps a wheel it fetched by
// its sha256, whatever the URL, and tests that each start an index would otherwise share
// their builds' results.
func withZipComment(data []byte, comment string) []byte {
	if len(data) < 22 || data[len(data)-22] != 'P' || data[len(data)-2] != 0 || data[len(data)-1] != 0 {
		return data // not a comment-less end record: left as it is
	}
	out := append(bytes.Clone(data[:len(data)-2]), byte(len(comment)), byte(len(comment)>>8))
	return append(out, comment...)
}

// serve starts serving the index on a free port of 127.0.0.1 and sets its URL.
func (ix *Index) serve() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("pyindex: listen: %w", err)
	}
	ix.URL = "http://" + ln.Addr().String() + "/simple/"
	ix.srv = &http.Server{Handler: http.HandlerFunc(ix.serveHTTP), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(ix.serveDone)
		_ = ix.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return nil
}

// Close stops the server, closing any open connections. It is safe to call
// more than once.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		ix.closeErr = ix.srv.Close()
		<-ix.serveDone
	})
	return ix.closeErr
}

// Downloads reports how many times a wheel of the project name was
// successfully fetched with GET (every version counts). name is normalised
// per PEP 503 first, so "Foo_Bar" and "foo-bar" are the same project.
func (ix *Index) Downloads(name string) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.downloads[Normalize(name)]
}

// Requests reports the total number of HTTP requests received, including
// rejected (401), redirected and not-found ones.
func (ix *Index) Requests() int {
	return int(ix.requests.Load())
}

// AuthURL returns [Index.URL] with the Basic credentials embedded
// ("http://user:password@127.0.0.1:PORT/simple/", escaped as needed). Without
// [WithBasicAuth] it returns URL unchanged.
func (ix *Index) AuthURL() string {
	if !ix.cfg.auth {
		return ix.URL
	}
	u, err := url.Parse(ix.URL)
	if err != nil { // cannot happen: URL is built by Start
		return ix.URL
	}
	u.User = url.UserPassword(ix.cfg.user, ix.cfg.password)
	return u.String()
}

var nameRunRE = regexp.MustCompile(`[-_.]+`)

// Normalize returns the PEP 503 normalised form of a project name: lowercase,
// with every run of "-", "_" and "." replaced by a single "-".
func Normalize(name string) string {
	return strings.ToLower(nameRunRE.ReplaceAllString(name, "-"))
}

func (ix *Index) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ix.requests.Add(1)
	if ix.cfg.auth {
		u, p, ok := r.BasicAuth()
		if !ok ||
			subtle.ConstantTimeCompare([]byte(u), []byte(ix.cfg.user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(ix.cfg.password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="pyindex"`)
			http.Error(w, "401 unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}

	p := r.URL.Path
	switch {
	case p == "/simple":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case p == "/simple/":
		ix.serveRoot(w)
	case strings.HasPrefix(p, "/simple/"):
		rest := strings.TrimPrefix(p, "/simple/")
		name, slash := strings.CutSuffix(rest, "/")
		if name == "" || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		norm := Normalize(name)
		ws, ok := ix.projects[norm]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !slash || name != norm {
			http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
			return
		}
		ix.serveProject(w, norm, ws)
	case strings.HasPrefix(p, "/files/"):
		wh, ok := ix.files[strings.TrimPrefix(p, "/files/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodGet {
			// Counted before the body is written so that a client that has
			// read the whole response always observes the new count.
			ix.mu.Lock()
			ix.downloads[wh.project]++
			ix.mu.Unlock()
		}
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(wh.data)))
		// As PyPI serves files: immutable, so pip's HTTP cache keeps them and a package
		// already in the cache is not downloaded again.
		h.Set("Cache-Control", "max-age=365000000, immutable, public")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(wh.data)
		}
	default:
		http.NotFound(w, r)
	}
}

func writeHTML(w http.ResponseWriter, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body)) // HEAD: net/http discards the body
}

func (ix *Index) serveRoot(w http.ResponseWriter) {
	names := make([]string, 0, len(ix.projects))
	for n := range ix.projects {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Simple index</title>\n</head>\n<body>\n")
	for _, n := range names {
		fmt.Fprintf(&b, "<a href=\"/simple/%s/\">%s</a><br/>\n", html.EscapeString(url.PathEscape(n)), html.EscapeString(n))
	}
	b.WriteString("</body>\n</html>\n")
	writeHTML(w, b.String())
}

func (ix *Index) serveProject(w http.ResponseWriter, name string, ws []*wheel) {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Links for %s</title>\n</head>\n<body>\n<h1>Links for %s</h1>\n",
		html.EscapeString(name), html.EscapeString(name))
	for _, wh := range ws {
		fmt.Fprintf(&b, "<a href=\"/files/%s#sha256=%s\">%s</a><br/>\n",
			html.EscapeString(url.PathEscape(wh.filename)), wh.sha256, html.EscapeString(wh.filename))
	}
	b.WriteString("</body>\n</html>\n")
	writeHTML(w, b.String())
}

// ---- wheel building ----

var (
	pep508NameRE = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)
	versionRE    = regexp.MustCompile(`^[A-Za-z0-9.+!]+$`)
	// platformTagRE is a PEP 425 platform tag: "any", "manylinux2014_aarch64", "win_amd64".
	platformTagRE = regexp.MustCompile(`^[a-z0-9_]+$`)
	// wheelEpoch is the fixed modification time of every wheel entry (the
	// earliest time a zip file can represent).
	wheelEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
)

// distName is the wheel-filename form of a project name: runs of "-", "_"
// and "." replaced by "_" (case preserved).
func distName(name string) string {
	return nameRunRE.ReplaceAllString(name, "_")
}

// buildWheel returns the wheel file name and deterministic zip bytes for p.
func buildWheel(p Package) (filename string, data []byte, err error) {
	return buildTaggedWheel(p, "any")
}

// buildTaggedWheel is buildWheel for the platform tag platform ("any" for a pure wheel).
func buildTaggedWheel(p Package, platform string) (filename string, data []byte, err error) {
	if !platformTagRE.MatchString(platform) {
		return "", nil, fmt.Errorf("pyindex: package %s: invalid platform tag %q", p.Name, platform)
	}
	if !pep508NameRE.MatchString(p.Name) {
		return "", nil, fmt.Errorf("pyindex: invalid package name %q", p.Name)
	}
	if !versionRE.MatchString(p.Version) {
		return "", nil, fmt.Errorf("pyindex: package %s: invalid version %q", p.Name, p.Version)
	}
	for _, req := range p.Requires {
		if strings.TrimSpace(req) == "" || strings.ContainsAny(req, "\r\n") {
			return "", nil, fmt.Errorf("pyindex: package %s: invalid requirement %q", p.Name, req)
		}
	}
	dist := distName(p.Name)
	distInfo := dist + "-" + p.Version + ".dist-info"
	tag := "py3-none-" + platform
	filename = dist + "-" + p.Version + "-" + tag + ".whl"

	files := p.Files
	if len(files) == 0 {
		files = map[string]string{
			strings.ToLower(dist) + "/__init__.py": fmt.Sprintf("__version__ = %q\n", p.Version),
		}
	}
	paths := make([]string, 0, len(files))
	for f := range files {
		if f == "" || strings.HasPrefix(f, "/") || strings.Contains(f, `\`) ||
			path.Clean(f) != f || f == ".." || strings.HasPrefix(f, "../") {
			return "", nil, fmt.Errorf("pyindex: package %s: invalid file path %q (want a clean relative slash-separated path)", p.Name, f)
		}
		if f == distInfo || strings.HasPrefix(f, distInfo+"/") {
			return "", nil, fmt.Errorf("pyindex: package %s: file %q clashes with the generated %s directory", p.Name, f, distInfo)
		}
		paths = append(paths, f)
	}
	sort.Strings(paths)

	var metadata strings.Builder
	fmt.Fprintf(&metadata, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", p.Name, p.Version)
	for _, req := range p.Requires {
		fmt.Fprintf(&metadata, "Requires-Dist: %s\n", strings.TrimSpace(req))
	}
	wheelMeta := "Wheel-Version: 1.0\nGenerator: mlbuild-pyindex\nRoot-Is-Purelib: true\nTag: " + tag + "\n"

	type entry struct{ name, content string }
	entries := make([]entry, 0, len(paths)+3)
	for _, f := range paths {
		entries = append(entries, entry{f, files[f]})
	}
	entries = append(entries,
		entry{distInfo + "/METADATA", metadata.String()},
		entry{distInfo + "/WHEEL", wheelMeta},
	)

	var record bytes.Buffer
	cw := csv.NewWriter(&record)
	for _, e := range entries {
		sum := sha256.Sum256([]byte(e.content))
		if err := cw.Write([]string{e.name, "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), strconv.Itoa(len(e.content))}); err != nil {
			return "", nil, err
		}
	}
	recordName := distInfo + "/RECORD"
	if err := cw.Write([]string{recordName, "", ""}); err != nil {
		return "", nil, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return "", nil, err
	}
	entries = append(entries, entry{recordName, record.String()})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: wheelEpoch}
		hdr.SetMode(0o644)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return "", nil, err
		}
		if _, err := fw.Write([]byte(e.content)); err != nil {
			return "", nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	return filename, buf.Bytes(), nil
}

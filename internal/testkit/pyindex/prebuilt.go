package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// StreamedFile is a wheel entry whose content is written when the wheel is, for large
// generated files that should not be held in memory (see [WriteStreamedWheel]).
type StreamedFile struct {
	// Path is the slash-separated path in the wheel (installed into site-packages).
	Path string
	// Executable marks the file 0755 in the wheel (pip keeps the bit), as shared libraries are.
	Executable bool
	// Write writes the content; it must write the same bytes every time.
	Write func(io.Writer) error
}

// WriteStreamedWheel writes the wheel of p tagged for platform ("any" for a pure wheel;
// "manylinux2014_x86_64" for one with shared libraries) to w, with p.Files and files as its
// entries, and returns its file name. Like the wheels [Start] builds it is deterministic
// (fixed timestamps, entries in path order, RECORD with every entry's sha256), but the
// content of files is streamed through the zip writer and hashed on the way, never held in
// memory. A platform wheel says "Root-Is-Purelib: false", as wheels with compiled code do.
func WriteStreamedWheel(w io.Writer, p Package, platform string, files []StreamedFile) (string, error) {
	if !platformTagRE.MatchString(platform) {
		return "", fmt.Errorf("pyindex: package %s: invalid platform tag %q", p.Name, platform)
	}
	if !pep508NameRE.MatchString(p.Name) {
		return "", fmt.Errorf("pyindex: invalid package name %q", p.Name)
	}
	if !versionRE.MatchString(p.Version) {
		return "", fmt.Errorf("pyindex: package %s: invalid version %q", p.Name, p.Version)
	}
	dist := distName(p.Name)
	distInfo := dist + "-" + p.Version + ".dist-info"
	tag := "py3-none-" + platform
	filename := dist + "-" + p.Version + "-" + tag + ".whl"

	entries := map[string]StreamedFile{}
	for f, content := range p.Files {
		entries[f] = StreamedFile{Path: f, Write: func(w io.Writer) error { _, err := io.WriteString(w, content); return err }}
	}
	for _, f := range files {
		if _, dup := entries[f.Path]; dup {
			return "", fmt.Errorf("pyindex: package %s: file %q given twice", p.Name, f.Path)
		}
		entries[f.Path] = f
	}
	paths := make([]string, 0, len(entries))
	for f := range entries {
		if f == "" || strings.HasPrefix(f, "/") || strings.Contains(f, `\`) ||
			path.Clean(f) != f || f == ".." || strings.HasPrefix(f, "../") {
			return "", fmt.Errorf("pyindex: package %s: invalid file path %q (want a clean relative slash-separated path)", p.Name, f)
		}
		if f == distInfo || strings.HasPrefix(f, distInfo+"/") {
			return "", fmt.Errorf("pyindex: package %s: file %q clashes with the generated %s directory", p.Name, f, distInfo)
		}
		paths = append(paths, f)
	}
	sort.Strings(paths)

	var metadata strings.Builder
	fmt.Fprintf(&metadata, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", p.Name, p.Version)
	for _, req := range p.Requires {
		fmt.Fprintf(&metadata, "Requires-Dist: %s\n", strings.TrimSpace(req))
	}
	wheelMeta := fmt.Sprintf("Wheel-Version: 1.0\nGenerator: mlbuild-pyindex\nRoot-Is-Purelib: %t\nTag: %s\n", platform == "any", tag)
	for _, m := range []struct{ name, content string }{{"METADATA", metadata.String()}, {"WHEEL", wheelMeta}} {
		content := m.content
		entries[distInfo+"/"+m.name] = StreamedFile{Path: distInfo + "/" + m.name, Write: func(w io.Writer) error { _, err := io.WriteString(w, content); return err }}
		paths = append(paths, distInfo+"/"+m.name)
	}

	zw := zip.NewWriter(w)
	var record bytes.Buffer
	cw := csv.NewWriter(&record)
	add := func(f StreamedFile) error {
		hdr := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: wheelEpoch}
		hdr.SetMode(0o644)
		if f.Executable {
			hdr.SetMode(0o755)
		}
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		h := sha256.New()
		cnt := &countingWriter{h: h}
		if err := f.Write(io.MultiWriter(fw, cnt)); err != nil {
			return fmt.Errorf("pyindex: package %s: %s: %w", p.Name, f.Path, err)
		}
		return cw.Write([]string{f.Path, "sha256=" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)), strconv.FormatInt(cnt.n, 10)})
	}
	for _, f := range paths {
		if err := add(entries[f]); err != nil {
			return "", err
		}
	}
	recordName := distInfo + "/RECORD"
	if err := cw.Write([]string{recordName, "", ""}); err != nil {
		return "", err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return "", err
	}
	hdr := &zip.FileHeader{Name: recordName, Method: zip.Deflate, Modified: wheelEpoch}
	hdr.SetMode(0o644)
	fw, err := zw.CreateHeader(hdr)
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(record.Bytes()); err != nil {
		return "", err
	}
	return filename, zw.Close()
}

type countingWriter struct {
	h hash.Hash
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// Prebuilt is a wheel file built before the index starts (by [WriteStreamedWheel], say).
type Prebuilt struct {
	// Filename is the wheel's file name; its first "-"-separated part is the project.
	Filename string
	// Data is the wheel's bytes. StartPrebuilt serves the slice as is, never copies or
	// changes it: several indexes can share one.
	Data []byte
	// SHA256 is the hex sha256 of Data, when known (StartPrebuilt computes it otherwise).
	SHA256 string
}

// StartPrebuilt serves prebuilt wheels as [Start] serves the wheels it builds (same pages,
// caching headers, download counts and [Index.Files]), on a port of its own. Several indexes
// started from the same wheels share their memory: a benchmark gives every system compared
// its own index, with its own download counts, over one set of bytes. Options other than
// [WithBasicAuth] have no effect.
func StartPrebuilt(wheels []Prebuilt, opts ...Option) (*Index, error) {
	ix := newIndex(opts)
	for _, pw := range wheels {
		if !strings.HasSuffix(pw.Filename, ".whl") || strings.ContainsAny(pw.Filename, "/\\") || strings.Count(pw.Filename, "-") < 4 {
			return nil, fmt.Errorf("pyindex: %q is not a wheel file name", pw.Filename)
		}
		if _, dup := ix.files[pw.Filename]; dup {
			return nil, fmt.Errorf("pyindex: duplicate wheel %s", pw.Filename)
		}
		sum := pw.SHA256
		if sum == "" {
			s := sha256.Sum256(pw.Data)
			sum = hex.EncodeToString(s[:])
		}
		w := &wheel{project: Normalize(strings.SplitN(pw.Filename, "-", 2)[0]), filename: pw.Filename, data: pw.Data, sha256: sum}
		ix.files[w.filename] = w
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

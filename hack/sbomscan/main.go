// Command sbomscan is the SBOM generator of mlbuild's releases: an image BuildKit runs for
// "--sbom generator=IMAGE" (BuildKit's SBOM protocol: the image to scan is mounted read-only
// at $BUILDKIT_SCAN_SOURCE, the generator writes in-toto statements into
// $BUILDKIT_SCAN_DESTINATION, one file each).
//
// The frontend image is FROM scratch with one static Go binary, so its software inventory
// is exactly what that binary's build information records: the main module, every module
// linked in (with its go.sum hash) and the Go standard library. sbomscan reads that
// (debug/buildinfo) from every Go executable under the source and writes one SPDX 2.3
// document, with a package URL per module. Anything else in the image is listed as a file
// with its SHA-256, so nothing is left out silently. The output depends on the image's
// content only (SOURCE_DATE_EPOCH, when set, is the creation time; else the Unix epoch).
package main

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type statement struct {
	Type          string  `json:"_type"`
	PredicateType string  `json:"predicateType"`
	Subject       []any   `json:"subject"`
	Predicate     spdxDoc `json:"predicate"`
}

type spdxDoc struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	Packages          []spdxPackage  `json:"packages"`
	Files             []spdxFile     `json:"files,omitempty"`
	Relationships     []relationship `json:"relationships"`
}

type creationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	Checksums        []checksum    `json:"checksums,omitempty"`
	SourceInfo       string        `json:"sourceInfo,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
}

type spdxFile struct {
	FileName  string     `json:"fileName"`
	SPDXID    string     `json:"SPDXID"`
	Checksums []checksum `json:"checksums"`
}

type checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func main() {
	src, dst := os.Getenv("BUILDKIT_SCAN_SOURCE"), os.Getenv("BUILDKIT_SCAN_DESTINATION")
	if src == "" || dst == "" {
		fmt.Fprintln(os.Stderr, "sbomscan: BuildKit runs this image for --sbom generator=IMAGE (BUILDKIT_SCAN_SOURCE and BUILDKIT_SCAN_DESTINATION unset)")
		os.Exit(2)
	}
	doc, err := scan(src)
	if err == nil {
		err = write(filepath.Join(dst, "sbom.spdx.json"), doc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomscan:", err)
		os.Exit(1)
	}
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxID(kind, name string) string {
	return "SPDXRef-" + kind + "-" + strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-")
}

func scan(root string) (spdxDoc, error) {
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			created = time.Unix(n, 0).UTC()
		}
	}
	doc := spdxDoc{
		SPDXVersion:  "SPDX-2.3",
		DataLicense:  "CC0-1.0",
		SPDXID:       "SPDXRef-DOCUMENT",
		Name:         "mlbuild frontend image",
		CreationInfo: creationInfo{Created: created.Format(time.RFC3339), Creators: []string{"Tool: mlbuild-sbomscan"}},
	}
	seen := map[string]bool{}
	add := func(p spdxPackage) {
		if seen[p.SPDXID] {
			return
		}
		seen[p.SPDXID] = true
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, relationship{"SPDXRef-DOCUMENT", "DESCRIBES", p.SPDXID})
	}
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = "/" + filepath.ToSlash(rel)
		sum, err := fileSHA256(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %s\n", rel, sum)
		bi, err := buildinfo.ReadFile(path)
		if err != nil {
			doc.Files = append(doc.Files, spdxFile{FileName: rel, SPDXID: spdxID("File", rel), Checksums: []checksum{{"SHA256", sum}}})
			return nil
		}
		add(spdxPackage{
			Name: rel, SPDXID: spdxID("Executable", rel), DownloadLocation: "NOASSERTION",
			Checksums:  []checksum{{"SHA256", sum}},
			SourceInfo: "Go executable built from " + bi.Path,
		})
		add(goModule("stdlib", bi.GoVersion, ""))
		add(goModule(bi.Main.Path, bi.Main.Version, bi.Main.Sum))
		for _, m := range bi.Deps {
			if m.Replace != nil {
				m = m.Replace
			}
			add(goModule(m.Path, m.Version, m.Sum))
		}
		return nil
	})
	if err != nil {
		return doc, err
	}
	sort.SliceStable(doc.Packages, func(i, j int) bool { return doc.Packages[i].SPDXID < doc.Packages[j].SPDXID })
	sort.SliceStable(doc.Relationships, func(i, j int) bool { return doc.Relationships[i].Related < doc.Relationships[j].Related })
	doc.DocumentNamespace = "https://mlbuild.dev/spdx/frontend-image/" + hex.EncodeToString(h.Sum(nil))
	return doc, nil
}

func goModule(path, version, sum string) spdxPackage {
	p := spdxPackage{Name: path, SPDXID: spdxID("Go", path+"-"+version), VersionInfo: version, DownloadLocation: "NOASSERTION"}
	if version != "" && version != "(devel)" {
		p.ExternalRefs = []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + path + "@" + version}}
	}
	if sum != "" {
		p.SourceInfo = "go.sum " + sum
	}
	return p
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func write(path string, doc spdxDoc) error {
	st := statement{Type: "https://in-toto.io/Statement/v0.1", PredicateType: "https://spdx.dev/Document", Subject: []any{}, Predicate: doc}
	dt, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(dt, '\n'), 0o644)
}

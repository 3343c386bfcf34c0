package pydeps

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// pipReport is the part of pip's installation report (pip install --report, format version
// 1) that says what would be installed.
type pipReport struct {
	Version string `json:"version"`
	Install []struct {
		DownloadInfo struct {
			URL         string `json:"url"`
			ArchiveInfo *struct {
				Hash   string            `json:"hash"`
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
		} `json:"download_info"`
		IsDirect bool `json:"is_direct"`
		Metadata struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"metadata"`
	} `json:"install"`
}

// ParsePipReport reads what pip install --dry-run --report says it would install, as pins
// with the sha256 of the archive pip chose. ok is false when a pin cannot be installed with
// --require-hashes (a directory, a VCS checkout, an archive without a sha256): the caller
// then installs the requirements files as they are. The pins are sorted like a lock's.
func ParsePipReport(data []byte) (pins []Pin, ok bool, err error) {
	var r pipReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, false, fmt.Errorf("pip report: %w", err)
	}
	if major, _, _ := strings.Cut(r.Version, "."); major != "1" {
		return nil, false, fmt.Errorf("pip report version %q is not 1", r.Version)
	}
	for _, in := range r.Install {
		ai := in.DownloadInfo.ArchiveInfo
		if ai == nil || in.Metadata.Name == "" || in.Metadata.Version == "" {
			return nil, false, nil
		}
		h := ai.Hashes["sha256"]
		if alg, hex, found := strings.Cut(ai.Hash, "="); h == "" && found && alg == "sha256" {
			h = hex
		}
		if len(h) != 64 {
			return nil, false, nil
		}
		pin := Pin{Name: in.Metadata.Name, Version: in.Metadata.Version, Hashes: []string{"sha256:" + strings.ToLower(h)}}
		if in.IsDirect {
			pin.URL = in.DownloadInfo.URL
		}
		// The archive pip chose for the interpreter it ran on, where it found it.
		if w, ok := fetchableWheel(artifact{file: urlFile(in.DownloadInfo.URL), url: in.DownloadInfo.URL, hash: pin.Hashes[0]}); ok {
			pin.Wheels = []Wheel{w}
		}
		pins = append(pins, pin)
	}
	sortPins(pins)
	return pins, true, nil
}

// urlFile is the last element of a URL's path, unescaped ("" when it does not parse).
func urlFile(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return path.Base(parsed.Path)
}

package llbgraph

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mlbuild/mlbuild/pkg/spec"
)

// The pip step's fixed paths and its cache mount id (namespaced by BUILDKIT_CACHE_MOUNT_NS).
const (
	RequirementsDir = "/tmp/mlbuild/requirements"
	PipCacheDir     = "/tmp/mlbuild/pip-cache"
	PipCacheID      = "mlbuild-pip"
	// SecretEnvDir holds pip secrets meant for the environment, as files, on builders that
	// cannot set a secret as an environment variable; it is on the step's tmpfs.
	SecretEnvDir = "/tmp/mlbuild/secrets"
)

// The pieces below are shared with pkg/eject, so an ejected Dockerfile runs exactly the
// commands the frontend runs.

// UserScript is the /bin/sh script that adds the target's user and group, its home, and the
// directories it may write. It is idempotent and needs no tool beyond sh, grep, mkdir, chown.
func UserScript(t *spec.Target) string {
	return userScript(t, WritableDirs(t))
}

// userScript is UserScript creating the writable directories dirs.
func userScript(t *spec.Target, dirs []string) string {
	u := t.User
	uid, gid := *u.UID, *u.GID
	script := fmt.Sprintf(`set -eu
grep -q '^[^:]*:[^:]*:%[3]d:' /etc/group || echo '%[1]s:x:%[3]d:' >> /etc/group
grep -q '^[^:]*:[^:]*:%[2]d:' /etc/passwd || echo '%[1]s:x:%[2]d:%[3]d::/home/%[1]s:/usr/sbin/nologin' >> /etc/passwd
mkdir -p /home/%[1]s && chown %[2]d:%[3]d /home/%[1]s`, u.Name, uid, gid)
	if len(dirs) > 0 {
		script += fmt.Sprintf("\nmkdir -p %[1]s && chown %[2]d:%[3]d %[1]s", ShellJoin(dirs), uid, gid)
	}
	return script
}

// WritableDirs are the target's writable directories as absolute paths.
func WritableDirs(t *spec.Target) []string {
	var dirs []string
	for _, d := range t.Writable {
		if !path.IsAbs(d) {
			d = path.Join(t.Workdir, d)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// CopyDest is where a copy entry of t lands: its "to", under the target's workdir when relative.
func CopyDest(t *spec.Target, cp spec.Copy) string {
	if path.IsAbs(cp.To) {
		return cp.To
	}
	return path.Join(t.Workdir, cp.To)
}

// VenvArgs are the arguments of "python3" that create the virtualenv.
func VenvArgs(s *spec.Spec) []string {
	args := []string{"-m", "venv", "--without-pip"}
	if *s.Python.SystemSitePackages {
		args = append(args, "--system-site-packages")
	}
	return append(args, s.Python.Venv)
}

// PipPycachePrefix is PYTHONPYCACHEPREFIX for pip's own run: the bytecode of pip and of the
// standard library it imports (python images ship no .pyc) is kept in pip's cache mount, so
// later pip runs start warm and no such file lands in a layer. The packages pip installs are
// compiled into the venv afterwards by CompileArgs, since the prefix would divert theirs too.
const PipPycachePrefix = PipCacheDir + "/pycache"

// PipCommand is the pip step's arguments of "python3", grouped one option per element: the
// base interpreter's pip (so the venv needs no pip of its own) installs into the venv.
func PipCommand(s *spec.Spec) [][]string {
	opts := [][]string{{"-m", "pip", "--python", s.Python.Venv + "/bin/python", "install", "--no-warn-script-location", "--root-user-action=ignore", "--no-compile"}}
	if p := s.Pip; p != nil {
		if p.IndexURL != "" {
			opts = append(opts, []string{"--index-url", p.IndexURL})
		}
		for _, u := range p.ExtraIndexURLs {
			opts = append(opts, []string{"--extra-index-url", u})
		}
		for _, u := range p.FindLinks {
			opts = append(opts, []string{"--find-links", u})
		}
		for _, h := range p.TrustedHosts {
			opts = append(opts, []string{"--trusted-host", h})
		}
		if len(p.Args) > 0 {
			opts = append(opts, p.Args)
		}
	}
	for _, r := range s.Requirements {
		opts = append(opts, []string{"-r", path.Join(RequirementsDir, r)})
	}
	return opts
}

// CompileArgs are the arguments of "python3" that compile the venv's packages to bytecode
// after pip, as pip itself would (errors in odd files ignored; hash-based .pyc files when
// SOURCE_DATE_EPOCH is set), using every core. Nil when the spec's pip args turn compiling off.
func CompileArgs(s *spec.Spec) []string {
	if s.Pip != nil && slices.Contains(s.Pip.Args, "--no-compile") {
		return nil
	}
	return []string{"-c", "import compileall, sys; compileall.compile_dir(sys.argv[1], quiet=2, workers=0)", s.Python.Venv + "/lib"}
}

// PipScript is the pip step's /bin/sh script: pip runs with the arguments given to the
// script, then the packages are compiled.
func PipScript(s *spec.Spec) string {
	script := "set -eu\nPYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=" + PipPycachePrefix + ` python3 "$@"`
	if c := CompileArgs(s); c != nil {
		script += "\npython3 " + ShellJoin(c)
	}
	return script
}

// ShellJoin quotes words for /bin/sh.
func ShellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:") == "" {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// Package pydeps reads the Python dependency declarations of a project — pyproject.toml and
// one of its lock files, uv.lock, poetry.lock or a PEP 751 pylock.toml — and turns the locked
// set for one target platform and Python into a pip requirements file that installs exactly
// that set:
//
//	pip install --no-deps --require-hashes -r requirements.txt
//
// Contract:
//   - It performs no I/O: callers hand it each file's name and bytes.
//   - It is pure and deterministic: the same bytes, [Env] and [Selection] always give the
//     same pins in the same order, and [Requirements] the same bytes.
//   - Every problem in a file is a located error, a [*located.Error] (or [located.Errors] when there
//     are several) naming the file, the line and column of the offending TOML key or table,
//     a TOML-ish path ("package[3].source") and the package concerned. Malformed TOML is
//     reported at the parser's position. No input makes it panic.
//   - A lock is read as its tool documents it and installed as that tool would install it
//     for the target, with two differences made for container images: development groups
//     are installed only when selected, and every pin must carry a sha256 hash, since pip's
//     --require-hashes refuses a requirement without one. Sources pip cannot install from
//     a hash (git, local paths other than the project itself and the members of its uv
//     workspace) are refused. The project and the workspace members are not pins: the
//     caller builds them from the build context ([WorkspaceMembers] lists the members a
//     selection installs; a uv-exported pylock.toml's own directory entry is the project).
//
// The target is an [Env], the PEP 508 marker environment built by [NewEnv] from a platform
// ("linux", "arm64", "v8") and the base image's Python version. [EvalMarker] and
// [MatchSpecifier] implement PEP 508 markers and PEP 440 specifiers, with PEP 685 name
// normalization for extras and PEP 751's "extras" and "dependency_groups" variables.
//
// A typical use:
//
//	project, err := pydeps.ParsePyproject("pyproject.toml", pyproject)
//	lock, err := pydeps.ParseUVLock("uv.lock", data)
//	env, err := pydeps.NewEnv("linux", "arm64", "", "3.11.9")
//	pins, err := lock.Pins(env, pydeps.Selection{Extras: []string{"cuda"}})
//	requirements, indexes := pydeps.Requirements(pins), pydeps.Indexes(pins)
//	warnings := pydeps.Stale(project, lock)
package pydeps

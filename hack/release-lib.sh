# Shared by hack/release.sh (make release) and hack/dist.sh (make dist): the version checks
# and the one way release binaries are compiled. Sourced; expects to run at the repo root.

# release_check_version VERSION: X.Y.Z or X.Y.Z-PRERELEASE (semver, no leading v).
release_check_version() {
  if ! [[ ${1:-} =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "VERSION=${1:-} is not a release version: want X.Y.Z or X.Y.Z-rc.N (no leading v)" >&2
    return 2
  fi
}

# release_commit: the commit being released. A tree with changes is refused (the binaries
# would not be those of the commit) unless RELEASE_ALLOW_DIRTY=1, which stamps <commit>-dirty.
release_commit() {
  local c; c=$(git rev-parse HEAD)
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    if [ "${RELEASE_ALLOW_DIRTY:-}" != 1 ]; then
      echo "the working tree has uncommitted changes: a release is built from a commit (commit or stash them; RELEASE_ALLOW_DIRTY=1 builds anyway, stamped $c-dirty)" >&2
      return 1
    fi
    c=$c-dirty
  fi
  echo "$c"
}

# The Go toolchain of a release is the one go.mod names (its toolchain line, else its go
# line), exactly: the same source compiled by another Go version gives other bytes, so a
# rebuild would not reproduce the image. The go command fetches that toolchain through the
# module proxy when it is not the installed one.
release_gotoolchain() {
  local t; t=$(awk '$1 == "toolchain" {print $2}' go.mod)
  [ -n "$t" ] || t=go$(awk '$1 == "go" {print $2}' go.mod)
  echo "$t"
}

# release_go_build OS ARCH ARM_VARIANT OUT VERSION COMMIT IMAGE DIGEST [PKG]: one static,
# reproducible binary (no cgo, -trimpath, no VCS stamp: the commit is stamped explicitly, so
# the bytes depend on the source and these arguments only, not on the checkout's path or git
# state).
release_go_build() {
  local os=$1 arch=$2 variant=$3 out=$4 version=$5 commit=$6 image=$7 digest=$8 pkg=${9:-./cmd/frontend}
  local x=github.com/mlbuild/mlbuild/internal/cli
  local goarm=
  [ "$arch" != arm ] || goarm=${variant#v}
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOARM=$goarm GOTOOLCHAIN=$(release_gotoolchain) GOFLAGS= \
    go build -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X $x.Version=$version -X $x.Commit=$commit -X $x.Image=$image -X $x.ImageDigest=$digest" \
    -o "$out" "$pkg"
}

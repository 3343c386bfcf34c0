#!/usr/bin/env bash
# Builds the pinned tools the test bed needs (buildkitd, buildctl, buildx, crane) from the
# Go module proxy and caches them by version outside the checkout. Prints the bin directory.
# Usage: hack/tools.sh [bench]    # build what is missing, print the bin dir
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh

BIN="$MLBUILD_CACHE/bin"
mkdir -p "$BIN"

# build_from_module MODULE VERSION OUTNAME PKG [BUILD TAGS]
build_from_module() {
  local mod=$1 ver=$2 out=$3 pkg=$4 tags=${5:-}
  local dst="$BIN/$out-$ver"
  if [ -x "$dst" ]; then return 0; fi
  echo "tools: building $out $ver from $mod (takes a few minutes the first time)" >&2
  local dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$mod@$ver" | jq -r .Dir)
  [ -d "$dir" ] || { echo "tools: cannot download $mod@$ver" >&2; exit 1; }
  local tmp; tmp=$(mktemp -d)
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -tags "$tags" -o "$tmp/$out" "$pkg")
  mv "$tmp/$out" "$dst"; rmdir "$tmp"
}

build_from_module github.com/moby/buildkit "$BUILDKIT_VERSION" buildkitd ./cmd/buildkitd
build_from_module github.com/moby/buildkit "$BUILDKIT_VERSION" buildctl ./cmd/buildctl
build_from_module github.com/docker/buildx "$BUILDX_VERSION" docker-buildx ./cmd/buildx
build_from_module github.com/google/go-containerregistry "$GGCR_VERSION" crane ./cmd/crane
# BuildKit's Dockerfile frontend as its own binary, only for the bench (hack/tools.sh bench):
# it runs the baseline through it as a "# syntax=" image, as Dockerfile users do (build tags
# as in its upstream release build).
if [ "${1:-}" = bench ]; then
  build_from_module github.com/moby/buildkit "$BUILDKIT_VERSION" dockerfile-frontend ./frontend/dockerfile/cmd/dockerfile-frontend "netgo static_build osusergo"
  ln -sf "$BIN/dockerfile-frontend-$BUILDKIT_VERSION" "$BIN/dockerfile-frontend"
fi

# Stable names for callers.
for t in buildkitd:$BUILDKIT_VERSION buildctl:$BUILDKIT_VERSION docker-buildx:$BUILDX_VERSION crane:$GGCR_VERSION; do
  ln -sf "$BIN/${t%%:*}-${t#*:}" "$BIN/${t%%:*}"
done
mkdir -p "$HOME/.docker/cli-plugins"
ln -sf "$BIN/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
echo "$BIN"

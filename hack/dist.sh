#!/usr/bin/env bash
# make dist VERSION=X.Y.Z: the frontend CLI for people without Go, cross-compiled for linux,
# darwin and windows on amd64 and arm64 into dist/ (frontend-X.Y.Z-OS-ARCH[.exe]) with a
# SHA256SUMS file. Stamped: the version, the commit and the frontend image "frontend init"
# writes into "# syntax=": IMAGE_NAME (default $REGISTRY/frontend, else ghcr.io/mlbuild/frontend)
# at the tag X.Y.Z, pinned by IMAGE_DIGEST, or by the digest "make release" of the same
# version and image recorded in $DIST_DIR/release-image.
# DIST_PLATFORMS overrides the list (os/arch, space separated); DIST_DIR the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/release-lib.sh
DIST=${DIST_DIR:-dist}
VERSION=${VERSION:-}
release_check_version "$VERSION"
COMMIT=$(release_commit)
IMAGE=${IMAGE_NAME:-${REGISTRY:+${REGISTRY%/}/frontend}}
IMAGE=${IMAGE:-ghcr.io/mlbuild/frontend}
DIGEST=${IMAGE_DIGEST:-}
if [ -z "$DIGEST" ] && [ -f "$DIST/release-image" ]; then
  rec=$(cat "$DIST/release-image")
  if [ "${rec%@*}" = "$IMAGE:$VERSION" ]; then DIGEST=${rec#*@}; fi
fi
PLATFORMS=${DIST_PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
mkdir -p "$DIST"
rm -f "$DIST"/frontend-* "$DIST/SHA256SUMS"
start=$SECONDS
names=()
for p in $PLATFORMS; do
  os=${p%/*} arch=${p#*/}
  name=frontend-$VERSION-$os-$arch
  [ "$os" != windows ] || name=$name.exe
  t=$SECONDS
  release_go_build "$os" "$arch" "" "$DIST/$name" "$VERSION" "$COMMIT" "$IMAGE:$VERSION" "$DIGEST"
  echo "dist: $name ($((SECONDS - t)) s)" >&2
  names+=("$name")
done
(cd "$DIST" && sha256sum "${names[@]}" >SHA256SUMS)
echo "dist: ${#names[@]} binaries and SHA256SUMS in $DIST/ ($((SECONDS - start)) s); # syntax=$IMAGE:$VERSION${DIGEST:+@$DIGEST}" >&2

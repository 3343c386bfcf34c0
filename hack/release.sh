#!/usr/bin/env bash
# make release REGISTRY=... VERSION=X.Y.Z: the frontend image, built from this commit for
# PLATFORMS (default: the platforms BuildKit's own daemon image ships for, where a frontend
# can be asked to run), with SLSA provenance (mode=max) and an SPDX SBOM attached, pushed as
# REGISTRY/frontend:X.Y.Z, :X.Y and :X (a prerelease X.Y.Z-rc.N only under its own tag).
#
# Reproducible: the binaries are compiled outside any image, with the Go toolchain go.mod
# names, -trimpath and no VCS or build-id stamps (hack/release-lib.sh), then packaged by
# Dockerfile.frontend's "packaged" stage (FROM scratch, one COPY) with SOURCE_DATE_EPOCH set
# to the commit's time and the exporter's rewrite-timestamp: rebuilding the same commit gives
# the same manifest digest per platform. (The index digest also covers the attestations, and
# provenance records when it was built, so it differs from one build to the next.)
#
# The layer's compressed bytes also depend on BuildKit's tar and gzip code: rebuild with the
# BuildKit version of the release (.github/workflows/release.yml pins it).
# The same path works where no image can be pulled (the golang stage of Dockerfile.frontend
# needs Docker Hub) and on a release runner; it needs Go, git and docker buildx with a
# builder that can push to REGISTRY (BUILDX_BUILDER picks one).
#
# IMAGE_NAME: the image name stamped into the binaries (default REGISTRY/frontend); set it to
# the published name when rebuilding a release elsewhere to verify it.
# SBOM_GENERATOR: the SBOM generator image; default: this tree's hack/sbomscan, pushed as
# REGISTRY/frontend-sbomscan:X.Y.Z first (the image is one static Go binary, whose build
# information lists every module in it; hack/sbomscan writes that as SPDX).
# NO_CACHE=1 builds the image without BuildKit's cache (a rebuild that proves the digest).
# Writes $DIST_DIR/release-image (default dist/): REGISTRY/frontend:X.Y.Z@<index digest>, which
# make dist stamps into the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/release-lib.sh
DIST=${DIST_DIR:-dist}
log() { printf '\033[1mrelease:\033[0m %s\n' "$*" >&2; }
REGISTRY=${REGISTRY:-}
VERSION=${VERSION:-}
[ -n "$REGISTRY" ] || { echo "REGISTRY is not set (make release REGISTRY=ghcr.io/mlbuild VERSION=X.Y.Z)" >&2; exit 2; }
release_check_version "$VERSION"
REGISTRY=${REGISTRY%/}
COMMIT=$(release_commit)
PLATFORMS=${PLATFORMS:-linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le,linux/s390x,linux/riscv64}
SOURCE_URL=${SOURCE_URL:-https://github.com/mlbuild/mlbuild}
IMAGE=$REGISTRY/frontend
# The name the binaries carry (the image "frontend init" writes into "# syntax="): the
# published one. A verifier rebuilding into a registry of their own sets IMAGE_NAME to the
# published name (and SOURCE_URL, a label, to the release's if it is not the default), or the
# binaries or the config, and so the digests, differ.
STAMP=${IMAGE_NAME:-$IMAGE}
EPOCH=$(git log -1 --format=%ct HEAD)
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)

TAGS=("$IMAGE:$VERSION")
if [[ $VERSION != *-* ]]; then
  IFS=. read -r major minor _ <<<"$VERSION"
  TAGS+=("$IMAGE:$major.$minor" "$IMAGE:$major")
fi
insecure=
case $REGISTRY in 127.0.0.1:* | localhost:* | localhost/* | localhost) insecure=,registry.insecure=true ;; esac

CTX=$(mktemp -d)
trap 'rm -rf "$CTX"' EXIT
mkdir -p "$CTX/bin" "$DIST"
start=$SECONDS
for p in ${PLATFORMS//,/ }; do
  IFS=/ read -r os arch variant <<<"$p"
  t=$SECONDS
  # Named as the packaged stage reads it: frontend-$TARGETOS-$TARGETARCH$TARGETVARIANT.
  release_go_build "$os" "$arch" "$variant" "$CTX/bin/frontend-$os-$arch$variant" "$VERSION" "$COMMIT" "$STAMP:$VERSION" ""
  chmod 0755 "$CTX/bin/frontend-$os-$arch$variant" # COPY keeps the mode: not the umask's
  log "compiled frontend for $p ($((SECONDS - t)) s)"
done

GEN=${SBOM_GENERATOR:-}
if [ -z "$GEN" ]; then
  GEN=$REGISTRY/frontend-sbomscan:$VERSION
  for arch in amd64 arm64; do
    release_go_build linux "$arch" "" "$CTX/bin/sbomscan-linux-$arch" "$VERSION" "$COMMIT" "" "" ./hack/sbomscan
  done
  log "pushing the SBOM generator $GEN"
  docker buildx build --progress=quiet -f Dockerfile.frontend --target sbomscan \
    --platform linux/amd64,linux/arm64 --build-arg SOURCE_DATE_EPOCH="$EPOCH" --provenance=false \
    --output "type=image,name=$GEN,push=true,rewrite-timestamp=true,oci-mediatypes=true$insecure" "$CTX" >/dev/null
fi

names=$(IFS=,; echo "${TAGS[*]}")
log "building $IMAGE:$VERSION for $PLATFORMS from $COMMIT (SOURCE_DATE_EPOCH=$EPOCH), tags ${TAGS[*]#"$IMAGE"}"
docker buildx build --progress=${PROGRESS:-plain} -f Dockerfile.frontend --target packaged \
  --platform "$PLATFORMS" \
  --build-arg SOURCE_DATE_EPOCH="$EPOCH" \
  --label org.opencontainers.image.title="mlbuild frontend" \
  --label org.opencontainers.image.description="BuildKit frontend for mlbuild.yaml: training and inference images of Python ML projects" \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.revision="$COMMIT" \
  --label org.opencontainers.image.source="$SOURCE_URL" \
  --label org.opencontainers.image.created="$CREATED" \
  --provenance=mode=max --sbom=generator="$GEN" ${NO_CACHE:+--no-cache} \
  --output "type=image,\"name=$names\",push=true,rewrite-timestamp=true,oci-mediatypes=true$insecure" \
  --metadata-file "$CTX/metadata.json" "$CTX"
DIGEST=$(jq -r '."containerimage.digest"' "$CTX/metadata.json")
[[ $DIGEST == sha256:* ]] || { log "no image digest in buildx's metadata: $(cat "$CTX/metadata.json")"; exit 1; }
echo "$IMAGE:$VERSION@$DIGEST" >"$DIST/release-image"
log "pushed $IMAGE:$VERSION@$DIGEST ($((SECONDS - start)) s); wrote $DIST/release-image"

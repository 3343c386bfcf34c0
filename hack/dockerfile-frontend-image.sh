#!/usr/bin/env bash
# Packages BuildKit's Dockerfile frontend (built from the pinned BuildKit module by
# hack/tools.sh) as a "# syntax=" image in the local registry, the way docker/dockerfile is
# published, and prints its digest-pinned reference. The bench builds its baseline through it.
# It is also tagged docker/dockerfile:1 there, which "# syntax=docker/dockerfile:1" reaches
# through buildkitd's docker.io mirror setting.
# Usage: hack/dockerfile-frontend-image.sh REGISTRY
set -euo pipefail
REG=$1
BIN=$(bash "$(dirname "$0")/tools.sh" bench)
export PATH="$BIN:$PATH"
. "$(dirname "$0")/versions.sh"
REF=$REG/docker/dockerfile:1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin"
cp "$BIN/dockerfile-frontend" "$tmp/root/bin/dockerfile-frontend"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp/root" -cf "$tmp/layer.tar" bin
crane append --insecure --oci-empty-base -f "$tmp/layer.tar" -t "$REF" >/dev/null
crane mutate --insecure "$REF" --set-platform "linux/$(go env GOARCH)" \
  --entrypoint /bin/dockerfile-frontend \
  --label moby.buildkit.frontend.network.none=true \
  --label moby.buildkit.frontend.caps=moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts \
  --label org.opencontainers.image.version="buildkit-$BUILDKIT_VERSION" -t "$REF" >/dev/null
echo "$REG/docker/dockerfile@$(crane digest --insecure "$REF")"

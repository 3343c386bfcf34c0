#!/usr/bin/env bash
# Pushes a root filesystem tarball as an image with python:3.10-slim's config.
# Usage: hack/push-base.sh ROOTFS.tar REF PLATFORM [EXTRA_LABEL]
set -euo pipefail
rootfs=$1 ref=$2 platform=$3 extra=${4:-}
tmp=$ref.tmp
crane append --insecure --oci-empty-base -f "$rootfs" -t "$ref" >/dev/null
args=(--set-platform "$platform"
  --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
  --env LANG=C.UTF-8 --env PYTHON_VERSION=3.11-standin --cmd python3
  --label org.opencontainers.image.description="python:3.10-slim stand-in built from Debian bookworm")
[ -n "$extra" ] && args+=(--label "mlbuild.standin.revision=$extra")
crane mutate --insecure "${args[@]}" "$ref" >/dev/null
crane digest --insecure "$ref"

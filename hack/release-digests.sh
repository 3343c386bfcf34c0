#!/usr/bin/env bash
# hack/release-digests.sh IMAGE: one "platform digest" line per platform of a multi-platform
# image (attestation manifests left out), sorted: what two builds of one release must share
# (README, "Verify a release"). Needs docker buildx and jq.
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
docker buildx imagetools inspect --raw "$1" | jq -r '
  .manifests[] | select(.platform.os != "unknown")
  | "\(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end) \(.digest)"' |
  sort

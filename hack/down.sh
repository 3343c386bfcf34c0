#!/usr/bin/env bash
# Stops what hack/up.sh started. State (caches, registry blobs) is kept.
set -uo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
STATE=${MLBUILD_STATE:-$MLBUILD_CACHE/state}
docker rm -f mlbuild-buildkitd >/dev/null 2>&1 && echo "down: stopped buildkitd container"
for p in buildkitd registry; do
  if [ -f "$STATE/$p.pid" ]; then kill "$(cat "$STATE/$p.pid")" 2>/dev/null && echo "down: stopped $p"; rm -f "$STATE/$p.pid"; fi
done
docker buildx rm mlbuild >/dev/null 2>&1 || true
# The multi-node builder's two buildkitd nodes (hack/up.sh, 5b).
docker buildx rm mlbuild-multi >/dev/null 2>&1 || true
for arch in amd64 arm64; do
  pidf=$STATE/nodes/$arch/buildkitd.pid
  if [ -f "$pidf" ]; then kill "$(cat "$pidf")" 2>/dev/null && echo "down: stopped buildkitd node $arch"; rm -f "$pidf"; fi
done
rm -f "$STATE/nodes/builder"
bash hack/engines.sh down
rm -f .mlbuild/env "$STATE/buildkitd.mode"

#!/usr/bin/env bash
# Starts the local test bed (idempotent): a registry on 127.0.0.1, the python:3.10-slim
# stand-in in it (served as docker.io's mirror), buildkitd (in a Docker container when a
# Docker engine answers, else as a root process; BUILDKIT_HOST set by you = use that daemon),
# the frontend image built from this tree, and a buildx builder named "mlbuild".
# Writes .mlbuild/env. "make down" stops what this started.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
log() { printf '\033[1mup:\033[0m %s\n' "$*" >&2; }

bash hack/deps.sh
BIN=$(bash hack/tools.sh)
export PATH="$BIN:$PATH"
STATE=${MLBUILD_STATE:-$MLBUILD_CACHE/state}
PORT=${MLBUILD_REGISTRY_PORT:-5000}
REG=127.0.0.1:$PORT
mkdir -p "$STATE/run" "$STATE/registry" .mlbuild
# dockerd for the Docker 29 engines (step 6), when not cached yet: built in the background while
# the steps below run (step 6 waits for it, and shows its error if it failed).
if [ "${MLBUILD_ENGINES:-}" != off ] && [ ! -x "$BIN/dockerd-$MOBY_VERSION" ]; then
  log "building dockerd $MOBY_VERSION in the background (log: $STATE/engines-build.log)"
  bash hack/engines.sh build >"$STATE/engines-build.log" 2>&1 &
fi

# 1. Registry.
if ! curl -fsS "http://$REG/v2/" >/dev/null 2>&1; then
  log "starting registry on $REG"
  nohup crane registry serve --address "$REG" --disk "$STATE/registry" >"$STATE/registry.log" 2>&1 &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 50); do curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://$REG/v2/" >/dev/null || { log "registry did not start; see $STATE/registry.log"; exit 1; }
fi

# 2. The python:3.10-slim stand-in (real Docker Hub is not reachable here): linux/amd64, plus
#    linux/arm64 when the kernel can emulate it (multi-platform builds).
BASE_REF=$REG/library/python:3.10-slim
ARM64=no
if [ "${MLBUILD_MULTIPLATFORM:-auto}" != off ] && [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then ARM64=yes; fi
have_base() {
  crane digest --insecure --platform linux/amd64 "$BASE_REF" >/dev/null 2>&1 || return 1
  [ $ARM64 = no ] || crane manifest --insecure "$BASE_REF" 2>/dev/null | grep -q '"arm64"'
}
if ! have_base; then
  log "pushing the python:3.10-slim stand-in (Debian bookworm, Python 3.11) to $BASE_REF"
  bash hack/push-base.sh "$(bash hack/base-rootfs.sh amd64)" "$REG/standin/python:3.10-slim-amd64" linux/amd64 >&2
  if [ $ARM64 = yes ]; then
    log "building the linux/arm64 stand-in under emulation (first time: several minutes)"
    bash hack/push-base.sh "$(bash hack/base-rootfs.sh arm64)" "$REG/standin/python:3.10-slim-arm64" linux/arm64 >&2
    crane index append --insecure -m "$REG/standin/python:3.10-slim-amd64" -m "$REG/standin/python:3.10-slim-arm64" -t "$BASE_REF" >&2
  else
    crane copy --insecure "$REG/standin/python:3.10-slim-amd64" "$BASE_REF" >&2
  fi
fi

# 3. buildkitd.
cat >"$STATE/buildkitd.toml" <<TOML
[worker.oci]
  gc = true
  gckeepstorage = "20GB"
[registry."$REG"]
  http = true
  insecure = true
[registry."docker.io"]
  mirrors = ["$REG"]
TOML
MODE=external
# A daemon started before the emulators were registered lacks linux/arm64: replace it.
stop_old_daemon() {
  docker rm -f mlbuild-buildkitd >/dev/null 2>&1 || true
  if [ -f "$STATE/buildkitd.pid" ]; then kill "$(cat "$STATE/buildkitd.pid")" 2>/dev/null || true; rm -f "$STATE/buildkitd.pid"; sleep 1; fi
  return 0
}
PRIV=(--privileged)
if [ $(( 0x$(awk '/^CapEff/{print $2}' /proc/self/status) & (1 << 24) )) -eq 0 ]; then
  PRIV=(--cap-add=ALL --cap-drop=SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined
    --security-opt systempaths=unconfined "--device-cgroup-rule=a *:* rwm" -v /sys/fs/cgroup:/sys/fs/cgroup:rw)
fi
if [ -n "${BUILDKIT_HOST:-}" ]; then
  log "using BUILDKIT_HOST=$BUILDKIT_HOST (starting no daemon)"
else
  SOCK=$STATE/run/buildkitd.sock
  BUILDKIT_HOST=unix://$SOCK
  if buildctl --addr "$BUILDKIT_HOST" debug workers >/dev/null 2>&1 &&
     { [ $ARM64 = no ] || buildctl --addr "$BUILDKIT_HOST" debug workers | grep -q linux/arm64; }; then
    MODE=$(cat "$STATE/buildkitd.mode" 2>/dev/null || echo process)
    log "buildkitd already running ($MODE) at $BUILDKIT_HOST"
  elif stop_old_daemon && [ "${MLBUILD_BUILDKITD_MODE:-}" != process ] && docker info >/dev/null 2>&1; then
    MODE=container
    IMG=$(bash hack/buildkitd-image.sh)
    docker rm -f mlbuild-buildkitd >/dev/null 2>&1 || true
    log "starting buildkitd $BUILDKIT_VERSION in a privileged container ($IMG, host network)"
    mkdir -p "$STATE/buildkitd-root"
    # --privileged minus CAP_SYS_RESOURCE: some sandboxes (this one) cannot grant that capability,
    # and asking for all of them fails with "unable to apply caps".
    docker run -d --name mlbuild-buildkitd "${PRIV[@]}" --network host \
      -v "$STATE/buildkitd-root:/var/lib/buildkit" -v "$STATE/run:/run/mlbuild" \
      -v "$STATE/buildkitd.toml:/etc/buildkit/buildkitd.toml:ro" \
      "$IMG" buildkitd --addr unix:///run/mlbuild/buildkitd.sock --config /etc/buildkit/buildkitd.toml >/dev/null
  else
    MODE=process
    log "starting buildkitd $BUILDKIT_VERSION as a root process (MLBUILD_BUILDKITD_MODE=process, or no Docker engine answers)"
    rm -f "$SOCK"
    nohup buildkitd --root "$STATE/buildkitd-root" --addr "$BUILDKIT_HOST" --config "$STATE/buildkitd.toml" \
      >"$STATE/buildkitd.log" 2>&1 &
    echo $! >"$STATE/buildkitd.pid"
  fi
  echo "$MODE" >"$STATE/buildkitd.mode"
  for _ in $(seq 100); do buildctl --addr "$BUILDKIT_HOST" debug workers >/dev/null 2>&1 && break; sleep 0.2; done
  if ! buildctl --addr "$BUILDKIT_HOST" debug workers >/dev/null 2>&1; then
    log "buildkitd did not start"; [ "$MODE" = container ] && docker logs --tail 30 mlbuild-buildkitd >&2
    [ "$MODE" = process ] && tail -30 "$STATE/buildkitd.log" >&2
    exit 1
  fi
fi

# 4. The frontend image, from this working tree.
FRONTEND=$REG/mlbuild/frontend:dev
log "building the frontend image $FRONTEND"
make -s frontend-binaries >&2
buildctl --addr "$BUILDKIT_HOST" build --progress=quiet \
  --frontend dockerfile.v0 --local context=. --local dockerfile=. \
  --opt filename=Dockerfile.frontend --opt target=packaged --opt platform=linux/amd64,linux/arm64 \
  --output "type=image,name=$FRONTEND,push=true,registry.insecure=true" >&2

# 5. buildx builder on that daemon.
if ! docker buildx inspect mlbuild >/dev/null 2>&1; then
  docker buildx create --name mlbuild --driver remote "$BUILDKIT_HOST" >/dev/null
fi

FRONTEND_PINNED=$FRONTEND@$(crane digest --insecure "$FRONTEND")
cat >.mlbuild/env <<ENV
BUILDKIT_HOST=$BUILDKIT_HOST
MLBUILD_REGISTRY=$REG
MLBUILD_FRONTEND=$FRONTEND
MLBUILD_FRONTEND_PINNED=$FRONTEND_PINNED
MLBUILD_BUILDKITD_MODE=$MODE
MLBUILD_ARM64=$ARM64
MLBUILD_BIN=$BIN
ENV
log "ready: $(tr '\n' ' ' <.mlbuild/env)"

# 6. Docker 29 engines beside the machine's own (graphdriver and containerd image stores), each in
#    a network namespace with a registry holding the images above as docker.io's mirror; appends
#    MLBUILD_DOCKER29_* to .mlbuild/env. MLBUILD_ENGINES=off skips them.
bash hack/engines.sh up

#!/usr/bin/env bash
# Starts the local test bed (idempotent): a registry on 127.0.0.1, the python:3.10-slim
# stand-in in it (served as docker.io's mirror), buildkitd (in a Docker container when a
# Docker engine answers, else as a root process; BUILDKIT_HOST set by you = use that daemon),
# the frontend image built from this tree, a buildx builder named "mlbuild" and the Docker 29
# engines. Writes .mlbuild/env. "make down" stops what this started.
#
# MLBUILD_UP=full (default: make up, make test, .ci/run) sets up everything the test suite needs.
# MLBUILD_UP=demo (make demo, make up-demo) only what make demo needs: no emulators, no
# linux/arm64 stand-in (building it under emulation takes minutes), no Docker 29 engines (nor
# their dockerd build). What an earlier full run left is kept, never stopped: an arm64-capable
# daemon and base stay, running engines stay in .mlbuild/env. A later full run adds the
# missing pieces: the arm64 stand-in, and a buildkitd that lists linux/arm64 (one started
# before the emulators were registered does not, and is replaced), and the engines.
# Each step prints "phase NAME: N s" on stderr, and the run a total.
# A second test bed beside the usual one (to time a cold run without touching it): another
# checkout (.mlbuild/env, bin/), another HOME (the "mlbuild" buildx builder), MLBUILD_CACHE,
# MLBUILD_STATE, MLBUILD_REGISTRY_PORT, MLBUILD_BUILDKITD_CONTAINER (default mlbuild-buildkitd),
# and MLBUILD_ENGINES=off at the full level (the engines' network namespaces have fixed names).
# At the full level with linux/arm64 it also starts two more buildkitd nodes ($MLBUILD_STATE/nodes,
# sockets node-amd64.sock and node-arm64.sock) joined into the buildx builder "mlbuild-multi".
# Several checkouts of the tree on one test bed: MLBUILD_FRONTEND_TAG (default dev) names each
# checkout's frontend image, so their builds never use each other's frontend.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
. hack/timing.sh
log() { printf '\033[1mup:\033[0m %s\n' "$*" >&2; }

LEVEL=${MLBUILD_UP:-full}
case $LEVEL in
  full | demo) ;;
  *) log "MLBUILD_UP=$LEVEL: want full or demo"; exit 2 ;;
esac
WANT_ENGINES=yes
if [ "$LEVEL" = demo ] || [ "${MLBUILD_ENGINES:-}" = off ]; then WANT_ENGINES=no; fi

phase deps
if [ "$LEVEL" = demo ]; then
  MLBUILD_MULTIPLATFORM=off MLBUILD_ENGINES=off bash hack/deps.sh
else
  bash hack/deps.sh
fi
STATE=${MLBUILD_STATE:-$MLBUILD_CACHE/state}
PORT=${MLBUILD_REGISTRY_PORT:-5000}
REG=127.0.0.1:$PORT
BK_CONTAINER=${MLBUILD_BUILDKITD_CONTAINER:-mlbuild-buildkitd}
mkdir -p "$STATE/run" "$STATE/registry" .mlbuild
# The amd64 stand-in's root filesystem (step 2, and buildkitd's image in step 3), when not cached
# yet: debootstrap is mostly downloads and dpkg, so it runs in the background while the tools
# compile (when cached, the job just prints the path); step 2 waits for it.
ROOTFS_JOB=$(mktemp -d "$STATE/.base-rootfs.XXXXXX")
( start=$SECONDS
  if bash hack/base-rootfs.sh amd64 >"$ROOTFS_JOB/out" 2>"$ROOTFS_JOB/log"; then rc=0; else rc=$?; fi
  echo $((SECONDS - start)) >"$ROOTFS_JOB/seconds"
  exit $rc ) &
ROOTFS_PID=$!
wait_rootfs() {
  [ -n "$ROOTFS_PID" ] || return 0
  if ! wait "$ROOTFS_PID" || [ ! -s "$(cat "$ROOTFS_JOB/out" 2>/dev/null)" ]; then
    tail -30 "$ROOTFS_JOB/log" >&2; log "building the stand-in's root filesystem failed (above; log: $ROOTFS_JOB/log)"; exit 1
  fi
  ROOTFS_PID=
  local took; took=$(cat "$ROOTFS_JOB/seconds" 2>/dev/null || echo 0)
  if [ "$took" -gt 0 ]; then phase_report "base-rootfs-amd64 (debootstrap, in the background since the tools phase)" "$took"; fi
  rm -rf "$ROOTFS_JOB"
}
phase tools
BIN=$(bash hack/tools.sh)
export PATH="$BIN:$PATH"
# dockerd for the Docker 29 engines (step 6), when not cached yet: built in the background while
# the steps below run (step 6 waits for it, and shows its error if it failed).
if [ $WANT_ENGINES = yes ] && [ ! -x "$BIN/dockerd-$MOBY_VERSION" ]; then
  log "building dockerd $MOBY_VERSION in the background (log: $STATE/engines-build.log)"
  bash hack/engines.sh build >"$STATE/engines-build.log" 2>&1 &
fi

# 1. Registry.
phase registry
if ! curl -fsS "http://$REG/v2/" >/dev/null 2>&1; then
  log "starting registry on $REG"
  nohup crane registry serve --address "$REG" --disk "$STATE/registry" >"$STATE/registry.log" 2>&1 &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 50); do curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://$REG/v2/" >/dev/null || { log "registry did not start; see $STATE/registry.log"; exit 1; }
fi

# 2. The python:3.10-slim stand-in (real Docker Hub is not reachable here): linux/amd64, plus
#    linux/arm64 when the kernel can emulate it (multi-platform builds; not at the demo level).
phase base
wait_rootfs
BASE_REF=$REG/library/python:3.10-slim
AMD64_REF=$REG/standin/python:3.10-slim-amd64
ARM64_REF=$REG/standin/python:3.10-slim-arm64
ARM64=no
if [ "$LEVEL" = full ] && [ "${MLBUILD_MULTIPLATFORM:-auto}" != off ] && [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then ARM64=yes; fi
base_has_arm64() { crane manifest --insecure "$BASE_REF" 2>/dev/null | grep -q '"arm64"'; }
have_base() {
  crane digest --insecure --platform linux/amd64 "$BASE_REF" >/dev/null 2>&1 || return 1
  [ $ARM64 = no ] || base_has_arm64
}
if ! have_base; then
  # A demo-level run may have pushed the amd64 half already: only what is missing is built.
  if ! crane digest --insecure "$AMD64_REF" >/dev/null 2>&1; then
    phase base-amd64
    log "pushing the python:3.10-slim stand-in (Debian bookworm, Python 3.11) to $AMD64_REF"
    bash hack/push-base.sh "$(bash hack/base-rootfs.sh amd64)" "$AMD64_REF" linux/amd64 >&2
  fi
  if [ $ARM64 = yes ]; then
    if ! crane digest --insecure "$ARM64_REF" >/dev/null 2>&1; then
      phase base-arm64
      log "building the linux/arm64 stand-in under emulation (first time: several minutes)"
      bash hack/push-base.sh "$(bash hack/base-rootfs.sh arm64)" "$ARM64_REF" linux/arm64 >&2
    fi
    crane index append --insecure -m "$AMD64_REF" -m "$ARM64_REF" -t "$BASE_REF" >&2
  else
    crane copy --insecure "$AMD64_REF" "$BASE_REF" >&2
  fi
fi

# 3. buildkitd.
phase buildkitd
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
  docker rm -f "$BK_CONTAINER" >/dev/null 2>&1 || true
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
    docker rm -f "$BK_CONTAINER" >/dev/null 2>&1 || true
    log "starting buildkitd $BUILDKIT_VERSION in a privileged container ($IMG, host network)"
    mkdir -p "$STATE/buildkitd-root"
    # --privileged minus CAP_SYS_RESOURCE: some sandboxes (this one) cannot grant that capability,
    # and asking for all of them fails with "unable to apply caps".
    docker run -d --name "$BK_CONTAINER" "${PRIV[@]}" --network host \
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
    log "buildkitd did not start"; [ "$MODE" = container ] && docker logs --tail 30 "$BK_CONTAINER" >&2
    [ "$MODE" = process ] && tail -30 "$STATE/buildkitd.log" >&2
    exit 1
  fi
fi
# At the demo level nothing asks for arm64, but what an earlier full run set up still works:
# say so in .mlbuild/env, so that the multi-platform test keeps running against this bed.
if [ "$LEVEL" = demo ] && [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && base_has_arm64 &&
   buildctl --addr "$BUILDKIT_HOST" debug workers | grep -q linux/arm64; then
  ARM64=yes
fi

# 4. The frontend image, from this working tree: for linux/amd64 and linux/arm64, or at the demo
#    level on a bed without arm64 only for this machine's platform (the one BuildKit runs it on;
#    the next full run publishes both again).
phase frontend-image
FRONTEND=$REG/mlbuild/frontend:${MLBUILD_FRONTEND_TAG:-dev}
ARCHES="amd64 arm64"
if [ "$LEVEL" = demo ] && [ $ARM64 = no ]; then ARCHES=$(go env GOARCH); fi
PLATFORMS=$(printf 'linux/%s\n' $ARCHES | paste -sd, -)
log "building the frontend image $FRONTEND ($PLATFORMS)"
make -s frontend-binaries FRONTEND_ARCHES="$ARCHES" >&2
buildctl --addr "$BUILDKIT_HOST" build --progress=quiet \
  --frontend dockerfile.v0 --local context=. --local dockerfile=. \
  --opt filename=Dockerfile.frontend --opt target=packaged --opt platform="$PLATFORMS" \
  --output "type=image,name=$FRONTEND,push=true,registry.insecure=true" >&2

# 5. buildx builder on that daemon.
phase buildx-builder
if ! docker buildx inspect mlbuild >/dev/null 2>&1; then
  docker buildx create --name mlbuild --driver remote "$BUILDKIT_HOST" >/dev/null
fi

# 5b. A multi-node builder (full level, with arm64): two more buildkitd nodes, root processes
#     with their own roots, sockets (the trace socket too), pid files and logs under
#     $STATE/nodes (never the daemon above), joined into the buildx builder "mlbuild-multi"
#     with --platform per node, so that
#     buildx sends each platform of a multi-platform build to its own node (the README's
#     "Scale out"; integration/multinode_test.go). Both run on this machine and can emulate
#     either platform (their own platform stays this machine's, so the frontend runs natively):
#     which node builds what comes from the builder's --platform, as it would on real machines.
NODES=no
node_up() { buildctl --addr "unix://$STATE/run/node-$1.sock" debug workers 2>/dev/null | grep -q linux/arm64; }
if [ "$LEVEL" = full ] && [ $ARM64 = yes ] && [ "$(id -u)" != 0 ]; then
  log "not starting the multi-node builder's buildkitd nodes: they run as root processes (euid $(id -u))"
elif [ "$LEVEL" = full ] && [ $ARM64 = yes ]; then
  phase nodes
  NODES=yes
  mkdir -p "$STATE/nodes"
  for arch in amd64 arm64; do
    nd=$STATE/nodes/$arch
    addr=unix://$STATE/run/node-$arch.sock
    mkdir -p "$nd"
    if node_up $arch; then
      log "node $arch already running at $addr"
      continue
    fi
    if [ -f "$nd/buildkitd.pid" ]; then kill "$(cat "$nd/buildkitd.pid")" 2>/dev/null || true; rm -f "$nd/buildkitd.pid"; sleep 1; fi
    rm -f "$STATE/run/node-$arch.sock"
    log "starting buildkitd node $arch at $addr (root $nd/root)"
    # --otel-socket-path: buildkitd's default, /run/buildkit/otel-grpc.sock, is one path for every
    # daemon on the host; each start unlinks and takes it, and two starting at once fail.
    nohup buildkitd --root "$nd/root" --addr "$addr" --otel-socket-path "$nd/otel-grpc.sock" \
      --config "$STATE/buildkitd.toml" >"$nd/buildkitd.log" 2>&1 &
    echo $! >"$nd/buildkitd.pid"
  done
  for arch in amd64 arm64; do
    addr=unix://$STATE/run/node-$arch.sock
    for _ in $(seq 100); do node_up $arch && break; sleep 0.2; done
    if ! node_up $arch; then
      tail -30 "$STATE/nodes/$arch/buildkitd.log" >&2; log "buildkitd node $arch did not start (log: $STATE/nodes/$arch/buildkitd.log)"; exit 1
    fi
  done
  # The builder lists both nodes, each with its platform and socket; recreated when it differs.
  want="amd64=unix://$STATE/run/node-amd64.sock arm64=unix://$STATE/run/node-arm64.sock"
  if [ "$(cat "$STATE/nodes/builder" 2>/dev/null)" != "$want" ] || ! docker buildx inspect mlbuild-multi >/dev/null 2>&1; then
    docker buildx rm mlbuild-multi >/dev/null 2>&1 || true
    docker buildx create --name mlbuild-multi --driver remote --node mlbuild-multi-amd64 --platform linux/amd64 \
      "unix://$STATE/run/node-amd64.sock" >/dev/null
    docker buildx create --name mlbuild-multi --append --driver remote --node mlbuild-multi-arm64 --platform linux/arm64 \
      "unix://$STATE/run/node-arm64.sock" >/dev/null
    echo "$want" >"$STATE/nodes/builder"
  fi
elif [ "$LEVEL" = demo ] && node_up amd64 && node_up arm64 && docker buildx inspect mlbuild-multi >/dev/null 2>&1; then
  NODES=yes # what a full run started keeps working, and stays in .mlbuild/env
else
  log "no multi-node builder (it needs MLBUILD_UP=full and linux/arm64 emulation)"
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
if [ $NODES = yes ]; then
  cat >>.mlbuild/env <<ENV
MLBUILD_MULTI_BUILDER=mlbuild-multi
MLBUILD_NODE_AMD64=unix://$STATE/run/node-amd64.sock
MLBUILD_NODE_ARM64=unix://$STATE/run/node-arm64.sock
ENV
fi
log "ready: $(tr '\n' ' ' <.mlbuild/env)"

# 6. Docker 29 engines beside the machine's own (graphdriver and containerd image stores), each in
#    a network namespace with a registry holding the images above as docker.io's mirror; appends
#    MLBUILD_DOCKER29_* to .mlbuild/env. MLBUILD_ENGINES=off skips them. At the demo level they
#    are not started; engines a full run left running are refreshed (the new frontend image
#    synced into them) and stay in .mlbuild/env.
phase engines
if [ $WANT_ENGINES = yes ]; then
  bash hack/engines.sh up
elif [ "$LEVEL" = demo ] && [ "${MLBUILD_ENGINES:-}" != off ] && [ "$(bash hack/engines.sh status 2>/dev/null | grep -c ': up ')" = 2 ]; then
  bash hack/engines.sh up
elif [ "${MLBUILD_ENGINES:-}" = off ]; then
  log "MLBUILD_ENGINES=off: not starting the Docker $MOBY_DOCKER_VERSION engines"
else
  log "MLBUILD_UP=demo: not starting the Docker $MOBY_DOCKER_VERSION engines (make up and make test do)"
fi
phase_total "up, MLBUILD_UP=$LEVEL"

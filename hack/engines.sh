#!/usr/bin/env bash
# Current Docker Engines (Docker 29, built from github.com/moby/moby/v2@$MOBY_VERSION) beside the
# machine's own engine, one per image-store configuration, so tests can run
# `docker -H unix://SOCK build|buildx build` against each:
#   graphdriver  daemon.json {"features": {"containerd-snapshotter": false}, "storage-driver": fuse-overlayfs}
#                (overlay2, then vfs, when fuse-overlayfs cannot mount here)
#   containerd   daemon.json {"features": {"containerd-snapshotter": true}}
# Each engine runs in a network namespace of its own (a dockerd in the host's namespace can delete
# the machine engine's docker0 bridge), with its own containerd (Debian's), data/exec roots and
# socket under $MLBUILD_CACHE/state/engines/<name>/, and a registry on 127.0.0.1:$PORT inside its
# namespace that serves as docker.io's mirror. `up` copies library/python:3.10-slim and
# mlbuild/frontend:dev from the host's registry (started by hack/up.sh) into those registries,
# digests unchanged, and appends the engines' addresses to .mlbuild/env (MLBUILD_DOCKER29_*).
#
# Usage: hack/engines.sh up       start what is missing (idempotent), sync images, write env
#        hack/engines.sh down     stop daemons, containerds, registries; delete the namespaces
#        hack/engines.sh status   one line per engine
#        hack/engines.sh check    a tiny build (FROM python:3.10-slim + RUN) on each engine
#        hack/engines.sh build    only build (or find cached) dockerd and docker-proxy
#        hack/engines.sh sync [NAME...]  copy more images (e.g. mlbuild/frontend:other) from the
#                                 host's registry into the engines' registries
# MLBUILD_ENGINES=off skips `up` (and check); MLBUILD_DOCKER29_STORAGE=overlay2|vfs|fuse-overlayfs
# forces the graphdriver engine's storage driver; MLBUILD_ENGINES_IMAGES (space-separated names in
# the host's registry) replaces the list of images synced.
# Both engines set the feature "time-namespaces": false so that `docker run` works with Debian's
# runc 1.1.5 (builds work either way). The docker CLI can stay in the host's namespace: it only
# talks to the unix socket; pulls (FROM, # syntax=) happen in the engine's namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
log() { printf '\033[1mengines:\033[0m %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

CMD=${1:-up}
BIN="$MLBUILD_CACHE/bin"
STATE=${MLBUILD_STATE:-$MLBUILD_CACHE/state}
ROOT=$STATE/engines
PORT=${MLBUILD_REGISTRY_PORT:-5000}
REG=127.0.0.1:$PORT
ENGINES=(graphdriver containerd)
read -ra IMAGES <<<"${MLBUILD_ENGINES_IMAGES-library/python:3.10-slim mlbuild/frontend:${MLBUILD_FRONTEND_TAG:-dev}}"
DOCKERD=$BIN/dockerd-$MOBY_VERSION
PROXY=$BIN/docker-proxy-$MOBY_VERSION
# What the daemons and containerd see: Debian's containerd, containerd-shim-runc-v2, runc,
# fuse-overlayfs, iptables. Nothing from $BIN (dockerd finds docker-proxy through daemon.json).
SYSPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH="$BIN:$PATH"

netns() { echo "mlbuild-docker29-$1"; }
nspath() { echo "/var/run/netns/$(netns "$1")"; }
inns() { local e=$1; shift; nsenter --net="$(nspath "$e")" "$@"; }
upper() { tr '[:lower:]' '[:upper:]' <<<"$1"; }

# pid_of FILE DIR: the pid in FILE when that process is alive and its command line names DIR
# (so a recycled pid is never taken for one of ours).
pid_of() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

# stop_pid FILE DIR NAME [SECONDS]: SIGTERM, wait, SIGKILL.
stop_pid() {
  local pid i
  pid=$(pid_of "$1" "$2") || { rm -f "$1"; return 0; }
  kill "$pid" 2>/dev/null || true
  for i in $(seq "${4:-30}"0); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  if [ -d "/proc/$pid" ]; then log "$3 ($pid) did not stop in ${4:-30}s; killing it"; kill -9 "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$1"
  log "stopped $3"
}

host_netns=$(readlink /proc/self/ns/net)

# 1. dockerd and docker-proxy, cached by version like hack/tools.sh does. Pure Go: the release's
#    static build tags (hack/make.sh in the module), no cgo (journald logging is the only part
#    that wants it). dockerversion.Version is what `docker version` shows.
build_moby() {
  if [ -x "$DOCKERD" ] && [ -x "$PROXY" ]; then return 0; fi
  # hack/up.sh starts this build in the background early on; a second caller waits for it.
  mkdir -p "$BIN"
  exec 9>"$BIN/.dockerd-$MOBY_VERSION.lock"
  flock 9
  if [ -x "$DOCKERD" ] && [ -x "$PROXY" ]; then exec 9>&-; return 0; fi
  log "building dockerd and docker-proxy $MOBY_VERSION (Docker $MOBY_DOCKER_VERSION) from github.com/moby/moby/v2 (about 5 minutes on 2 cores the first time)"
  local dir tmp start=$SECONDS
  dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/moby/moby/v2@$MOBY_VERSION" | jq -r .Dir)
  [ -d "$dir" ] || die "cannot download github.com/moby/moby/v2@$MOBY_VERSION"
  tmp=$(mktemp -d)
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
    -tags "netgo osusergo static_build nri_no_wasm" \
    -ldflags "-w -X github.com/moby/moby/v2/dockerversion.Version=$MOBY_DOCKER_VERSION -X github.com/moby/moby/v2/dockerversion.GitCommit=$MOBY_VERSION -X github.com/moby/moby/v2/dockerversion.PlatformName=mlbuild" \
    -o "$tmp/" ./cmd/dockerd ./cmd/docker-proxy)
  mkdir -p "$BIN"
  mv "$tmp/docker-proxy" "$PROXY"; mv "$tmp/dockerd" "$DOCKERD"; rmdir "$tmp"
  log "built dockerd $MOBY_VERSION in $((SECONDS - start))s"
  exec 9>&-
}

# 2. The graphdriver engine's storage driver: fuse-overlayfs when it mounts here, else overlay2,
#    else vfs (slow but works anywhere). Probed on the file system that holds the data roots.
storage_driver() {
  if [ -n "${MLBUILD_DOCKER29_STORAGE:-}" ]; then echo "$MLBUILD_DOCKER29_STORAGE"; return; fi
  local d; d=$(mktemp -d "$ROOT/.probe.XXXXXX")
  mkdir -p "$d"/{l,u,w,m}; echo ok >"$d/l/f"
  local drv=vfs
  if command -v fuse-overlayfs >/dev/null && [ -c /dev/fuse ] &&
     fuse-overlayfs -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
    [ "$(cat "$d/m/f" 2>/dev/null)" = ok ] && drv=fuse-overlayfs
    fusermount3 -u "$d/m" 2>/dev/null || fusermount -u "$d/m" 2>/dev/null || umount -l "$d/m" 2>/dev/null || true
  fi
  if [ $drv = vfs ] && mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
    [ "$(cat "$d/m/f" 2>/dev/null)" = ok ] && drv=overlay2
    umount "$d/m" 2>/dev/null || umount -l "$d/m" 2>/dev/null || true
  fi
  rm -rf "$d"
  [ $drv = fuse-overlayfs ] || log "fuse-overlayfs cannot mount here (no /dev/fuse or no fuse-overlayfs): the graphdriver engine uses $drv"
  echo $drv
}

daemon_json() { # ENGINE DIR -> daemon.json on stdout
  local e=$1 dir=$2 features
  case $e in
    graphdriver) features='"containerd-snapshotter": false'; local storage=",
  \"storage-driver\": \"$GRAPH_STORAGE\"" ;;
    containerd) features='"containerd-snapshotter": true'; local storage= ;;
  esac
  # "time-namespaces": false — Docker 29 gives containers a time namespace of their own, which
  # Debian's runc 1.1.5 does not know ("namespace time does not exist" on `docker run`); builds
  # (BuildKit's executor) never ask for one. With it off, `docker run` works on these engines too.
  cat <<JSON
{
  "features": {$features, "time-namespaces": false}$storage,
  "registry-mirrors": ["http://$REG"],
  "insecure-registries": ["$REG"],
  "userland-proxy-path": "$PROXY",
  "containerd": "$dir/containerd/containerd.sock",
  "log-level": "info"
}
JSON
}

containerd_toml() { # DIR
  cat <<TOML
version = 2
root = "$1/containerd/root"
state = "$1/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$1/containerd/containerd.sock"
[ttrpc]
  address = "$1/containerd/containerd.sock.ttrpc"
TOML
}

ping() { curl -fsS --max-time 5 --unix-socket "$1" http://docker/_ping >/dev/null 2>&1; }

engine_up() {
  local e=$1 dir=$ROOT/$1 ns path
  ns=$(netns "$e"); path=$(nspath "$e")
  mkdir -p "$dir"/{data,exec,registry,containerd}

  # Network namespace (loopback up). Everything below runs inside it via nsenter --net.
  if [ ! -e "$path" ] || [ "$(nsenter --net="$path" readlink /proc/self/ns/net 2>/dev/null)" = "$host_netns" ] ||
     ! nsenter --net="$path" true 2>/dev/null; then
    ip netns delete "$ns" 2>/dev/null || true
    ip netns add "$ns"
    log "created network namespace $ns"
  fi
  [ "$(nsenter --net="$path" readlink /proc/self/ns/net)" != "$host_netns" ] || die "$ns is the host's network namespace; refusing to go on"
  inns "$e" ip link set lo up

  # Registry on 127.0.0.1:$PORT inside the namespace.
  if ! pid_of "$dir/registry.pid" "$dir/registry" >/dev/null || ! inns "$e" curl -fsS --max-time 3 "http://$REG/v2/" >/dev/null 2>&1; then
    stop_pid "$dir/registry.pid" "$dir/registry" "registry ($e)" 5
    nohup nsenter --net="$path" "$BIN/crane" registry serve --address "$REG" --disk "$dir/registry" >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
    local ok=
    for _ in $(seq 100); do inns "$e" curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && { ok=1; break; }; sleep 0.1; done
    [ -n "$ok" ] || { tail -20 "$dir/registry.log" >&2; die "registry in $ns did not start"; }
    log "registry on $REG in $ns"
  fi

  # Images, same names and digests as in the host's registry.
  local img
  for img in ${IMAGES[@]+"${IMAGES[@]}"}; do sync_image "$e" "$img"; done

  # Config; a changed config or dockerd binary restarts the engine.
  local want; want=$(daemon_json "$e" "$dir")
  local restart= restart_ctd=
  if [ "$want" != "$(cat "$dir/daemon.json" 2>/dev/null)" ]; then printf '%s\n' "$want" >"$dir/daemon.json"; restart="config changed"; fi
  containerd_toml "$dir" >"$dir/containerd.toml.new"
  if ! cmp -s "$dir/containerd.toml.new" "$dir/containerd.toml"; then mv "$dir/containerd.toml.new" "$dir/containerd.toml"; restart="config changed" restart_ctd=1; else rm -f "$dir/containerd.toml.new"; fi
  local dpid=
  if dpid=$(pid_of "$dir/dockerd.pid" "$dir/data"); then
    [ "$(readlink "/proc/$dpid/exe")" = "$(readlink -f "$DOCKERD")" ] || restart="new dockerd binary"
    tr '\0' ' ' <"/proc/$dpid/cmdline" | grep -qF -- "--config-file $dir/daemon.json " || restart="config changed"
    ping "$dir/docker.sock" || restart="not answering"
    [ -n "$restart" ] || { log "$e engine already running ($ns, unix://$dir/docker.sock)"; return 0; }
    log "restarting the $e engine ($restart)"
  fi
  stop_pid "$dir/dockerd.pid" "$dir/data" "dockerd ($e)" 30
  if [ -n "$restart_ctd" ]; then stop_pid "$dir/containerd.pid" "$dir/containerd.toml" "containerd ($e)" 15; fi

  # containerd of its own (never the system's /run/containerd/containerd.sock, which dockerd
  # would otherwise pick up and share).
  if ! pid_of "$dir/containerd.pid" "$dir/containerd.toml" >/dev/null; then
    rm -f "$dir/containerd/containerd.sock" "$dir/containerd/containerd.sock.ttrpc"
    nohup nsenter --net="$path" env -i PATH="$SYSPATH" HOME="$HOME" containerd --config "$dir/containerd.toml" >"$dir/containerd.log" 2>&1 &
    echo $! >"$dir/containerd.pid"
    for _ in $(seq 100); do [ -S "$dir/containerd/containerd.sock" ] && break; sleep 0.1; done
    [ -S "$dir/containerd/containerd.sock" ] || { tail -20 "$dir/containerd.log" >&2; die "containerd ($e) did not start"; }
  fi

  rm -f "$dir/docker.sock"
  nohup nsenter --net="$path" env -i PATH="$SYSPATH" HOME="$HOME" "$DOCKERD" --config-file "$dir/daemon.json" \
    -H "unix://$dir/docker.sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    >"$dir/dockerd.log" 2>&1 &
  local launched=$!
  for _ in $(seq 600); do ping "$dir/docker.sock" && break; kill -0 $launched 2>/dev/null || break; sleep 0.2; done
  if ! ping "$dir/docker.sock"; then tail -30 "$dir/dockerd.log" >&2; die "dockerd ($e) did not answer on unix://$dir/docker.sock"; fi
  log "$e engine up: Docker $MOBY_DOCKER_VERSION in $ns, unix://$dir/docker.sock ($(grep -o '"storage-driver": "[^"]*"' "$dir/daemon.json" || echo containerd image store))"
}

# sync_image ENGINE NAME: copy $REG/NAME from the host's registry to the engine's, keeping the
# digest (an OCI layout per digest on disk, pulled once, pushed from inside the namespace).
sync_image() {
  local e=$1 img=$2 want have layout
  want=$(crane digest --insecure "$REG/$img" 2>/dev/null) || die "$REG/$img is not in the host's registry (run hack/up.sh first)"
  have=$(inns "$e" "$BIN/crane" digest --insecure "$REG/$img" 2>/dev/null || true)
  [ "$want" != "$have" ] || return 0
  layout=$ROOT/sync/${want#sha256:}
  if [ ! -f "$layout/index.json" ]; then
    rm -rf "$layout.tmp"; mkdir -p "$ROOT/sync"
    crane pull --insecure --format oci "$REG/$img@$want" "$layout.tmp" >"$ROOT/sync.log" 2>&1 ||
      { cat "$ROOT/sync.log" >&2; die "crane pull $REG/$img@$want failed"; }
    mv "$layout.tmp" "$layout"
  fi
  inns "$e" "$BIN/crane" push --insecure "$layout" "$REG/$img" >"$ROOT/sync.log" 2>&1 ||
    { cat "$ROOT/sync.log" >&2; die "crane push $REG/$img in $(netns "$e") failed"; }
  have=$(inns "$e" "$BIN/crane" digest --insecure "$REG/$img")
  [ "$want" = "$have" ] || die "$img in $(netns "$e"): digest $have, want $want"
  log "synced $img ($want) into $(netns "$e")"
}

# descendants PID...: every process below them, deepest last.
descendants() {
  [ $# -gt 0 ] || return 0
  local tree queue=("$@") p c
  tree=$(ps -e -o pid=,ppid=)
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    for c in $(awk -v p="$p" '$2 == p {print $1}' <<<"$tree"); do echo "$c"; queue+=("$c"); done
  done | tac
}

engine_down() {
  local e=$1 dir=$ROOT/$1 ns path pid
  ns=$(netns "$e"); path=$(nspath "$e")
  stop_pid "$dir/dockerd.pid" "$dir/data" "dockerd ($e)" 30
  stop_pid "$dir/containerd.pid" "$dir/containerd.toml" "containerd ($e)" 15
  stop_pid "$dir/registry.pid" "$dir/registry" "registry ($e)" 5
  if [ -e "$path" ]; then
    # Leftovers of a killed daemon are ours: what still runs in the namespace (shims,
    # fuse-overlayfs) and the processes under it (containers, which have namespaces of their
    # own), children first.
    local left; left=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    for pid in $(descendants $left) $left; do
      log "killing leftover $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80) ($pid) of $ns"
      kill -9 "$pid" 2>/dev/null || true
    done
    ip netns delete "$ns" && log "deleted network namespace $ns"
  fi
  # Mounts a killed daemon left behind (overlays, container network namespaces).
  local m
  for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rm -f "$dir/docker.sock"
}

write_env() {
  [ -d .mlbuild ] || mkdir -p .mlbuild
  local f=.mlbuild/env tmp e E
  tmp=$(mktemp)
  grep -v '^MLBUILD_DOCKER29_' "$f" 2>/dev/null >"$tmp" || true
  {
    echo "MLBUILD_DOCKER29_VERSION=$MOBY_DOCKER_VERSION"
    echo "MLBUILD_DOCKER29_REGISTRY=$REG"
    for e in "${ENGINES[@]}"; do
      E=$(upper "$e")
      echo "MLBUILD_DOCKER29_$E=unix://$ROOT/$e/docker.sock"
      echo "MLBUILD_DOCKER29_NETNS_$E=$(netns "$e")"
      # RUN steps use the engine's default bridge: a test server listening in the namespace on
      # this address (or 0.0.0.0) is reachable from them; 127.0.0.1 only with --network host.
      echo "MLBUILD_DOCKER29_GATEWAY_$E=$(docker -H "unix://$ROOT/$e/docker.sock" network inspect bridge \
        --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null || echo 172.17.0.1)"
    done
    echo "MLBUILD_DOCKER29_STORAGE_GRAPHDRIVER=$GRAPH_STORAGE"
  } >>"$tmp"
  cat "$tmp" >"$f"; rm -f "$tmp"
}

host_bridge_check() {
  if [ "$1" = yes ] && ! ip link show docker0 >/dev/null 2>&1; then
    die "the host's docker0 bridge is gone (it existed before); recreate it: ip link add docker0 type bridge; ip addr add 172.17.0.1/16 dev docker0; ip link set docker0 up"
  fi
}

case $CMD in
  build)
    build_moby; ln -sf "$DOCKERD" "$BIN/dockerd"; ln -sf "$PROXY" "$BIN/docker-proxy"; echo "$DOCKERD" ;;
  up)
    if [ "${MLBUILD_ENGINES:-}" = off ]; then log "MLBUILD_ENGINES=off: not starting the Docker $MOBY_DOCKER_VERSION engines"; exit 0; fi
    [ "$(id -u)" = 0 ] || die "needs root (network namespaces, dockerd); set MLBUILD_ENGINES=off to skip"
    for c in ip nsenter containerd containerd-shim-runc-v2 runc curl jq; do
      PATH="$SYSPATH:$PATH" command -v $c >/dev/null || die "$c is missing (bash hack/deps.sh installs it)"
    done
    [ -x "$BIN/crane" ] || die "$BIN/crane is missing (run hack/up.sh first)"
    # Unix socket paths are limited to 108 bytes; the longest under an engine's directory is
    # exec/libnetwork/<12 hex>.sock.
    longest="$ROOT/graphdriver/exec/libnetwork/0123456789ab.sock"
    [ ${#longest} -lt 108 ] || die "$ROOT is too long for the engines' unix sockets (${#longest} > 107 bytes); set MLBUILD_STATE to a shorter directory"
    had_bridge=no; ip link show docker0 >/dev/null 2>&1 && had_bridge=yes
    build_moby; ln -sf "$DOCKERD" "$BIN/dockerd"; ln -sf "$PROXY" "$BIN/docker-proxy"
    mkdir -p "$ROOT"
    GRAPH_STORAGE=$(storage_driver)
    for e in "${ENGINES[@]}"; do engine_up "$e"; host_bridge_check $had_bridge; done
    # Only the digests still in use stay in the sync cache.
    keep=$(for i in ${IMAGES[@]+"${IMAGES[@]}"}; do crane digest --insecure "$REG/$i" | sed 's/^sha256://'; done)
    for d in "$ROOT"/sync/*; do [ -d "$d" ] && ! grep -qx "$(basename "$d")" <<<"$keep" && rm -rf "$d"; done
    write_env
    for e in "${ENGINES[@]}"; do
      if command -v docker >/dev/null; then
        docker -H "unix://$ROOT/$e/docker.sock" info >/dev/null 2>&1 || die "docker -H unix://$ROOT/$e/docker.sock info failed"
      fi
    done
    log "ready: $(grep '^MLBUILD_DOCKER29_' .mlbuild/env | tr '\n' ' ')" ;;
  down)
    had_bridge=no; ip link show docker0 >/dev/null 2>&1 && had_bridge=yes
    for e in "${ENGINES[@]}"; do [ -d "$ROOT/$e" ] || [ -e "$(nspath "$e")" ] && engine_down "$e"; done
    if [ -f .mlbuild/env ]; then grep -v '^MLBUILD_DOCKER29_' .mlbuild/env >.mlbuild/env.tmp || true; mv .mlbuild/env.tmp .mlbuild/env; fi
    host_bridge_check $had_bridge; true ;;
  sync) # sync [NAME...]: copy images (default: the usual two) from the host's registry into each engine's
    shift; [ $# -eq 0 ] || IMAGES=("$@")
    for e in "${ENGINES[@]}"; do
      pid_of "$ROOT/$e/registry.pid" "$ROOT/$e/registry" >/dev/null || die "the $e engine's registry is not running (hack/engines.sh up)"
      for img in "${IMAGES[@]}"; do sync_image "$e" "$img"; done
    done ;;
  status)
    for e in "${ENGINES[@]}"; do
      dir=$ROOT/$e; s=down
      if pid_of "$dir/dockerd.pid" "$dir/data" >/dev/null && ping "$dir/docker.sock"; then s="up (unix://$dir/docker.sock)"; fi
      echo "$e: $s, netns $( [ -e "$(nspath "$e")" ] && netns "$e" || echo none)"
    done ;;
  check)
    if [ "${MLBUILD_ENGINES:-}" = off ]; then log "MLBUILD_ENGINES=off: no engines to check"; exit 0; fi
    ctx=$(mktemp -d)
    printf 'FROM python:3.10-slim\nRUN python3 -c "print(6*7)"\n' >"$ctx/Dockerfile"
    for e in "${ENGINES[@]}"; do
      log "check: docker -H unix://$ROOT/$e/docker.sock build (FROM python:3.10-slim + RUN)"
      docker -H "unix://$ROOT/$e/docker.sock" build --pull --no-cache --progress=plain -t mlbuild-engines-check "$ctx" >"$ROOT/$e/check.log" 2>&1 ||
        { tail -30 "$ROOT/$e/check.log" >&2; rm -rf "$ctx"; die "check failed on the $e engine"; }
      grep -q '^#[0-9]* [0-9.]* 42$' "$ROOT/$e/check.log" || die "check: the RUN step printed no 42 on the $e engine (see $ROOT/$e/check.log)"
      # The builder resolved docker.io/library/python through the namespace's registry mirror.
      grep -q 'library/python/manifests/.*ns=docker.io' "$ROOT/$e/registry.log" ||
        die "check: the $e engine did not pull python:3.10-slim through its mirror (see $ROOT/$e/registry.log)"
      log "check: $e ok (RUN printed 42; python:3.10-slim came through the mirror)"
    done
    rm -rf "$ctx" ;;
  *) echo "usage: $0 up|down|status|check|build|sync [NAME...]" >&2; exit 2 ;;
esac

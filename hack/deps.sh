#!/usr/bin/env bash
# Installs the Debian packages the test bed needs when they are missing (root only).
set -euo pipefail
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v runc >/dev/null || need+=(runc)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
# The Docker 29 engines (hack/engines.sh): network namespaces (iproute2, util-linux's nsenter),
# a containerd of their own with runc, iptables for their bridges, fuse-overlayfs storage.
if [ "${MLBUILD_ENGINES:-}" != off ]; then
  command -v ip >/dev/null || need+=(iproute2)
  command -v nsenter >/dev/null || need+=(util-linux)
  command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null || need+=(containerd)
  command -v iptables >/dev/null || PATH="/usr/sbin:/sbin:$PATH" command -v iptables >/dev/null || need+=(iptables)
  command -v fuse-overlayfs >/dev/null || need+=(fuse-overlayfs)
fi
# Multi-platform builds (linux/arm64) run under emulation.
if [ "${MLBUILD_MULTIPLATFORM:-auto}" != off ]; then
  command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
  command -v update-binfmts >/dev/null || need+=(binfmt-support)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2; exit 1
  fi
  echo "deps: apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# Register the emulators with the kernel (needs root; harmless when already done).
if [ "${MLBUILD_MULTIPLATFORM:-auto}" != off ] && [ "$(id -u)" = 0 ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --enable >/dev/null 2>&1 || true
fi

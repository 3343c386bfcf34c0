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

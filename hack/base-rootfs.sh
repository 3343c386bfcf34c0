#!/usr/bin/env bash
# Builds the python:3.10-slim stand-in's root filesystem from Debian packages (no image can be
# pulled on these machines) and caches it as a tarball outside the checkout. Prints its path.
# The stand-in's Python is Debian bookworm's 3.11, not 3.10; it ships the packages the example
# needs (fastapi, uvicorn, starlette, numpy), so pip finds them "already satisfied" offline.
# Usage: hack/base-rootfs.sh [ARCH]     (ARCH: amd64 (default) or arm64)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
arch=${1:-amd64}
PKGS=python3,python3-pip,python3-venv,python3-fastapi,python3-uvicorn,uvicorn,python3-starlette,python3-numpy
key=$(printf '%s %s %s' "$arch" "$PKGS" "$(sha256sum hack/base-rootfs.sh | cut -c1-12)" | sha256sum | cut -c1-16)
out="$MLBUILD_CACHE/base/python-standin-$arch-$key.tar"
if [ -s "$out" ]; then echo "$out"; exit 0; fi
command -v debootstrap >/dev/null || { echo "base: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$MLBUILD_CACHE/base"
root=$(mktemp -d "$MLBUILD_CACHE/base/rootfs.XXXX")
trap 'rm -rf "$root"' EXIT
echo "base: debootstrap $arch stand-in for python:3.10-slim (about 2 minutes)" >&2
foreign=()
[ "$arch" = "$(dpkg --print-architecture)" ] || foreign=(--foreign)
debootstrap --variant=minbase --arch="$arch" "${foreign[@]}" --include="$PKGS" bookworm "$root" "$mirror" >&2
if [ ${#foreign[@]} -gt 0 ]; then
  cp /usr/bin/qemu-aarch64-static "$root/usr/bin/"
  chroot "$root" /debootstrap/debootstrap --second-stage >&2
  rm -f "$root/usr/bin/qemu-aarch64-static"
fi
# Make it look like python:3.10-slim where it matters: no PEP 668 marker, python on /usr/local/bin.
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
ln -sf /usr/bin/python3 "$root/usr/local/bin/python3"
# Debian's fastapi 0.92 pins starlette<0.26 while Debian ships 0.26.1 (it imports fine); relax the
# declared pin so pip's resolver accepts "fastapi" offline, as it would against PyPI.
for m in "$root"/usr/lib/python3/dist-packages/fastapi-*/METADATA "$root"/usr/lib/python3/dist-packages/fastapi-*/PKG-INFO "$root"/usr/lib/python3/dist-packages/fastapi-*/requires.txt; do
  [ -f "$m" ] && sed -i -E 's/starlette *\(?[<>=!,.0-9 ]*\)?/starlette/' "$m"
done
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
       "$root"/usr/share/locale/* "$root"/var/log/* "$root"/debootstrap
find "$root" -name __pycache__ -type d -prune -exec rm -rf {} +
tar --sort=name --mtime=@0 --numeric-owner -C "$root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out"

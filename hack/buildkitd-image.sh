#!/usr/bin/env bash
# Builds (once per version) a local Docker image that runs the pinned buildkitd with runc.
# No image can be pulled here, so it is imported from a root filesystem: the Debian rootfs of
# the base stand-in plus buildkitd, buildctl, Debian's runc and its libseccomp. Prints its name.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/versions.sh
BIN=$MLBUILD_CACHE/bin
ROOTFS=$(bash hack/base-rootfs.sh amd64)
key=$(cat "$BIN/buildkitd-$BUILDKIT_VERSION" "$(command -v runc)" | sha256sum | cut -c1-12)
IMG=mlbuild/buildkitd:$BUILDKIT_VERSION-$key
if docker image inspect "$IMG" >/dev/null 2>&1; then echo "$IMG"; exit 0; fi
echo "buildkitd-image: importing $IMG" >&2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
tar -C "$tmp/root" --numeric-owner -xf "$ROOTFS"
mkdir -p "$tmp/root/usr/local/bin" "$tmp/root/usr/sbin" "$tmp/root/usr/lib/x86_64-linux-gnu"
cp "$BIN/buildkitd-$BUILDKIT_VERSION" "$tmp/root/usr/local/bin/buildkitd"
cp "$BIN/buildctl-$BUILDKIT_VERSION" "$tmp/root/usr/local/bin/buildctl"
cp "$(command -v runc)" "$tmp/root/usr/sbin/runc"
for lib in $(ldd "$(command -v runc)" | awk '/=> \//{print $3}'); do
  cp -L "$lib" "$tmp/root/usr/lib/x86_64-linux-gnu/"
done
tar -C "$tmp/root" --numeric-owner -cf "$tmp/image.tar" .
docker import -c 'ENTRYPOINT []' -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' "$tmp/image.tar" "$IMG" >/dev/null
echo "$IMG"

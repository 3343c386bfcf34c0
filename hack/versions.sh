# Pinned versions of everything the test bed builds or pulls. Sourced by hack/*.sh.
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}   # must match go.mod
BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
GGCR_VERSION=${GGCR_VERSION:-v0.22.1}
MLBUILD_CACHE=${MLBUILD_CACHE:-$HOME/.cache/mlbuild}
export MLBUILD_CACHE

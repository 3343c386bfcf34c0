# Pinned versions of everything the test bed builds or pulls. Sourced by hack/*.sh.
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}   # must match go.mod
BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
GGCR_VERSION=${GGCR_VERSION:-v0.22.1}
# The Docker 29 engines of hack/engines.sh: dockerd and docker-proxy from this module version;
# MOBY_DOCKER_VERSION is the engine version stamped into them (the module's
# releases/versions.yaml names 29.8.0 as the last release at this tag).
MOBY_VERSION=${MOBY_VERSION:-v2.0.0-beta.24}
MOBY_DOCKER_VERSION=${MOBY_DOCKER_VERSION:-29.8.0}
MLBUILD_CACHE=${MLBUILD_CACHE:-$HOME/.cache/mlbuild}
export MLBUILD_CACHE

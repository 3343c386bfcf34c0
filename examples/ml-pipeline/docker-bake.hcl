# Builds both images in one invocation: docker buildx bake
# BuildKit deduplicates the shared steps, so pip runs once for both targets.
#   REGISTRY=registry.example.com/ml TAG=v1 docker buildx bake --push

variable "REGISTRY" {
  default = "registry.example.com/ml"
}

variable "TAG" {
  default = "latest"
}

# Optional: build with another frontend image than the spec's "# syntax=" line (a local or
# digest-pinned copy, for example).
variable "MLBUILD_FRONTEND" {
  default = ""
}

group "default" {
  targets = ["training", "inference"]
}

target "_common" {
  context    = "."
  dockerfile = "mlbuild.yaml"
  args       = MLBUILD_FRONTEND != "" ? { BUILDKIT_SYNTAX = MLBUILD_FRONTEND } : {}
}

target "training" {
  inherits = ["_common"]
  target   = "training"
  tags     = ["${REGISTRY}/training:${TAG}"]
}

target "inference" {
  inherits = ["_common"]
  target   = "inference"
  tags     = ["${REGISTRY}/inference:${TAG}"]
}

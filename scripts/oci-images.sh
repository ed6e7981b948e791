#!/usr/bin/env bash
# Builds forgecast's three images and pushes them to OCI Container Registry (OCIR).
#
#   scripts/oci-images.sh build   # build the images locally (no push)
#   scripts/oci-images.sh push    # build and push them, print the image references for Terraform
#
# Environment:
#   OCIR_REGISTRY       registry host, e.g. fra.ocir.io (region key) or eu-frankfurt-1.ocir.io
#   OCIR_NAMESPACE      the tenancy's Object Storage namespace (`oci os ns get`)
#   IMAGE_REPOSITORY    repository prefix (default forgecast)
#   IMAGE_TAG           immutable tag (default: the current commit, short) — never reuse a tag:
#                       rolling back is applying the previous tag, which only works if it still
#                       names the previous bytes
#   FUNCTION_PLATFORMS  default linux/amd64,linux/arm64 (one manifest list; fits every Functions
#                       application shape: GENERIC_X86, GENERIC_ARM, GENERIC_X86_ARM)
#
# Log in first: docker login "$OCIR_REGISTRY" -u "$OCIR_NAMESPACE/<user or domain/user>" (password:
# an auth token). Building arm64 on an x86 machine needs QEMU binfmt handlers (or build on Ampere).
set -euo pipefail

mode="${1:-}"
if [[ "$mode" != build && "$mode" != push ]]; then
  echo "usage: $0 build|push" >&2
  exit 64
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
registry="${OCIR_REGISTRY:?set OCIR_REGISTRY, e.g. fra.ocir.io}"
namespace="${OCIR_NAMESPACE:?set OCIR_NAMESPACE (oci os ns get)}"
repository="${IMAGE_REPOSITORY:-forgecast}"
tag="${IMAGE_TAG:-$(git -C "$root" rev-parse --short=12 HEAD)}"
function_platforms="${FUNCTION_PLATFORMS:-linux/amd64,linux/arm64}"

if [[ "$mode" == push && -z "${IMAGE_TAG:-}" && -n "$(git -C "$root" status --porcelain)" ]]; then
  echo "refusing to push a dirty tree under a commit tag; commit first or set IMAGE_TAG" >&2
  exit 65
fi

function_image="$registry/$namespace/$repository/functions:$tag"
transcoder_image="$registry/$namespace/$repository/transcoder:$tag"
live_ingest_image="$registry/$namespace/$repository/live-ingest:$tag"

# A multi-platform build can only be pushed, not loaded; a local build gets the host platform.
if [[ "$mode" == push ]]; then
  output=(--push)
  transcoder_output=(--push)
else
  output=(--load)
  transcoder_output=(--load)
  function_platforms="$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')"
fi

docker buildx build --platform "$function_platforms" -f "$root/Dockerfile" -t "$function_image" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD)" "${output[@]}" "$root"
docker buildx build --platform linux/arm64 -f "$root/workers/transcoder/Dockerfile" -t "$transcoder_image" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD)" "${transcoder_output[@]}" "$root"

# The live ingest pool runs on Ampere too (CI.Standard.A1.Flex): nginx-rtmp, WHIP and the live ladder.
docker buildx build --platform linux/arm64 -f "$root/workers/live-ingest/Dockerfile" -t "$live_ingest_image" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD)" "${transcoder_output[@]}" "$root"

echo "function_image    = \"$function_image\""
echo "transcoder_image  = \"$transcoder_image\""
echo "live_ingest_image = \"$live_ingest_image\""

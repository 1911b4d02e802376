#!/usr/bin/env bash
# The meshprobe CLI as a lab image (issue 18: scheduled in-cluster runs), built the way
# images.sh builds the lab's images — the host's node binary plus the libraries ldd lists, no
# registry, no Dockerfile — with the package as `npm pack` makes it, installed --omit=dev:
#
#   lab.local/meshprobe:dev   /usr/bin/node + /app/node_modules/meshprobe (dist/, schema) and its
#                             runtime dependencies; ENTRYPOINT node …/dist/cli.mjs; USER 65532
#
# Then imported into the lab's containerd with the same `ctr -n k8s.io images import` (skipped
# when containerd already holds that exact image). Does not start or stop the lab.
#   bash test/e2e/lab/cli-image.sh [REF]      prints the image reference on stdout
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$LAB_DIR/../../.." && pwd)"
# shellcheck source=versions.sh
source "$LAB_DIR/versions.sh"
CACHE="${MESHPROBE_LAB_CACHE:-$HOME/.cache/meshprobe-lab}"
GHOST_BIN="$CACHE/ghostunnel-$GHOSTUNNEL_VERSION/bin"
COREDNS_BIN="$CACHE/coredns-$COREDNS_VERSION/bin"
log() { echo "[cli-image $(date -u +%H:%M:%S)] $*" >&2; }
out_grep() {
  local -a opts=()
  while [[ $1 == -* ]]; do opts+=("$1"); shift; done
  local pattern=$1 out
  shift
  out=$("$@") || return 1
  grep -q "${opts[@]}" -- "$pattern" <<<"$out"
}
# shellcheck source=images.sh
source "$LAB_DIR/images.sh"

REF=${1:-lab.local/meshprobe:dev}
NAME=$(echo "$REF" | tr '/:' '__')
TAR="$IMAGES_DIR/$NAME.tar"
mkdir -p "$IMAGES_DIR"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "npm pack (runs the build)"
(cd "$REPO" && npm pack --silent --pack-destination "$work" >/dev/null)
tgz=$(ls "$work"/meshprobe-*.tgz)

log "npm install --omit=dev $(basename "$tgz")"
mkdir "$work/install"
(cd "$work/install" && echo '{"private":true}' > package.json \
  && npm install --omit=dev --no-audit --no-fund --loglevel=error "$tgz" >/dev/null)

r="$work/rootfs"
base_rootfs "$r"
copy_with_libs /usr/bin/node /usr/bin/node "$r"
cp -a "$work/install/node_modules" "$r/app/node_modules"
# the bundle volume's mount point and the Job's working directory
mkdir -p "$r/var/lib/meshprobe"
mkimage "$REF" "$r" "$TAR" '["/usr/bin/node","/app/node_modules/meshprobe/dist/cli.mjs"]' 65532:65532
log "built $REF ($(du -h "$TAR" | cut -f1))"
import_image "$REF"
echo "$REF"

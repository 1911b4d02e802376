#!/usr/bin/env bash
# The peer of `npm run bench` part 5 (issue 20): cyclonus and the agnhost image it runs, built
# locally (no container registry) and imported into the lab like the lab's own images.
#   cyclonus v0.5.6  `go install` from the Go module proxy → $CACHE/cyclonus-v0.5.6/bin/cyclonus
#   agnhost          built from test/images/agnhost of the Kubernetes module the lab builds
#                    (k8s.io/kubernetes v1.34.4, whose agnhost VERSION is 2.56) with the lab's own
#                    go.mod/go.sum pins → $CACHE/agnhost-k8s-v1.34.4/bin/agnhost
#   image            lab.local/e2e-test-images/agnhost:2.43: cyclonus pins that tag and takes the
#                    registry from --image-registry; the binary inside is the 2.56 source above.
#                    Built with images.sh's mkimage, imported with its import_image (ctr, k8s.io).
# Each step is skipped when its output exists (a second run takes seconds). Must run as root
# (ctr). Prints the cyclonus path on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_DIR="$(cd "$HERE/../../e2e/lab" && pwd)"
# shellcheck source=../../e2e/lab/versions.sh
source "$LAB_DIR/versions.sh"
CACHE="${MESHPROBE_LAB_CACHE:-$HOME/.cache/meshprobe-lab}"
CYCLONUS_VERSION=v0.5.6
CYCLONUS_BIN="$CACHE/cyclonus-$CYCLONUS_VERSION/bin"
AGNHOST_BIN="$CACHE/agnhost-k8s-$K8S_VERSION/bin"
AGNHOST_REF=lab.local/e2e-test-images/agnhost:2.43
export GOCACHE="${GOCACHE_LAB:-$CACHE/go-build}" GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GONOSUMDB=sigs.k8s.io/kube-network-policies,github.com/landlock-lsm/go-landlock,github.com/google/nftables

log() { echo "[peer $(date -u +%H:%M:%S)] $*" >&2; }
# lab.sh's out_grep (images.sh's import_image needs it): match the captured output, no SIGPIPE race.
out_grep() {
  local -a opts=()
  while [[ $1 == -* ]]; do opts+=("$1"); shift; done
  local pattern=$1 out
  shift
  out=$("$@") || return 1
  grep -q "${opts[@]}" -- "$pattern" <<<"$out"
}
# shellcheck source=../../e2e/lab/images.sh
source "$LAB_DIR/images.sh"

build_cyclonus() {
  [[ -x $CYCLONUS_BIN/cyclonus ]] && { log "cyclonus $CYCLONUS_VERSION cached in $CYCLONUS_BIN"; return 0; }
  log "go install github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION (a few minutes)"
  mkdir -p "$CYCLONUS_BIN"
  GOBIN="$CYCLONUS_BIN" GOFLAGS= CGO_ENABLED=0 nice -n 10 go install -trimpath -ldflags='-s -w' \
    "github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION" >&2
}

build_agnhost() {
  [[ -x $AGNHOST_BIN/agnhost ]] && { log "agnhost (k8s $K8S_VERSION) cached in $AGNHOST_BIN"; return 0; }
  local w; w=$(mktemp -d)
  # The lab's wrapper module pins k8s.io/kubernetes and every staging module; agnhost needs one
  # module more (sctp), whose go.sum lines are kept next to this script.
  sed 's#^module .*#module meshprobe.bench/agnhost#' "$LAB_DIR/go/k8s/go.mod" > "$w/go.mod"
  cat "$LAB_DIR/go/k8s/go.sum" "$HERE/agnhost.go.sum.extra" > "$w/go.sum"
  log "building agnhost from k8s.io/kubernetes $K8S_VERSION test/images/agnhost (several minutes)"
  mkdir -p "$AGNHOST_BIN"
  (cd "$w" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags='-s -w' -o "$AGNHOST_BIN/agnhost" \
    k8s.io/kubernetes/test/images/agnhost) >&2
  rm -rf "$w"
}

build_agnhost_image() { # single layer: /agnhost (static) + the lab's minimal /etc; root like upstream agnhost
  local name tar hash r
  name=$(echo "$AGNHOST_REF" | tr '/:' '__'); tar="$IMAGES_DIR/$name.tar"
  hash=$(inputs_hash "$AGNHOST_BIN/agnhost" "$HERE/tools.sh")
  mkdir -p "$IMAGES_DIR"
  if [[ ! -f $tar || ! -f $tar.hash || $(cat "$tar.hash") != "$hash" ]]; then
    log "building image $AGNHOST_REF"
    r=$(mktemp -d)
    base_rootfs "$r"; cp "$AGNHOST_BIN/agnhost" "$r/agnhost"
    # cyclonus serves on ports 80/81 with an empty securityContext, as upstream agnhost (no USER) does.
    mkimage "$AGNHOST_REF" "$r" "$tar" '["/agnhost"]' 0:0 '["pause"]'
    rm -rf "$r"
    echo "$hash" > "$tar.hash"
  fi
  import_image "$AGNHOST_REF"
}

build_cyclonus
build_agnhost
build_agnhost_image
echo "$CYCLONUS_BIN/cyclonus"

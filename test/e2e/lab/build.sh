#!/usr/bin/env bash
# Build the lab's Go binaries into ~/.cache/meshprobe-lab/<version>/bin (reused when present).
# Usage: build.sh k8s|etcd|netpol|ghostunnel|coredns|injector|all
set -euo pipefail
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$LAB_DIR/versions.sh"
CACHE="${MESHPROBE_LAB_CACHE:-$HOME/.cache/meshprobe-lab}"
export GOCACHE="${GOCACHE_LAB:-$CACHE/go-build}"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local
# go.sum pins these; the checksum database here has no entry for them.
export GONOSUMDB=sigs.k8s.io/kube-network-policies,github.com/landlock-lsm/go-landlock,github.com/google/nftables
mkdir -p "$CACHE/logs"

log() { echo "[build $(date -u +%H:%M:%S)] $*" >&2; }

timed_build() { # name outdir moddir ldflags pkgs...
  local name=$1 out=$2 mod=$3 ldf=$4; shift 4
  local t0; t0=$(date +%s)
  mkdir -p "$out"
  log "building $name ($*) -> $out (log: $CACHE/logs/build-$name.log)"
  if ! (cd "$mod" && nice -n 10 go build -trimpath -ldflags="-s -w $ldf" -o "$out/" "$@") >"$CACHE/logs/build-$name.log" 2>&1; then
    tail -30 "$CACHE/logs/build-$name.log" >&2
    log "build of $name FAILED"; return 1
  fi
  log "built $name in $(( $(date +%s) - t0 ))s"
  echo "$name $(( $(date +%s) - t0 ))s $(date -u +%FT%TZ)" >> "$CACHE/logs/build-times.txt"
}

build_k8s() {
  local bin="$CACHE/$K8S_VERSION/bin" need=0 b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    [[ -x $bin/$b ]] || need=1
  done
  (( need )) || { log "kubernetes $K8S_VERSION binaries cached in $bin"; return 0; }
  local v=k8s.io/component-base/version cv=k8s.io/client-go/pkg/version ldf="" p
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  for p in $v $cv; do
    ldf+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ldf+=" -X $p.buildDate=1970-01-01T00:00:00Z -X $p.gitCommit=0000000000000000000000000000000000000000"
  done
  CGO_ENABLED=1 timed_build kubernetes "$bin" "$LAB_DIR/go/k8s" "$ldf" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  local bin="$CACHE/etcd-$ETCD_VERSION/bin"
  [[ -x $bin/etcd ]] && { log "etcd $ETCD_VERSION cached"; return 0; }
  CGO_ENABLED=0 timed_build etcd "$bin" "$LAB_DIR/go/etcd" "" go.etcd.io/etcd/server/v3
  mv "$bin/server" "$bin/etcd"
}

build_netpol() {
  local bin="$CACHE/kube-network-policies-$NETPOL_VERSION/bin"
  [[ -x $bin/kube-network-policies ]] && { log "kube-network-policies $NETPOL_VERSION cached"; return 0; }
  CGO_ENABLED=0 timed_build kube-network-policies "$bin" "$LAB_DIR/go/netpol" "" sigs.k8s.io/kube-network-policies/cmd
  mv "$bin/cmd" "$bin/kube-network-policies"
}

build_ghostunnel() {
  local bin="$CACHE/ghostunnel-$GHOSTUNNEL_VERSION/bin"
  [[ -x $bin/ghostunnel ]] && { log "ghostunnel $GHOSTUNNEL_VERSION cached"; return 0; }
  # v1.8.4 does not compile with -tags nopkcs11 / CGO_ENABLED=0 (stub signature mismatch): use cgo.
  CGO_ENABLED=1 timed_build ghostunnel "$bin" "$LAB_DIR/go/ghostunnel" "" "$GHOSTUNNEL_PKG"
}

build_coredns() {
  local bin="$CACHE/coredns-$COREDNS_VERSION/bin"
  [[ -x $bin/coredns ]] && { log "coredns $COREDNS_VERSION cached"; return 0; }
  CGO_ENABLED=0 timed_build coredns "$bin" "$LAB_DIR/go/coredns" "" .
}

# The lab's mesh injector (go/injector, standard library only): its directory is named after a hash of
# its sources, so an edited injector is rebuilt and `up` restarts the running one.
injector_bin() {
  local src; src=$(find "$LAB_DIR/go/injector" -maxdepth 1 \( -name go.mod -o -name '*.go' ! -name '*_test.go' \) | sort)
  # shellcheck disable=SC2086 # paths without spaces
  echo "$CACHE/mesh-injector-$(cat $src | sha256sum | cut -c1-12)/bin"
}
build_injector() {
  local bin; bin=$(injector_bin)
  [[ -x $bin/mesh-injector ]] && { log "mesh-injector cached in $bin"; return 0; }
  CGO_ENABLED=0 timed_build mesh-injector "$bin" "$LAB_DIR/go/injector" "" .
}

case "${1:-all}" in
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  netpol) build_netpol ;;
  ghostunnel) build_ghostunnel ;;
  coredns) build_coredns ;;
  injector) build_injector ;;
  injector-bin) injector_bin ;;
  all) build_etcd; build_netpol; build_ghostunnel; build_coredns; build_injector; build_k8s ;;
  *) echo "usage: $0 k8s|etcd|netpol|ghostunnel|coredns|injector|all" >&2; exit 2 ;;
esac

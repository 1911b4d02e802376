#!/usr/bin/env bash
# Registry-less images for the lab cluster: docker-archive tarballs built from host files,
# imported with `ctr -n k8s.io images import`. Rebuilt only when their inputs change
# (sha256 of the inputs), re-imported only when containerd does not hold that exact image.
# Sourced by lab.sh (needs CACHE, LAB_DIR, GHOST_BIN, log(), out_grep()).
#
#   registry.k8s.io/pause:3.10   static pause (test/e2e/lab/images/pause.c)
#   lab.local/node:24            Node 24 LTS (npm `node` package via test/lts-node.sh) + the
#                                libraries ldd lists; USER 65532. The agent image of the e2e suite.
#   lab.local/node:20            host /usr/bin/node (v20) + the libraries ldd lists; USER 65532.
#                                Kept for branches that still name it; nothing on main uses it.
#   lab.local/workload:1         node + test/e2e/lab/workload/server.js (see its header)
#   lab.local/mtls-sidecar:1     ghostunnel (+ libc, it is a cgo build); USER 65532
#   lab.local/coredns:1.12.1     static CoreDNS (minimal plugin set); USER 65532

IMAGES_DIR="$CACHE/images"
LAB_IMAGES=(registry.k8s.io/pause:3.10 lab.local/node:20 lab.local/node:24 lab.local/workload:1 lab.local/mtls-sidecar:1 "lab.local/coredns:${COREDNS_VERSION#v}")

# mkimage REF ROOTFS OUT.tar ENTRYPOINT_JSON USER [CMD_JSON]
# single-layer docker-archive, deterministic layer tar (after shared/lab-notes/mkimage.sh)
mkimage() {
  local ref=$1 rootfs=$2 out=$3 ep=$4 user=$5 cmd=${6:-null} w lsum csum
  w=$(mktemp -d)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$w/layer.tar" .
  lsum=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  mkdir "$w/$lsum"; mv "$w/layer.tar" "$w/$lsum/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"User":"%s","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"meshprobe lab images.sh"}]}' \
    "$ep" "$cmd" "$user" "$lsum" > "$w/config.json"
  csum=$(sha256sum "$w/config.json" | cut -d' ' -f1)
  mv "$w/config.json" "$w/$csum.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$csum" "$ref" "$lsum" > "$w/manifest.json"
  tar --owner=0 --group=0 --numeric-owner -C "$w" -cf "$out.tmp" manifest.json "$csum.json" "$lsum"
  mv "$out.tmp" "$out"
  rm -rf "$w"
}

# copy a dynamically linked binary and the libraries ldd lists into ROOTFS
copy_with_libs() {
  local bin=$1 dest=$2 root=$3 l
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$bin" "$root$dest"
  for l in $(ldd "$bin" | grep -oE '/[^ ]+'); do
    mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
  done
}

base_rootfs() { # minimal /etc, /tmp for every non-pause image
  local r=$1
  mkdir -p "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/app"
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\nnogroup:x:65534:\n' > "$r/etc/group"
}

inputs_hash() { # files... -> sha256 of their contents and of this script
  { cat "$@" "$LAB_DIR/images.sh"; } | sha256sum | cut -d' ' -f1
}

node_inputs() { # [node binary] -> it and its libraries (default: the host's /usr/bin/node)
  local bin=${1:-/usr/bin/node}
  echo "$bin"; ldd "$bin" | grep -oE '/[^ ]+'
}

node_binary() { # lab.local/node:<major> -> the node binary that image packs
  case $1 in
    lab.local/node:20) echo /usr/bin/node ;;
    lab.local/node:24) echo "$(bash "$LAB_DIR/../../lts-node.sh")/node" ;;
    *) echo "images.sh: no node binary for $1" >&2; return 1 ;;
  esac
}

build_image() { # ref -> $IMAGES_DIR/<file>.tar (+ .hash)
  local ref=$1 name hash r tar node_bin=
  name=$(echo "$ref" | tr '/:' '__')
  tar="$IMAGES_DIR/$name.tar"
  mkdir -p "$IMAGES_DIR"
  if [[ $ref == lab.local/node:* ]]; then node_bin=$(node_binary "$ref"); fi
  # shellcheck disable=SC2046 # node_inputs is a list of paths without spaces
  case $ref in
    registry.k8s.io/pause:*) hash=$(inputs_hash "$LAB_DIR/images/pause.c") ;;
    lab.local/node:*) hash=$(inputs_hash $(node_inputs "$node_bin")) ;;
    lab.local/workload:*) hash=$(inputs_hash $(node_inputs) "$LAB_DIR/workload/server.js") ;;
    lab.local/mtls-sidecar:*) hash=$(inputs_hash "$GHOST_BIN/ghostunnel") ;;
    lab.local/coredns:*) hash=$(inputs_hash "$COREDNS_BIN/coredns") ;;
  esac
  if [[ -f $tar && -f $tar.hash && $(cat "$tar.hash") == "$hash" ]]; then
    return 0
  fi
  log "building image $ref"
  r=$(mktemp -d)
  case $ref in
    registry.k8s.io/pause:*)
      gcc -static -Os -s -o "$r/pause" "$LAB_DIR/images/pause.c"
      mkimage "$ref" "$r" "$tar" '["/pause"]' 65535:65535 ;;
    lab.local/node:*)
      base_rootfs "$r"; copy_with_libs "$node_bin" /usr/bin/node "$r"
      mkimage "$ref" "$r" "$tar" '["/usr/bin/node"]' 65532:65532 ;;
    lab.local/workload:*)
      base_rootfs "$r"; copy_with_libs /usr/bin/node /usr/bin/node "$r"
      cp "$LAB_DIR/workload/server.js" "$r/app/server.js"
      mkimage "$ref" "$r" "$tar" '["/usr/bin/node","/app/server.js"]' 65532:65532 ;;
    lab.local/mtls-sidecar:*)
      base_rootfs "$r"; copy_with_libs "$GHOST_BIN/ghostunnel" /usr/bin/ghostunnel "$r"
      mkimage "$ref" "$r" "$tar" '["/usr/bin/ghostunnel"]' 65532:65532 ;;
    lab.local/coredns:*)
      base_rootfs "$r"; mkdir -p "$r/usr/bin"; cp "$COREDNS_BIN/coredns" "$r/usr/bin/coredns"
      mkimage "$ref" "$r" "$tar" '["/usr/bin/coredns"]' 65532:65532 ;;
  esac
  rm -rf "$r"
  echo "$hash" > "$tar.hash"
}

# config digest inside a docker-archive = the image id containerd reports as config
tar_config_digest() { tar -xOf "$1" manifest.json | grep -oE '"Config":"[0-9a-f]+' | cut -d'"' -f4; }

import_image() {
  local ref=$1 name tar want have
  name=$(echo "$ref" | tr '/:' '__'); tar="$IMAGES_DIR/$name.tar"
  want=$(tar_config_digest "$tar")
  have=$(cat "$IMAGES_DIR/$name.imported" 2>/dev/null || true)
  if [[ $have == "$want" ]] && out_grep -x "$ref" ctr -n k8s.io images ls -q "name==$ref"; then
    return 0
  fi
  log "importing image $ref"
  ctr -n k8s.io images import "$tar" >/dev/null
  echo "$want" > "$IMAGES_DIR/$name.imported"
}

ensure_images() {
  local ref
  for ref in "${LAB_IMAGES[@]}"; do build_image "$ref"; import_image "$ref"; done
}

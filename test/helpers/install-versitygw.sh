#!/usr/bin/env bash
# Builds versitygw (Versity S3 Gateway, a real S3-compatible server that verifies SigV4) from its
# Go module into the lab cache, once; the upload tests run it on 127.0.0.1. Measured on the
# shared 2-core VM: see README "Uploading the bundle".
set -euo pipefail
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
VERSION=v1.8.0
DIR="${MESHPROBE_LAB_CACHE:-$HOME/.cache/meshprobe-lab}/versitygw-$VERSION"
if [ -x "$DIR/versitygw" ]; then echo "versitygw $VERSION cached in $DIR"; exit 0; fi
mkdir -p "$DIR"
start=$(date +%s)
GOBIN="$DIR" GOFLAGS= go install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
echo "versitygw $VERSION built into $DIR in $(( $(date +%s) - start )) s"

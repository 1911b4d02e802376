#!/usr/bin/env bash
# Second Node runtime for CI and the lab (issue 18): the current LTS line, installed from the npm
# `node` package (an official Node binary shipped as a package) into a cache directory, so the
# system Node is never replaced. Prints the directory that holds its `node` binary.
#   PATH="$(bash test/lts-node.sh):$PATH" npm test      # the suite on the LTS line
# One place for the version: .ci/run and test/e2e/lab/images.sh (lab.local/node:24) use this.
set -euo pipefail
LTS_NODE_VERSION=${MESHPROBE_LTS_NODE_VERSION:-24.21.0}
dir="${XDG_CACHE_HOME:-$HOME/.cache}/meshprobe-node/$LTS_NODE_VERSION"
bin="$dir/node_modules/node/bin"
if [[ ! -x $bin/node ]] || [[ $("$bin/node" --version) != "v$LTS_NODE_VERSION" ]]; then
  mkdir -p "$dir"
  # The package's install script fetches node-linux-<arch>@<version> (the binary) from the registry.
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node@$LTS_NODE_VERSION" >&2
  [[ $("$bin/node" --version) == "v$LTS_NODE_VERSION" ]] || {
    echo "lts-node: node@$LTS_NODE_VERSION did not install a working binary under $dir" >&2
    exit 1
  }
fi
echo "$bin"

#!/usr/bin/env bash
# CI entry point: bring the lab up (binaries from ~/.cache/meshprobe-lab when present), run the
# command given as arguments (the e2e suite) with KUBECONFIG set to the lab admin, and ALWAYS
# tear the lab down, exiting with the test command's status.
#   bash test/e2e/lab/ci.sh npm run test:e2e
set -euo pipefail
LAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.sh"
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  echo "[lab-ci] tearing the lab down" >&2
  bash "$LAB" down || echo "[lab-ci] WARNING: lab.sh down failed" >&2
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(date +%s)
# Always from an empty cluster: a machine image can carry an earlier lab's etcd data, and its
# meshprobe-labelled objects would fail every leftover check of the suite (each after a 180 s wait).
bash "$LAB" down >/dev/null 2>&1 || echo "[lab-ci] WARNING: lab.sh down before up failed" >&2
kubeconfig=$(bash "$LAB" up | tail -1)
echo "[lab-ci] lab up in $(( $(date +%s) - start ))s; KUBECONFIG=$kubeconfig" >&2
export KUBECONFIG="$kubeconfig"
export MESHPROBE_LAB_KUBECONFIG="$kubeconfig"
export MESHPROBE_LAB_AGENT_IMAGE=lab.local/node:24
set +e
"$@"
rc=$?
set -e
echo "[lab-ci] test command exited $rc" >&2
exit "$rc"

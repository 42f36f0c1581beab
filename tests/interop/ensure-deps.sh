#!/usr/bin/env bash
# Installs the interop suite's npm dependencies (@azure/attestation, jose; pinned by
# package-lock.json) with `npm ci`, only when node_modules is missing or older than the lock
# file (stamp file). Serialised by a lock: several build trees and tests may share this tree.
# Used by run-interop.sh and by tests/fleet/fleet_failover_test.py.
# Exit codes: 0 ready, 1 failed (message on stderr).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "FAIL: the interop clients need Node.js (>= 18.19) and npm on PATH;" \
       "run scripts/install-deps (installs Debian's nodejs and npm) or 'make deps'" >&2
  exit 1
fi
node_version="$(node --version)"
stamp_want="$(sha256sum "${here}/package-lock.json" | cut -d' ' -f1) node-${node_version%%.*}"
stamp_file="${here}/node_modules/.attestd-interop-stamp"
exec 9>"${here}/node_modules.lock"
flock 9
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_want" ]; then
  exit 0
fi
echo "ensure-deps: npm ci (node_modules missing or stale)"
if ! (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
  echo "FAIL: npm ci failed in ${here} (is the npm registry reachable?)" >&2
  exit 1
fi
echo "$stamp_want" > "$stamp_file"

#!/usr/bin/env bash
# Interop suite driver (CTest entry point): the official Azure SDK client (@azure/attestation
# 1.0.0, pinned by package-lock.json) and jose against the real attestd binary over HTTPS.
#
#   run-interop.sh --attestd PATH/TO/attestd [--vectors-default DIR] [--keep]
#
# 1. vectors absent -> exit 77 (skipped); node/npm absent -> exit 1 with how to fix it.
# 2. npm ci, only when node_modules is missing or older than package-lock.json (stamp file).
# 3. A throw-away test CA + server certificate (openssl CLI); the CA is trusted through
#    NODE_EXTRA_CA_CERTS, as a user would trust a private CA.
# 4. node --test over test/*.test.mjs; each test file starts its own attestd per vector case
#    (--collateral-dir <case> --collateral-time <verification_time>) on free ports.
# Exit codes: 0 pass, 1 fail, 77 skipped.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
attestd=""
vectors_default="${here}/../../../shared/vectors"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --attestd) attestd="$2"; shift 2 ;;
    --vectors-default) vectors_default="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "run-interop: unknown argument $1" >&2; exit 2 ;;
  esac
done

vectors="${ATTESTD_VECTORS:-$vectors_default}"
cases=(sgx/dcap-qvl-00a067110000-2507 openenclave/azure-sdk-oe-report-debug-00906ed50000)
for c in "${cases[@]}"; do
  if [ ! -f "${vectors}/${c}/case.json" ]; then
    echo "SKIP: interop vectors not found (${vectors}/${c}); set ATTESTD_VECTORS"
    exit 77
  fi
done
vectors="$(cd "$vectors" && pwd)"

if [ -z "$attestd" ] || [ ! -x "$attestd" ]; then
  echo "FAIL: attestd binary not given or not executable ('${attestd}'); pass --attestd PATH" >&2
  exit 1
fi
attestd="$(cd "$(dirname "$attestd")" && pwd)/$(basename "$attestd")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "FAIL: the interop suite needs Node.js (>= 18.19) and npm on PATH;" \
       "run scripts/install-deps (installs Debian's nodejs and npm) or 'make deps'" >&2
  exit 1
fi
node_version="$(node --version)"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>18||(a===18&&b>=19)?0:1)'; then
  echo "FAIL: Node.js ${node_version} is too old for the interop suite (needs >= 18.19: node --test reporters)" >&2
  exit 1
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "FAIL: openssl CLI not found (scripts/install-deps installs it)" >&2
  exit 1
fi

# --- dependencies: npm ci only when missing or stale (ensure-deps.sh) ----------------------
if ! "${here}/ensure-deps.sh"; then
  exit 1
fi

# --- test PKI (openssl CLI) ---------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/attestd-interop-XXXXXX")"
cleanup() {
  if [ "$keep" = 1 ]; then echo "run-interop: kept ${tmp}"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
pki="${tmp}/pki"
mkdir -p "$pki"
{
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "${pki}/ca.key" -out "${pki}/ca.pem" -days 2 -subj "/CN=attestd interop test CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" &&
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "${pki}/server.key" -out "${pki}/server.csr" -subj "/CN=localhost" &&
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "${pki}/server.ext" &&
  openssl x509 -req -in "${pki}/server.csr" -CA "${pki}/ca.pem" -CAkey "${pki}/ca.key" \
    -CAcreateserial -days 2 -sha256 -extfile "${pki}/server.ext" -out "${pki}/server.pem"
} >"${pki}/openssl.log" 2>&1 || { echo "FAIL: could not make the test PKI:"; cat "${pki}/openssl.log"; exit 1; }

# --- run ----------------------------------------------------------------------------------
export ATTESTD_BIN="$attestd" ATTESTD_VECTORS="$vectors" INTEROP_TMP="$tmp"
export INTEROP_TLS_CERT="${pki}/server.pem" INTEROP_TLS_KEY="${pki}/server.key"
export INTEROP_CA_CERT="${pki}/ca.pem" NODE_EXTRA_CA_CERTS="${pki}/ca.pem"
# Loopback must never go through a proxy (the SDK pipeline honours HTTPS_PROXY).
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

echo "run-interop: node ${node_version}, attestd ${attestd}, vectors ${vectors}"
cd "$here"
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./lib/summary-reporter.mjs --test-reporter-destination=stdout \
  test/*.test.mjs
rc=$?
if [ $rc -ne 0 ]; then
  for log in "$tmp"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $(basename "$log") (tail) ---"
    tail -n 20 "$log"
  done
fi
exit $rc

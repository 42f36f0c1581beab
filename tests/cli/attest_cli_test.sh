#!/usr/bin/env bash
# End-to-end test of `attestctl attest` and `attestctl token verify` against a real attestd
# over HTTPS on loopback, with real SGX and Open Enclave vectors re-verified "as of" their
# collateral time.
#
#   attest_cli_test.sh --attestctl PATH --attestd PATH
#
# Exit 0 pass, 1 fail, 77 skip (only when the vectors directory is absent; a missing attestd
# binary is a failure, not a skip). Vectors: $ATTESTD_VECTORS (default <repo>/../shared/vectors).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VECTORS="${ATTESTD_VECTORS:-$SCRIPT_DIR/../../../shared/vectors}"
ATTESTCTL=""
ATTESTD=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --attestctl) ATTESTCTL="$2"; shift 2 ;;
    --attestd) ATTESTD="$2"; shift 2 ;;
    *) echo "usage: $0 --attestctl PATH --attestd PATH" >&2; exit 2 ;;
  esac
done

SGX_CASE="$VECTORS/sgx/dcap-qvl-00a067110000-2507"
OE_CASE="$VECTORS/openenclave/azure-sdk-oe-report-debug-00906ed50000"
if [[ ! -d "$VECTORS" || ! -d "$SGX_CASE" || ! -d "$OE_CASE" ]]; then
  echo "SKIP: vectors not found at $VECTORS (set ATTESTD_VECTORS)"
  exit 77
fi
[[ -x "$ATTESTCTL" ]] || { echo "FAIL: attestctl binary not found: '$ATTESTCTL'" >&2; exit 1; }
[[ -n "$ATTESTD" && -x "$ATTESTD" ]] || {
  echo "FAIL: attestd binary not found: '$ATTESTD' (the attestd target must be built)" >&2
  exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/attest-cli-test.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILURES=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }

json_get() {  # json_get FILE KEY [KEY...]  -> prints the value (strings raw, others as JSON)
  python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    doc = doc[int(key)] if isinstance(doc, list) else doc.get(key) if isinstance(doc, dict) else None
    if doc is None:
        break
print(doc if isinstance(doc, str) else json.dumps(doc))
PY
}

expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# --- test PKI: a private CA and a server certificate for 127.0.0.1 / localhost ---------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=attestd cli test CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$WORK/ext.cnf"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/ext.cnf" -out "$WORK/server.pem" 2>/dev/null
mkdir -p "$WORK/data"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_server CASE_DIR: starts attestd for one vector case; sets BASE.
start_server() {
  local case_dir="$1"
  local time
  time="$(json_get "$case_dir/case.json" verification_time)"
  local port
  port="$(free_port)"
  BASE="https://127.0.0.1:$port"
  "$ATTESTD" --listen "127.0.0.1:$port" --base-url "$BASE" --data-dir "$WORK/data" \
    --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
    --collateral-dir "$case_dir" --collateral-time "$time" >"$WORK/attestd.log" 2>&1 &
  SERVER_PID=$!
  # Wait until the server answers (bounded by tries, not asserted on time).
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null --cacert "$WORK/ca.pem" "$BASE/certs"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "attestd exited early:" >&2; cat "$WORK/attestd.log" >&2
      SERVER_PID=""
      exit 1
    fi
    sleep 0.1
  done
  echo "attestd did not start answering on $BASE:" >&2; cat "$WORK/attestd.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# verify_with_openssl TOKEN: checks the RS256 signature independently of our code, with the
# openssl CLI and the /certs entry named by the token's kid.
verify_with_openssl() {
  local token="$1"
  curl -s --cacert "$WORK/ca.pem" "$BASE/certs" > "$WORK/certs.json"
  python3 - "$token" "$WORK/certs.json" "$WORK" <<'PY'
import base64, json, sys
token, certs, work = sys.argv[1], sys.argv[2], sys.argv[3]
def b64url(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
h, p, s = token.split(".")
kid = json.loads(b64url(h))["kid"]
key = next(k for k in json.load(open(certs))["keys"] if k.get("kid") == kid)
der = base64.b64decode(key["x5c"][0])
open(work + "/signer.pem", "w").write("-----BEGIN CERTIFICATE-----\n" +
    "\n".join(base64.b64encode(der).decode()[i:i+64] for i in range(0, len(base64.b64encode(der)), 64)) +
    "\n-----END CERTIFICATE-----\n")
open(work + "/signing_input", "wb").write((h + "." + p).encode())
open(work + "/signature", "wb").write(b64url(s))
PY
  openssl x509 -in "$WORK/signer.pem" -pubkey -noout > "$WORK/signer_pub.pem"
  openssl dgst -sha256 -verify "$WORK/signer_pub.pem" -signature "$WORK/signature" \
    "$WORK/signing_input" >/dev/null 2>&1
}

# --- SGX: quote.bin -------------------------------------------------------------------------
start_server "$SGX_CASE"
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type sgx --evidence "$SGX_CASE/quote.bin" \
  --nonce cli-nonce-1 --ca "$WORK/ca.pem" >"$WORK/sgx.token" 2>"$WORK/sgx.err" || rc=$?
expect_eq "attest sgx exit code" "$rc" 0
[[ $rc -eq 0 ]] || cat "$WORK/sgx.err" >&2
SGX_TOKEN="$(cat "$WORK/sgx.token")"
if [[ "$SGX_TOKEN" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]; then
  pass "attest sgx prints exactly one compact JWT"
else
  fail "attest sgx output is not a compact JWT: '$SGX_TOKEN'"
fi
if verify_with_openssl "$SGX_TOKEN"; then pass "sgx token signature verifies with openssl CLI";
else fail "sgx token signature does not verify with openssl CLI"; fi

rc=0
"$ATTESTCTL" token verify --endpoint "$BASE" --ca "$WORK/ca.pem" "$SGX_TOKEN" \
  >"$WORK/sgx.claims" 2>"$WORK/sgx.verify.err" || rc=$?
expect_eq "token verify sgx exit code" "$rc" 0
[[ $rc -eq 0 ]] || cat "$WORK/sgx.verify.err" >&2
expect_eq "sgx x-ms-sgx-mrenclave" "$(json_get "$WORK/sgx.claims" x-ms-sgx-mrenclave)" \
  "$(json_get "$SGX_CASE/case.json" report_body mrenclave)"
expect_eq "sgx x-ms-sgx-mrsigner" "$(json_get "$WORK/sgx.claims" x-ms-sgx-mrsigner)" \
  "$(json_get "$SGX_CASE/case.json" report_body mrsigner)"
expect_eq "sgx x-ms-attestation-type" "$(json_get "$WORK/sgx.claims" x-ms-attestation-type)" "sgx"
expect_eq "sgx iss" "$(json_get "$WORK/sgx.claims" iss)" "$BASE"
expect_eq "sgx nonce" "$(json_get "$WORK/sgx.claims" nonce)" "cli-nonce-1"

# Token from stdin, and the same token rejected when the issuer differs.
rc=0
echo "$SGX_TOKEN" | "$ATTESTCTL" token verify --endpoint "$BASE" --ca "$WORK/ca.pem" - \
  >/dev/null 2>&1 || rc=$?
expect_eq "token verify from stdin exit code" "$rc" 0
rc=0
"$ATTESTCTL" token verify --endpoint "$BASE" --ca "$WORK/ca.pem" --issuer "https://other.test" \
  "$SGX_TOKEN" >/dev/null 2>"$WORK/iss.err" || rc=$?
expect_eq "token verify with wrong issuer exit code" "$rc" 1
grep -q TOKEN_ISSUER_MISMATCH "$WORK/iss.err" && pass "wrong issuer reason" ||
  fail "wrong issuer: $(cat "$WORK/iss.err")"

# A tampered payload (one claim changed, signature kept) is rejected.
TAMPERED="$(python3 - "$SGX_TOKEN" <<'PY'
import base64, json, sys
h, p, s = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
claims["x-ms-sgx-mrenclave"] = "00" * 32
p2 = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=")
print(h + "." + p2 + "." + s)
PY
)"
rc=0
"$ATTESTCTL" token verify --endpoint "$BASE" --ca "$WORK/ca.pem" "$TAMPERED" \
  >/dev/null 2>"$WORK/tampered.err" || rc=$?
expect_eq "token verify tampered exit code" "$rc" 1
grep -q TOKEN_SIGNATURE_INVALID "$WORK/tampered.err" && pass "tampered token reason" ||
  fail "tampered token: $(cat "$WORK/tampered.err")"

# Without --ca the private CA is not trusted: a TLS failure, exit 1, error JSON.
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type sgx --evidence "$SGX_CASE/quote.bin" \
  >/dev/null 2>"$WORK/tls.err" || rc=$?
expect_eq "attest without --ca exit code" "$rc" 1
grep -q TLS_HANDSHAKE_FAILED "$WORK/tls.err" && pass "untrusted server certificate reason" ||
  fail "untrusted CA: $(cat "$WORK/tls.err")"

# Evidence the server rejects: the error envelope is printed, exit 1.
head -c 200 "$SGX_CASE/quote.bin" > "$WORK/truncated.bin"
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type sgx --evidence "$WORK/truncated.bin" \
  --ca "$WORK/ca.pem" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
expect_eq "attest truncated quote exit code" "$rc" 1
if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["code"] and e["message"]' \
     "$WORK/bad.err" 2>/dev/null && [[ ! -s "$WORK/bad.out" ]]; then
  pass "truncated quote prints the error envelope: $(cat "$WORK/bad.err")"
else
  fail "truncated quote: stdout='$(cat "$WORK/bad.out")' stderr='$(cat "$WORK/bad.err")'"
fi

# Usage errors exit 2.
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type bogus --evidence "$SGX_CASE/quote.bin" \
  >/dev/null 2>&1 || rc=$?
expect_eq "attest --type bogus exit code" "$rc" 2
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type sgx --evidence "$WORK/missing.bin" \
  >/dev/null 2>&1 || rc=$?
expect_eq "attest missing evidence file exit code" "$rc" 2
stop_server

# --- Open Enclave: oe_report.bin with runtime_data.bin ----------------------------------------
start_server "$OE_CASE"
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type openenclave --evidence "$OE_CASE/oe_report.bin" \
  --runtime-data "$OE_CASE/runtime_data.bin" --ca "$WORK/ca.pem" \
  >"$WORK/oe.token" 2>"$WORK/oe.err" || rc=$?
expect_eq "attest openenclave exit code" "$rc" 0
[[ $rc -eq 0 ]] || cat "$WORK/oe.err" >&2
OE_TOKEN="$(cat "$WORK/oe.token")"
rc=0
"$ATTESTCTL" token verify --endpoint "$BASE" --ca "$WORK/ca.pem" "$OE_TOKEN" \
  >"$WORK/oe.claims" 2>"$WORK/oe.verify.err" || rc=$?
expect_eq "token verify openenclave exit code" "$rc" 0
[[ $rc -eq 0 ]] || cat "$WORK/oe.verify.err" >&2
expect_eq "oe x-ms-sgx-mrenclave" "$(json_get "$WORK/oe.claims" x-ms-sgx-mrenclave)" \
  "$(json_get "$OE_CASE/case.json" report_body mrenclave)"
expect_eq "oe x-ms-sgx-is-debuggable" "$(json_get "$WORK/oe.claims" x-ms-sgx-is-debuggable)" "true"
expect_eq "oe x-ms-sgx-ehd" "$(json_get "$WORK/oe.claims" x-ms-sgx-ehd)" \
  "$(tr -d '\r\n' < "$OE_CASE/runtime_data.b64url.txt")"
expect_eq "oe x-ms-attestation-type" "$(json_get "$WORK/oe.claims" x-ms-attestation-type)" "sgx"
expect_eq "oe iss" "$(json_get "$WORK/oe.claims" iss)" "$BASE"

# Runtime data that does not match the report data is rejected by the server.
printf 'not the enclave held data' > "$WORK/wrong_runtime.bin"
rc=0
"$ATTESTCTL" attest --endpoint "$BASE" --type openenclave --evidence "$OE_CASE/oe_report.bin" \
  --runtime-data "$WORK/wrong_runtime.bin" --ca "$WORK/ca.pem" \
  >/dev/null 2>"$WORK/wrongrt.err" || rc=$?
expect_eq "attest openenclave with wrong runtime data exit code" "$rc" 1
grep -q RUNTIME_DATA_MISMATCH "$WORK/wrongrt.err" && pass "wrong runtime data reason" ||
  fail "wrong runtime data: $(cat "$WORK/wrongrt.err")"
stop_server

if [[ $FAILURES -ne 0 ]]; then
  echo "$FAILURES check(s) failed" >&2
  exit 1
fi
echo "all attestctl end-to-end checks passed"

#!/usr/bin/env bash
# Soak benchmark (issue 8): attestd at saturation over HTTPS for SOAK_MINUTES (default 10)
# with a mix of valid SGX attestations, invalid evidence, draft policies at the evaluation
# budget's limit and beyond it, and policy-management reads. Reports, per minute and per
# kind, requests, p50/p99 and every answer that was not the expected status (5xx apart);
# then RSS at the start and the end of the soak, /health probed from 127.0.0.2 throughout.
# A benchmark, not a test: not run by `make test`.
#
#   bench/soak.sh [ATTESTD_BINARY]     env: SOAK_MINUTES (10), SLICE_SECONDS (60),
#                                           ATTESTD_VECTORS (../shared/vectors)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
attestd="${1:-$root/build/src/server/attestd}"
minutes="${SOAK_MINUTES:-10}"
slice="${SLICE_SECONDS:-60}"
vectors="${ATTESTD_VECTORS:-$root/../shared/vectors}"
case_dir="$vectors/sgx/dcap-qvl-00a067110000-2507"
py=/usr/bin/python3

command -v wrk >/dev/null || { echo "soak: wrk not installed (scripts/install-deps)" >&2; exit 1; }
[ -x "$attestd" ] || { echo "soak: $attestd not built" >&2; exit 1; }
[ -f "$case_dir/quote.bin" ] || { echo "SKIP: no vectors at $case_dir"; exit 0; }

tmp="$(mktemp -d /tmp/attestd-soak-XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  jobs -p | xargs -r kill 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,IP:127.0.0.2" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/issuer.key" 2>/dev/null
"$py" - "$tmp" "$case_dir" <<'PY'
import base64, json, sys, time, jwt
from cryptography.hazmat.primitives import serialization
d, case = sys.argv[1], sys.argv[2]
key = serialization.load_pem_private_key(open(d + "/issuer.key", "rb").read(), None)
n = key.public_key().public_numbers()
b64i = lambda v: base64.urlsafe_b64encode(v.to_bytes((v.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
json.dump({"keys": [{"kty": "RSA", "kid": "soak", "alg": "RS256", "use": "sig",
                     "n": b64i(n.n), "e": b64i(n.e)}]}, open(d + "/jwks.json", "w"))
now = int(time.time())
open(d + "/bearer", "w").write(jwt.encode(
    {"iss": "soak-issuer", "aud": "https://attest.azure.net", "iat": now, "nbf": now,
     "exp": now + 86400, "roles": ["AttestationPolicy.Read", "AttestationPolicy.Write"]},
    open(d + "/issuer.key").read(), algorithm="RS256", headers={"kid": "soak"}))
quote = open(case + "/quote.bin", "rb").read()
json.dump({"quote": b64(quote), "nonce": "soak"}, open(d + "/valid.json", "w"))
bad = bytearray(quote); bad[len(bad) // 2] ^= 0x55
json.dump({"quote": b64(bytes(bad)), "nonce": "soak"}, open(d + "/invalid.json", "w"))
def draft(query):
    policy = ("version=1.2;authorizationrules{=>permit();};issuancerules{"
              "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"q\", value=JmesPath(\"[1,2,3]\", \"%s\"));};" % query)
    return {"quote": b64(quote), "nonce": "soak", "draftPolicyForAttestation": policy}
# Budget bombs: 2^k values from k doubling stages. 12 stages stay inside the budget; 30 must
# be refused quickly (400 POLICY_LIMIT_EXCEEDED).
json.dump(draft("|".join(["[@,@]"] * 12) + "|length(@)"), open(d + "/draft_ok.json", "w"))
json.dump(draft("|".join(["[@,@]"] * 30) + "|length(@)"), open(d + "/draft_bomb.json", "w"))
PY
vtime="$(sed -n 's/.*"verification_time": *"\([^"]*\)".*/\1/p' "$case_dir/case.json" | head -n1)"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$attestd" init --data-dir "$tmp/data" --base-url "https://127.0.0.1:$port" --mode aad >/dev/null
"$attestd" --listen "127.0.0.1:$port" --base-url "https://127.0.0.1:$port" --data-dir "$tmp/data" \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --collateral-dir "$case_dir" \
  --collateral-time "$vtime" --aad-issuer soak-issuer --aad-jwks "$tmp/jwks.json" \
  --log-level warn > "$tmp/attestd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sk "https://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
base="https://127.0.0.1:$port"
api="api-version=2022-08-01"
bearer="$(cat "$tmp/bearer")"
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

# Each kind: name, method, path, body file, bearer?, expected status, connections.
kinds=(
  "valid POST /attest/SgxEnclave?$api valid.json - 200 12"
  "invalid POST /attest/SgxEnclave?$api invalid.json - 400 4"
  "draft_ok POST /attest/SgxEnclave?$api draft_ok.json - 200 4"
  "draft_bomb POST /attest/SgxEnclave?$api draft_bomb.json - 400 4"
  "mgmt_get GET /policies/SgxEnclave?$api - bearer 200 2"
)
for k in "${kinds[@]}"; do  # warm-up: every kind answers as expected once
  read -r name method path body auth expect conns <<<"$k"
  args=(-sk -o /dev/null -w '%{http_code}' -X "$method" "$base$path")
  [ "$body" != - ] && args+=(-H 'Content-Type: application/json' --data @"$tmp/$body")
  [ "$auth" != - ] && args+=(-H "Authorization: Bearer $bearer")
  got="$(curl "${args[@]}")"
  [ "$got" = "$expect" ] || { echo "soak: warm-up $name answered $got, expected $expect" >&2; exit 1; }
done

# /health from another loopback source, once a second, for the whole soak.
(
  while :; do
    code="$(curl -sk --interface 127.0.0.2 -m 5 -o /dev/null -w '%{http_code}' "$base/health" || true)"
    echo "$(date +%s) $code" >> "$tmp/health.txt"
    sleep 1
  done
) &
health_pid=$!

rss_start="$(rss)"
echo "attestd $attestd, $(nproc) cores, ${minutes} x ${slice}s at saturation over HTTPS; RSS at start ${rss_start} kB"
for minute in $(seq "$minutes"); do
  wrk_pids=()
  for k in "${kinds[@]}"; do
    read -r name method path body auth expect conns <<<"$k"
    ATTEST_KIND="$name" ATTEST_METHOD="$method" ATTEST_EXPECT="$expect" \
    ATTEST_BODY_FILE="$([ "$body" != - ] && echo "$tmp/$body" || true)" \
    ATTEST_AUTH="$([ "$auth" != - ] && echo "$bearer" || true)" \
      wrk -t1 -c"$conns" -d"${slice}s" --timeout 30s -s "$root/bench/http/mix.lua" "$base$path" \
      > "$tmp/wrk-$minute-$name.txt" 2>&1 &
    wrk_pids+=($!)
  done
  wait "${wrk_pids[@]}"
  for k in "${kinds[@]}"; do
    read -r name _ <<<"$k"
    echo "slice=$minute rss_kb=$(rss) $(grep '^RESULT' "$tmp/wrk-$minute-$name.txt" | sed 's/^RESULT //')"
  done
done
rss_end="$(rss)"
kill "$health_pid" 2>/dev/null || true
wait "$health_pid" 2>/dev/null || true
probes="$(wc -l < "$tmp/health.txt")"
healthy="$(grep -c ' 200$' "$tmp/health.txt" || true)"
sum_of() { cat "$tmp"/wrk-*.txt | sed -n "s/.*$1=\([0-9]*\).*/\1/p" | "$py" -c 'import sys; print(sum(int(l) for l in sys.stdin))'; }
unexpected="$(sum_of unexpected)"
socket_errors="$(sum_of socket_errors)"
growth="$("$py" -c "print(f'{($rss_end - $rss_start) * 100 / $rss_start:.1f}')")"
echo "SUMMARY unexpected=$unexpected socket_errors=$socket_errors health_ok=$healthy/$probes rss_start_kb=$rss_start rss_end_kb=$rss_end rss_growth_pct=$growth"
kill -0 "$pid" || { echo "soak: attestd died" >&2; exit 1; }

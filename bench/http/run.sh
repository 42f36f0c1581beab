#!/usr/bin/env bash
# HTTP load benchmark of attestd: SGX attestations/s and p50/p99 latency over HTTPS
# keep-alive on loopback, at saturation and at about half of it. Not part of `make test`.
#
#   bench/http/run.sh [ATTESTD_BINARY]      (default: build/src/server/attestd)
#   env: DURATION (s, default 20), CONNECTIONS (saturation run, default 32),
#        THREADS (wrk threads, default 2), WORKERS (attestd workers, default: cores),
#        ATTESTD_VECTORS (default ../shared/vectors)
#
# Needs wrk (Debian package `wrk`, see scripts/install-deps) and openssl. Use a release
# build (RelWithDebInfo/Release) for meaningful numbers; wrk shares the machine's cores.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
attestd="${1:-$root/build/src/server/attestd}"
duration="${DURATION:-20}"
conns="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
vectors="${ATTESTD_VECTORS:-$root/../shared/vectors}"
case_dir="$vectors/sgx/dcap-qvl-00a067110000-2507"

command -v wrk >/dev/null || { echo "bench: wrk not installed (scripts/install-deps)" >&2; exit 1; }
[ -x "$attestd" ] || { echo "bench: $attestd not built" >&2; exit 1; }
[ -f "$case_dir/quote.bin" ] || { echo "SKIP: no vectors at $case_dir"; exit 0; }

tmp="$(mktemp -d /tmp/attestd-bench-XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
vtime="$(sed -n 's/.*"verification_time": *"\([^"]*\)".*/\1/p' "$case_dir/case.json" | head -n1)"
quote="$(base64 -w0 < "$case_dir/quote.bin" | tr '+/' '-_' | tr -d '=')"
printf '{"quote":"%s","nonce":"bench"}' "$quote" > "$tmp/body.json"

worker_args=()
[ -n "${WORKERS:-}" ] && worker_args=(--workers "$WORKERS")
"$attestd" --listen "127.0.0.1:$port" --data-dir "$tmp/data" --tls-cert "$tmp/cert.pem" \
  --tls-key "$tmp/key.pem" --collateral-dir "$case_dir" --collateral-time "$vtime" \
  --log-level warn "${worker_args[@]}" > "$tmp/attestd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sk "https://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
url="https://127.0.0.1:$port/attest/SgxEnclave?api-version=2022-08-01"
status="$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data @"$tmp/body.json" "$url")"
[ "$status" = 200 ] || { echo "bench: warm-up attestation answered $status" >&2; cat "$tmp/attestd.log"; exit 1; }

export ATTEST_BODY_FILE="$tmp/body.json"
echo "attestd $attestd, $(nproc) cores, wrk -t$threads, ${duration}s per run, HTTPS keep-alive, SGX quote"

echo "== saturation: $conns connections, no delay"
ATTEST_DELAY_MS=0 wrk -t"$threads" -c"$conns" -d"${duration}s" -s "$root/bench/http/post_attest.lua" "$url" \
  | tee "$tmp/sat.txt" | grep '^RESULT'
sat_rps="$(sed -n 's/^RESULT.* rps=\([0-9.]*\).*/\1/p' "$tmp/sat.txt")"

# wrk 4 has no fixed-rate mode: run 8 connections, each waiting `delay` between requests so
# that 8 / delay ~ half the saturation rate.
half_conns=8
delay_ms="$(python3 -c "print(max(1, round($half_conns / ($sat_rps / 2) * 1000)))")"
echo "== half load: target $(python3 -c "print(round($sat_rps/2))") req/s ($half_conns connections, ${delay_ms} ms think time)"
ATTEST_DELAY_MS="$delay_ms" wrk -t"$threads" -c"$half_conns" -d"${duration}s" \
  -s "$root/bench/http/post_attest.lua" "$url" | grep '^RESULT'

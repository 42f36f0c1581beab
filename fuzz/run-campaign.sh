#!/usr/bin/env bash
# Time-boxed libFuzzer campaign over every fuzz target (`make fuzz`; fuzz/README.md).
#
#   fuzz/run-campaign.sh BUILD_DIR [TARGET...]
#
# Per target: the committed corpus (fuzz/corpus/<target>/), the target's own seeds (written by
# the fuzzing process itself, ATTEST_FUZZ_WRITE_SEEDS, so seeds signed by a per-process test
# PKI verify), and, when $ATTESTD_VECTORS is a directory, real vectors as extra seeds (read at
# campaign time, never committed). One fuzzer process at a time (libFuzzer's default, i.e.
# -jobs=1 without the job-log files that -jobs writes into the current directory). A run ends at FUZZ_RUNS
# executions or FUZZ_SECONDS, whichever is first; a crash is saved under
# fuzz/corpus/<target>/crash-<sha1> and fuzzing resumes until the budget is spent. At the end
# the corpus is minimised (-merge=1) back into fuzz/corpus/<target>/ (crash files kept), and
# a summary prints executions, exec/s, cov/ft and crashes per target.
#
# Environment: FUZZ_SECONDS (per target, default 1800), FUZZ_RUNS (default 10000000),
# FUZZ_WORK (default BUILD_DIR/campaign), FUZZ_MERGE=0 to leave fuzz/corpus untouched.
set -uo pipefail

build=${1:?usage: run-campaign.sh BUILD_DIR [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-1800}
runs=${FUZZ_RUNS:-10000000}
work=${FUZZ_WORK:-$build/campaign}
merge=${FUZZ_MERGE:-1}
vectors=${ATTESTD_VECTORS:-}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(quote_parse_fuzz collateral_json_fuzz sgx_verifier_fuzz pck_extension_fuzz
           oe_evidence_fuzz attest_request_fuzz policy_fuzz jmespath_fuzz bearer_token_fuzz
           management_jws_fuzz toml_config_fuzz snp_report_fuzz snp_document_fuzz uvm_cose_fuzz
           hcl_report_fuzz hcl_variable_data_fuzz tpm_structures_fuzz tpm_eventlog_fuzz
           tpm_protocol_fuzz azure_guest_fuzz bundle_tar_fuzz)
fi

# Per-target libFuzzer options: dictionary and input size (quotes and collateral are KBs).
options_for() {
  case "$1" in
    quote_parse_fuzz|sgx_verifier_fuzz|oe_evidence_fuzz) echo "-max_len=16384" ;;
    collateral_json_fuzz) echo "-max_len=16384 -dict=$here/dict/json.dict" ;;
    pck_extension_fuzz) echo "-max_len=1024" ;;
    attest_request_fuzz) echo "-max_len=4096 -dict=$here/dict/json.dict" ;;
    policy_fuzz) echo "-max_len=4096 -dict=$here/dict/policy.dict" ;;
    jmespath_fuzz) echo "-max_len=2048 -dict=$here/dict/jmespath.dict" ;;
    bearer_token_fuzz|management_jws_fuzz) echo "-max_len=4096 -dict=$here/dict/jws.dict" ;;
    toml_config_fuzz) echo "-max_len=2048 -dict=$here/dict/toml.dict" ;;
    snp_report_fuzz) echo "-max_len=8192" ;;
    snp_document_fuzz) echo "-max_len=16384 -dict=$here/dict/json.dict" ;;
    uvm_cose_fuzz) echo "-max_len=16384" ;;
    hcl_report_fuzz) echo "-max_len=8192" ;;
    hcl_variable_data_fuzz) echo "-max_len=8192 -dict=$here/dict/json.dict" ;;
    tpm_structures_fuzz) echo "-max_len=4096" ;;
    tpm_eventlog_fuzz) echo "-max_len=16384" ;;
    tpm_protocol_fuzz|azure_guest_fuzz) echo "-max_len=16384 -dict=$here/dict/json.dict" ;;
    bundle_tar_fuzz) echo "-max_len=16384" ;;
  esac
}

# Real vectors a target can start from (copied into the work area only).
copy_vectors() {
  local target=$1 dest=$2
  [ -n "$vectors" ] && [ -d "$vectors" ] || return 0
  mkdir -p "$dest"
  local pattern=()
  case "$target" in
    quote_parse_fuzz) pattern=(-name quote.bin) ;;
    sgx_verifier_fuzz) pattern=(-path '*/sgx/*' -name quote.bin) ;;
    oe_evidence_fuzz) pattern=(-name oe_report.bin) ;;
    snp_report_fuzz) pattern=( \( -name report.bin -o -name snp_report.bin -o -name vcek.der \) ) ;;
    uvm_cose_fuzz) pattern=(-name '*.cose') ;;
    hcl_report_fuzz) pattern=(-name hcl_report.bin) ;;
    hcl_variable_data_fuzz) pattern=(-name var_data.json) ;;
    collateral_json_fuzz) pattern=( \( -name tcb_info.json -o -name qe_identity.json \) ) ;;
    *) return 0 ;;
  esac
  find "$vectors" -type f "${pattern[@]}" -size -16k | while read -r f; do
    cp "$f" "$dest/$(sha1sum "$f" | cut -c1-40)"
  done
}

stat_of() {  # stat_of NAME LOG: the last "stat::NAME:" value
  grep -a "^stat::$1:" "$2" | tail -1 | awk '{print $2}'
}

summary=()
total_crashes=0
mkdir -p "$work"
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "run-campaign: $bin is missing" >&2
    exit 1
  fi
  tw="$work/$t"
  rm -rf "$tw"
  mkdir -p "$tw/corpus" "$tw/seeds" "$tw/artifacts" "$tw/vectors" "$here/corpus/$t"
  cp "$here/corpus/$t"/* "$tw/corpus/" 2>/dev/null || true
  rm -f "$tw/corpus"/crash-*   # known crashes are replayed by ctest, not re-fuzzed
  copy_vectors "$t" "$tw/vectors"
  # shellcheck disable=SC2207
  opts=($(options_for "$t"))
  execs=0
  crashes=0
  start=$(date +%s)
  round=0
  while :; do
    now=$(date +%s)
    left=$((seconds - (now - start)))
    want=$((runs - execs))
    if [ "$left" -le 0 ] || [ "$want" -le 0 ]; then break; fi
    round=$((round + 1))
    log="$tw/fuzz-$round.log"
    echo "== $t: round $round, up to ${left}s / $want runs"
    ATTEST_FUZZ_WRITE_SEEDS="$tw/seeds" \
      ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" "${opts[@]}" -max_total_time="$left" -runs="$want" \
      -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 -reload=0 \
      -artifact_prefix="$tw/artifacts/" "$tw/corpus" "$tw/seeds" "$tw/vectors" >"$log" 2>&1
    rc=$?
    n=$(stat_of number_of_executed_units "$log")
    execs=$((execs + ${n:-0}))
    grep -a -E "^#[0-9]+.*(pulse|DONE)" "$log" | tail -1
    if [ $rc -ne 0 ]; then
      found=0
      for a in "$tw"/artifacts/crash-* "$tw"/artifacts/leak-* "$tw"/artifacts/oom-* "$tw"/artifacts/timeout-*; do
        [ -f "$a" ] || continue
        found=1
        kind=$(basename "$a" | cut -d- -f1)
        dest="$here/corpus/$t/$kind-$(sha1sum "$a" | cut -c1-40)"
        cp "$a" "$dest"
        mv "$a" "$tw/artifacts/seen-$(basename "$a")"
        crashes=$((crashes + 1))
        echo "!! $t: $kind saved as ${dest#"$here"/} (log: $log)"
        grep -a -m3 -E "ERROR: |runtime error:|SUMMARY:" "$log" | sed 's/^/   /'
      done
      if [ $found -eq 0 ]; then
        echo "!! $t: libFuzzer exited $rc without an artifact; see $log" >&2
        break
      fi
    fi
  done
  elapsed=$(( $(date +%s) - start ))
  [ "$elapsed" -gt 0 ] || elapsed=1
  last="$tw/fuzz-$round.log"
  cov=$(grep -a -E "^#[0-9]+" "$last" 2>/dev/null | tail -1 | grep -o "cov: [0-9]*" | awk '{print $2}')
  ft=$(grep -a -E "^#[0-9]+" "$last" 2>/dev/null | tail -1 | grep -o "ft: [0-9]*" | awk '{print $2}')
  if [ "$merge" = 1 ]; then
    # Minimise into a fresh directory; vectors are not merge inputs, so they never land in
    # fuzz/corpus (units derived from them by mutation are dropped by vector_filter.py).
    rm -rf "$tw/min"
    mkdir -p "$tw/min"
    "$bin" "${opts[@]}" -merge=1 -timeout=10 -rss_limit_mb=2560 "$tw/min" "$tw/corpus" "$tw/seeds" \
      >"$tw/merge.log" 2>&1 || echo "!! $t: merge failed, see $tw/merge.log" >&2
    if [ -n "$vectors" ] && [ -d "$tw/vectors" ] && [ -n "$(ls -A "$tw/vectors")" ]; then
      python3 "$here/vector_filter.py" "$tw/vectors" "$tw/min"
    fi
    find "$here/corpus/$t" -type f ! -name 'crash-*' ! -name 'leak-*' ! -name 'oom-*' ! -name 'timeout-*' -delete
    cp "$tw/min"/* "$here/corpus/$t/" 2>/dev/null || true
  fi
  files=$(find "$here/corpus/$t" -type f | wc -l)
  size=$(( $(cat "$here/corpus/$t"/* 2>/dev/null | wc -c) / 1024 ))
  line=$(printf "%-22s %12d execs %9d exec/s  cov %5s  ft %6s  %3d crash(es)  corpus %4d files %5d KiB  %5ds" \
    "$t" "$execs" $((execs / elapsed)) "${cov:-?}" "${ft:-?}" "$crashes" "$files" "$size" "$elapsed")
  echo "$line"
  summary+=("$line")
  total_crashes=$((total_crashes + crashes))
done

echo
echo "==== fuzz campaign summary (FUZZ_SECONDS=$seconds, FUZZ_RUNS=$runs per target) ===="
printf '%s\n' "${summary[@]}"
echo "crashes: $total_crashes (inputs under fuzz/corpus/<target>/crash-*, replayed by ctest)"
[ "$total_crashes" -eq 0 ]

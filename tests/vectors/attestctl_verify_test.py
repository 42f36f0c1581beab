#!/usr/bin/env python3
"""Black-box test of `attestctl verify`.

Every SGX/TDX/OE vector case gives its expected verdict and exit status; hostile inputs
(truncated, garbage, empty, oversized, bit-flipped quotes, bad arguments) give a clear JSON
error and the documented exit status, never a crash. Exit 77 (skip) when vectors are absent.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

ATTESTCTL = sys.argv[1]
VECTORS = os.environ.get("ATTESTD_VECTORS") or os.environ.get("ATTESTD_VECTORS_DEFAULT") or "../shared/vectors"
if not os.path.isdir(os.path.join(VECTORS, "sgx")):
    print(f"SKIP: no vectors in '{VECTORS}' (set ATTESTD_VECTORS)")
    sys.exit(77)

passed = failed = 0


def check(name, ok, detail):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {detail}")


def verify(*args):
    p = subprocess.run([ATTESTCTL, "verify", *args], capture_output=True, timeout=60)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    return p.returncode, out, p.stdout[:300]


for tee in ("sgx", "tdx", "openenclave"):
    for name in sorted(os.listdir(os.path.join(VECTORS, tee))):
        d = os.path.join(VECTORS, tee, name)
        c = json.load(open(os.path.join(d, "case.json")))
        e = c["expected"]
        args = ["--type", tee, "--evidence", os.path.join(d, c["evidence"].get("file", "quote.bin")),
                "--collateral", d, "--at", c["verification_time"]]
        if not c.get("collateral_complete", True):
            args.append("--allow-missing-pck-crl")
        rc, out, raw = verify(*args)
        if e["result"] == "success":
            got = out and out.get("valid") and out["claims"].get("attester_tcb_status")
            check(f"{tee}/{name}", rc == 0 and got == e["tcb_status"],
                  f"exit {rc}, status {got!r}, expected {e['tcb_status']!r}")
            # The same evidence as published in text form (hex / base64url) verifies alike.
            for text_form in ("quote.hex", "oe_report.b64url.txt"):
                if os.path.exists(os.path.join(d, text_form)) and (text_form != "quote.hex" or tee != "openenclave"):
                    targs = list(args)
                    targs[3] = os.path.join(d, text_form)
                    trc, tout, traw = verify(*targs)
                    tgot = tout and tout.get("valid") and tout["claims"].get("attester_tcb_status")
                    check(f"{tee}/{name}/{text_form}", trc == 0 and tgot == e["tcb_status"],
                          f"exit {trc}, status {tgot!r}: {traw!r}")
        else:
            accept = set(e.get("acceptable_errors") or []) | {e["error"]}
            if e.get("error_category"):
                accept.add(e["error_category"])
            err = (out or {}).get("error", {})
            got = {err.get("reason"), err.get("category")}
            check(f"{tee}/{name}", rc == 1 and out and out.get("valid") is False and bool(got & accept),
                  f"exit {rc}, error {err}, expected {e['error']}")

sgx = os.path.join(VECTORS, "sgx", "dcap-qvl-00a067110000-2507")
at = "2025-07-19T10:01:17Z"
quote = open(os.path.join(sgx, "quote.bin"), "rb").read()

with tempfile.TemporaryDirectory() as tmp:
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def expect_error(name, want_rc, want_reason, *args):
        rc, out, raw = verify(*args)
        reason = ((out or {}).get("error") or {}).get("reason")
        check(name, rc == want_rc and out is not None and out.get("valid") is False
              and (want_reason == "*" or reason == want_reason),
              f"exit {rc} (want {want_rc}), reason {reason!r} (want {want_reason}): {raw!r}")

    base = ["--collateral", sgx, "--at", at]
    expect_error("truncated", 1, "UNSUPPORTED_QUOTE_FORMAT", "--type", "sgx", "--evidence", write("t.bin", quote[:600]), *base)
    expect_error("garbage", 1, "*", "--type", "sgx", "--evidence", write("g.bin", os.urandom(5000)), *base)
    expect_error("empty", 1, "UNSUPPORTED_QUOTE_FORMAT", "--type", "sgx", "--evidence", write("e.bin", b""), *base)
    expect_error("oversized", 1, "EVIDENCE_TOO_LARGE", "--type", "sgx", "--evidence", write("h.bin", bytes(2_000_000)), *base)
    expect_error("oe-garbage", 1, "*", "--type", "openenclave", "--evidence", write("g2.bin", os.urandom(5000)), *base)
    expect_error("tdx-garbage", 1, "*", "--type", "tdx", "--evidence", write("g3.bin", os.urandom(5000)), *base)
    expect_error("sgx-quote-as-tdx", 1, "UNSUPPORTED_QUOTE_FORMAT", "--type", "tdx", "--evidence", os.path.join(sgx, "quote.bin"), *base)
    expect_error("runtime-data-mismatch", 1, "RUNTIME_DATA_MISMATCH", "--type", "sgx", "--evidence", os.path.join(sgx, "quote.bin"),
                 *base, "--runtime-data", write("rd.bin", b"wrong"))
    expect_error("missing-collateral", 1, "COLLATERAL_MISSING", "--type", "sgx", "--evidence", os.path.join(sgx, "quote.bin"),
                 "--collateral", tmp, "--at", at)
    expect_error("unknown-type", 2, "ATTESTATION_TYPE_UNKNOWN", "--type", "foo", "--evidence", os.path.join(sgx, "quote.bin"), "--collateral", sgx)
    expect_error("bad-time", 2, "INVALID_TIME", "--type", "sgx", "--evidence", os.path.join(sgx, "quote.bin"), "--collateral", sgx, "--at", "yesterday")
    expect_error("missing-file", 2, "FILE_NOT_FOUND", "--type", "sgx", "--evidence", os.path.join(tmp, "nope.bin"), *base)
    rc = subprocess.run([ATTESTCTL, "verify", "--type", "sgx"], capture_output=True).returncode
    check("usage-missing-evidence", rc == 2, f"exit {rc}")
    # Without --at the current time is used; this 2025 collateral has expired since.
    expect_error("default-time-is-now", 1, "*", "--type", "sgx", "--evidence", os.path.join(sgx, "quote.bin"), "--collateral", sgx)

    # Random bit flips anywhere in a real quote: never a crash; either a clean rejection, or
    # (flip in bytes nothing covers, e.g. outside PEM blocks) a verdict.
    rng = random.Random(7)
    for i in range(60):
        data = bytearray(quote)
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)
        rc, out, raw = verify("--type", "sgx", "--evidence", write("flip.bin", bytes(data)), *base)
        ok = (rc == 0 and out and out.get("valid") is True) or \
             (rc == 1 and out and out.get("valid") is False and out["error"].get("reason"))
        check(f"bitflip-{i}@{pos}", bool(ok), f"exit {rc}: {raw!r}")
        # Flips inside the signed header and body must always be caught.
        if pos < 432:
            check(f"bitflip-{i}@{pos}-signed", rc == 1, f"a flip in signed bytes verified: exit {rc}")

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)

#!/usr/bin/env python3
"""Black-box test of `attestctl verify --type tpm` and `attestctl eventlog` over every TPM
vector case, plus hostile inputs (truncated, oversized, lying sizes, garbage) that must give
a clear JSON error and the documented exit status. Exit 77 (skip) when vectors are absent.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

ATTESTCTL = sys.argv[1]
VECTORS = os.environ.get("ATTESTD_VECTORS") or os.environ.get("ATTESTD_VECTORS_DEFAULT") or "../shared/vectors"
TPM = os.path.join(VECTORS, "tpm")
if not os.path.isdir(TPM):
    print(f"SKIP: no TPM vectors in '{VECTORS}' (set ATTESTD_VECTORS)")
    sys.exit(77)

passed = failed = 0
STAGE_REASON = {
    "quote_signature": "TPM_QUOTE_SIGNATURE_INVALID",
    "freshness": "TPM_NONCE_MISMATCH",
    "pcr_digest": "TPM_PCR_DIGEST_MISMATCH",
    "eventlog_replay": "TPM_EVENTLOG_REPLAY_MISMATCH",
}


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {detail}")


def run(*args):
    p = subprocess.run([ATTESTCTL, *args], capture_output=True, timeout=120)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    return p.returncode, out, (p.stdout[:400], p.stderr[:400])


BUNDLES = tempfile.mkdtemp()


def pem_bundle(*ders):
    """A PEM bundle of DER certificate files (AK certificate + intermediate)."""
    import base64
    path = os.path.join(BUNDLES, f"bundle{len(os.listdir(BUNDLES))}.pem")
    with open(path, "w") as f:
        for der in ders:
            b64 = base64.b64encode(open(der, "rb").read()).decode()
            f.write("-----BEGIN CERTIFICATE-----\n")
            f.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)))
            f.write("\n-----END CERTIFICATE-----\n")
    return path


def quote_args(d, bank, nonce, at, ak=None, eventlog=True, roots=None):
    args = ["verify", "--type", "tpm", "--quote", f"{d}/quote_{bank}_attest.bin",
            "--signature", f"{d}/quote_{bank}_sig.tpmt_signature.bin",
            "--ak", ak or f"{d}/ak_pub.tpmt_public.bin", "--pcrs", f"{d}/pcrs_{bank}.json"]
    if nonce:
        args += ["--nonce", nonce]
    if at:
        args += ["--at", at]
    if eventlog:
        args += ["--eventlog", f"{d}/eventlog.bin"]
    if os.path.exists(f"{d}/ak_cert.der"):
        if ak is None:
            # TPMT_PUBLIC AK: the AK certificate travels in --ak-chain with the intermediate.
            chain = pem_bundle(f"{d}/ak_cert.der", f"{d}/gce_tpm_ek_intermediate_2.der")
        else:
            chain = f"{d}/gce_tpm_ek_intermediate_2.der"
        args += ["--ak-chain", chain, "--ak-roots", roots or f"{d}/gce_tpm_ek_root_1.der"]
    return args


for name in sorted(os.listdir(TPM)):
    d = os.path.join(TPM, name)
    c = json.load(open(os.path.join(d, "case.json")))
    e = c["expected"]
    v = c["verification"]
    if name.startswith("eventlog-"):
        pcr_files = [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.startswith("expected_pcrs_")]
        rc, out, raw = run("eventlog", "--eventlog", f"{d}/eventlog.bin")
        ok = rc == 0 and out is not None and out["events"] == e["eventlog"]["event_count_including_first"]
        for bank, pcrs in e["replayed"].items():
            ok = ok and out["banks"].get(bank) == pcrs
        check(f"eventlog {name}", ok, f"exit {rc} {raw}")
        args = ["eventlog", "--eventlog", f"{d}/eventlog.bin", "--events"]
        for f in pcr_files:
            args += ["--pcrs", f]
        rc, out, raw = run(*args)
        check(f"eventlog {name} --pcrs --events", rc == 0 and len(out["parsed_events"]) == out["events"],
              f"exit {rc} {raw}")
        # A PCR value changed: exit 1 naming it.
        with tempfile.TemporaryDirectory() as tmp:
            pj = json.load(open(pcr_files[0]))
            pj["pcrs"]["7"] = "00" * (len(pj["pcrs"]["7"]) // 2)
            bad = os.path.join(tmp, "bad.json")
            json.dump(pj, open(bad, "w"))
            rc, out, raw = run("eventlog", "--eventlog", f"{d}/eventlog.bin", "--pcrs", bad)
            check(f"eventlog {name} mismatch", rc == 1 and out["error"]["reason"] == "TPM_EVENTLOG_REPLAY_MISMATCH"
                  and "PCR 7 " in out["error"]["message"], f"exit {rc} {raw}")
        continue
    nonce = v.get("nonce_hex", "")
    at = v.get("verification_time")
    banks = [b for b in ("sha1", "sha256", "sha384") if os.path.exists(f"{d}/quote_{b}_attest.bin")]
    results = []
    for bank in banks:
        rc, out, raw = run(*quote_args(d, bank, nonce, at))
        results.append((bank, rc, out, raw))
    if c["polarity"] == "positive":
        for bank, rc, out, raw in results:
            ok = rc == 0 and out["valid"] is True
            if ok and os.path.exists(f"{d}/ak_cert.der"):
                ok = out["claims"]["x-ms-tpm-ak-trust"] == "certificate" and out["claims"]["aikValidated"] is True
            check(f"verify {name} {bank}", ok, f"exit {rc} {raw}")
        if os.path.exists(f"{d}/ak_cert.der"):
            # --ak as the DER certificate (then also the AK certificate presented).
            rc, out, raw = run(*quote_args(d, banks[0], nonce, at, ak=f"{d}/ak_cert.der"))
            check(f"verify {name} --ak cert", rc == 0 and out["claims"]["x-ms-tpm-ak-trust"] == "certificate",
                  f"exit {rc} {raw}")
            # Judged after the AK certificate expired / before it was issued: chain refused.
            rc, out, raw = run(*quote_args(d, banks[0], nonce, "2001-01-01T00:00:00Z"))
            check(f"verify {name} at 2001", rc == 1 and out["error"]["reason"] == "TPM_AK_CERT_CHAIN_INVALID",
                  f"exit {rc} {raw}")
            # Roots that did not issue the chain.
            rc, out, raw = run(*quote_args(d, banks[0], nonce, at, roots=f"{d}/ak_cert.der"))
            check(f"verify {name} foreign roots", rc == 1 and out["error"]["reason"] == "TPM_AK_CERT_CHAIN_INVALID",
                  f"exit {rc} {raw}")
        # Without --nonce the quote must carry empty qualifying data.
        if nonce:
            rc, out, raw = run(*quote_args(d, banks[0], "", at))
            check(f"verify {name} no --nonce", rc == 1 and out["error"]["reason"] == "TPM_NONCE_MISMATCH",
                  f"exit {rc} {raw}")
    else:
        want = STAGE_REASON[e["failure_stage"]]
        reasons = [out and out.get("error", {}).get("reason") for _, rc, out, _ in results]
        failing = [r for r in reasons if r]
        check(f"verify {name}", failing and failing[0] == want and all(rc in (0, 1) for _, rc, _, _ in results),
              f"reasons {reasons}, expected {want}")

# Hostile inputs.
case = os.path.join(TPM, "go-tpm-tools-gce-cos85-nonce9009")
if os.path.isdir(case):
    with tempfile.TemporaryDirectory() as tmp:
        def write(n, data):
            p = os.path.join(tmp, n)
            open(p, "wb").write(data)
            return p
        quote = open(f"{case}/quote_sha256_attest.bin", "rb").read()
        sig = open(f"{case}/quote_sha256_sig.tpmt_signature.bin", "rb").read()
        base = ["verify", "--type", "tpm", "--ak", f"{case}/ak_pub.tpmt_public.bin", "--nonce", "9009"]

        def expect(name, code, reason, *args):
            b = base[:3] + base[5:] if "--ak" in args else base
            rc, out, raw = run(*b, *args)
            got = out and out.get("error", {}).get("reason")
            check(name, rc == code and (reason == "*" or got == reason), f"exit {rc} reason {got} {raw}")

        expect("truncated quote", 1, "TPM_ATTEST_MALFORMED", "--quote", write("q1", quote[:50]), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("oversized quote", 1, "TPM_ATTEST_MALFORMED", "--quote", write("q2", bytes(100000)), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("empty quote", 1, "TPM_ATTEST_MALFORMED", "--quote", write("q3", b""), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("trailing quote", 1, "TPM_ATTEST_MALFORMED", "--quote", write("q4", quote + b"\0"), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("wrong magic", 1, "TPM_ATTEST_NOT_QUOTE", "--quote", write("q5", b"\0" + quote[1:]), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("truncated sig", 1, "TPM_SIGNATURE_MALFORMED", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", write("s1", sig[:100]))
        expect("lying sig size", 1, "TPM_SIGNATURE_MALFORMED", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", write("s2", sig[:4] + b"\xff\xff" + sig[6:]))
        expect("raw rsassa with tpmt bytes", 1, "TPM_QUOTE_SIGNATURE_INVALID", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin", "--signature-format", "rsassa-sha256")
        expect("raw rsassa", 0, "*", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", write("s3", sig[6:]), "--signature-format", "rsassa-sha256")
        expect("garbage ak", 1, "TPM_AK_MALFORMED", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin", "--ak", write("a1", os.urandom(300)))
        expect("missing quote file", 2, "FILE_NOT_FOUND", "--quote", os.path.join(tmp, "nope"), "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin")
        expect("usage no signature", 2, "USAGE", "--quote", f"{case}/quote_sha256_attest.bin")
        expect("bad pcrs json", 2, "TPM_PCR_VALUES_MALFORMED", "--quote", f"{case}/quote_sha256_attest.bin", "--signature", f"{case}/quote_sha256_sig.tpmt_signature.bin", "--pcrs", write("p.json", b'{"bank":"md5","pcrs":{}}'))
        # Event logs: lying sizes, truncation, a million events.
        log = open(f"{case}/eventlog.bin", "rb").read()
        lying = bytearray(log)
        lying[28:32] = struct.pack("<I", 0xFFFFFFF0)
        for nm, data, reason in (("lying size", bytes(lying), "TPM_EVENTLOG_MALFORMED"),
                                 ("truncated", log[:len(log) // 2 + 3], "TPM_EVENTLOG_MALFORMED"),
                                 ("garbage", os.urandom(5000), "TPM_EVENTLOG_MALFORMED"),
                                 ("million events", struct.pack("<II20sI", 0, 1, bytes(20), 0) * 1_000_000, "TPM_EVENTLOG_TOO_LARGE")):
            rc, out, raw = run("eventlog", "--eventlog", write("log.bin", data))
            got = out and out.get("error", {}).get("reason")
            check(f"eventlog {nm}", rc == 1 and got == reason, f"exit {rc} reason {got} {raw}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""`attestctl verify --type sevsnp` over every snp/* and azure-cvm/aci-* vector case, at the
case's verification_time: positives verify with the expected report fields (raw report +
collateral directory, and the MAA report document), negatives fail with a reason of the
stage the case names. Hostile inputs give a clean JSON error. Exit 77 when vectors are absent.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snp_cases  # noqa: E402

ATTESTCTL = sys.argv[1]
VECTORS = os.environ.get("ATTESTD_VECTORS") or os.environ.get("ATTESTD_VECTORS_DEFAULT") or "../shared/vectors"
if not os.path.isdir(os.path.join(VECTORS, "snp")):
    print(f"SKIP: no snp vectors in '{VECTORS}' (set ATTESTD_VECTORS)")
    sys.exit(77)

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {detail}")


def verify(*args):
    p = subprocess.run([ATTESTCTL, "verify", "--type", "sevsnp", *args], capture_output=True, timeout=60)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    return p.returncode, out, p.stdout[:400]


with tempfile.TemporaryDirectory() as tmp:
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    all_cases = snp_cases.cases(VECTORS)
    check("vector cases found", len(all_cases) >= 16, f"{len(all_cases)} cases")
    for rel, d, case in all_cases:
        at = case["verification"]["verification_time"]
        extra = []
        if snp_cases.is_aci(d):
            extra = ["--runtime-data", os.path.join(d, "runtime_data.json"), "--runtime-data-json",
                     "--init-time-data", os.path.join(d, "uvm_security_policy.rego"),
                     "--uvm-endorsement", os.path.join(d, "uvm_reference_info.cose")]
        forms = {
            "raw+dir": ["--evidence", snp_cases.report_file(d), "--collateral", d],
            "maa-document": ["--evidence", write("doc.json", snp_cases.document(d, with_uvm=False))],
        }
        for form, args in forms.items():
            rc, out, raw = verify(*args, "--at", at, *extra)
            name = f"{rel} [{form}]"
            if case["expected"]["result"] == "pass":
                ok = rc == 0 and out and out.get("valid") is True
                check(name, ok, f"exit {rc}: {raw!r}")
                if ok:
                    bad = snp_cases.claim_mismatches(case, out["claims"])
                    check(name + " claims", not bad, "; ".join(bad))
                    if snp_cases.is_aci(d):
                        check(name + " uvm", out["claims"].get("x-attestd-uvm-endorsement") == "verified")
            else:
                want = snp_cases.STAGE_REASONS[case["expected"]["failure_stage"]]
                reason = ((out or {}).get("error") or {}).get("reason")
                check(name, rc == 1 and reason in want, f"exit {rc}, reason {reason!r}, want {want}")

    aci = os.path.join(VECTORS, "azure-cvm", "aci-confidential-container-snp")
    milan = os.path.join(VECTORS, "snp", "oak-milan-v3-containers-release")
    turin = os.path.join(VECTORS, "snp", "oak-turin-v5-containers")
    at = "2026-11-22T00:00:00Z"

    def expect(name, want_rc, want_reason, *args):
        rc, out, raw = verify(*args)
        reason = ((out or {}).get("error") or {}).get("reason")
        check(name, rc == want_rc and out is not None and out.get("valid") is False and reason == want_reason,
              f"exit {rc} (want {want_rc}), reason {reason!r} (want {want_reason}): {raw!r}")

    if os.path.isdir(aci):
        base = ["--evidence", os.path.join(aci, "snp_report.bin"), "--collateral", aci, "--at", at]
        expect("aci runtime-data mismatch", 1, "RUNTIME_DATA_MISMATCH", *base,
               "--runtime-data", write("rd.json", b'{"other":1}'), "--runtime-data-json")
        expect("aci host-data mismatch", 1, "INIT_TIME_DATA_MISMATCH", *base,
               "--init-time-data", write("policy.rego", b"package other"))
        cose = snp_cases.read(aci, "uvm_reference_info.cose")
        expect("uvm of another measurement", 1, "UVM_MEASUREMENT_MISMATCH",
               "--evidence", snp_cases.report_file(milan), "--collateral", milan, "--at", at,
               "--uvm-endorsement", os.path.join(aci, "uvm_reference_info.cose"))
        flipped = bytearray(cose)
        flipped[-10] ^= 1  # inside the signature
        expect("uvm signature corrupted", 1, "UVM_SIGNATURE_INVALID", *base,
               "--uvm-endorsement", write("bad.cose", bytes(flipped)))
        expect("uvm truncated", 1, "UVM_ENDORSEMENT_INVALID", *base,
               "--uvm-endorsement", write("short.cose", cose[:300]))
        expect("uvm garbage", 1, "UVM_ENDORSEMENT_INVALID", *base,
               "--uvm-endorsement", write("junk.cose", os.urandom(2000)))

    if os.path.isdir(milan):
        report = snp_cases.read(milan, "report.bin")
        mbase = ["--collateral", milan, "--at", at]
        expect("truncated report", 1, "SNP_REPORT_TRUNCATED", "--evidence", write("t.bin", report[:1000]), *mbase)
        expect("oversized report", 1, "SNP_REPORT_TOO_LARGE", "--evidence", write("o.bin", report + bytes(70000)), *mbase)
        expect("unknown version", 1, "SNP_REPORT_VERSION_UNSUPPORTED", "--evidence",
               write("v.bin", bytes([9]) + report[1:]), *mbase)
        expect("reserved byte set", 1, "SNP_REPORT_RESERVED_FIELD", "--evidence",
               write("r.bin", report[:0x4C] + b"\x01" + report[0x4D:]), *mbase)
        expect("no chain anywhere", 1, "SNP_CERT_CHAIN_MISSING", "--evidence", snp_cases.report_file(milan),
               "--collateral", tmp, "--at", at)
        expect("bad document json", 1, "SNP_DOCUMENT_INVALID", "--evidence", write("bad.json", b'{"SnpReport": '), *mbase)
        expect("bad document base64", 1, "SNP_DOCUMENT_INVALID", "--evidence", write("bad64.json", b'{"SnpReport": "***"}'), *mbase)
        if os.path.isdir(turin):
            # A Milan report presented with the Turin chain only.
            tdoc = json.dumps({"SnpReport": snp_cases.b64url(report),
                               "VcekCertChain": snp_cases.b64url(snp_cases.chain_pem(turin))}).encode()
            expect("chain of another product", 1, "SNP_CHAIN_PRODUCT_MISMATCH", "--evidence", write("tdoc.json", tdoc), "--at", at)
        expect("bad time", 2, "INVALID_TIME", "--evidence", snp_cases.report_file(milan), *mbase[:2], "--at", "soon")

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)

#!/usr/bin/env python3
"""`attestctl verify --type azure-cvm` over every azure-cvm/* case with an HCL report (the ACI
cases belong to snp_verify_test.py), at the case's verification_time, files as the vectors lay
them out. Positives verify with the expected values (HCL header, variable data, SNP fields,
vTPM quote); negatives fail with a reason of the stage the case names and a verdict in which
exactly that check fails. The TDX case has no Intel collateral: its HCL, binding and vTPM
checks pass and the TD quote is reported as not verifiable, never as a pass. Then variants:
without --quote only the HCL part is checked; a TPMT_SIGNATURE is recognised; a wrong nonce,
a flipped signature bit, a truncated HCL report and usage errors give clean answers.
Exit 77 when vectors are absent.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azure_cvm_cases as cvm  # noqa: E402

ATTESTCTL = sys.argv[1]
VECTORS = os.environ.get("ATTESTD_VECTORS") or os.environ.get("ATTESTD_VECTORS_DEFAULT") or "../shared/vectors"
if not os.path.isdir(os.path.join(VECTORS, "azure-cvm")):
    print(f"SKIP: no azure-cvm vectors in '{VECTORS}' (set ATTESTD_VECTORS)")
    sys.exit(77)

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {detail}")


def verify(args):
    p = subprocess.run([ATTESTCTL, "verify", *args], capture_output=True, timeout=120)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    return p.returncode, out, p.stdout[:600] + p.stderr[:300]


def replace_arg(args, flag, value):
    out = list(args)
    out[out.index(flag) + 1] = value
    return out


def drop_args(args, *flags):
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in flags:
            skip = True
            continue
        out.append(a)
    return out


def check_positive(rel, d, case, out):
    exp = case["expected"]["values"]
    claims = out["claims"]
    verdict = out["verdict"]
    checks = verdict["checks"]
    for name in ("hcl_report", "isolation_evidence", "variable_data_binding", "variable_data",
                 "vtpm_quote", "ak_trust"):
        check(f"{rel} check {name}", checks.get(name) == "pass", checks.get(name))
    hdr = exp["hcl_header"]
    check(rel + " hcl header", verdict["hcl"]["version"] == hdr["version"]
          and verdict["hcl"]["report_size"] == hdr["report_size"]
          and verdict["hcl"]["variable_data_size"] == hdr["variable_data_size"]
          and verdict["hcl"]["request_type"] == hdr["request_type"], verdict["hcl"])
    check(rel + " scope", verdict["scope"] == "hcl-report-and-vtpm-quote", verdict["scope"])
    check(rel + " ak trust", verdict["ak_trust"]["mode"] == "hcl-binding", verdict["ak_trust"])
    tee = claims["x-ms-isolation-tee"]
    check(rel + " tee runtime = variable data", tee["x-ms-runtime"] == exp["variable_data"])
    check(rel + " compliance", tee.get("x-ms-compliance-status") == "azure-compliant-cvm", tee.get("x-ms-compliance-status"))
    snp = exp["snp_report"]
    want = {
        "x-ms-attestation-type": "sevsnpvm",
        "x-ms-sevsnpvm-launchmeasurement": snp["measurement"],
        "x-ms-sevsnpvm-reportdata": snp["report_data"],
        "x-ms-sevsnpvm-idkeydigest": snp["id_key_digest"],
        "x-ms-sevsnpvm-familyId": snp["family_id"],
        "x-ms-sevsnpvm-imageId": snp["image_id"],
        "x-ms-sevsnpvm-guestsvn": snp["guest_svn"],
        "x-ms-sevsnpvm-vmpl": 0,
        "x-ms-sevsnpvm-is-debuggable": False,
        "x-ms-sevsnpvm-bootloader-svn": snp["reported_tcb"]["bootloader"],
        "x-ms-sevsnpvm-microcode-svn": snp["reported_tcb"]["microcode"],
        "x-ms-sevsnpvm-snpfw-svn": snp["reported_tcb"]["snp"],
        "x-ms-sevsnpvm-tee-svn": snp["reported_tcb"]["tee"],
    }
    for k, v in want.items():
        check(f"{rel} {k}", tee.get(k) == v, f"{tee.get(k)!r} != {v!r}")
    check(rel + " variable data sha256 in report data",
          tee["x-ms-sevsnpvm-reportdata"].startswith(exp["variable_data_sha256"]))
    q = exp["tpm_quote"]
    check(rel + " quote nonce", claims.get("x-ms-tpm-quote-nonce") == q["extra_data"])
    pcrs = {p["Index"]: p["Digests"]["SHA256"] for p in claims["pcrs"]["PCRs"]}
    import base64
    for idx, hexval in exp["pcrs_sha256"].items():
        got = base64.urlsafe_b64decode(pcrs[int(idx)] + "==").hex()
        check(f"{rel} pcr{idx}", got == hexval, got)
    check(rel + " vmid", claims.get("x-ms-azurevm-vmid") == exp["variable_data"]["vm-configuration"]["vmUniqueId"])
    check(rel + " aikValidated false (no AK certificate)", claims.get("aikValidated") is False)
    if "var_data_user_data_starts_with_nonce" in case["expected"]["checks"]:
        check(rel + " user-data starts with nonce", verdict.get("user_data_starts_with_nonce") is True,
              verdict.get("user_data_starts_with_nonce"))


with tempfile.TemporaryDirectory() as tmp:
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    all_cases = cvm.cases(VECTORS)
    check("vector cases found", len(all_cases) >= 8, f"{len(all_cases)} cases")
    for rel, d, case in all_cases:
        args = cvm.verify_args(d, case)
        rc, out, raw = verify(args)
        exp = case["expected"]
        if cvm.is_tdx(d):
            # No Intel collateral in the vector: HCL, binding and vTPM pass; the TD quote is
            # reported as unverifiable (missing collateral), and the whole is not valid.
            ok = rc == 1 and out is not None and out["valid"] is False
            check(rel + " not a pass without Intel collateral", ok, f"exit {rc}: {raw!r}")
            if not ok:
                continue
            checks = out["verdict"]["checks"]
            for name in ("hcl_report", "variable_data_binding", "td_quote_matches_tdreport",
                         "variable_data", "vtpm_quote", "ak_trust"):
                check(f"{rel} check {name}", checks.get(name) == "pass", checks.get(name))
            iso = checks.get("isolation_evidence", {})
            reason = out["error"]["reason"]
            check(rel + " missing collateral reported as such",
                  isinstance(iso, dict) and iso.get("result") == "fail"
                  and reason in ("COLLATERAL_MISSING", "SNP_CERT_CHAIN_MISSING")
                  and iso.get("reason") == reason, f"{reason}: {iso}")
            check(rel + " hcl header v2 tdx", out["verdict"]["hcl"]["version"] == 2
                  and out["verdict"]["hcl"]["report_type"] == "tdx", out["verdict"]["hcl"])
            # The TD quote of another TD (its report data changed) is refused before DCAP.
            quote = bytearray(cvm.read(d, "td_quote.bin"))
            quote[48 + 520] ^= 1  # TD report body starts after the 48-byte header; REPORTDATA at 520
            rc2, out2, raw2 = verify(replace_arg(args, "--td-quote", write("tdq.bin", bytes(quote))))
            c2 = (out2 or {}).get("verdict", {}).get("checks", {}).get("td_quote_matches_tdreport", {})
            check(rel + " td quote of another TD", rc2 == 1 and isinstance(c2, dict)
                  and c2.get("reason") == "HCL_TD_QUOTE_MISMATCH", f"exit {rc2}: {raw2!r}")
            # A TDX HCL report without its TD quote cannot be verified.
            rc3, out3, raw3 = verify(drop_args(args, "--td-quote"))
            check(rel + " no td quote", rc3 == 1 and out3["error"]["reason"] == "HCL_REPORT_UNSUPPORTED", raw3)
            continue
        if exp["result"] == "pass":
            ok = rc == 0 and out is not None and out.get("valid") is True
            check(rel, ok, f"exit {rc}: {raw!r}")
            if ok:
                check_positive(rel, d, case, out)
        else:
            reasons, failing_check = cvm.STAGE_REASONS[exp["failure_stage"]]
            reason = ((out or {}).get("error") or {}).get("reason")
            check(rel, rc == 1 and reason in reasons, f"exit {rc}, reason {reason!r}, want {reasons}")
            if out:
                checks = out["verdict"]["checks"]
                failing = [k for k, v in checks.items() if isinstance(v, dict) and v["result"] == "fail"]
                check(rel + " failing check", failing == [failing_check], failing)
                if exp["failure_stage"] == "endorsement_key_binding":
                    # Binding OK, VCEK genuine, signature/chip binding fails; no quote: HCL only.
                    check(rel + " binding holds", checks.get("variable_data_binding") == "pass")
                    check(rel + " hcl only", out["verdict"]["scope"] == "hcl-report-only")
                if exp["failure_stage"] == "hcl_runtime_data_binding":
                    # The AK is untouched, so the vTPM quote still verifies.
                    check(rel + " quote still verifies", checks.get("vtpm_quote") == "pass")

    milan = os.path.join(VECTORS, "azure-cvm", "trustee-az-snp-vtpm-milan-hcl")
    if os.path.isdir(milan):
        case = json.load(open(os.path.join(milan, "case.json")))
        args = cvm.verify_args(milan, case)
        # Without --quote only the HCL part is checked, and the verdict says so.
        rc, out, raw = verify(drop_args(args, "--quote", "--signature", "--signature-format",
                                        "--pcrs", "--nonce"))
        check("hcl only: valid", rc == 0 and out["valid"] is True, raw)
        if out and out.get("valid"):
            check("hcl only: scope", out["verdict"]["scope"] == "hcl-report-only")
            check("hcl only: quote not checked",
                  out["verdict"]["checks"]["vtpm_quote"]["result"] == "not-checked")
            check("hcl only: no pcrs claim", "pcrs" not in out["claims"])
        # The signature form is recognised without --signature-format.
        rc, out, raw = verify(drop_args(args, "--signature-format"))
        check("raw signature recognised", rc == 0, raw)
        sig = cvm.read(milan, "tpm_quote_sig.rsassa_sha256.bin")
        tpmt = bytes.fromhex("0014000b0100") + sig
        rc, out, raw = verify(drop_args(replace_arg(args, "--signature", write("sig.tpmt", tpmt)),
                                        "--signature-format"))
        check("TPMT_SIGNATURE recognised", rc == 0, raw)
        rc, out, raw = verify(replace_arg(replace_arg(args, "--signature", write("sig2.tpmt", tpmt)),
                                          "--signature-format", "tpmt"))
        check("TPMT_SIGNATURE with --signature-format tpmt", rc == 0, raw)
        bad = bytearray(sig)
        bad[100] ^= 1
        rc, out, raw = verify(replace_arg(args, "--signature", write("bad.sig", bytes(bad))))
        check("flipped signature bit", rc == 1 and out["error"]["reason"] == "TPM_QUOTE_SIGNATURE_INVALID", raw)
        rc, out, raw = verify(replace_arg(args, "--nonce", "00"))
        check("other nonce", rc == 1 and out["error"]["reason"] == "TPM_NONCE_MISMATCH", raw)
        hcl = cvm.read(milan, "hcl_report.bin")
        rc, out, raw = verify(replace_arg(args, "--hcl-report", write("short.bin", hcl[:0x4D0])))
        check("truncated hcl report", rc == 1 and out["error"]["reason"] == "HCL_REPORT_MALFORMED"
              and out["verdict"]["checks"]["vtpm_quote"]["result"] == "not-checked", raw)
        vmpl = bytearray(hcl)
        vmpl[0x20 + 0x30] = 1  # VMPL: the signature breaks too, and is reported first
        rc, out, raw = verify(replace_arg(args, "--hcl-report", write("vmpl.bin", bytes(vmpl))))
        check("altered report", rc == 1 and out["error"]["reason"].startswith("SNP_"), raw)
        rc, out, raw = verify(replace_arg(args, "--hcl-report", write("garbage.bin", os.urandom(3000))))
        check("garbage hcl", rc == 1 and out["error"]["reason"] == "HCL_REPORT_MALFORMED", raw)
        # An AK certificate for another key contradicts the HCL.
        other = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                os.path.join(tmp, "k.pem"), "-subj", "/CN=not-the-ak", "-days", "1",
                                "-out", os.path.join(tmp, "c.pem")], capture_output=True)
        if other.returncode == 0:
            rc, out, raw = verify(args + ["--ak-cert", os.path.join(tmp, "c.pem")])
            check("ak certificate of another key", rc == 1 and out["error"]["reason"] == "HCL_AK_MISMATCH", raw)
        # Usage errors.
        rc, out, raw = verify(["--type", "azure-cvm"])
        check("usage: no --hcl-report", rc == 2, raw)
        rc, out, raw = verify(drop_args(args, "--pcrs"))
        check("usage: --quote without --pcrs", rc == 2, raw)
        rc, out, raw = verify(replace_arg(args, "--signature-format", "pkcs7"))
        check("usage: unknown signature format", rc == 2, raw)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

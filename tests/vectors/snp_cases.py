"""The SEV-SNP and ACI vector cases as both snp_verify_test.py (attestctl) and
tests/e2e/snp_e2e_test.py (HTTPS) use them: where the files are, the MAA request for a case,
and what the claims of a passing case must be.

A negative case names the stage it fails at (`expected.failure_stage`); the reasons attestd
gives for each stage are below (docs/errors.md).
"""
import base64
import json
import os
import subprocess

STAGE_REASONS = {
    "report_signature": {"SNP_SIGNATURE_INVALID"},
    "endorsement_key_binding": {"SNP_TCB_MISMATCH", "SNP_CHIP_ID_MISMATCH"},
    "endorsement_key_binding/report_signature": {"SNP_TCB_MISMATCH", "SNP_CHIP_ID_MISMATCH",
                                                 "SNP_SIGNATURE_INVALID"},
    "endorsement_key_chain": {"SNP_CHAIN_PRODUCT_MISMATCH", "SNP_CHAIN_INVALID",
                              "SNP_ARK_NOT_PINNED"},
    "endorsement_key_chain (validity period)": {"SNP_CERT_EXPIRED"},
    "init_data_binding": {"INIT_TIME_DATA_MISMATCH"},
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cases(vectors):
    """(rel, case_dir, case) for every snp/* and azure-cvm/*aci* case."""
    out = []
    for tee, keep in (("snp", lambda n: True), ("azure-cvm", lambda n: "aci" in n)):
        root = os.path.join(vectors, tee)
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            d = os.path.join(root, name)
            if keep(name) and os.path.isfile(os.path.join(d, "case.json")):
                with open(os.path.join(d, "case.json")) as f:
                    out.append((f"{tee}/{name}", d, json.load(f)))
    return out


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def report_file(d):
    return os.path.join(d, "report.bin" if os.path.exists(os.path.join(d, "report.bin"))
                        else "snp_report.bin")


def chain_pem(d):
    """PEM endorsement key ‖ intermediate ‖ ARK, as MAA clients send VcekCertChain."""
    if os.path.exists(os.path.join(d, "vcek_chain.pem")):
        return read(d, "vcek_chain.pem")
    pem = b""
    for ek in ("vcek.der", "vlek.der"):
        if os.path.exists(os.path.join(d, ek)):
            pem += subprocess.run(["openssl", "x509", "-inform", "DER", "-in", os.path.join(d, ek)],
                                  capture_output=True, check=True).stdout
    for name in ("ask.pem", "asvk.pem", "ark.pem"):
        if os.path.exists(os.path.join(d, name)):
            pem += read(d, name)
    return pem


def is_aci(d):
    return os.path.exists(os.path.join(d, "uvm_reference_info.cose"))


def document(d, with_uvm=True):
    doc = {"SnpReport": b64url(read(d, os.path.basename(report_file(d)))),
           "VcekCertChain": b64url(chain_pem(d))}
    if with_uvm and is_aci(d):
        doc["Endorsements"] = b64url(json.dumps({"Uvm": [b64url(read(d, "uvm_reference_info.cose"))]}).encode())
    return json.dumps(doc).encode()


def maa_request(d):
    """The MAA SevSnpVm body of a case (azure-cvm.md §10.4 for ACI)."""
    body = {"report": b64url(document(d))}
    if is_aci(d):
        body["runtimeData"] = {"data": b64url(read(d, "runtime_data.json")), "dataType": "JSON"}
        body["initTimeData"] = {"data": b64url(read(d, "uvm_security_policy.rego")),
                                "dataType": "Binary"}
    return body


def claim_mismatches(case, claims):
    """Differences between a passing case's expected report fields and the token claims."""
    r = case["expected"]["report"]
    tcb = r["reported_tcb"]
    want = {
        "x-ms-attestation-type": "sevsnpvm",
        "x-ms-sevsnpvm-launchmeasurement": r["measurement"],
        "x-ms-sevsnpvm-reportdata": r["report_data"],
        "x-ms-sevsnpvm-hostdata": r["host_data"],
        "x-ms-sevsnpvm-idkeydigest": r["id_key_digest"],
        "x-ms-sevsnpvm-authorkeydigest": r["author_key_digest"],
        "x-ms-sevsnpvm-reportid": r["report_id"],
        "x-ms-sevsnpvm-familyId": r["family_id"],
        "x-ms-sevsnpvm-imageId": r["image_id"],
        "x-ms-sevsnpvm-vmpl": r["vmpl"],
        "x-ms-sevsnpvm-guestsvn": r["guest_svn"],
        "x-ms-sevsnpvm-bootloader-svn": tcb["bootloader"],
        "x-ms-sevsnpvm-tee-svn": tcb["tee"],
        "x-ms-sevsnpvm-snpfw-svn": tcb["snp"],
        "x-ms-sevsnpvm-microcode-svn": tcb["microcode"],
        "x-ms-sevsnpvm-is-debuggable": bool(r["policy_decoded"]["debug"]),
        "x-ms-sevsnpvm-migration-allowed": bool(r["policy_decoded"]["migrate_ma"]),
        "x-ms-sevsnpvm-smt-allowed": bool(r["policy_decoded"]["smt"]),
    }
    bad = [f"{k}: {claims.get(k)!r} != {v!r}" for k, v in want.items() if claims.get(k) != v]
    verdict = claims.get("x-attestd-sevsnp", {})
    product = case["verification"].get("product", "Milan")
    if verdict.get("product") != product:
        bad.append(f"product {verdict.get('product')!r} != {product!r}")
    if verdict.get("signing_key") != r["signing_key"]:
        bad.append(f"signing_key {verdict.get('signing_key')!r} != {r['signing_key']!r}")
    if verdict.get("chip_id") != r["chip_id"]:
        bad.append("chip_id")
    if "fmc" in tcb and verdict.get("reported_tcb", {}).get("fmc") != tcb["fmc"]:
        bad.append("fmc")
    if verdict.get("revocation_checked") is not False:
        bad.append("revocation_checked must be false (no CRL in the vectors)")
    return bad

"""The Azure CVM (HCL report + vTPM) vector cases, as azure_cvm_verify_test.py (attestctl) and
tests/e2e/cvm_e2e_test.py (HTTPS) use them: every azure-cvm/* case except the ACI ones (which
belong to the SNP tests) and the reference token (claim-name material, no evidence).

A negative case names the stage it fails at (`expected.failure_stage`); the reasons attestd
gives for each stage are below (docs/errors.md), with the check of the verdict that must fail.
"""
import base64
import json
import os
import subprocess

STAGE_REASONS = {
    # stage: (reasons, the verdict check that fails)
    "endorsement_key_binding": ({"SNP_TCB_MISMATCH", "SNP_CHIP_ID_MISMATCH"}, "isolation_evidence"),
    "hcl_runtime_data_binding": ({"HCL_VARIABLE_DATA_MISMATCH"}, "variable_data_binding"),
    "freshness": ({"TPM_NONCE_MISMATCH"}, "vtpm_quote"),
    "pcr_digest": ({"TPM_PCR_DIGEST_MISMATCH"}, "vtpm_quote"),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cases(vectors):
    """(rel, case_dir, case) for every azure-cvm case with an HCL report (not aci-*)."""
    out = []
    root = os.path.join(vectors, "azure-cvm")
    if not os.path.isdir(root):
        return out
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if "aci" in name or not os.path.isfile(os.path.join(d, "hcl_report.bin")):
            continue
        with open(os.path.join(d, "case.json")) as f:
            out.append((f"azure-cvm/{name}", d, json.load(f)))
    return out


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def has(d, name):
    return os.path.exists(os.path.join(d, name))


def is_tdx(d):
    return has(d, "td_quote.bin")


def verify_args(d, case):
    """attestctl verify arguments for a case, files as the vector lays them out."""
    args = ["--type", "azure-cvm", "--hcl-report", os.path.join(d, "hcl_report.bin"),
            "--collateral", d]
    if is_tdx(d):
        args += ["--td-quote", os.path.join(d, "td_quote.bin")]
    if has(d, "tpm_quote_attest.bin"):
        args += ["--quote", os.path.join(d, "tpm_quote_attest.bin"),
                 "--signature", os.path.join(d, "tpm_quote_sig.rsassa_sha256.bin"),
                 "--signature-format", "rsassa-sha256",
                 "--pcrs", os.path.join(d, "pcrs_sha256.json")]
        nonce = case.get("verification", {}).get("nonce_hex")
        if nonce:
            args += ["--nonce", nonce]
    at = case.get("verification", {}).get("verification_time")
    if at:
        args += ["--at", at]
    return args


def snp_report(d):
    """The SNP report cut out of the HCL report (hcl[0x20:0x4C0]), as cvm-attestation-tools does."""
    return read(d, "hcl_report.bin")[0x20:0x4C0]


def variable_data(d):
    """The variable data cut out of the HCL report (hcl[0x4D4 : 0x4D4 + size])."""
    hcl = read(d, "hcl_report.bin")
    size = int.from_bytes(hcl[0x4D0:0x4D4], "little")
    return hcl[0x4D4:0x4D4 + size]


def chain_pem(d):
    """PEM VCEK ‖ ASK ‖ ARK as the client sends VcekCertChain (from THIM)."""
    if has(d, "vcek_chain.pem"):
        return read(d, "vcek_chain.pem")
    pem = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", os.path.join(d, "vcek.der")],
                         capture_output=True, check=True).stdout
    return pem + read(d, "ask_ark.pem")


def sevsnpvm_request(d):
    """The CVM-shape SevSnpVm request of maa-real-clients.md §2."""
    doc = {"SnpReport": b64url(snp_report(d)), "VcekCertChain": b64url(chain_pem(d))}
    return {"report": b64url(json.dumps(doc).encode()),
            "runtimeData": {"data": b64url(variable_data(d)), "dataType": "JSON"}}

#!/usr/bin/python3
"""End-to-end Azure CVM platform attestation over HTTPS (issue 11 item 2).

Every SEV-SNP azure-cvm/* HCL-report case is posted to /attest/SevSnpVm exactly as Microsoft's
cvm-attestation-tools does (maa-real-clients.md §2): report = b64url(JSON {SnpReport: the
report cut out of the HCL report, VcekCertChain: PEM VCEK‖ASK‖ARK}), runtimeData = {the HCL
variable data, dataType JSON}, at each api-version that client family sends. Tokens are
verified with PyJWT against /certs and must carry what the client reads: x-ms-attestation-type,
x-ms-compliance-status "azure-compliant-cvm", the SVN claims, x-ms-runtime (= the variable
data, with user-data and vm-configuration). The same report with Binary runtime data is not
an Azure CVM's platform evidence (no compliance claim); tampered variable data and a VCEK of
another chip are refused with the stage's reason. The TDX case goes to /attest/TdxVm at its
api-versions: without Intel collateral it must not be a pass. Exit codes: 0 pass, 1 fail,
77 skipped.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "vectors"))
import attestd_e2e_test as e2e  # noqa: E402  (Server, PKI, PyJWT checks; exits 77 without PyJWT)
import azure_cvm_cases as cvm  # noqa: E402

check = e2e.check
SNP_VERSIONS = ("2022-08-01", "2020-10-01")
TDX_VERSIONS = ("2023-04-01-preview", "2025-06-01")
AT = "2026-11-22T00:00:00Z"
# What a platform attestation through SevSnpVm can check: the vTPM is not part of it, so the
# vTPM-quote negatives are valid platform evidence.
SNP_REFUSED = {
    "neg-hcl-report-unrelated-vcek": {"SNP_TCB_MISMATCH", "SNP_CHIP_ID_MISMATCH"},
    "neg-hcl-var-data-tampered": {"RUNTIME_DATA_MISMATCH"},
}


def snp_cases(server, all_cases):
    for rel, d, case in all_cases:
        if cvm.is_tdx(d):
            continue
        name = os.path.basename(d)
        body = cvm.sevsnpvm_request(d)
        body["nonce"] = "cvm-" + name
        variable_data = json.loads(cvm.variable_data(d))
        for version in SNP_VERSIONS:
            what = f"{rel} @{version}"
            status, headers, data = e2e.attest(server, "SevSnpVm", body, api_version=version)
            if name in SNP_REFUSED:
                e2e.expect_error(server, what, status, data, headers, 400)
                reason = json.loads(data).get("error", {}).get("reason") if data else None
                check(reason in SNP_REFUSED[name], f"{what}: reason {reason} in {sorted(SNP_REFUSED[name])}")
                continue
            if not check(status == 200, f"{what}: 200 (got {status}: {data[:300]!r})"):
                continue
            _, claims = e2e.verify_token(server, json.loads(data)["token"], what)
            check(claims.get("x-ms-attestation-type") == "sevsnpvm", f"{what}: sevsnpvm")
            check(claims.get("x-ms-compliance-status") == "azure-compliant-cvm",
                  f"{what}: x-ms-compliance-status azure-compliant-cvm (got {claims.get('x-ms-compliance-status')})")
            check(claims.get("x-ms-runtime") == variable_data, f"{what}: x-ms-runtime is the variable data")
            check(claims.get("nonce") == "cvm-" + name, f"{what}: nonce")
            snp = case["expected"].get("values", {}).get("snp_report")
            if snp:
                want = {"x-ms-sevsnpvm-bootloader-svn": snp["reported_tcb"]["bootloader"],
                        "x-ms-sevsnpvm-microcode-svn": snp["reported_tcb"]["microcode"],
                        "x-ms-sevsnpvm-snpfw-svn": snp["reported_tcb"]["snp"],
                        "x-ms-sevsnpvm-tee-svn": snp["reported_tcb"]["tee"],
                        "x-ms-sevsnpvm-guestsvn": snp["guest_svn"],
                        "x-ms-sevsnpvm-reportdata": snp["report_data"],
                        "x-ms-sevsnpvm-vmpl": 0}
                bad = {k: claims.get(k) for k, v in want.items() if claims.get(k) != v}
                check(not bad, f"{what}: SVN and report claims {bad}")
            user_data = variable_data.get("user-data")
            if user_data is not None:
                check(claims["x-ms-runtime"].get("user-data") == user_data, f"{what}: x-ms-runtime.user-data")
            check(claims["x-ms-runtime"].get("vm-configuration") == variable_data["vm-configuration"],
                  f"{what}: x-ms-runtime.vm-configuration")
        if name == "trustee-az-snp-vtpm-milan-hcl":
            # The same report with its runtime data as Binary: bound, but not an Azure CVM's
            # platform evidence in MAA's shape, so no compliance claim.
            binary = dict(body, runtimeData={"data": body["runtimeData"]["data"], "dataType": "Binary"})
            status, _, data = e2e.attest(server, "SevSnpVm", binary)
            if check(status == 200, f"{rel} Binary runtime data: 200 (got {status})"):
                _, claims = e2e.verify_token(server, json.loads(data)["token"], rel + " binary")
                check("x-ms-compliance-status" not in claims, f"{rel} Binary runtime data: no compliance status")
            # An unknown api-version is still refused.
            status, headers, data = e2e.attest(server, "SevSnpVm", body, api_version="2019-01-01")
            e2e.expect_error(server, f"{rel} unknown api-version", status, data, headers, 400)


def tdx_cases(server, all_cases):
    for rel, d, case in all_cases:
        if not cvm.is_tdx(d):
            continue
        body = {"quote": cvm.b64url(cvm.read(d, "td_quote.bin")),
                "runtimeData": {"data": cvm.b64url(cvm.variable_data(d)), "dataType": "JSON"}}
        for version in TDX_VERSIONS:
            what = f"{rel} TdxVm @{version}"
            status, headers, data = e2e.attest(server, "TdxVm", body, api_version=version)
            # No Intel collateral anywhere: never a pass; the answer names the missing collateral.
            check(status != 200, f"{what}: not a pass without Intel collateral (got {status})")
            try:
                err = json.loads(data)["error"]
            except (ValueError, KeyError, TypeError):
                err = {}
            check("COLLATERAL" in str(err.get("reason", "")) or "collateral" in str(err.get("message", "")).lower(),
                  f"{what}: the error names the missing collateral ({status}: {data[:200]!r})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", default="")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS") or args.vectors_default
    all_cases = cvm.cases(vectors) if vectors else []
    if not all_cases:
        print(f"SKIP: no azure-cvm vectors under '{vectors}'; set ATTESTD_VECTORS")
        return e2e.SKIP
    tmp = tempfile.mkdtemp(prefix="attestd-cvm-e2e-")
    try:
        pki = e2e.make_test_pki(tmp)
        empty = os.path.join(tmp, "empty-collateral")
        os.makedirs(empty)
        server = e2e.Server(args.attestd, pki, os.path.join(tmp, "data"), empty,
                            {"verification_time": AT}, os.path.join(tmp, "attestd.log"))
        try:
            snp_cases(server, all_cases)
            tdx_cases(server, all_cases)
            status, _, _ = server.request("GET", "/ready")
            check(status == 200, "server still serving")
        finally:
            check(server.stop() == 0, "attestd exits 0 on SIGTERM")
    finally:
        if e2e.FAILURES:
            with open(os.path.join(tmp, "attestd.log"), errors="replace") as f:
                print("--- attestd.log ---\n" + "".join(f.readlines()[-20:]))
        shutil.rmtree(tmp, ignore_errors=True)
    if e2e.FAILURES:
        print(f"FAILED: {len(e2e.FAILURES)} check(s)")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

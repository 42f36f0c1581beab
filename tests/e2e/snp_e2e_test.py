#!/usr/bin/python3
"""End-to-end SEV-SNP test of attestd over HTTPS (issue 13).

Every snp/* and azure-cvm/aci-* vector case is posted to /attest/SevSnpVm in MAA's request
shape (report = base64url(JSON {SnpReport, VcekCertChain, Endorsements?}); ACI adds JSON
runtimeData and Binary initTimeData), with the server judging certificates at the case's
verification_time (--collateral-time). Passing cases must yield a token that PyJWT verifies
against /certs and whose claims are the case's report fields; failing cases a 400 with the
MAA error envelope and a reason of the stage the case names. Then bad requests (malformed
document, bad base64url, chain of another product, oversize) get 4xx and the server keeps
serving. Exit codes: 0 pass, 1 fail, 77 skipped.
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
import snp_cases  # noqa: E402

check = e2e.check
API_VERSIONS = ("2022-08-01", "2025-06-01", "2020-10-01")


def run_group(binary, pki, tmp, at, group):
    empty = os.path.join(tmp, "empty-collateral")
    os.makedirs(empty, exist_ok=True)
    server = e2e.Server(binary, pki, os.path.join(tmp, f"data-{at[:10]}"), empty,
                        {"verification_time": at}, os.path.join(tmp, f"attestd-{at[:10]}.log"))
    try:
        for rel, d, case in group:
            body = snp_cases.maa_request(d)
            body["nonce"] = "snp-" + rel
            versions = API_VERSIONS if rel.endswith("oak-milan-v3-containers-release") else API_VERSIONS[:1]
            for version in versions:
                status, headers, data = e2e.attest(server, "SevSnpVm", body, api_version=version)
                what = f"{rel} @{version}"
                if case["expected"]["result"] == "pass":
                    if not check(status == 200, f"{what}: 200 (got {status}: {data[:300]!r})"):
                        continue
                    _, claims = e2e.verify_token(server, json.loads(data)["token"], what)
                    bad = snp_cases.claim_mismatches(case, claims)
                    check(not bad, f"{what}: claims are the report fields {bad}")
                    check(claims.get("nonce") == "snp-" + rel, f"{what}: nonce")
                    check(claims.get("x-attestd-collateral-time") == at, f"{what}: collateral time")
                    if snp_cases.is_aci(d):
                        runtime = json.loads(snp_cases.read(d, "runtime_data.json"))
                        check(claims.get("x-ms-runtime") == runtime, f"{what}: x-ms-runtime is the JSON runtime data")
                        check(claims.get("x-ms-compliance-status") == "azure-compliant-uvm",
                              f"{what}: x-ms-compliance-status azure-compliant-uvm")
                    else:
                        check("x-ms-compliance-status" not in claims, f"{what}: no compliance status without a UVM")
                else:
                    want = snp_cases.STAGE_REASONS[case["expected"]["failure_stage"]]
                    e2e.expect_error(server, what, status, data, headers, 400)
                    reason = json.loads(data).get("error", {}).get("reason") if data else None
                    check(reason in want, f"{what}: reason {reason} in {sorted(want)}")
        return server
    except Exception:
        server.stop()
        raise


def bad_requests(server, vectors):
    milan = os.path.join(vectors, "snp", "oak-milan-v3-containers-release")
    turin = os.path.join(vectors, "snp", "oak-turin-v5-containers")
    aci = os.path.join(vectors, "azure-cvm", "aci-confidential-container-snp")
    report = snp_cases.read(milan, "report.bin")

    def post(what, body, want_reason=None, want_status=400):
        status, headers, data = e2e.attest(server, "SevSnpVm", body)
        e2e.expect_error(server, what, status, data, headers, want_status, want_reason)

    post("malformed document", {"report": snp_cases.b64url(b'{"SnpReport": [')}, "SNP_DOCUMENT_INVALID")
    post("bad base64url report", {"report": "!!not-base64!!"})
    post("bad base64url SnpReport", {"report": snp_cases.b64url(b'{"SnpReport": "%%%"}')}, "SNP_DOCUMENT_INVALID")
    post("truncated report", {"report": snp_cases.b64url(json.dumps({
        "SnpReport": snp_cases.b64url(report[:500]),
        "VcekCertChain": snp_cases.b64url(snp_cases.chain_pem(milan))}).encode())}, "SNP_REPORT_TRUNCATED")
    post("chain of another product", {"report": snp_cases.b64url(json.dumps({
        "SnpReport": snp_cases.b64url(report),
        "VcekCertChain": snp_cases.b64url(snp_cases.chain_pem(turin))}).encode())}, "SNP_CHAIN_PRODUCT_MISMATCH")
    post("no chain", {"report": snp_cases.b64url(json.dumps({"SnpReport": snp_cases.b64url(report)}).encode())},
         "SNP_CERT_CHAIN_MISSING")
    post("runtime data mismatch", dict(snp_cases.maa_request(milan),
                                       runtimeData={"data": snp_cases.b64url(b"other"), "dataType": "Binary"}),
         "RUNTIME_DATA_MISMATCH")
    if os.path.isdir(aci):
        body = snp_cases.maa_request(aci)
        body["initTimeData"] = {"data": snp_cases.b64url(b"package other"), "dataType": "Binary"}
        post("ACI host data mismatch", body, "INIT_TIME_DATA_MISMATCH")
    status, headers, data = e2e.attest(server, "SevSnpVm", {"report": "A" * (3 << 20)})
    check(400 <= status < 500, f"oversize request: 4xx (got {status})")
    status, _, _ = server.request("GET", "/ready")
    check(status == 200, "server still serving after bad requests")
    status, _, data = e2e.attest(server, "SevSnpVm", snp_cases.maa_request(milan))
    check(status == 200, f"a good request still verifies after bad ones (got {status})")


def attestctl_attest(attestctl, server, pki, vectors, tmp):
    """attestctl attest --type SevSnpVm: a raw report with --cert-chain, and the ACI document
    with JSON runtime data and init-time data; tokens checked with PyJWT."""
    import subprocess
    milan = os.path.join(vectors, "snp", "oak-milan-v3-containers-release")
    chain = os.path.join(tmp, "chain.pem")
    with open(chain, "wb") as f:
        f.write(snp_cases.chain_pem(milan))
    runs = [("raw report + --cert-chain", ["--evidence", os.path.join(milan, "report.bin"), "--cert-chain", chain], None)]
    aci = os.path.join(vectors, "azure-cvm", "aci-confidential-container-snp")
    if os.path.isdir(aci):
        doc = os.path.join(tmp, "aci-doc.json")
        with open(doc, "wb") as f:
            f.write(snp_cases.document(aci))
        runs.append(("ACI document", ["--evidence", doc, "--runtime-data", os.path.join(aci, "runtime_data.json"),
                                      "--json", "--init-time-data", os.path.join(aci, "uvm_security_policy.rego")],
                     "azure-compliant-uvm"))
    for what, args, compliance in runs:
        p = subprocess.run([attestctl, "attest", "--endpoint", server.base, "--type", "SevSnpVm",
                            "--ca", pki["ca"], "--nonce", "cli", *args], capture_output=True, timeout=120)
        if not check(p.returncode == 0, f"attestctl attest {what}: exit 0 (got {p.returncode}: {p.stderr[:300]!r})"):
            continue
        _, claims = e2e.verify_token(server, p.stdout.decode().strip(), f"attestctl {what}")
        check(claims.get("x-ms-attestation-type") == "sevsnpvm" and claims.get("nonce") == "cli",
              f"attestctl {what}: sevsnpvm token with the nonce")
        check(claims.get("x-ms-compliance-status") == compliance, f"attestctl {what}: compliance {compliance}")
    p = subprocess.run([attestctl, "attest", "--endpoint", server.base, "--type", "SevSnpVm", "--ca", pki["ca"],
                        "--evidence", os.path.join(milan, "report.bin")], capture_output=True, timeout=120)
    check(p.returncode == 1 and b"SNP_CERT_CHAIN_MISSING" in p.stderr,
          f"attestctl attest without a chain: exit 1 with the reason (got {p.returncode}: {p.stderr[:200]!r})")


def chain_from_server(binary, pki, vectors, tmp):
    """A request with the report only: the server's --collateral-dir (the vectors' layout)
    supplies the VCEK and the ASK/ARK."""
    milan_dir = os.path.join(vectors, "snp", "oak-milan-v3-containers-release")
    case = {"verification_time": "2026-11-22T00:00:00Z"}
    server = e2e.Server(binary, pki, os.path.join(tmp, "data-dir-chain"), milan_dir, case,
                        os.path.join(tmp, "attestd-dir-chain.log"))
    try:
        doc = json.dumps({"SnpReport": snp_cases.b64url(snp_cases.read(milan_dir, "report.bin"))}).encode()
        status, _, data = e2e.attest(server, "SevSnpVm", {"report": snp_cases.b64url(doc)})
        if check(status == 200, f"report only, chain from the server's directory: 200 (got {status}: {data[:200]!r})"):
            _, claims = e2e.verify_token(server, json.loads(data)["token"], "chain from server")
            check(claims.get("x-attestd-sevsnp", {}).get("ek_source") == "collateral",
                  "the VCEK came from the server's collateral")
        turin = os.path.join(vectors, "snp", "oak-turin-v5-containers")
        doc = json.dumps({"SnpReport": snp_cases.b64url(snp_cases.read(turin, "report.bin"))}).encode()
        status, headers, data = e2e.attest(server, "SevSnpVm", {"report": snp_cases.b64url(doc)})
        e2e.expect_error(server, "Turin report with only a Milan chain held", status, data, headers, 400)
    finally:
        check(server.stop() == 0, "attestd (directory chain) exits 0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", default="")
    ap.add_argument("--attestctl", default="")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS") or args.vectors_default
    all_cases = snp_cases.cases(vectors) if vectors else []
    if not all_cases:
        print(f"SKIP: no snp vectors under '{vectors}'; set ATTESTD_VECTORS")
        return e2e.SKIP
    tmp = tempfile.mkdtemp(prefix="attestd-snp-e2e-")
    try:
        pki = e2e.make_test_pki(tmp)
        groups = {}
        for c in all_cases:
            groups.setdefault(c[2]["verification"]["verification_time"], []).append(c)
        for at, group in sorted(groups.items()):
            print(f"SevSnpVm cases judged at {at}")
            try:
                server = run_group(args.attestd, pki, tmp, at, group)
                if at == "2026-11-22T00:00:00Z":
                    bad_requests(server, vectors)
                    if args.attestctl:
                        attestctl_attest(args.attestctl, server, pki, vectors, tmp)
                    chain_from_server(args.attestd, pki, vectors, tmp)
                code = server.stop()
                check(code == 0, f"attestd exits 0 on SIGTERM (got {code})")
            except Exception as ex:
                check(False, f"group {at} raised {type(ex).__name__}: {ex}")
    finally:
        if e2e.FAILURES:
            for log in sorted(os.listdir(tmp)):
                if log.endswith(".log"):
                    with open(os.path.join(tmp, log), errors="replace") as f:
                        print(f"--- {log} ---\n" + "".join(f.readlines()[-20:]))
        shutil.rmtree(tmp, ignore_errors=True)
    if e2e.FAILURES:
        print(f"FAILED: {len(e2e.FAILURES)} check(s)")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The attest path under managed policies (issue 4, item 2), with a real SGX vector from
$ATTESTD_VECTORS (default ../shared/vectors): the default policy before any set; after a PUT
the token carries x-ms-policy-hash of the stored policy and its issued claims (x-ms-policy),
and x-ms-policy-signer when the policy was uploaded signed; a denying stored policy answers
400 PolicyEvaluationError; draftPolicyForAttestation is evaluated instead of the stored
policy and answered with an unsigned (alg none) token; after reset the default is back.

Exit codes: 0 pass, 1 fail, 77 skipped (vectors or PyJWT absent).
"""
import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile

try:
    import mgmt_common as mc
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

check = mc.check
SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"
DEFAULT_SGX_POLICY_HASH = "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw"


def policy_hash(text):
    return mc.b64url(hashlib.sha256(mc.b64url(text.encode()).encode()).digest())


def payload(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", default="")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS", args.vectors_default)
    case_dir = os.path.join(vectors, SGX_CASE)
    if not os.path.isfile(os.path.join(case_dir, "case.json")):
        print(f"SKIP: vector {SGX_CASE} not found under '{vectors}' (set ATTESTD_VECTORS)")
        return 77
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    with open(os.path.join(case_dir, "quote.bin"), "rb") as f:
        quote = mc.b64url(f.read())
    extra = ["--collateral-dir", case_dir, "--collateral-time", case["verification_time"]]
    if not case.get("collateral_complete", True):
        extra.append("--allow-missing-pck-crl")

    tmp = tempfile.mkdtemp(prefix="attestd-mgmt-attest-")
    server = None
    try:
        pki = mc.Pki(tmp)
        data_dir = os.path.join(tmp, "data")
        port = mc.free_port()
        r = mc.init_provider(args.attestd, data_dir, f"https://127.0.0.1:{port}", "aad", [])
        check(r.returncode == 0, "init aad")
        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"), port, extra)
        w = {"Authorization": pki.bearer()}

        def attest(body):
            return server.request("POST", "/attest/SgxEnclave" + mc.API, body=json.dumps(body),
                                  headers={"Content-Type": "application/json"})

        s, body = attest({"quote": quote})
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(s == 200 and claims.get("x-ms-policy-hash") == DEFAULT_SGX_POLICY_HASH,
              "default policy in force before any set")

        text = mc.policy_text("managed")
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=mc.policy_jws(text), headers=w)
        check(s == 200, "PUT unsigned policy")
        s, body = attest({"quote": quote})
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(claims.get("x-ms-policy-hash") == policy_hash(text), "x-ms-policy-hash of the stored policy")
        check(claims.get("x-ms-policy", {}).get("tag") == "managed", "stored policy's issued claim in x-ms-policy")
        check("x-ms-policy-signer" not in claims, "no x-ms-policy-signer for an unsigned policy")

        signed = mc.policy_text("signed")
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API,
                              body=mc.policy_jws(signed, pki.signers["A"]), headers=w)
        check(s == 200, "PUT signed policy")
        s, body = attest({"quote": quote})
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(claims.get("x-ms-policy-hash") == policy_hash(signed) and
              claims.get("x-ms-policy-signer", {}).get("x5c") == [mc.der_b64(pki.signers["A"][1])],
              "signed policy: hash and x-ms-policy-signer in the token")

        deny = "version=1.0; authorizationrules{=> deny();};"
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=mc.policy_jws(deny), headers=w)
        s, body = attest({"quote": quote})
        err = json.loads(body).get("error", {}) if s != 200 else {}
        check(s == 400 and err.get("code") == "PolicyEvaluationError",
              f"denying policy: 400 PolicyEvaluationError ({err.get('message')})")

        draft = mc.policy_text("draft")
        s, body = attest({"quote": quote, "draftPolicyForAttestation": draft})
        token = json.loads(body).get("token", "") if s == 200 else ""
        check(s == 200 and token.startswith(mc.UNSIGNED_HEADER + ".") and token.endswith("."),
              "draft policy: 200 with an unsigned token (the stored policy denies)")
        if token:
            p = payload(token)
            check(p.get("x-ms-policy", {}).get("tag") == "draft" and
                  p.get("x-ms-policy-hash") == policy_hash(draft), "draft policy's claims and hash")

        s, _ = server.request("POST", "/policies/SgxEnclave:reset" + mc.API, body=mc.reset_jws(), headers=w)
        s, body = attest({"quote": quote})
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(s == 200 and claims.get("x-ms-policy-hash") == DEFAULT_SGX_POLICY_HASH, "default again after reset")
    except BaseException:
        if server:
            server.stop()
        raise
    return mc.finish(tmp, server)


if __name__ == "__main__":
    sys.exit(main())

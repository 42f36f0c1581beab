#!/usr/bin/python3
"""Policy-management documents and bearer tokens of unusual shape, against a real attestd.

- The Azure SDK for C++ with an EC signer (spec/maa-real-clients.md §8): header
  {"alg":"EC","x5c":[...]} and a DER ECDSA-SHA256 signature, for policy set, reset and
  certificate add in Isolated mode: accepted when x5c[0] holds a P-256 key (issue 14 item 4).
- Signer validity (issue 8 finding 9): a leaf issued by a registered CA is refused while it
  is expired or not yet valid, or when its keyUsage excludes digitalSignature; 400 with
  SIGNER_CERT_EXPIRED / SIGNER_CERT_NOT_YET_VALID / SIGNER_CERT_KEY_USAGE, store untouched.
- Bearer tokens with header or time claims of the wrong JSON type (issue 14 item 6, issue 8
  finding 10): 401 BEARER_INVALID, never 500.

The documents are built here with python-cryptography, independently of attestd.
Exit codes: 0 pass, 1 fail, 77 skipped (PyJWT/cryptography absent).
"""
import argparse
import base64
import datetime
import json
import os
import sys
import tempfile
import time

try:
    import mgmt_common as mc
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.x509.oid import NameOID
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

check = mc.check


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def key_usage(signing):
    return x509.KeyUsage(digital_signature=signing, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=not signing, crl_sign=not signing, encipher_only=False,
                         decipher_only=False)


def ec_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now() - datetime.timedelta(days=1))
            .not_valid_after(now() + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(key_usage(False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def ec_leaf(cn, ca, not_before, not_after, signing=True):
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage(signing), critical=True)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def azure_sdk_ec_jws(payload: bytes, signer, alg="EC", raw=False) -> str:
    """What the Azure SDK for C++ sends with an EC key: alg "EC", DER signature
    (`raw` turns it into the JOSE r||s form, which "EC" must not accept)."""
    key, cert = signer
    header = mc.b64url(json.dumps({"alg": alg, "x5c": [mc.der_b64(cert)]},
                                  separators=(",", ":")).encode())
    signing_input = header + "." + mc.b64url(payload)
    sig = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    if raw:
        r, s = decode_dss_signature(sig)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return signing_input + "." + mc.b64url(sig)


def policy_payload(text):
    return json.dumps({"AttestationPolicy": mc.b64url(text.encode())}).encode()


def cert_payload(cert):
    return json.dumps({"policyCertificate": {"kty": "EC", "x5c": [mc.der_b64(cert)]}}).encode()


def call(server, method, path, body, bearer, content_type="text/plain"):
    s, raw = server.request(method, path + mc.API, body=body,
                            headers={"Authorization": bearer, "Content-Type": content_type})
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = {}
    return s, doc


def signed_bearer(pki, header, claims):
    """RS256 by the configured IdP key over an arbitrary header and claims."""
    signing_input = (mc.b64url(json.dumps(header).encode()) + "." +
                     mc.b64url(json.dumps(claims).encode()))
    sig = pki.idp_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return "Bearer " + signing_input + "." + mc.b64url(sig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="attestd-mgmt-forms-")
    server = None
    try:
        pki = mc.Pki(tmp)
        ca = ec_ca("policy CA")
        mc.write_pem(os.path.join(tmp, "ca-signer.pem"), ca[1])
        data_dir = os.path.join(tmp, "data")
        os.makedirs(data_dir)
        r = mc.init_provider(args.attestd, data_dir, "https://x", "isolated",
                             [os.path.join(tmp, "ca-signer.pem")])
        if not check(r.returncode == 0, f"init isolated ({r.stderr.strip()[:200]})"):
            return mc.finish(tmp)
        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"))
        bearer = pki.bearer()
        t = now()
        valid = ec_leaf("valid leaf", ca, t - datetime.timedelta(hours=1), t + datetime.timedelta(days=1))
        other = ec_leaf("other", ca, t - datetime.timedelta(hours=1), t + datetime.timedelta(days=1))

        # --- Azure SDK for C++ EC form ---------------------------------------------------
        doc = azure_sdk_ec_jws(policy_payload(mc.policy_text("ec")), valid)
        s, body = call(server, "PUT", "/policies/SgxEnclave", doc, bearer)
        check(s == 200, f"EC form: policy set 200 ({s} {body.get('error')})")
        if s == 200:
            claims = mc.result_claims(server, json.dumps(body).encode())
            check(claims.get("x-ms-policy-token-hash") == mc.token_hash(doc), "EC form: token hash")
            check(claims.get("x-ms-policy-signer", {}).get("x5c") == [mc.der_b64(valid[1])],
                  "EC form: x-ms-policy-signer is the x5c certificate")
            s, got = server.request("GET", "/policies/SgxEnclave" + mc.API,
                                    headers={"Authorization": bearer})
            check(mc.result_claims(server, got).get("x-ms-policy") == doc,
                  "EC form: GET returns the document as uploaded")
        s, body = call(server, "POST", "/certificates:add",
                       json.dumps(azure_sdk_ec_jws(cert_payload(other[1]), valid)), bearer,
                       "application/json")
        check(s == 200, f"EC form: certificate add 200 ({s} {body.get('error')})")
        s, body = call(server, "POST", "/policies/SgxEnclave:reset",
                       azure_sdk_ec_jws(b"", valid), bearer)
        check(s == 200, f"EC form: reset 200 ({s} {body.get('error')})")
        s, body = call(server, "PUT", "/policies/SgxEnclave",
                       azure_sdk_ec_jws(policy_payload(mc.policy_text("x")), valid, raw=True), bearer)
        check(s == 403 and body.get("error", {}).get("reason") == "JWS_SIGNATURE_INVALID",
              f"EC form with an r||s signature: 403 JWS_SIGNATURE_INVALID ({s} {body})")
        s, body = call(server, "PUT", "/policies/SgxEnclave",
                       azure_sdk_ec_jws(policy_payload(mc.policy_text("x")), valid, alg="ES256"),
                       bearer)
        check(s == 403 and body.get("error", {}).get("reason") == "JWS_SIGNATURE_INVALID",
              f"ES256 with a DER signature: 403 JWS_SIGNATURE_INVALID ({s} {body})")
        # "EC" with an RSA signer certificate is not the SDK form.
        rsa_key, rsa_cert = pki.signers["A"]
        header = mc.b64url(json.dumps({"alg": "EC", "x5c": [mc.der_b64(rsa_cert)]}).encode())
        signing_input = header + "." + mc.b64url(policy_payload(mc.policy_text("x")))
        sig = rsa_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        s, body = call(server, "PUT", "/policies/SgxEnclave", signing_input + "." + mc.b64url(sig),
                       bearer)
        check(s == 400 and body.get("error", {}).get("reason") == "JWS_UNSUPPORTED_ALG",
              f"EC form over an RSA certificate: 400 JWS_UNSUPPORTED_ALG ({s} {body})")

        # --- signer validity and key usage ---------------------------------------------
        t = now()
        cases = [
            ("expired leaf", ec_leaf("expired", ca, t - datetime.timedelta(days=3),
                                     t - datetime.timedelta(days=1)), "SIGNER_CERT_EXPIRED"),
            ("not-yet-valid leaf", ec_leaf("early", ca, t + datetime.timedelta(days=1),
                                           t + datetime.timedelta(days=3)),
             "SIGNER_CERT_NOT_YET_VALID"),
            ("leaf without digitalSignature",
             ec_leaf("no-sign", ca, t - datetime.timedelta(hours=1), t + datetime.timedelta(days=1),
                     signing=False), "SIGNER_CERT_KEY_USAGE"),
        ]
        for what, signer, reason in cases:
            for route, method, body_doc, ctype in (
                    ("/policies/SgxEnclave", "PUT",
                     azure_sdk_ec_jws(policy_payload(mc.policy_text("v")), signer, alg="ES256", raw=True),
                     "text/plain"),
                    ("/certificates:add", "POST",
                     json.dumps(azure_sdk_ec_jws(cert_payload(signer[1]), signer, alg="ES256",
                                                 raw=True)), "application/json")):
                s, body = call(server, method, route, body_doc, bearer, ctype)
                err = body.get("error", {})
                check(s == 400 and err.get("reason") == reason,
                      f"{what}: {method} {route} -> 400 {reason} ({s} {err})")
        s, body = call(server, "GET", "/certificates", None, bearer)
        keys = mc.result_claims(server, json.dumps(body).encode())["x-ms-policy-certificates"]["keys"]
        check(len(keys) == 2, f"refused :add calls left the certificate set unchanged ({len(keys)})")

        # --- bearer tokens with wrong JSON types ----------------------------------------
        t0 = int(time.time())
        claims = {"iss": mc.ISSUER, "aud": mc.AUDIENCE, "sub": "tester", "roles": [mc.WRITE_ROLE],
                  "nbf": t0, "exp": t0 + 3600}
        ok = signed_bearer(pki, {"alg": "RS256", "kid": "idp-1"}, claims)
        s, _ = call(server, "GET", "/certificates", None, ok)
        check(s == 200, "hand-made bearer token: 200")
        bad_tokens = [
            ("alg 123", {"alg": 123, "kid": "idp-1"}, claims),
            ("alg null", {"alg": None, "kid": "idp-1"}, claims),
            ("alg object", {"alg": {"RS256": 1}, "kid": "idp-1"}, claims),
            ("kid 5", {"alg": "RS256", "kid": 5}, claims),
            ("exp a string", {"alg": "RS256", "kid": "idp-1"}, {**claims, "exp": str(t0 + 3600)}),
            ("nbf a string", {"alg": "RS256", "kid": "idp-1"}, {**claims, "nbf": str(t0 + 10**6)}),
            ("nbf an array", {"alg": "RS256", "kid": "idp-1"}, {**claims, "nbf": [t0]}),
            ("iss a number", {"alg": "RS256", "kid": "idp-1"}, {**claims, "iss": 5}),
        ]
        for what, header, body_claims in bad_tokens:
            s, body = call(server, "GET", "/certificates", None, signed_bearer(pki, header, body_claims))
            check(s == 401 and body.get("error", {}).get("reason") == "BEARER_INVALID",
                  f"bearer {what}: 401 BEARER_INVALID ({s} {body.get('error')})")
    except BaseException:
        if server:
            server.stop()
        raise
    return mc.finish(tmp, server)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Authorization matrix of attestd's policy-management routes (issue 4, "Tests").

For each mode (aad, isolated), every management route is called with: no credential, an
expired bearer, a bearer signed by the wrong key, a bearer without the needed role, an
unsigned document, a document signed by an unregistered key, and a valid call. Each call's
status is checked against the matrix of spec/maa-service-behaviour.md §1.1 (refusals are
401/403 with MAA's error envelope), and after every refusal the store -- read straight from
the SQLite file -- and GET /policies and GET /certificates are unchanged. Valid calls check
the exact result tokens (maa-tokens.md §6-§7), verified with PyJWT against /certs.

Exit codes: 0 pass, 1 fail, 77 skipped (PyJWT/cryptography absent).
"""
import argparse
import json
import os
import sqlite3
import sys
import tempfile

try:
    import mgmt_common as mc
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

check = mc.check


def store_snapshot(data_dir):
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'attestd.db')}?mode=ro", uri=True)
    try:
        return (db.execute("SELECT * FROM policies ORDER BY seq").fetchall(),
                db.execute("SELECT provider_id, thumbprint, cert_der FROM policy_signers "
                           "ORDER BY ord").fetchall(),
                db.execute("SELECT * FROM providers").fetchall())
    finally:
        db.close()


def api_snapshot(server, bearer):
    h = {"Authorization": bearer}
    s1, p = server.request("GET", "/policies/SgxEnclave" + mc.API, headers=h)
    s2, c = server.request("GET", "/certificates" + mc.API, headers=h)
    pol = mc.result_claims(server, p)["x-ms-policy"] if s1 == 200 else None
    certs = mc.result_claims(server, c)["x-ms-policy-certificates"] if s2 == 200 else None
    return pol, certs


def expect_refusal(server, data_dir, bearer_ok, what, method, path, body, headers, want):
    before_db = store_snapshot(data_dir)
    before_api = api_snapshot(server, bearer_ok)
    status, data = server.request(method, path + mc.API, body=body, headers=headers)
    check(status == want, f"{what}: HTTP {want} (got {status}: {data[:160]!r})")
    try:
        err = json.loads(data)["error"]
        check(isinstance(err.get("code"), str) and isinstance(err.get("message"), str),
              f"{what}: MAA error envelope")
    except (ValueError, KeyError, TypeError):
        check(False, f"{what}: MAA error envelope")
    check(store_snapshot(data_dir) == before_db, f"{what}: store file unchanged")
    check(api_snapshot(server, bearer_ok) == before_api, f"{what}: GET policy/certificates unchanged")


def routes(pki):
    """(name, method, path, body builder(signer) or None, needs write)."""
    c_cert = pki.signers["C"][1]
    return [
        ("GET /policies", "GET", "/policies/SgxEnclave", None, False),
        ("PUT /policies", "PUT", "/policies/SgxEnclave",
         lambda s: mc.policy_jws(mc.policy_text("matrix"), s), True),
        ("POST /policies:reset", "POST", "/policies/SgxEnclave:reset", lambda s: mc.reset_jws(s), True),
        ("GET /certificates", "GET", "/certificates", None, False),
        ("POST /certificates:add", "POST", "/certificates:add",
         lambda s: mc.cert_body(c_cert, s), True),
        ("POST /certificates:remove", "POST", "/certificates:remove",
         lambda s: mc.cert_body(c_cert, s), True),
    ]


def run_mode(attestd, pki, tmp, mode):
    print(f"== mode {mode}")
    data_dir = os.path.join(tmp, f"data-{mode}")
    port = mc.free_port()
    base = f"https://127.0.0.1:{port}"
    signers = [pki.signer_pem("A")] if mode == "isolated" else []
    r = mc.init_provider(attestd, data_dir, base, mode, signers)
    check(r.returncode == 0, f"attestd init --mode {mode} ({r.stderr.strip()[:200]})")
    again = mc.init_provider(attestd, data_dir, base, mode, signers)
    check(again.returncode != 0, f"{mode}: a second init is refused")
    server = mc.Server(attestd, pki, data_dir, os.path.join(tmp, f"attestd-{mode}.log"), port)
    writer = pki.bearer()
    reader = pki.bearer(roles=(mc.READ_ROLE,))
    signer_a, signer_b = pki.signers["A"], pki.signers["B"]
    try:
        for name, method, path, build, write in routes(pki):
            body = build(signer_a) if build else None
            # Credentials: every route, every mode.
            expect_refusal(server, data_dir, writer, f"{mode} {name} no credential", method, path,
                           body, {}, 401)
            expect_refusal(server, data_dir, writer, f"{mode} {name} expired bearer", method, path,
                           body, {"Authorization": pki.bearer(expired=True)}, 401)
            expect_refusal(server, data_dir, writer, f"{mode} {name} wrongly signed bearer", method,
                           path, body, {"Authorization": pki.bearer(rogue=True)}, 401)
            expect_refusal(server, data_dir, writer, f"{mode} {name} not a bearer", method, path,
                           body, {"Authorization": "Basic dXNlcjpwYXNz"}, 401)
            if write:
                expect_refusal(server, data_dir, writer, f"{mode} {name} reader-only bearer",
                               method, path, body, {"Authorization": reader}, 401)
                cert_route = path.startswith("/certificates")
                # Documents: unsigned and signed by an unregistered key.
                want_unsigned = 403 if (mode == "isolated" or cert_route) else None
                want_unregistered = 403 if (mode == "isolated" or cert_route) else None
                if want_unsigned:
                    expect_refusal(server, data_dir, writer, f"{mode} {name} unsigned document",
                                   method, path, build(None), {"Authorization": writer},
                                   want_unsigned)
                if want_unregistered:
                    expect_refusal(server, data_dir, writer,
                                   f"{mode} {name} signed by an unregistered key", method, path,
                                   build(signer_b), {"Authorization": writer}, want_unregistered)
        valid_calls(server, data_dir, pki, mode, writer, reader)
    finally:
        server.stop()
    # Everything survives a restart.
    server = mc.Server(attestd, pki, data_dir, os.path.join(tmp, f"attestd-{mode}.log"), port)
    try:
        pol, certs = api_snapshot(server, reader)
        check(pol == mc.policy_jws(mc.policy_text("final"), signer_a if mode == "isolated" else None),
              f"{mode}: the last policy survives a restart")
        want_keys = 2 if mode == "isolated" else 0
        check(certs is not None and len(certs["keys"]) == want_keys,
              f"{mode}: {want_keys} policy-management certificate(s) after restart")
    finally:
        server.stop()


def valid_calls(server, data_dir, pki, mode, writer, reader):
    iso = mode == "isolated"
    a, b, c = pki.signers["A"], pki.signers["B"], pki.signers["C"]
    w = {"Authorization": writer}
    # Reads with a reader role.
    s, body = server.request("GET", "/policies/SgxEnclave" + mc.API, headers={"Authorization": reader})
    check(s == 200, f"{mode} GET /policies with reader role: 200")
    stored = mc.result_claims(server, body)["x-ms-policy"]
    check(stored.startswith(mc.UNSIGNED_HEADER + ".") and stored.endswith("."),
          f"{mode} default policy is an unsigned JWS")
    s, body = server.request("GET", "/certificates" + mc.API, headers={"Authorization": reader})
    keys = mc.result_claims(server, body)["x-ms-policy-certificates"]["keys"] if s == 200 else None
    check(s == 200 and len(keys) == (1 if iso else 0), f"{mode} GET /certificates: {1 if iso else 0} key(s)")
    if iso:
        check(keys[0] == {"alg": "RS256", "kty": "RSA", "use": "sig", "x5c": [mc.der_b64(a[1])]},
              f"{mode} certificate JWK shape")

    # A policy with a syntax error is refused with line:column, store untouched.
    before = store_snapshot(data_dir)
    bad = mc.policy_jws("version=1.0; authorizationrules{=> permit( };", a)
    s, body = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=bad, headers=w)
    err = json.loads(body).get("error", {}) if s != 200 else {}
    check(s == 400 and err.get("code") == "PolicyParsingError", f"{mode} bad policy: 400 PolicyParsingError")
    check(":" in err.get("message", "") and err.get("message", "")[0].isdigit(),
          f"{mode} bad policy message has line:column ({err.get('message', '')[:80]})")
    check(store_snapshot(data_dir) == before, f"{mode} bad policy: store unchanged")

    # Set: unsigned (AAD only), signed by the registered key, signed by another key (AAD).
    docs = [("signed by registered key", mc.policy_jws(mc.policy_text("s1"), a), a)]
    if not iso:
        docs.insert(0, ("unsigned", mc.policy_jws(mc.policy_text("u1")), None))
        docs.append(("signed by any key (AAD)", mc.policy_jws(mc.policy_text("s2"), b), b))
    for what, doc, signer in docs:
        s, body = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=doc, headers=w)
        check(s == 200, f"{mode} PUT {what}: 200 ({body[:120]!r})")
        if s != 200:
            continue
        claims = mc.result_claims(server, body)
        check(claims.get("x-ms-policy-result") == "Updated", f"{mode} PUT {what}: Updated")
        check(claims.get("x-ms-policy-token-hash") == mc.token_hash(doc),
              f"{mode} PUT {what}: x-ms-policy-token-hash = SHA-256 of the body")
        check("x-ms-policy" not in claims and "jti" not in claims, f"{mode} PUT {what}: no x-ms-policy/jti")
        check(claims.get("exp", 0) - claims.get("iat", 0) == 3600, f"{mode} PUT {what}: 1 h lifetime")
        if signer:
            check(claims.get("x-ms-policy-signer") ==
                  {"alg": "RS256", "kty": "RSA", "use": "sig", "x5c": [mc.der_b64(signer[1])]},
                  f"{mode} PUT {what}: x-ms-policy-signer")
        else:
            check("x-ms-policy-signer" not in claims, f"{mode} PUT {what}: no signer")
        s, got = server.request("GET", "/policies/SgxEnclave" + mc.API, headers=w)
        check(s == 200 and mc.result_claims(server, got)["x-ms-policy"] == doc,
              f"{mode} GET returns the JWS as uploaded ({what})")

    # Reset.
    rdoc = mc.reset_jws(a if iso else None)
    s, body = server.request("POST", "/policies/SgxEnclave:reset" + mc.API, body=rdoc, headers=w)
    claims = mc.result_claims(server, body) if s == 200 else {}
    check(s == 200 and claims.get("x-ms-policy-result") == "Removed" and
          "x-ms-policy-token-hash" not in claims, f"{mode} reset: 200 Removed")
    s, got = server.request("GET", "/policies/SgxEnclave" + mc.API, headers=w)
    check(mc.result_claims(server, got)["x-ms-policy"] == stored, f"{mode} reset restores the default")

    # Certificates.
    if iso:
        s, body = server.request("POST", "/certificates:add" + mc.API, body=mc.cert_body(c[1], a),
                                 headers={**w, "Content-Type": "application/json"})
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(s == 200 and claims.get("x-ms-policycertificates-result") == "IsPresent" and
              claims.get("x-ms-certificate-thumbprint") == mc.thumbprint(c[1]), f"{mode} add C: IsPresent")
        # C can now sign; then remove C (signed by C itself), re-add it (signed by A).
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API,
                              body=mc.policy_jws(mc.policy_text("byC"), c), headers=w)
        check(s == 200, f"{mode} policy signed by the added certificate: 200")
        s, body = server.request("POST", "/certificates:remove" + mc.API, body=mc.cert_body(c[1], c), headers=w)
        claims = mc.result_claims(server, body) if s == 200 else {}
        check(s == 200 and claims.get("x-ms-policycertificates-result") == "IsAbsent", f"{mode} remove C: IsAbsent")
        expect_refusal(server, data_dir, writer, f"{mode} policy signed by a removed certificate",
                       "PUT", "/policies/SgxEnclave", mc.policy_jws(mc.policy_text("x"), c), w, 403)
        expect_refusal(server, data_dir, writer, f"{mode} remove the last certificate",
                       "POST", "/certificates:remove", mc.cert_body(a[1], a), w, 400)
        s, _ = server.request("POST", "/certificates:add" + mc.API, body=mc.cert_body(c[1], a), headers=w)
        check(s == 200, f"{mode} re-add C")
    final = mc.policy_jws(mc.policy_text("final"), a if iso else None)
    s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=final, headers=w)
    check(s == 200, f"{mode} final PUT")
    history = store_snapshot(data_dir)[0]
    check(all(row[1] == "default" for row in history), f"{mode} history rows keyed by provider")
    check(any(row[3] == "reset" for row in history), f"{mode} history keeps the reset")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="attestd-mgmt-")
    try:
        pki = mc.Pki(tmp)
        for mode in ("aad", "isolated"):
            run_mode(args.attestd, pki, tmp, mode)
        # Isolated without a signer is refused at init.
        r = mc.init_provider(args.attestd, os.path.join(tmp, "nosigner"), "https://x", "isolated", [])
        check(r.returncode != 0, "init --mode isolated without --policy-signer is refused")
    except BaseException:
        print(f"logs kept in {tmp}")
        raise
    return mc.finish(tmp)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Several attestation providers in one deployment (issue 12 item 3; docs/fleet.md
"Providers"), black-box against the real attestd, on SQLite and on PostgreSQL:

- `attestd provider create|list|delete`, and its refusals;
- requests are routed by Host (and path prefix): each provider's issuer, OpenID metadata
  and /certs are its own; a Host no provider has is 404 UNKNOWN_PROVIDER, never another
  provider's answer; /health and /ready answer whatever the Host;
- isolation: a policy, a signer or a token of provider A has no effect on B (and on the
  default provider);
- a provider created or deleted while the server runs is served / dropped within
  provider_refresh_seconds, without a restart.

Needs the SGX vector (ATTESTD_VECTORS) and, for the PostgreSQL half, its server binaries.
Exit codes: 0 pass, 1 fail, 77 skipped.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import fleet_common as fc
    from fleet_common import mc
    import jwt
    from cryptography import x509
    import pg_cluster
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"
check = mc.check
A_BASE = "https://a.attestd.test"
B_BASE = "https://b.attestd.test:8443"


def provider_cmd(attestd, store_args, *args):
    return subprocess.run([attestd, "provider", *args, *store_args], capture_output=True,
                          text=True)


def certs_of(server, host):
    s, body = server.request("GET", "/certs", headers={"Host": host})
    return s, (json.loads(body)["keys"] if s == 200 else [])


def verify(token, keys, issuer):
    """The token's claims when one of `keys` verifies it with `issuer`, else None."""
    for k in keys:
        cert = x509.load_der_x509_certificate(base64.b64decode(k["x5c"][0]))
        try:
            return jwt.decode(token, cert.public_key(), algorithms=["RS256"],
                              options={"verify_aud": False}, issuer=issuer)
        except jwt.InvalidTokenError:
            continue
    return None


def run(attestd, tmp, backend, store_url, quote, extra):
    print(f"--- {backend} ---")
    data_dir = os.path.join(tmp, "data")
    store_args = ["--data-dir", data_dir] + (["--store", store_url] if store_url else [])
    pki = mc.Pki(tmp)
    w = {"Authorization": pki.bearer()}
    port = mc.free_port()
    default_base = f"https://127.0.0.1:{port}"
    default_host = f"127.0.0.1:{port}"
    t_base = default_base + "/tenant-t"

    r = subprocess.run([attestd, "init", *store_args, "--base-url", default_base, "--mode", "aad"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"{backend}: attestd init (default provider)")
    r = provider_cmd(attestd, store_args, "create", "--name", "a", "--base-url", A_BASE + "/",
                     "--mode", "isolated", "--policy-signer", pki.signer_pem("A"))
    check(r.returncode == 0 and "created provider 'a'" in r.stdout, f"{backend}: create a")
    r = provider_cmd(attestd, store_args, "create", "--name", "b", "--base-url", B_BASE,
                     "--mode", "isolated", "--policy-signer", pki.signer_pem("B"))
    check(r.returncode == 0, f"{backend}: create b")
    r = provider_cmd(attestd, store_args, "create", "--name", "t", "--base-url", t_base,
                     "--mode", "aad")
    check(r.returncode == 0, f"{backend}: create t (path prefix on the default provider's host)")
    # Refusals: each leaves the store as it was.
    refusals = [
        (["--name", "a2", "--base-url", "https://A.attestd.test:443", "--mode", "aad"],
         "PROVIDER_EXISTS", "a base URL another provider has"),
        (["--name", "a", "--base-url", "https://other.attestd.test", "--mode", "aad"],
         "PROVIDER_EXISTS", "a name that is taken"),
        (["--name", "default", "--base-url", "https://d.attestd.test", "--mode", "aad"],
         "CONFIG_INVALID", "the name 'default'"),
        (["--name", "Bad_Name", "--base-url", "https://d.attestd.test", "--mode", "aad"],
         "CONFIG_INVALID", "a name that is not a DNS label"),
        (["--name", "d", "--base-url", "https://d.attestd.test", "--mode", "isolated"],
         "CONFIG_INVALID", "isolated without a signer"),
        (["--name", "d", "--base-url", "http://d.attestd.test", "--mode", "aad"],
         "INVALID_ENDPOINT", "plain http for a non-loopback host"),
        (["--name", "d", "--base-url", "https://d.attestd.test/?x=1", "--mode", "aad"],
         "INVALID_ENDPOINT", "a base URL with a query"),
    ]
    for argv, reason, what in refusals:
        r = provider_cmd(attestd, store_args, "create", *argv)
        check(r.returncode != 0 and reason in r.stderr, f"{backend}: create refuses {what} "
                                                        f"({r.stderr.strip()[-120:]})")
    r = provider_cmd(attestd, store_args, "delete", "--name", "default")
    check(r.returncode != 0, f"{backend}: delete refuses the default provider")
    r = provider_cmd(attestd, store_args, "delete", "--name", "nosuch")
    check(r.returncode != 0 and "PROVIDER_NOT_FOUND" in r.stderr,
          f"{backend}: delete of an unknown provider: PROVIDER_NOT_FOUND")
    r = provider_cmd(attestd, store_args, "list")
    names = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    check(r.returncode == 0 and names == ["a", "b", "default", "t"],
          f"{backend}: list shows a, b, default, t ({names})")
    check(A_BASE in r.stdout and "isolated" in r.stdout and "/tenant-t" in r.stdout,
          f"{backend}: list shows base URLs and modes (trailing slash normalised)")

    config = os.path.join(tmp, "attestd.toml")
    with open(config, "w") as f:
        f.write("provider_refresh_seconds = 1\n")
    server = mc.Server(attestd, pki, data_dir, os.path.join(tmp, "server.log"), port=port,
                       extra_args=[*store_args[2:], "--config", config, *extra])
    try:
        hosts = {"default": default_host, "a": "a.attestd.test", "b": "B.attestd.test:8443"}
        issuers = {"default": default_base, "a": A_BASE, "b": B_BASE}

        print("routing: issuer, discovery and keys per provider")
        kids = {}
        for name, host in hosts.items():
            s, body = server.request("GET", "/.well-known/openid-configuration",
                                     headers={"Host": host})
            meta = json.loads(body) if s == 200 else {}
            check(meta.get("issuer") == issuers[name] and
                  meta.get("jwks_uri") == issuers[name] + "/certs",
                  f"{backend}: Host {host}: issuer and jwks_uri of provider {name}")
            s, keys = certs_of(server, host)
            kids[name] = {k["kid"] for k in keys}
            check(s == 200 and len(kids[name]) >= 1, f"{backend}: Host {host}: /certs")
        s, body = server.request("GET", "/tenant-t/.well-known/openid-configuration",
                                 headers={"Host": default_host})
        check(s == 200 and json.loads(body).get("issuer") == t_base,
              f"{backend}: path prefix /tenant-t on the default host: provider t")
        s, keys = certs_of(server, default_host)
        s_t, body_t = server.request("GET", "/tenant-t/certs", headers={"Host": default_host})
        kids["t"] = {k["kid"] for k in json.loads(body_t)["keys"]} if s_t == 200 else set()
        all_kids = [k for v in kids.values() for k in v]
        check(len(all_kids) == len(set(all_kids)) and len(kids) == 4,
              f"{backend}: every provider has its own token keys")

        print("unknown hosts: 404 UNKNOWN_PROVIDER, process routes answer")
        for host in ("c.attestd.test", "a.attestd.test:8443", "b.attestd.test", "127.0.0.2:" +
                     str(port)):
            s, body = server.request("GET", "/certs", headers={"Host": host})
            reason = json.loads(body).get("error", {}).get("reason") if s == 404 else None
            check(s == 404 and reason == "UNKNOWN_PROVIDER", f"{backend}: Host {host}: 404 "
                                                             "UNKNOWN_PROVIDER")
        s, _ = server.request("POST", "/attest/SgxEnclave" + mc.API, json.dumps({"quote": quote}),
                              {"Host": "c.attestd.test", "Content-Type": "application/json"})
        check(s == 404, f"{backend}: attestation at an unknown Host: 404")
        for path in ("/health", "/ready"):
            s, _ = server.request("GET", path, headers={"Host": "c.attestd.test"})
            check(s == 200, f"{backend}: {path} answers whatever the Host")

        def attest(host, prefix=""):
            s, body = server.request("POST", prefix + "/attest/SgxEnclave" + mc.API,
                                     json.dumps({"quote": quote}),
                                     {"Host": host, "Content-Type": "application/json"})
            return s, (json.loads(body)["token"] if s == 200 else None)

        print("policy and signer isolation")
        doc_a = mc.policy_jws(mc.policy_text("for-a"), pki.signers["A"])
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, doc_a,
                              {**w, "Host": hosts["a"]})
        check(s == 200, f"{backend}: A's policy signed by A's signer: 200")
        s, body = server.request("PUT", "/policies/SgxEnclave" + mc.API, doc_a,
                                 {**w, "Host": hosts["b"]})
        reason = json.loads(body).get("error", {}).get("reason") if s != 200 else None
        check(s != 200 and reason == "SIGNER_NOT_TRUSTED",
              f"{backend}: the same document at B: refused, A's signer means nothing there "
              f"({s} {reason})")
        tokens = {}
        for name, host in hosts.items():
            s, tokens[name] = attest(host)
            check(s == 200, f"{backend}: attestation at provider {name}: 200")
        s, tokens["t"] = attest(default_host, "/tenant-t")
        check(s == 200, f"{backend}: attestation at provider t (path prefix): 200")

        print("TPM service_context isolation")
        tb = pki.bearer(roles=())
        ctx = fc.tpm_context(server, tb, {"Host": hosts["a"]})
        check(ctx is not None, f"{backend}: /attest/Tpm round 1 at provider a")
        s, reason, _ = fc.tpm_context_reason(server, ctx, tb, {"Host": hosts["b"]})
        check(s == 400 and reason == "TPM_CONTEXT_INVALID",
              f"{backend}: a's service_context at provider b: 400 TPM_CONTEXT_INVALID ({s} {reason})")
        s, reason, message = fc.tpm_context_reason(server, ctx, tb, {"Host": hosts["a"]})
        check(s == 400 and reason == "TPM_PROTOCOL_MESSAGE_MALFORMED" and "request_key" in message,
              f"{backend}: a's service_context at a: accepted, round 2 goes on to request_key "
              f"({s} {reason} {message})")
        certs = {n: certs_of(server, h)[1] for n, h in hosts.items()}
        certs["t"] = json.loads(server.request("GET", "/tenant-t/certs",
                                               headers={"Host": default_host})[1])["keys"]
        issuers["t"] = t_base
        for name in tokens:
            claims = verify(tokens[name], certs[name], issuers[name]) if tokens[name] else None
            check(claims is not None, f"{backend}: {name}'s token verifies with {name}'s /certs "
                                      "and issuer")
            if claims is not None:
                want = "for-a" if name == "a" else None
                check(claims.get("x-ms-policy", {}).get("tag") == want,
                      f"{backend}: {name}'s token {'carries' if want else 'lacks'} A's policy "
                      "claim")
        for name, other in (("a", "b"), ("b", "a"), ("a", "default"), ("default", "t")):
            if tokens[name]:
                check(verify(tokens[name], certs[other], issuers[name]) is None,
                      f"{backend}: {name}'s token does not verify with {other}'s /certs")
        s, body = server.request("POST", "/certificates:add" + mc.API,
                                 mc.cert_body(pki.signers["C"][1], pki.signers["A"]),
                                 {**w, "Host": hosts["a"], "Content-Type": "application/json"})
        check(s == 200, f"{backend}: A adds signer C")
        doc_c = mc.policy_jws(mc.policy_text("by-c"), pki.signers["C"])
        s, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, doc_c,
                              {**w, "Host": hosts["b"]})
        check(s != 200, f"{backend}: C, a signer of A, cannot change B's policy ({s})")
        s, body = server.request("GET", "/certificates" + mc.API, headers={**w, "Host": hosts["b"]})
        n_b = len(jwt.decode(json.loads(body)["token"], options={"verify_signature": False})
                  ["x-ms-policy-certificates"]["keys"]) if s == 200 else -1
        check(n_b == 1, f"{backend}: B still lists one signer ({n_b})")
        s, body = server.request("GET", "/policies/SgxEnclave" + mc.API,
                                 headers={**w, "Host": default_host})
        check(s == 200, f"{backend}: the default provider's policy read")

        print("providers created and deleted while serving")
        r = provider_cmd(attestd, store_args, "create", "--name", "d", "--base-url",
                         "https://d.attestd.test", "--mode", "aad")
        check(r.returncode == 0, f"{backend}: create d while the server runs")
        served = False
        for _ in range(100):  # provider_refresh_seconds = 1: served within a few seconds
            if server.request("GET", "/certs", headers={"Host": "d.attestd.test"})[0] == 200:
                served = True
                break
            time.sleep(0.1)
        check(served, f"{backend}: d is served without a restart")
        r = provider_cmd(attestd, store_args, "delete", "--name", "b")
        check(r.returncode == 0, f"{backend}: delete b while the server runs")
        gone = False
        for _ in range(100):
            if server.request("GET", "/certs", headers={"Host": hosts["b"]})[0] == 404:
                gone = True
                break
            time.sleep(0.1)
        check(gone, f"{backend}: b is no longer served (404) without a restart")
        s, _ = attest(hosts["a"])
        check(s == 200, f"{backend}: A still attests after B's deletion")
    finally:
        server.stop()


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

    tmp = tempfile.mkdtemp(prefix="attestd-providers-")
    try:
        # SQLite, keys in a file per provider (data_dir/providers/<id>).
        sqlite_dir = os.path.join(tmp, "sqlite")
        os.makedirs(sqlite_dir)
        run(args.attestd, sqlite_dir, "sqlite", None, quote, extra)
        # PostgreSQL, keys in the store under a KEK.
        pg_bin = pg_cluster.find_bin()
        if pg_bin is None:
            check(False, "PostgreSQL server binaries not found (scripts/install-deps installs "
                         "postgresql)")
        else:
            db = pg_cluster.Cluster(pg_bin)
            try:
                db.start()
                db.create_db()
                pg_dir = os.path.join(tmp, "pg")
                os.makedirs(pg_dir)
                kek = os.path.join(pg_dir, "kek")
                with open(kek, "w") as f:
                    f.write(os.urandom(32).hex() + "\n")
                os.chmod(kek, 0o600)
                run(args.attestd, pg_dir, "postgres", db.url(), quote,
                    extra + ["--token-key-kek-file", kek])
            finally:
                db.cleanup()
    except Exception as e:  # noqa: BLE001
        check(False, f"unexpected error: {e!r}")
    return mc.finish(tmp)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Token-signing keys in the store, rotated across two replicas (issue 12, item 4):

- both replicas sign with, and publish, the same key, loaded from the store;
- `attestctl keys rotate` publishes the next key in both replicas' /certs before it signs;
  every token issued before the activation time carries the old kid, every token after it
  the new kid, on both replicas;
- a token signed by the old key still verifies against both replicas' /certs after the
  switch (during the retention);
- private keys are sealed in the store (no DER key in the table) and neither key material
  nor the KEK appears in the logs; a KEK file readable by others is refused.

Signed tokens come from policy-management results (no evidence vectors needed).
Exit codes: 0 pass, 1 fail, 77 skipped.
"""
import argparse
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
    import pg_cluster
    from cryptography import x509  # noqa: F401  (fc.verifies needs it)
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

FAILURES = []


def check(cond, what):
    print(f"  {'ok  ' if cond else 'FAIL'} {what}")
    if not cond:
        FAILURES.append(what)
    return cond


def kids(server):
    s, body = server.request("GET", "/certs")
    return [k["kid"] for k in json.loads(body)["keys"]] if s == 200 else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--attestctl", required=True)
    args = ap.parse_args()
    pg_bin = pg_cluster.find_bin()
    if pg_bin is None:
        print("SKIP: PostgreSQL server binaries not found (install postgresql)")
        return 77

    tmp = tempfile.mkdtemp(prefix="attestd-fleet-keys-")
    db = pg_cluster.Cluster(pg_bin)
    replicas = []
    try:
        db.start()
        db.create_db()
        pki = mc.Pki(tmp)
        w = {"Authorization": pki.bearer()}
        kek_hex = os.urandom(32).hex()
        kek = os.path.join(tmp, "kek")
        with open(kek, "w") as f:
            f.write(kek_hex + "\n")
        os.chmod(kek, 0o644)
        conf = os.path.join(tmp, "attestd.toml")
        with open(conf, "w") as f:
            f.write("token_key_refresh_seconds = 1\n")
        r = fc.init_provider(args.attestd, os.path.join(tmp, "init"), db.url())
        check(r.returncode == 0, "attestd init --store")

        print("a KEK file others can read is refused")
        bad = None
        try:
            bad = fc.Replica(args.attestd, pki, os.path.join(tmp, "bad"), os.path.join(tmp, "bad.log"),
                             db.url(), ["--token-key-kek-file", kek])
        except RuntimeError:
            pass
        with open(os.path.join(tmp, "bad.log")) as f:
            check(bad is None and "KEK_INVALID" in f.read(), "attestd refuses to start (KEK_INVALID)")
        os.chmod(kek, 0o600)

        extra = ["--config", conf, "--token-key-kek-file", kek]
        a = fc.Replica(args.attestd, pki, os.path.join(tmp, "a"), os.path.join(tmp, "a.log"),
                       db.url(), extra)
        replicas.append(a)
        b = fc.Replica(args.attestd, pki, os.path.join(tmp, "b"), os.path.join(tmp, "b.log"),
                       db.url(), extra)
        replicas.append(b)
        k1 = kids(a)
        check(len(k1) == 1 and kids(b) == k1, f"both replicas publish the same single key {k1}")

        def token_from(server, tag):
            s, body = server.request("PUT", "/policies/SgxEnclave" + mc.API,
                                     body=mc.policy_jws(mc.policy_text(tag)), headers=w)
            return json.loads(body)["token"] if s == 200 else None

        t_old = token_from(a, "before")
        check(t_old is not None and jwt.get_unverified_header(t_old)["kid"] == k1[0],
              "a token signed by the first key")
        check(fc.verifies(b, t_old), "A's token verifies against B's /certs")

        print("TPM service_context across replicas (its key derived from the KEK)")
        tb = pki.bearer(roles=())
        ctx = fc.tpm_context(a, tb)
        s, reason, message = fc.tpm_context_reason(b, ctx, tb) if ctx else (0, "", "")
        check(s == 400 and reason == "TPM_PROTOCOL_MESSAGE_MALFORMED" and "request_key" in message,
              f"A's service_context accepted by B, round 2 goes on to request_key ({s} {reason})")
        check(not any(os.path.exists(os.path.join(tmp, r, "tpm-context.key")) for r in ("a", "b")),
              "no tpm-context.key file: nothing to copy between replicas")

        print("rotation")
        overlap = 6
        r = subprocess.run([args.attestctl, "keys", "rotate", "--store", db.url(), "--kek-file", kek,
                            "--overlap-seconds", str(overlap)], capture_output=True, text=True)
        check(r.returncode == 0, f"attestctl keys rotate ({r.stderr.strip()})")
        rotated = json.loads(r.stdout) if r.returncode == 0 else {"kid": None, "activate_at": 0}
        k2, activate_at = rotated["kid"], rotated["activate_at"]
        published = False
        for _ in range(200):  # bounded poll (token_key_refresh_seconds = 1)
            if k2 in kids(a) and k2 in kids(b):
                published = True
                break
            time.sleep(0.05)
        check(published, "the next key is in both replicas' /certs")
        # Every token is signed by the key of its issue time: never the new key before its
        # activation, so relying parties always find the kid in a /certs they fetched earlier.
        wrong = []
        n = 0
        while time.time() < activate_at + 2:
            for srv in (a, b):
                t = token_from(srv, f"t{n}")
                n += 1
                if t is None:
                    wrong.append("no token")
                    continue
                iat = jwt.decode(t, options={"verify_signature": False})["iat"]
                kid = jwt.get_unverified_header(t)["kid"]
                expected = k2 if iat >= activate_at else k1[0]
                if kid != expected:
                    wrong.append((iat, kid))
            time.sleep(0.2)
        check(not wrong, f"tokens before the activation carry the old kid, after it the new "
                         f"({n} tokens, wrong: {wrong[:3]})")
        t_new = token_from(b, "after")
        check(t_new is not None and jwt.get_unverified_header(t_new)["kid"] == k2,
              "after the overlap both replicas sign with the new key")
        check(k1[0] in kids(a) and k1[0] in kids(b), "the old key stays listed on both")
        check(fc.verifies(a, t_old) and fc.verifies(b, t_old), "a token of the old key still verifies")
        check(fc.verifies(a, t_new), "a token of the new key verifies")

        r = subprocess.run([args.attestctl, "keys", "list", "--store", db.url()],
                           capture_output=True, text=True)
        listed = [json.loads(line)["kid"] for line in r.stdout.splitlines() if line.strip()]
        check(listed == [k1[0], k2], f"attestctl keys list ({listed})")

        print("material at rest and in logs")
        sealed = db.psql("attestd", "SELECT encode(sealed_private_key, 'hex') FROM token_keys")
        check(sealed and "3082" not in sealed[:8], "sealed keys are not DER in the table")
        logs = ""
        for name in ("a.log", "b.log", "bad.log"):
            with open(os.path.join(tmp, name)) as f:
                logs += f.read()
        check(kek_hex not in logs and "PRIVATE KEY" not in logs, "no key material in the logs")
    finally:
        for r in replicas:
            if r.proc.poll() is None:
                r.stop()
        db.cleanup()
        if FAILURES:
            print(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

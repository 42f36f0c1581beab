#!/usr/bin/python3
"""attestctl policy sign|get|set|reset and signers list|add|remove against a real attestd in
Isolated mode (issue 4, item 6): documents signed by attestctl are accepted, the
PolicyTokenHash check passes, refused calls exit 1 with the error envelope on stderr.

Exit codes: 0 pass, 1 fail, 77 skipped (PyJWT/cryptography absent).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

try:
    import mgmt_common as mc
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

check = mc.check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--attestctl", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="attestd-mgmt-cli-")
    server = None
    try:
        pki = mc.Pki(tmp)
        data_dir = os.path.join(tmp, "data")
        port = mc.free_port()
        r = mc.init_provider(args.attestd, data_dir, f"https://127.0.0.1:{port}", "isolated",
                             [pki.signer_pem("A")])
        check(r.returncode == 0, "init isolated")
        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"), port)
        env = dict(os.environ, ATTESTCTL_BEARER=pki.bearer().split(" ", 1)[1])
        conn = ["--endpoint", server.base, "--ca", pki.ca]
        key_a = ["--key", os.path.join(tmp, "signerA.key"), "--cert", pki.signer_pem("A")]

        def ctl(*argv):
            return subprocess.run([args.attestctl, *argv], capture_output=True, text=True, env=env)

        text = mc.policy_text("cli")
        pfile = os.path.join(tmp, "policy.txt")
        with open(pfile, "w") as f:
            f.write(text)
        r = ctl("policy", "sign", "--policy", pfile, *key_a)
        check(r.returncode == 0 and r.stdout.strip().count(".") == 2, "policy sign prints a JWS")
        signed = r.stdout.strip()
        jfile = os.path.join(tmp, "policy.jws")
        with open(jfile, "w") as f:
            f.write(signed + "\n")

        r = ctl("policy", "set", *conn, "--type", "SgxEnclave", "--policy", pfile)
        check(r.returncode == 1 and json.loads(r.stderr)["error"]["code"] == "InvalidOperation",
              f"unsigned set refused in isolated mode (exit {r.returncode})")
        r = ctl("policy", "set", *conn, "--type", "SgxEnclave", "--document", jfile)
        out = json.loads(r.stdout) if r.returncode == 0 else {}
        check(out.get("x-ms-policy-result") == "Updated" and
              out.get("x-ms-policy-token-hash") == mc.token_hash(signed) and
              out.get("policyTokenHashVerified") is True,
              f"set --document: Updated, hash verified ({r.stderr.strip()[:200]})")
        r = ctl("policy", "set", *conn, "--type", "OpenEnclave", "--policy", pfile, "--signed", *key_a)
        check(r.returncode == 0 and "x-ms-policy-signer" in json.loads(r.stdout or "{}"),
              f"set --signed: signer returned ({r.stderr.strip()[:200]})")
        r = ctl("policy", "get", *conn, "--type", "SgxEnclave")
        check(r.returncode == 0 and r.stdout.rstrip("\n") == text, "policy get prints the text")
        r = ctl("policy", "get", *conn, "--type", "SgxEnclave", "--jws")
        check(r.returncode == 0 and r.stdout.strip() == signed, "policy get --jws prints the JWS as set")
        r = ctl("policy", "reset", *conn, "--type", "SgxEnclave", "--signed", *key_a)
        check(r.returncode == 0 and json.loads(r.stdout)["x-ms-policy-result"] == "Removed", "policy reset")
        r = ctl("policy", "get", *conn, "--type", "SgxEnclave")
        check(r.returncode == 0 and r.stdout.startswith("version= 1.0;"), "default policy after reset")

        r = ctl("signers", "list", *conn)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        check(r.returncode == 0 and [l["thumbprint"] for l in lines] == [mc.thumbprint(pki.signers["A"][1])],
              "signers list: A")
        signer_a = ["--key", os.path.join(tmp, "signerA.key"), "--signer-cert", pki.signer_pem("A")]
        r = ctl("signers", "add", *conn, "--cert", pki.signer_pem("C"), *signer_a)
        check(r.returncode == 0 and json.loads(r.stdout)["x-ms-policycertificates-result"] == "IsPresent",
              "signers add C")
        r = ctl("signers", "add", *conn, "--cert", pki.signer_pem("B"),
                "--key", os.path.join(tmp, "signerB.key"), "--signer-cert", pki.signer_pem("B"))
        check(r.returncode == 1 and json.loads(r.stderr)["error"]["reason"] == "SIGNER_NOT_TRUSTED",
              "signers add signed by an unregistered key: refused")
        r = ctl("signers", "remove", *conn, "--cert", pki.signer_pem("C"), *signer_a)
        check(r.returncode == 0 and json.loads(r.stdout)["x-ms-policycertificates-result"] == "IsAbsent",
              "signers remove C")
        r = ctl("signers", "remove", *conn, "--cert", pki.signer_pem("A"), *signer_a)
        check(r.returncode == 1 and json.loads(r.stderr)["error"]["reason"] == "LAST_SIGNER",
              "the last signer cannot be removed")
        env.pop("ATTESTCTL_BEARER")
        r = ctl("signers", "list", *conn)
        check(r.returncode == 1 and json.loads(r.stderr)["error"]["code"] == "Unauthorized",
              "no bearer: Unauthorized")
    except BaseException:
        if server:
            server.stop()
        raise
    return mc.finish(tmp, server)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""End to end TPM attestation with a real (software) TPM: swtpm on a Unix socket in a temp
directory, `attestctl attest --type Tpm` through tpm2-tss ESAPI against a fresh attestd over
HTTPS (bearer-authenticated /attest/Tpm), the token checked with PyJWT, the same quote checked
independently with tpm2_checkquote, PCRs extended after quoting make it fail, and a replayed
protocol message is refused. Exit 77 (skip) without swtpm / tpm2-tools / PyJWT.
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mgmt"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swtpm_common import Swtpm, agile_log  # noqa: E402
try:
    import jwt  # PyJWT
    import mgmt_common as mc
    from mgmt_common import FAILURES, check
except ImportError as e:
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(SKIP)

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--attestctl", required=True)
    args = ap.parse_args()
    for tool in ("swtpm", "tpm2_checkquote", "tpm2_pcrextend", "tpm2_pcrread"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not installed (Debian swtpm, tpm2-tools)")
            return SKIP

    tmp = tempfile.mkdtemp(prefix="attestd-tpm-e2e-")
    tpm = Swtpm(tmp)
    tcti, env = tpm.tcti, tpm.env
    server = None
    try:
        # Measurements with a matching event log: PCR 8 gets two events, PCR 9 one.
        events = [(8, 0x0D, b"grub_cmd: linux /vmlinuz"), (8, 0x0D, b"grub_cmd: initrd /initrd"),
                  (9, 0x0D, b"/boot/vmlinuz")]
        for pcr, _, data in events:
            tpm.extend(pcr, data)
        log_path = os.path.join(tmp, "eventlog.bin")
        with open(log_path, "wb") as f:
            f.write(agile_log(events))

        pki = mc.Pki(tmp)
        cfg = os.path.join(tmp, "attestd.toml")
        with open(cfg, "w") as f:
            f.write("tpm_trust_ak_as_presented = true\n")
        data_dir = os.path.join(tmp, "data")
        os.mkdir(data_dir)
        # AAD mode, so the test can set a Tpm policy below with a bearer.
        port = mc.free_port()
        r = mc.init_provider(args.attestd, data_dir, f"https://127.0.0.1:{port}", "aad", [])
        check(r.returncode == 0, f"attestd init --mode aad ({r.stderr.strip()[:200]})")
        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"), port=port,
                           extra_args=["--config", cfg])
        check(os.stat(os.path.join(data_dir, "tpm-context.key")).st_mode & 0o777 == 0o600,
              "service_context key created 0600 beside the signing key")
        bearer_file = os.path.join(tmp, "bearer")
        with open(bearer_file, "w") as f:
            f.write(pki.bearer(roles=())[len("Bearer "):])
        dump = os.path.join(tmp, "dump")
        os.mkdir(dump)
        p = subprocess.run([args.attestctl, "attest", "--type", "Tpm", "--endpoint", server.base,
                            "--tcti", tcti, "--bearer", "@" + bearer_file, "--ca", pki.ca,
                            "--eventlog", log_path, "--dump-dir", dump],
                           capture_output=True, text=True, timeout=300)
        check(p.returncode == 0, f"attestctl attest --type Tpm exits 0 ({p.stderr.strip()[:300]})")
        token = p.stdout.strip()

        # The token, checked by an independent JOSE library against /certs.
        status, body = server.request("GET", "/certs")
        keys = json.loads(body)["keys"]
        kid = jwt.get_unverified_header(token)["kid"] if token.count(".") == 2 else None
        jwk = next((k for k in keys if k.get("kid") == kid), None)
        check(jwk is not None, "token kid is in /certs")
        if jwk is not None:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
            claims = jwt.decode(token, key, algorithms=["RS256"], issuer=server.base,
                                options={"verify_aud": False})
            check(claims.get("x-ms-attestation-type") == "tpm", "x-ms-attestation-type is tpm")
            check(claims.get("tpmVersion") == 2, "tpmVersion 2")
            check(claims.get("aikValidated") is False and claims.get("x-ms-tpm-ak-trust") == "as-presented",
                  "AK trusted as presented (configured), aikValidated false")
            check(len(claims.get("pcrs", {}).get("PCRs", [])) == 24, "24 quoted PCRs in pcrs")
            check("events" not in claims,
                  "the event model is a policy input, not carried in the token (as MAA)")
            check("jwk" in claims.get("cnf", {}), "cnf carries the request key")

        # Independent cross-check of the same quote: tpm2_checkquote verifies the AK signature
        # and the qualifying data (tpm2-tools 5.4 reads PCR files only in its own serialisation,
        # so the pcrDigest is recomputed here: SHA-256 of the values = the quote's last 32 bytes).
        nonce = open(os.path.join(dump, "nonce.hex")).read().strip()
        quote_msg = open(os.path.join(dump, "quote.msg"), "rb").read()
        q = subprocess.run(["tpm2_checkquote", "-u", os.path.join(dump, "ak.pem"), "-m",
                            os.path.join(dump, "quote.msg"), "-s", os.path.join(dump, "quote.sig"),
                            "-g", "sha256", "-q", nonce], capture_output=True, text=True)
        check(q.returncode == 0, f"tpm2_checkquote accepts the quote's signature and nonce ({q.stderr.strip()[:200]})")
        q_bad = subprocess.run(["tpm2_checkquote", "-u", os.path.join(dump, "ak.pem"), "-m",
                                os.path.join(dump, "quote.msg"), "-s", os.path.join(dump, "quote.sig"),
                                "-g", "sha256", "-q", ("01" if nonce[:2] == "00" else "00") + nonce[2:]], capture_output=True, text=True)
        check(q_bad.returncode != 0, "tpm2_checkquote refuses another nonce")
        pcrs_bin = open(os.path.join(dump, "pcrs.bin"), "rb").read()
        check(hashlib.sha256(pcrs_bin).digest() == quote_msg[-32:], "pcrDigest = SHA-256(sent PCR values)")
        v = subprocess.run([args.attestctl, "verify", "--type", "tpm", "--quote", os.path.join(dump, "quote.msg"),
                            "--signature", os.path.join(dump, "quote.sig"), "--ak", os.path.join(dump, "ak.tpmt"),
                            "--pcrs", os.path.join(dump, "pcrs.json"), "--eventlog", log_path, "--nonce", nonce],
                           capture_output=True, text=True)
        check(v.returncode == 0, "attestctl verify --type tpm accepts the swtpm quote offline")

        # PCRs extended after quoting: the values no longer hash to the quote's pcrDigest.
        subprocess.run(["tpm2_pcrextend", "16:sha256=" + "11" * 32], env=env, check=True, capture_output=True)
        r = subprocess.run(["tpm2_pcrread", "sha256:16"], env=env, check=True, capture_output=True, text=True)
        pcr16 = r.stdout.split("16:")[1].strip().split()[0].removeprefix("0x").lower()
        pj = json.load(open(os.path.join(dump, "pcrs.json")))
        pj["pcrs"]["16"] = pcr16
        after_json = os.path.join(tmp, "pcrs_after.json")
        json.dump(pj, open(after_json, "w"))
        after_bin = b"".join(bytes.fromhex(pj["pcrs"][str(i)]) for i in range(24))
        check(hashlib.sha256(after_bin).digest() != quote_msg[-32:],
              "PCR values read after an extend no longer hash to the quote's pcrDigest")
        v2 = subprocess.run([args.attestctl, "verify", "--type", "tpm", "--quote", os.path.join(dump, "quote.msg"),
                             "--signature", os.path.join(dump, "quote.sig"), "--ak", os.path.join(dump, "ak.tpmt"),
                             "--pcrs", after_json, "--nonce", nonce], capture_output=True, text=True)
        out = json.loads(v2.stdout or "{}")
        check(v2.returncode == 1 and out.get("error", {}).get("reason") == "TPM_PCR_DIGEST_MISMATCH",
              "attestctl verify refuses PCR values read after an extend (TPM_PCR_DIGEST_MISMATCH)")
        # A live run now still succeeds: the client quotes the current PCRs.

        # The round-2 message replayed: its service_context was used.
        round2 = open(os.path.join(dump, "round2.json"), "rb").read()
        auth = {"Authorization": pki.bearer(roles=()), "Content-Type": "application/json"}
        status, body = server.request("POST", "/attest/Tpm?api-version=2022-08-01",
                                      json.dumps({"data": b64url(round2)}), auth)
        err = json.loads(body or b"{}").get("error", {})
        check(status == 400 and err.get("reason") == "TPM_CONTEXT_REPLAYED",
              f"replayed round 2 refused with TPM_CONTEXT_REPLAYED ({status} {err})")

        # required_pcr_mask (maa-service-behaviour.md §5.4 step 4): the default asks for every
        # PCR; the policy's configuration rule sets another mask.
        def attest_pcrs(pcr_list):
            return subprocess.run([args.attestctl, "attest", "--type", "Tpm", "--endpoint", server.base,
                                   "--tcti", tcti, "--bearer", "@" + bearer_file, "--ca", pki.ca,
                                   "--eventlog", log_path, "--pcrs", pcr_list],
                                  capture_output=True, text=True, timeout=300)
        first8 = ",".join(str(i) for i in range(8))
        p = attest_pcrs(first8)
        check(p.returncode != 0 and "TPM_REQUIRED_PCRS_MISSING" in p.stderr and "PCR 8 " in p.stderr,
              f"default mask: a quote of PCRs 0-7 is refused, naming PCR 8 ({p.stderr.strip()[:200]})")
        policy = ('version=1.2; configurationrules{ => issueproperty(type="required_pcr_mask", value=255); };'
                  ' authorizationrules{ => permit(); }; issuancerules{'
                  ' c:[type=="events", issuer=="AttestationService"] => issue(type="grubCommands",'
                  ' value=JsonToClaimValue(JmesPath(c.value, "Events[?PcrIndex == `8`].ProcessedData.String")));'
                  ' c:[type=="events", issuer=="AttestationService"] => issue(type="eventPcrs",'
                  ' value=JsonToClaimValue(JmesPath(c.value, "Events[?EventType != `3`].PcrIndex")));'
                  ' };')
        status, _ = server.request("PUT", "/policies/Tpm?api-version=2022-08-01", body=mc.policy_jws(policy),
                                   headers={"Authorization": pki.bearer()})
        check(status == 200, f"PUT a Tpm policy with required_pcr_mask = 0xFF ({status})")
        p = attest_pcrs(first8)
        check(p.returncode == 0, f"under that policy a quote of PCRs 0-7 is accepted ({p.stderr.strip()[:200]})")
        got = jwt.decode(p.stdout.strip(), options={"verify_signature": False}) if p.returncode == 0 else {}
        check(not {8, 9} & set(got.get("eventPcrs") or []) and not got.get("grubCommands"),
              f"... and its policy sees no event of the unquoted PCRs 8 and 9 ({got.get('eventPcrs')})")
        p = attest_pcrs(",".join(str(i) for i in range(24)))
        got = jwt.decode(p.stdout.strip(), options={"verify_signature": False}) if p.returncode == 0 else {}
        check(got.get("grubCommands") == ["grub_cmd: linux /vmlinuz", "grub_cmd: initrd /initrd"]
              and got.get("eventPcrs") == [8, 8, 9],
              f"with every PCR quoted the policy reads the replayed events ({got.get('grubCommands')}, "
              f"{got.get('eventPcrs')})")
        p = attest_pcrs("0,1,2,7")
        check(p.returncode != 0 and "TPM_REQUIRED_PCRS_MISSING" in p.stderr and "PCR 3 " in p.stderr,
              f"... and a quote of PCRs 0-2,7 is refused, naming PCR 3 ({p.stderr.strip()[:200]})")

        # Round 1 without a bearer: 401; with padded standard base64: the reply uses it too.
        r1 = json.dumps({"payload": {"type": "aikcert"}, "metadata": {"os_ver": "x"}}).encode()
        status, body = server.request("POST", "/attest/Tpm?api-version=2022-08-01",
                                      json.dumps({"data": b64url(r1)}), {"Content-Type": "application/json"})
        check(status == 401, f"/attest/Tpm without a bearer is 401 ({status})")
        status, body = server.request("POST", "/attest/Tpm?api-version=2022-08-01",
                                      json.dumps({"data": base64.b64encode(r1 + b" ").decode()}), auth)
        data = json.loads(body).get("data", "") if status == 200 else ""
        reply = json.loads(base64.b64decode(data)) if data else {}
        check(status == 200 and "challenge" in reply.get("payload", {}) and "service_context" in reply["payload"],
              "round 1 in padded base64 answers a challenge and a service_context")
        status, body = server.request("POST", "/attest/Tpm?api-version=2022-08-01",
                                      json.dumps({"data": b64url(b"{not json")}), auth)
        err = json.loads(body or b"{}").get("error", {})
        check(status == 400 and err.get("reason") == "TPM_PROTOCOL_MESSAGE_MALFORMED" and "code" in err,
              "malformed protocol message: 400 CloudError TPM_PROTOCOL_MESSAGE_MALFORMED")
    finally:
        if server is not None:
            server.stop()
        tpm.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

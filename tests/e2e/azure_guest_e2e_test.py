#!/usr/bin/env python3
"""End to end Azure guest attestation (POST /attest/AzureGuest) against a simulated Azure
SEV-SNP CVM: swtpm as the vTPM, `attestctl azure-cvm simulate` writing an HCL report signed
through the TEST AMD world into NV 0x01400001, attestd over HTTPS trusting the test AMD root
only through its loopback-only --test-trust-anchors, and `attestctl attest --type AzureGuest`
as the guest (quote, PCR-bound ephemeral key certified by the AK, TCG log), unsealing the
answer with the TPM. The token is checked with PyJWT against /certs. Each forgery is refused
with its reason: tampered variable data, a quote over other PCRs, a tampered log, an
EncKeyPub the AK did not certify, a key not bound to the PCRs. Exit 77 (skip) without swtpm /
tpm2-tools / PyJWT.
"""
import argparse
import base64
import json
import os
import shutil
import struct
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

def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Guest:
    def __init__(self, attestctl, tcti, chain, ca, log_path):
        self.attestctl, self.tcti, self.chain, self.ca, self.log_path = attestctl, tcti, chain, ca, log_path

    def run(self, endpoint=None, extra=()):
        cmd = [self.attestctl, "attest", "--type", "AzureGuest", "--tcti", self.tcti,
               "--cert-chain", self.chain, "--ca", self.ca, "--eventlog", self.log_path,
               "--client-payload", "nonce=ADE0101", *extra]
        # --print-request builds the request without sending it (the endpoint is not used).
        cmd += ["--endpoint", endpoint] if endpoint else ["--endpoint", "https://127.0.0.1:1", "--print-request"]
        env = dict(os.environ, TSS2_LOG="all+none")
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)

    def request(self, extra=()):
        p = self.run(extra=extra)
        if p.returncode != 0:
            raise RuntimeError(f"attestctl --print-request failed: {p.stderr[:300]}")
        body = json.loads(p.stdout)
        return json.loads(unb64(body["AttestationInfo"]))


def post(server, info, member="AttestationInfo", encode=b64url):
    body = json.dumps({member: encode(json.dumps(info).encode())})
    status, data = server.request("POST", "/attest/AzureGuest?api-version=2020-10-01", body,
                                  {"Content-Type": "application/json"})
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {}


def expect_refusal(server, what, info, reason):
    status, body = post(server, info)
    got = body.get("error", {}).get("reason") if isinstance(body, dict) else None
    check(status == 400 and got == reason, f"{what}: 400 {reason} (got {status} {got})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--attestctl", required=True)
    args = ap.parse_args()
    for tool in ("swtpm", "tpm2_pcrextend"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not installed (Debian swtpm, tpm2-tools)")
            return SKIP

    tmp = tempfile.mkdtemp(prefix="attestd-azureguest-e2e-")
    tpm = Swtpm(tmp)
    tcti = tpm.tcti
    server = None
    try:
        sim = os.path.join(tmp, "sim")
        os.mkdir(sim)
        p = subprocess.run([args.attestctl, "azure-cvm", "simulate", "--tcti", tcti, "--out", sim],
                           capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, TSS2_LOG="all+none"))
        if not check(p.returncode == 0, f"attestctl azure-cvm simulate exits 0 ({p.stderr.strip()[:300]})"):
            return 1
        # Boot measurements with a matching log: PCR 4 gets two events.
        events = [(4, 0x80000003, b"\\EFI\\BOOT\\BOOTX64.EFI"), (4, 0x80000003, b"\\EFI\\debian\\grubx64.efi")]
        for pcr, _, data in events:
            tpm.extend(pcr, data)
        log_path = os.path.join(tmp, "eventlog.bin")
        with open(log_path, "wb") as f:
            f.write(agile_log(events))

        pki = mc.Pki(tmp)
        data_dir = os.path.join(tmp, "data")
        os.mkdir(data_dir)
        anchors = os.path.join(sim, "test-anchors.json")
        # A production configuration (a non-loopback listener) refuses the test roots.
        refused = subprocess.run([args.attestd, "--listen", "0.0.0.0:1", "--data-dir", data_dir,
                                  "--tls-cert", pki.tls_cert, "--tls-key", pki.tls_key,
                                  "--test-trust-anchors", anchors], capture_output=True, text=True,
                                 timeout=60)
        check(refused.returncode != 0 and "test-only" in (refused.stdout + refused.stderr),
              "attestd refuses --test-trust-anchors on a non-loopback listener")

        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"),
                           extra_args=["--test-trust-anchors", anchors, "--collateral-dir", sim])
        guest = Guest(args.attestctl, tcti, os.path.join(sim, "vcek_chain.pem"), pki.ca, log_path)
        p = guest.run(endpoint=server.base)
        check(p.returncode == 0, f"attestctl attest --type AzureGuest exits 0 ({p.stderr.strip()[:300]})")
        token = p.stdout.strip()

        # The unsealed token, checked by an independent JOSE library against /certs.
        status, body = server.request("GET", "/certs")
        keys = json.loads(body)["keys"]
        kid = jwt.get_unverified_header(token)["kid"] if token.count(".") == 2 else None
        jwk = next((k for k in keys if k.get("kid") == kid), None)
        if check(jwk is not None, "the unsealed token's kid is in /certs"):
            key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
            claims = jwt.decode(token, key, algorithms=["RS256"], issuer=server.base,
                                options={"verify_aud": False})
            check(claims.get("x-ms-attestation-type") == "azurevm", "x-ms-attestation-type azurevm")
            tee = claims.get("x-ms-isolation-tee", {})
            check(tee.get("x-ms-attestation-type") == "sevsnpvm", "x-ms-isolation-tee is the SNP claim set")
            check(tee.get("x-ms-compliance-status") == "azure-compliant-cvm", "azure-compliant-cvm")
            check(tee.get("x-ms-runtime", {}).get("keys", [{}])[0].get("kid") == "HCLAkPub",
                  "x-ms-isolation-tee.x-ms-runtime is the variable data (HCLAkPub)")
            check(claims.get("x-ms-azurevm-attested-pcrs") == list(range(8)), "attested PCRs 0-7")
            check(claims.get("x-ms-azurevm-vmid") == "6F2D9C1E-3B4A-4C5D-8E7F-901A2B3C4D5E", "vmid")
            check(claims.get("x-ms-azurevm-ostype") == "Linux" and claims.get("x-ms-azurevm-is-windows") is False,
                  "Linux guest")
            runtime = claims.get("x-ms-runtime", {})
            check(runtime.get("client-payload", {}).get("nonce") == b64(b"ADE0101"),
                  "x-ms-runtime.client-payload echoes the nonce as sent (base64)")
            check(runtime.get("keys", [{}])[0].get("kid") == "TpmEphemeralEncryptionKey",
                  "x-ms-runtime.keys is the TPM ephemeral key")
            verdict = claims.get("x-attestd-azurevm", {})
            check(verdict.get("ak-trust") == "hcl-binding" and verdict.get("eventlog") == "replayed",
                  f"verdict: AK trusted through the HCL binding, log replayed ({verdict})")

        # The same request in the Python client's spelling: lower-case member, string OS
        # versions, base64url Proof and VcekCertChain; the answer is a sealed envelope.
        info = guest.request()
        py = json.loads(json.dumps(info))
        py["OSVersionMajor"], py["OSVersionMinor"] = str(py["OSVersionMajor"]), str(py["OSVersionMinor"])
        proof = json.loads(unb64(py["IsolationInfo"]["Evidence"]["Proof"]))
        proof["VcekCertChain"] = b64url(unb64(proof["VcekCertChain"]))
        py["IsolationInfo"]["Evidence"]["Proof"] = b64url(json.dumps(proof).encode())
        status, body = post(server, py, member="attestationInfo")
        sealed = json.loads(unb64(body.get("token", ""))) if status == 200 else {}
        check(status == 200 and set(sealed) == {"EncryptedInnerKey", "EncryptionParams",
                                                "AuthenticationData", "Jwt"}
              and sealed["EncryptionParams"].get("BlockMode") == "ChainingModeGCM",
              f"Python-client variant: 200 with the sealed envelope (got {status})")
        status, body = post(server, info, encode=b64)
        check(status == 200, f"AttestationInfo in standard base64 (C++ client): 200 (got {status})")

        # Forgeries, each refused with its reason.
        bad = json.loads(json.dumps(info))
        var = unb64(bad["IsolationInfo"]["Evidence"]["RunTimeData"]).replace(b"6F2D9C1E", b"00000000")
        bad["IsolationInfo"]["Evidence"]["RunTimeData"] = b64(var)
        expect_refusal(server, "tampered variable data", bad, "HCL_VARIABLE_DATA_MISMATCH")

        other = guest.request(extra=["--pcrs", "0,1,2"])
        bad = json.loads(json.dumps(info))
        bad["TpmInfo"]["PcrQuote"] = other["TpmInfo"]["PcrQuote"]
        bad["TpmInfo"]["PcrSignature"] = other["TpmInfo"]["PcrSignature"]
        expect_refusal(server, "a quote over other PCRs", bad, "TPM_PCR_VALUES_NOT_QUOTED")

        bad = json.loads(json.dumps(info))
        bad["TcgLogs"] = b64(agile_log(events + [(4, 0x80000003, b"\\EFI\\evil.efi")]))
        expect_refusal(server, "a tampered TCG log", bad, "TPM_EVENTLOG_REPLAY_MISMATCH")

        bad = json.loads(json.dumps(info))
        bad["TpmInfo"]["EncKeyPub"] = other["TpmInfo"]["EncKeyPub"]
        expect_refusal(server, "an EncKeyPub the AK did not certify", bad, "TPM_CERTIFY_NAME_MISMATCH")

        unbound = guest.request(extra=["--unbound-key"])
        expect_refusal(server, "an ephemeral key not bound to the PCRs", unbound,
                       "TPM_ENC_KEY_POLICY_MISMATCH")

        bad = json.loads(json.dumps(info))
        bad["TpmInfo"]["PCRs"][7]["Digest"] = b64(bytes(32))
        bad["TpmInfo"]["PCRs"][4]["Digest"] = b64(bytes([1] * 32))
        expect_refusal(server, "PCR values the quote does not vouch for", bad, "TPM_PCR_DIGEST_MISMATCH")

        # A Windows guest's boot properties: a SIPA trust boundary (test signing on, debugging
        # off, an ELAM driver, HVCI policy 3) measured into PCR 12 and quoted with 0-7.
        def sipa(t, v):
            return struct.pack("<II", t, len(v)) + v
        boundary = sipa(0x40010001, sipa(0x00040001, b"\0") + sipa(0x00050001, b"\0")
                        + sipa(0x00050002, b"\1") + sipa(0x00050003, b"\1") + sipa(0x00050021, b"\0")
                        + sipa(0x000A0007, struct.pack("<Q", 3))
                        + sipa(0x40010002, sipa(0x00090001, "Windows Defender\0".encode("utf-16-le"))))
        tpm.extend(12, boundary)
        win_events = events + [(12, 6, boundary)]
        win_log = os.path.join(tmp, "eventlog-windows.bin")
        with open(win_log, "wb") as f:
            f.write(agile_log(win_events))
        win_guest = Guest(args.attestctl, tcti, os.path.join(sim, "vcek_chain.pem"), pki.ca, win_log)
        p = win_guest.run(endpoint=server.base, extra=["--pcrs", "0,1,2,3,4,5,6,7,12"])
        check(p.returncode == 0, f"Windows boot events in PCR 12: attest exits 0 ({p.stderr.strip()[:300]})")
        win = jwt.decode(p.stdout.strip(), options={"verify_signature": False}) if p.returncode == 0 else {}
        want = {"x-ms-azurevm-bootdebug-enabled": False, "x-ms-azurevm-kerneldebug-enabled": False,
                "x-ms-azurevm-testsigning-enabled": True, "x-ms-azurevm-flightsigning-enabled": False,
                "x-ms-azurevm-signingdisabled": False, "x-ms-azurevm-debuggersdisabled": True,
                "x-ms-azurevm-elam-enabled": True, "x-ms-azurevm-hvci-policy": 3}
        got = {k: win.get(k) for k in want}
        check(got == want, f"x-ms-azurevm-* booleans derived from the trust boundary ({got})")
        check("x-ms-azurevm-hypervisordebug-enabled" not in win,
              "a property the log does not record is not invented (hypervisordebug)")
        check(win.get("x-attestd-azurevm", {}).get("windows-boot") == "sipa", "verdict: windows-boot sipa")
        # The same log with PCR 12 left out of the quote: its events were never checked against
        # the TPM, so nothing is derived from them.
        p = win_guest.run(endpoint=server.base)
        unq = jwt.decode(p.stdout.strip(), options={"verify_signature": False}) if p.returncode == 0 else {}
        check(p.returncode == 0 and "x-ms-azurevm-testsigning-enabled" not in unq
              and "not quoted" in unq.get("x-attestd-azurevm", {}).get("windows-boot", ""),
              f"PCR 12 not quoted: no booleans, the verdict says why ({unq.get('x-attestd-azurevm')})")

        # After the PCRs move, the TPM refuses to unseal for a key bound to the old values.
        tpm.extend(4, b"late")
        p = guest.run(endpoint=server.base)
        check(p.returncode != 0, "after PCR 4 moves, the stale TCG log is refused")

        # Without the test roots, the same evidence does not verify.
        server.stop()
        server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd-prod.log"),
                           extra_args=["--collateral-dir", sim])
        status, body = post(server, info)
        check(status == 400 and body.get("error", {}).get("reason", "").startswith("SNP_"),
              f"a server without the test roots refuses the simulated CVM (got {status} {body})")
    finally:
        if server is not None:
            server.stop()
        tpm.stop()
        if FAILURES:
            for log in ("attestd.log", "attestd-prod.log"):
                path = os.path.join(tmp, log)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        print(f"--- {log} ---\n" + "".join(f.readlines()[-20:]))
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"FAILED: {len(FAILURES)} check(s)")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

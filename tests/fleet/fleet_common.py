"""Shared helpers of the fleet tests: attestd replicas on one shared store (PostgreSQL), all
with the same public base URL (issuer), as behind a load balancer."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mgmt"))
import mgmt_common as mc  # noqa: E402  (PyJWT + cryptography)

BASE_URL = "https://attestd.fleet.test"


class Replica(mc.Server):
    """An attestd on its own loopback port and data directory, sharing `store_url`."""

    def __init__(self, attestd, pki, data_dir, log_path, store_url, extra_args=(), wait=True,
                 base_url=BASE_URL):
        self.port = mc.free_port()
        self.base = base_url
        self.ctx = __import__("ssl").create_default_context(cafile=pki.ca)
        args = [attestd, "--listen", f"127.0.0.1:{self.port}", "--base-url", base_url,
                "--data-dir", data_dir, "--store", store_url,
                "--tls-cert", pki.tls_cert, "--tls-key", pki.tls_key,
                "--aad-issuer", mc.ISSUER, "--aad-jwks", pki.jwks, "--aad-audience", mc.AUDIENCE,
                "--workers", "2", "--log-level", "info", *extra_args]
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def ready(self):
        try:
            return self.request("GET", "/ready")[0] == 200
        except OSError:
            return False

    def wait_ready(self):
        for _ in range(1200):  # until it answers or exits; not a timing assertion
            if self.proc.poll() is not None:
                raise RuntimeError(f"attestd exited with {self.proc.returncode}; see {self.log_path}")
            if self.ready():
                return
            time.sleep(0.1)
        raise RuntimeError("attestd did not become ready")


def init_provider(attestd, data_dir, store_url, mode="aad", signer_pems=()):
    args = [attestd, "init", "--data-dir", data_dir, "--store", store_url, "--base-url", BASE_URL,
            "--mode", mode]
    for p in signer_pems:
        args += ["--policy-signer", p]
    return subprocess.run(args, capture_output=True, text=True)


def certs(server):
    """`server`'s /certs keys, or None."""
    import json
    s, body = server.request("GET", "/certs")
    return json.loads(body)["keys"] if s == 200 else None


def verifies(server, token, issuer=BASE_URL):
    """True when `token` verifies against `server`'s /certs: its kid is listed, the RS256
    signature checks with that certificate's key, and iss is `issuer`."""
    return verifies_with(certs(server), token, issuer)


def verifies_with(keys, token, issuer=BASE_URL):
    """True when `token` verifies with one of `keys` (a /certs "keys" list), as verifies()."""
    import base64
    import jwt
    from cryptography import x509
    if keys is None:
        return False
    kid = jwt.get_unverified_header(token)["kid"]
    for k in keys:
        if k["kid"] == kid:
            cert = x509.load_der_x509_certificate(base64.b64decode(k["x5c"][0]))
            try:
                jwt.decode(token, cert.public_key(), algorithms=["RS256"],
                           options={"verify_aud": False}, issuer=issuer)
                return True
            except jwt.InvalidTokenError:
                return False
    return False


def tpm_context(server, bearer, headers=None):
    """Round 1 of /attest/Tpm at `server`: the sealed service_context, or None."""
    import base64
    import json
    msg = json.dumps({"payload": {"type": "aikcert"}}).encode()
    s, body = server.request("POST", "/attest/Tpm" + mc.API, json.dumps({"data": mc.b64url(msg)}),
                             {"Authorization": bearer, "Content-Type": "application/json",
                              **(headers or {})})
    if s != 200:
        return None
    data = json.loads(body)["data"]
    reply = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return reply["payload"]["service_context"]


def tpm_context_reason(server, context, bearer, headers=None):
    """Round 2 at `server` with `context` in an attReqV2 that stops right after the context
    check (no request_key): the failure reason. TPM_PROTOCOL_MESSAGE_MALFORMED means the
    context was accepted (and is now used); TPM_CONTEXT_INVALID that it was not."""
    import json
    header = mc.b64url(json.dumps({"alg": "PS256", "typ": "attReqV2"}).encode())
    payload = mc.b64url(json.dumps({"att_data": {}, "service_context": context}).encode())
    jws = f"{header}.{payload}.{mc.b64url(b'not a signature')}"
    msg = json.dumps({"payload": {"request": jws}}).encode()
    s, body = server.request("POST", "/attest/Tpm" + mc.API, json.dumps({"data": mc.b64url(msg)}),
                             {"Authorization": bearer, "Content-Type": "application/json",
                              **(headers or {})})
    try:
        err = json.loads(body).get("error", {})
    except ValueError:
        err = {}
    return s, err.get("reason", ""), err.get("message", "")

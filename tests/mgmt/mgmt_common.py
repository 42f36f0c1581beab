"""Shared helpers of the policy-management black-box tests: a throw-away PKI (TLS server,
bearer-token issuer, policy-management signers), bearer tokens, StoredAttestationPolicy and
certificate JWS documents built independently of attestd (PyJWT + cryptography), and an
attestd process started on a free loopback port."""
import base64
import datetime
import hashlib
import http.client
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import jwt  # PyJWT
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

API = "?api-version=2022-08-01"
ISSUER = "https://idp.attestd.test/tenant"
AUDIENCE = "https://attest.azure.net"
WRITE_ROLE = "AttestationPolicy.Write"
READ_ROLE = "AttestationPolicy.Read"
UNSIGNED_HEADER = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def token_hash(body: str) -> str:
    return b64url(hashlib.sha256(body.encode()).digest())


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def self_signed(cn, key=None, ca=False):
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def der_b64(cert) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def thumbprint(cert) -> str:
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def write_pem(path, obj):
    with open(path, "wb") as f:
        if isinstance(obj, x509.Certificate):
            f.write(obj.public_bytes(serialization.Encoding.PEM))
        else:
            f.write(obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))


class Pki:
    """TLS CA + server cert, IdP key pair (JWKS file) and three policy signers."""

    def __init__(self, tmp):
        self.tmp = tmp
        ca_key, ca = self_signed("attestd mgmt test CA", ec.generate_private_key(ec.SECP256R1()), ca=True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                .issuer_name(ca.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(_now() - datetime.timedelta(days=1))
                .not_valid_after(_now() + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                    critical=False)
                .sign(ca_key, hashes.SHA256()))
        self.ca = os.path.join(tmp, "ca.pem")
        self.tls_cert = os.path.join(tmp, "tls.pem")
        self.tls_key = os.path.join(tmp, "tls.key")
        write_pem(self.ca, ca)
        write_pem(self.tls_cert, cert)
        write_pem(self.tls_key, key)
        # Bearer-token issuer and an impostor with the same kid.
        self.idp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.idp_key.public_key()))
        jwk["kid"] = "idp-1"
        self.jwks = os.path.join(tmp, "idp-jwks.json")
        with open(self.jwks, "w") as f:
            json.dump({"keys": [jwk]}, f)
        # Policy-management signers: A registered at init, B never, C added at run time.
        self.signers = {}
        for name in ("A", "B", "C"):
            k, c = self_signed(f"policy signer {name}")
            self.signers[name] = (k, c)
            write_pem(os.path.join(tmp, f"signer{name}.pem"), c)
            write_pem(os.path.join(tmp, f"signer{name}.key"), k)

    def signer_pem(self, name):
        return os.path.join(self.tmp, f"signer{name}.pem")

    def bearer(self, roles=(WRITE_ROLE,), expired=False, rogue=False):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "tester", "roles": list(roles),
                  "iat": now - 7200 if expired else now,
                  "nbf": now - 7200 if expired else now,
                  "exp": now - 3600 if expired else now + 3600}
        key = self.rogue_key if rogue else self.idp_key
        return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})


def sign_jws(payload_bytes: bytes, signer=None) -> str:
    """Compact JWS; `signer` = (key, cert) -> RS256 with x5c, None -> alg none."""
    if signer is None:
        return UNSIGNED_HEADER + "." + b64url(payload_bytes) + "."
    key, cert = signer
    header = b64url(json.dumps({"alg": "RS256", "x5c": [der_b64(cert)]},
                               separators=(",", ":")).encode())
    signing_input = header + "." + b64url(payload_bytes)
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(sig)


def policy_jws(text: str, signer=None) -> str:
    payload = json.dumps({"AttestationPolicy": b64url(text.encode())}, separators=(",", ":"))
    return sign_jws(payload.encode(), signer)


def reset_jws(signer=None) -> str:
    return sign_jws(b"", signer)


def cert_body(cert, signer=None) -> str:
    payload = json.dumps({"policyCertificate": {"kty": "RSA", "x5c": [der_b64(cert)]}},
                         separators=(",", ":"))
    return json.dumps(sign_jws(payload.encode(), signer))  # a JSON string literal


def policy_text(tag: str) -> str:
    return ("version=1.0; authorizationrules{=> permit();}; issuancerules{"
            f'c:[type=="x-ms-attestation-type"] => issue(type="tag", value="{tag}");}};')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def init_provider(attestd, data_dir, base, mode, signer_pems):
    args = [attestd, "init", "--data-dir", data_dir, "--base-url", base, "--mode", mode]
    for p in signer_pems:
        args += ["--policy-signer", p]
    return subprocess.run(args, capture_output=True, text=True)


class Server:
    def __init__(self, attestd, pki, data_dir, log_path, port=None, extra_args=()):
        self.port = port or free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.ctx = ssl.create_default_context(cafile=pki.ca)
        args = [attestd, "--listen", f"127.0.0.1:{self.port}", "--base-url", self.base,
                "--data-dir", data_dir, "--tls-cert", pki.tls_cert, "--tls-key", pki.tls_key,
                "--aad-issuer", ISSUER, "--aad-jwks", pki.jwks, "--aad-audience", AUDIENCE,
                "--workers", "2", "--log-level", "warn", *extra_args]
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):  # until it answers or exits; not a timing assertion
            if self.proc.poll() is not None:
                raise RuntimeError(f"attestd exited with {self.proc.returncode}; see {log_path}")
            try:
                if self.request("GET", "/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("attestd did not become ready")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=60)
        try:
            hdrs = {"Content-Type": "text/plain"}
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()


def result_claims(server, body: bytes):
    """Verifies a {"token": JWT} answer against /certs with PyJWT; returns its claims."""
    token = json.loads(body)["token"]
    status, certs = server.request("GET", "/certs")
    keys = json.loads(certs)["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    for k in keys:
        if k["kid"] == kid:
            cert = x509.load_der_x509_certificate(base64.b64decode(k["x5c"][0]))
            return jwt.decode(token, cert.public_key(), algorithms=["RS256"],
                              options={"verify_aud": False}, issuer=server.base)
    raise AssertionError("result token kid not in /certs")


# Every check of a test script: printed as it runs, failures kept for the exit code.
FAILURES = []


def check(cond, what):
    print(f"  {'ok  ' if cond else 'FAIL'} {what}")
    if not cond:
        FAILURES.append(what)
    return cond


def finish(tmp, server=None) -> int:
    """Stops the server, keeps the temp dir (logs) only when a check failed; the exit code."""
    if server:
        server.stop()
    if FAILURES:
        print(f"logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0

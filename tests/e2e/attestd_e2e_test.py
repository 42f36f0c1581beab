#!/usr/bin/python3
"""End-to-end test of attestd over real HTTPS on loopback (issue 3).

Starts the real attestd binary with a TLS certificate from a throw-away test CA, attests
real SGX, Open Enclave and TDX vectors (collateral dir = the case folder, --collateral-time =
the case's verification_time) and checks every token with PyJWT against the keys published
at /certs -- an implementation independent of ours. Then sends bad requests (each must get
a 4xx with MAA's error envelope, never a 5xx or a crash), restarts the server (same kid) and
deletes the key (a new kid is generated and published).

Exit codes: 0 pass, 1 fail, 77 skipped (vectors or PyJWT absent).
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

SKIP = 77
FAILURES = []

try:
    import jwt  # PyJWT
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError as e:  # pragma: no cover
    print(f"SKIP: e2e needs python3-jwt and python3-cryptography ({e})")
    sys.exit(SKIP)

DEFAULT_SGX_POLICY_HASH = "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw"
SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"
OE_CASE = "openenclave/azure-sdk-oe-report-debug-00906ed50000"
TDX_CASE = "tdx/dcap-qvl-b0c06f000000-v4"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def check(cond, what):
    if cond:
        print(f"  ok   {what}")
    else:
        print(f"  FAIL {what}")
        FAILURES.append(what)
    return cond


def make_test_pki(tmp):
    """A test CA and a server certificate for 127.0.0.1 / localhost."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attestd e2e test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: os.path.join(tmp, f"{k}.pem") for k in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, pki, data_dir, case_dir, case, log_path, port=None,
                 extra_args=()):
        self.port = port or free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.pki = pki
        self.log_path = log_path
        self.ctx = ssl.create_default_context(cafile=pki["ca"])
        args = [binary, "--listen", f"127.0.0.1:{self.port}", "--base-url", self.base,
                "--data-dir", data_dir, "--tls-cert", pki["cert"], "--tls-key", pki["key"],
                "--collateral-dir", case_dir, "--collateral-time", case["verification_time"],
                "--workers", "2"]
        if not case.get("collateral_complete", True):
            args.append("--allow-missing-pck-crl")
        args += list(extra_args)
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        # Wait for readiness (not an assertion on timing: just until it answers or exits).
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError(f"attestd exited with {self.proc.returncode}; see {log_path}")
            try:
                status, _, _ = self.request("GET", "/ready")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("attestd did not become ready")

    def connection(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=60)

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or self.connection()
        try:
            hdrs = {"Content-Type": "application/json", "Accept": "application/json"}
            hdrs.update(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
        finally:
            if own:
                conn.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        return code


def load_case(vectors, rel):
    case_dir = os.path.join(vectors, rel)
    with open(os.path.join(case_dir, "case.json")) as f:
        return case_dir, json.load(f)


def read(case_dir, name):
    with open(os.path.join(case_dir, name), "rb") as f:
        return f.read()


def verify_token(server, token, what):
    """Verifies `token` with PyJWT against /certs; returns (header, claims)."""
    status, headers, body = server.request("GET", "/certs")
    check(status == 200, f"{what}: GET /certs is 200")
    jwks = json.loads(body)
    header = jwt.get_unverified_header(token)
    check(header == {"alg": "RS256", "jku": server.base + "/certs", "kid": header.get("kid"),
                     "typ": "JWT"}, f"{what}: header is alg/jku/kid/typ")
    matches = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    check(len(matches) == 1, f"{what}: exactly one /certs key has the token's kid")
    jwk = matches[0]
    check(set(jwk) == {"kid", "kty", "x5c", "n", "e", "use", "alg"} and jwk["kty"] == "RSA"
          and jwk["use"] == "sig" and jwk["alg"] == "RS256",
          f"{what}: JWK has kid, kty=RSA, x5c (MAA) plus n, e, use, alg (standard JOSE)")
    cert = x509.load_der_x509_certificate(base64.b64decode(jwk["x5c"][0]))
    numbers = cert.public_key().public_numbers()
    b64u_int = lambda v: base64.urlsafe_b64encode(v.to_bytes((v.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    check(jwk["n"] == b64u_int(numbers.n) and jwk["e"] == b64u_int(numbers.e),
          f"{what}: JWK n/e are the x5c certificate's key")
    check(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == server.base,
          f"{what}: signing certificate CN is the base URL")
    claims = jwt.decode(token, key=cert.public_key(), algorithms=["RS256"], issuer=server.base,
                        options={"require": ["exp", "iat", "nbf", "iss", "jti"]})
    check(True, f"{what}: PyJWT verifies the RS256 signature, exp/nbf and iss")
    check(claims["exp"] - claims["iat"] == 28800 and claims["nbf"] == claims["iat"],
          f"{what}: 8 h lifetime, nbf == iat")
    check(abs(claims["iat"] - time.time()) < 3600, f"{what}: iat is the real clock")
    check(len(claims["jti"]) == 64 and all(c in "0123456789abcdef" for c in claims["jti"]),
          f"{what}: jti is 64 lower-case hex")
    return header, claims


def attest(server, type_name, body, api_version="2022-08-01", conn=None):
    path = f"/attest/{type_name}" + (f"?api-version={api_version}" if api_version else "")
    status, headers, data = server.request("POST", path, body=body, conn=conn)
    return status, headers, data


def expect_error(server, what, status, data, headers, want_status=None, want_reason=None):
    ok = check(400 <= status < 500, f"{what}: 4xx (got {status})")
    if want_status is not None:
        check(status == want_status, f"{what}: HTTP {want_status}")
    try:
        env = json.loads(data)
        err = env["error"]
        check(isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"],
              f"{what}: MAA error envelope {{error:{{code,message}}}}")
        if want_reason is not None:
            check(err.get("reason") == want_reason,
                  f"{what}: reason {want_reason} (got {err.get('reason')})")
        check("token" not in env, f"{what}: no token")
    except (ValueError, KeyError, TypeError):
        check(False, f"{what}: body is the error envelope (got {data[:200]!r})")
    check(headers.get("content-type", "").startswith("application/json"),
          f"{what}: JSON content type")
    return ok


def test_sgx(binary, pki, vectors, tmp):
    print("SGX: real quote over HTTPS, bad requests, restart and key regeneration")
    case_dir, case = load_case(vectors, SGX_CASE)
    data_dir = os.path.join(tmp, "sgx-data")
    log = os.path.join(tmp, "attestd-sgx.log")
    quote = read(case_dir, "quote.bin")
    server = Server(binary, pki, data_dir, case_dir, case, log)
    try:
        status, _, body = server.request("GET", "/.well-known/openid-configuration")
        meta = json.loads(body)
        check(status == 200 and meta["issuer"] == server.base and
              meta["jwks_uri"] == server.base + "/certs" and
              meta["id_token_signing_alg_values_supported"] == ["RS256"],
              "openid-configuration: issuer, jwks_uri, RS256")
        status, _, _ = server.request("GET", "/certs?api-version=2020-10-01")
        check(status == 200, "/certs accepts api-version too")

        # Numeric nonce (SKR sidecar), api-version 2020-10-01 (every GA SDK).
        status, headers, data = attest(server, "SgxEnclave", {"quote": b64url(quote), "nonce": 1234567},
                                       api_version="2020-10-01")
        check(status == 200, f"SgxEnclave attest is 200 (got {status}: {data[:300]!r})")
        check(headers.get("content-type") == "application/json; charset=utf-8",
              "content type application/json; charset=utf-8")
        token = json.loads(data)["token"]
        check(set(json.loads(data)) == {"token"}, "response is exactly {token}")
        header, claims = verify_token(server, token, "SgxEnclave")
        rb = case["report_body"]
        check(claims["x-ms-attestation-type"] == "sgx" and claims["tee"] == "sgx", "type sgx")
        check(claims["x-ms-sgx-mrenclave"] == rb["mrenclave"] == claims["sgx-mrenclave"], "mrenclave")
        check(claims["x-ms-sgx-mrsigner"] == rb["mrsigner"] == claims["sgx-mrsigner"], "mrsigner")
        check(claims["x-ms-sgx-product-id"] == rb["isvprodid"] == claims["product-id"], "product id")
        check(claims["x-ms-sgx-svn"] == rb["isvsvn"] == claims["svn"], "svn")
        check(claims["x-ms-sgx-is-debuggable"] == case["expected"]["is_debuggable"]
              == claims["is-debuggable"], "is-debuggable")
        check(claims.get("x-ms-sgx-report-data") == rb["report_data"], "report data")
        check(claims.get("attester_tcb_status") == case["expected"]["tcb_status"],
              f"TCB status {case['expected']['tcb_status']}")
        check(claims["x-ms-policy-hash"] == DEFAULT_SGX_POLICY_HASH, "default SGX policy hash")
        check(claims["x-ms-policy"] == {"is-debuggable": rb["debug"], "product-id": rb["isvprodid"],
                                        "sgx-mrenclave": rb["mrenclave"],
                                        "sgx-mrsigner": rb["mrsigner"], "svn": rb["isvsvn"],
                                        "tee": "sgx"}, "x-ms-policy issued claims")
        check(claims["nonce"] == "1234567", "numeric nonce echoed as a string")
        check(claims["x-ms-ver"] == "1.0", "x-ms-ver 1.0")
        coll = claims.get("x-ms-sgx-collateral", {})
        check(coll.get("quotehash") == hashlib.sha256(quote).hexdigest() and
              claims.get("maa-attestationcollateral") == coll, "collateral hashes")
        check(claims["x-attestd-collateral-time"] == case["verification_time"],
              "token states the collateral-time override")
        check("x-ms-sgx-ehd" not in claims, "no ehd without runtime data")
        first_kid = header["kid"]

        # Keep-alive: several requests on one connection, all good.
        conn = server.connection()
        for i in range(3):
            status, _, _ = attest(server, "sgxenclave", {"Quote": b64url(quote), "NONCE": f"n{i}"},
                                  api_version="2025-06-01", conn=conn)
            check(status == 200, f"keep-alive request {i}, lower-case type and member names")
        conn.close()

        bad_requests(server, quote)

        status, _, _ = server.request("GET", "/health")
        check(status == 200, "still serving after the bad requests (/health)")
        status, _, data = attest(server, "SgxEnclave", {"quote": b64url(quote)})
        check(status == 200, "still attesting after the bad requests")

        status, headers, data = server.request("GET", "/metrics")
        text = data.decode()
        check(status == 200 and headers.get("content-type", "").startswith("text/plain"),
              "/metrics is Prometheus text")
        check('attestd_http_requests_total{route="/attest/SgxEnclave",code="200"}' in text,
              "metrics: requests by route and status")
        check('attestd_verifications_total{type="SgxEnclave",outcome="success"}' in text,
              "metrics: verifications by type and outcome")
        check('attestd_http_request_duration_seconds_bucket{route="/attest/SgxEnclave",le="+Inf"}'
              in text, "metrics: latency histogram")
    finally:
        code = server.stop()
    check(code == 0, f"SIGTERM: graceful shutdown with exit code 0 (got {code})")
    for name in ("token-signing-key.pem", "token-signing-cert.pem"):
        mode = stat.S_IMODE(os.stat(os.path.join(data_dir, name)).st_mode)
        check(mode == 0o600, f"{name} is 0600 (got {oct(mode)})")

    # Restart with the same data dir (and base URL): same key, same kid; the old token
    # still verifies.
    port = server.port
    server = Server(binary, pki, data_dir, case_dir, case, log, port=port)
    try:
        status, _, body = server.request("GET", "/certs")
        kids = [k["kid"] for k in json.loads(body)["keys"]]
        check(kids == [first_kid], "restart: /certs publishes the same kid")
        status, _, data = attest(server, "SgxEnclave", {"quote": b64url(quote)})
        header, _ = verify_token(server, json.loads(data)["token"], "after restart")
        check(header["kid"] == first_kid, "restart: tokens keep the kid")
        verify_token(server, token, "token issued before the restart")
    finally:
        server.stop()

    # Deleted key: a new one is generated and published.
    os.remove(os.path.join(data_dir, "token-signing-key.pem"))
    server = Server(binary, pki, data_dir, case_dir, case, log, port=port)
    try:
        status, _, body = server.request("GET", "/certs")
        kids = [k["kid"] for k in json.loads(body)["keys"]]
        check(len(kids) == 1 and kids[0] != first_kid, "deleted key: a new kid is published")
        check(os.path.exists(os.path.join(data_dir, "token-signing-key.pem")),
              "deleted key: a new key file is written")
        status, _, data = attest(server, "SgxEnclave", {"quote": b64url(quote)})
        header, _ = verify_token(server, json.loads(data)["token"], "after key regeneration")
        check(header["kid"] == kids[0], "deleted key: tokens are signed with the new kid")
    finally:
        server.stop()


def raw_tls_exchange(server, payload: bytes) -> bytes:
    """Sends raw bytes over TLS and returns what the server answers before closing."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        with server.ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
            tls.sendall(payload)
            out = b""
            while True:
                try:
                    chunk = tls.recv(65536)
                except (ssl.SSLError, ConnectionResetError):
                    break
                if not chunk:
                    break
                out += chunk
            return out


def parse_raw_response(raw: bytes):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def bad_requests(server, quote):
    print("  bad requests")
    good = b64url(quote)
    cases = [
        ("malformed JSON", "SgxEnclave", '{"quote": "abc"', "INVALID_REQUEST_BODY", 400),
        ("JSON that is not an object", "SgxEnclave", "[1,2]", "INVALID_REQUEST_BODY", 400),
        ("empty body", "SgxEnclave", "", "INVALID_REQUEST_BODY", 400),
        ("deeply nested JSON", "SgxEnclave", "[" * 100000 + "]" * 100000, "INVALID_REQUEST_BODY", 400),
        ("bad base64url", "SgxEnclave", {"quote": "not*base64url!"}, "INVALID_BASE64URL", 400),
        ("quote not a string", "SgxEnclave", {"quote": 42}, "INVALID_BASE64URL", 400),
        ("missing quote", "SgxEnclave", {"runtimeData": {"data": "AA"}}, "MISSING_EVIDENCE", 400),
        ("nonce object", "SgxEnclave", {"quote": good, "nonce": {"a": 1}}, "INVALID_NONCE", 400),
        ("unknown dataType", "SgxEnclave",
         {"quote": good, "runtimeData": {"data": "AA", "dataType": "XML"}}, "INVALID_RUNTIME_DATA", 400),
        ("runtime data without data", "SgxEnclave", {"quote": good, "runtimeData": {}},
         "INVALID_RUNTIME_DATA", 400),
        ("runtime data JSON that is not JSON", "SgxEnclave",
         {"quote": good, "runtimeData": {"data": b64url(b"{nope"), "dataType": "JSON"}},
         "INVALID_RUNTIME_DATA_JSON", 400),
        ("draft policy with a syntax error", "SgxEnclave",
         {"quote": good, "draftPolicyForAttestation": "version=1.0; authorizationrules{=> permit( };"},
         "POLICY_SYNTAX_ERROR", 400),
        ("draft policy that denies", "SgxEnclave",
         {"quote": good, "draftPolicyForAttestation": "version=1.0; authorizationrules{=> deny();};"},
         "POLICY_DENIED", 400),
        ("truncated evidence", "SgxEnclave", {"quote": b64url(quote[:100])}, None, 400),
        ("truncated evidence (half)", "SgxEnclave", {"quote": b64url(quote[: len(quote) // 2])}, None, 400),
        ("corrupted quote signature", "SgxEnclave",
         {"quote": b64url(quote[:600] + bytes([quote[600] ^ 1]) + quote[601:])}, None, 400),
        ("garbage evidence", "SgxEnclave", {"quote": b64url(b"\x00" * 64)}, None, 400),
        ("wrong runtime data", "SgxEnclave",
         {"quote": good, "runtimeData": {"data": b64url(b"not bound"), "dataType": "Binary"}}, None, 400),
        ("TDX route with an SGX quote", "TdxVm", {"quote": good}, None, 400),
        ("unknown attestation type", "Foo", {"quote": good}, "ATTESTATION_TYPE_UNKNOWN", 404),
        # maa-real-clients.md §6: types MAA defines that attestd does not serve are 400, not 404.
        ("MAA type KeyGuard", "KeyGuard", {"quote": good}, "ATTESTATION_TYPE_UNSUPPORTED", 400),
        ("MAA type Pluton", "pluton", {"quote": good}, "ATTESTATION_TYPE_UNSUPPORTED", 400),
        ("MAA type MdepTz", "MdepTz", {"quote": good}, "ATTESTATION_TYPE_UNSUPPORTED", 400),
        # AzureGuest is served (tests/e2e/azure_guest_e2e_test.py): shape errors are the caller's.
        ("AzureGuest AttestationInfo not base64", "AzureGuest", {"attestationInfo": "x"},
         "INVALID_BASE64URL", 400),
        ("AzureGuest AttestationInfo without TpmInfo", "AzureGuest",
         {"AttestationInfo": b64url(b'{"AttestationProtocolVersion":"2.0","OSType":"TGludXg=",'
                                    b'"OSVersionMajor":1,"OSVersionMinor":0}')},
         "MISSING_EVIDENCE", 400),
        # SevSnpVm is served (tests/e2e/snp_e2e_test.py): an SGX quote is not an SNP report.
        ("SGX quote sent as SevSnpVm", "SevSnpVm", {"report": good},
         "SNP_REPORT_VERSION_UNSUPPORTED", 400),
    ]
    for what, type_name, body, reason, want in cases:
        status, headers, data = attest(server, type_name, body)
        expect_error(server, what, status, data, headers, want, reason)

    status, headers, data = attest(server, "SgxEnclave", {"quote": good}, api_version=None)
    expect_error(server, "missing api-version", status, data, headers, 400, "MISSING_API_VERSION")
    status, headers, data = attest(server, "SgxEnclave", {"quote": good}, api_version="2019-01-01")
    expect_error(server, "unknown api-version", status, data, headers, 400, "UNSUPPORTED_API_VERSION")
    # 2023-04-01-preview is a TdxVm version (maa-real-clients.md §1), not an SgxEnclave one.
    status, headers, data = attest(server, "SgxEnclave", {"quote": good},
                                   api_version="2023-04-01-preview")
    expect_error(server, "TdxVm-only api-version on SgxEnclave", status, data, headers, 400,
                 "UNSUPPORTED_API_VERSION")
    status, headers, data = server.request("GET", "/attest/SgxEnclave?api-version=2022-08-01")
    expect_error(server, "GET on an attest route", status, data, headers, 405)
    status, headers, data = server.request("GET", "/no/such/route")
    expect_error(server, "unknown route", status, data, headers, 404, "ROUTE_NOT_FOUND")

    # Oversized body: refused from its Content-Length before it is sent.
    head = (f"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {2 * 1024 * 1024}\r\n"
            f"Expect: 100-continue\r\n\r\n").encode()
    status, headers, body = parse_raw_response(raw_tls_exchange(server, head))
    expect_error(server, "oversized body (2 MiB)", status, body, headers, 413, "REQUEST_BODY_TOO_LARGE")
    # Oversized chunked body: refused once the limit is crossed.
    chunk = b"a" * 65536
    payload = (b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
    payload += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 17
    status, headers, body = parse_raw_response(raw_tls_exchange(server, payload))
    expect_error(server, "oversized chunked body", status, body, headers, 413, "REQUEST_BODY_TOO_LARGE")
    # Not HTTP at all.
    status, headers, body = parse_raw_response(raw_tls_exchange(server, b"\x16garbage\r\n\r\n"))
    expect_error(server, "malformed HTTP request", status, body, headers, 400, "MALFORMED_HTTP_REQUEST")


def test_openenclave(binary, pki, vectors, tmp):
    print("OpenEnclave: real report with bound runtime data")
    case_dir, case = load_case(vectors, OE_CASE)
    server = Server(binary, pki, os.path.join(tmp, "oe-data"), case_dir, case,
                    os.path.join(tmp, "attestd-oe.log"))
    try:
        report = read(case_dir, "oe_report.bin")
        runtime = read(case_dir, "runtime_data.bin")
        check(hashlib.sha256(runtime).hexdigest() == case["report_body"]["report_data"][:64],
              "vector: SHA-256(runtime data) = report_data[0:32]")
        # Case-insensitive member names, as sent by the C++ SDK and others.
        status, _, data = attest(server, "OpenEnclave", {
            "Report": b64url(report),
            "runtimedata": {"DATA": b64url(runtime), "datatype": "binary"}, "nonce": "oe-nonce"})
        check(status == 200, f"OpenEnclave attest is 200 (got {status}: {data[:300]!r})")
        if status == 200:
            _, claims = verify_token(server, json.loads(data)["token"], "OpenEnclave")
            rb = case["report_body"]
            check(claims["x-ms-attestation-type"] == "sgx", "OE tokens say sgx")
            check(claims["x-ms-sgx-mrenclave"] == rb["mrenclave"], "OE mrenclave")
            check(claims["x-ms-sgx-mrsigner"] == rb["mrsigner"], "OE mrsigner")
            check(claims["x-ms-sgx-is-debuggable"] == rb["debug"] == claims["is-debuggable"],
                  "OE debuggable")
            check(claims["x-ms-sgx-ehd"] == b64url(runtime) == claims["aas-ehd"] == claims["maa-ehd"],
                  "x-ms-sgx-ehd / aas-ehd / maa-ehd = base64url(runtime data)")
            check("x-ms-runtime" not in claims, "binary runtime data: no x-ms-runtime")
            check(claims["nonce"] == "oe-nonce", "string nonce echoed")
        try:
            runtime_json = json.loads(runtime)
        except ValueError:
            runtime_json = None
        if runtime_json is not None:
            status, _, data = attest(server, "OpenEnclave", {
                "report": b64url(report), "runtimeData": {"data": b64url(runtime), "dataType": "JSON"}})
            check(status == 200, "OpenEnclave with JSON runtime data is 200")
            if status == 200:
                _, claims = verify_token(server, json.loads(data)["token"], "OpenEnclave JSON")
                check(claims.get("x-ms-runtime") == runtime_json, "x-ms-runtime = parsed runtime JSON")
                check("x-ms-sgx-ehd" not in claims, "JSON runtime data: no x-ms-sgx-ehd")
        wrong = runtime[:-1] + bytes([runtime[-1] ^ 1])
        status, headers, data = attest(server, "OpenEnclave", {
            "report": b64url(report), "runtimeData": {"data": b64url(wrong), "dataType": "Binary"}})
        expect_error(server, "OE wrong runtime data", status, data, headers, 400)
        status, headers, data = attest(server, "OpenEnclave", {"report": b64url(report[:40])})
        expect_error(server, "OE truncated report", status, data, headers, 400)
        status, _, _ = server.request("GET", "/health")
        check(status == 200, "OE server still serving")
    finally:
        server.stop()


def test_tdx(binary, pki, vectors, tmp):
    print("TdxVm: real TDX v4 quote")
    case_dir, case = load_case(vectors, TDX_CASE)
    server = Server(binary, pki, os.path.join(tmp, "tdx-data"), case_dir, case,
                    os.path.join(tmp, "attestd-tdx.log"))
    try:
        quote = read(case_dir, "quote.bin")
        status, _, data = attest(server, "TdxVm", {"quote": b64url(quote), "nonce": "tdx"},
                                 api_version="2025-06-01")
        check(status == 200, f"TdxVm attest is 200 (got {status}: {data[:300]!r})")
        if status == 200:
            _, claims = verify_token(server, json.loads(data)["token"], "TdxVm")
            rb = case["report_body"]
            check(claims["x-ms-attestation-type"] == "tdxvm", "type tdxvm")
            for name in ("mrtd", "mrseam", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "report_data"):
                check(claims.get(f"tdx_{name}") == rb[name], f"tdx_{name}")
            check(claims.get("attester_tcb_status") == case["expected"]["tcb_status"],
                  f"TDX TCB status {case['expected']['tcb_status']}")
            check("x-ms-policy" not in claims and "tee" not in claims, "no SGX-only claims")
            check(claims["nonce"] == "tdx", "nonce")
            check(claims["x-attestd-collateral-time"] == case["verification_time"],
                  "collateral-time claim")
        status, headers, data = attest(server, "TdxVm", {"quote": b64url(quote[:1000])},
                                       api_version="2025-06-01")
        expect_error(server, "TDX truncated quote", status, data, headers, 400)
        # Microsoft's cvm-attestation-tools send 2023-04-01-preview (maa-real-clients.md §1).
        status, _, data = attest(server, "TdxVm", {"quote": b64url(quote)},
                                 api_version="2023-04-01-preview")
        check(status == 200, f"TdxVm accepts api-version 2023-04-01-preview (got {status}: "
                             f"{data[:300]!r})")
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", default="")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS") or args.vectors_default
    missing = [c for c in (SGX_CASE, OE_CASE, TDX_CASE)
               if not os.path.isfile(os.path.join(vectors, c, "case.json"))]
    if not vectors or missing:
        print(f"SKIP: vectors not found under '{vectors}' ({', '.join(missing)}); "
              f"set ATTESTD_VECTORS")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="attestd-e2e-")
    try:
        pki = make_test_pki(tmp)
        for test in (test_sgx, test_openenclave, test_tdx):
            try:
                test(args.attestd, pki, vectors, tmp)
            except Exception as e:  # a crash or an unexpected answer is a failure
                check(False, f"{test.__name__} raised {type(e).__name__}: {e}")
    finally:
        if FAILURES:
            for log in sorted(os.listdir(tmp)):
                if log.endswith(".log"):
                    print(f"--- {log} (tail) ---")
                    with open(os.path.join(tmp, log), errors="replace") as f:
                        print("".join(f.readlines()[-30:]))
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"FAILED: {len(FAILURES)} check(s): " + "; ".join(FAILURES))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

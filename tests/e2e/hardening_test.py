#!/usr/bin/python3
"""Hardening findings of issue 8 replayed against a real attestd over HTTPS on loopback.

Each finding is sent as an attacker would; /health is probed from another loopback source
(127.0.0.2) during the floods; every answer must be a 4xx/503 with MAA's envelope, and the
server must survive. No assertion on timing: waits are "until it happens" with generous caps.

Exit codes: 0 pass, 1 fail, 77 skipped (vectors or PyJWT absent).
"""
import argparse
import base64
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attestd_e2e_test as e2e  # noqa: E402  (skips with 77 itself when PyJWT is absent)

check = e2e.check
SGX_CASE = e2e.SGX_CASE


def start(binary, pki, tmp, case_dir, case, extra):
    return e2e.Server(binary, pki, os.path.join(tmp, "data"), case_dir, case,
                      os.path.join(tmp, "attestd.log"), extra_args=extra)


def health_from_other_source(server):
    """GET /health over TLS from 127.0.0.2; returns the status (0 when it did not answer)."""
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30,
                                      source_address=("127.0.0.2", 0)) as sock:
            with server.ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                raw = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    raw += chunk
        return e2e.parse_raw_response(raw)[0]
    except (OSError, ssl.SSLError):
        return 0


def envelope_reason(body):
    try:
        return json.loads(body)["error"].get("reason")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def test_handshake_lockout(server):
    print("== bare TCP connections that never start TLS")
    bare = []
    for _ in range(200):
        try:
            bare.append(socket.create_connection(("127.0.0.1", server.port), timeout=60))
        except OSError:
            break
    check(len(bare) == 200, f"200 bare connections opened from 127.0.0.1 ({len(bare)})")
    check(health_from_other_source(server) == 200,
          "/health from 127.0.0.2 answers while 127.0.0.1 holds bare connections")
    # Every bare connection is closed by the server: at once beyond the per-source cap, the
    # others after the short handshake timeout (a few seconds, not the 30 s read timeout).
    closed = 0
    for s in bare:
        try:
            closed += s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            closed += 1
        s.close()
    check(closed == len(bare), f"the server closed every bare connection ({closed}/{len(bare)})")
    status, _, _ = server.request("GET", "/health")
    check(status == 200, "/health from 127.0.0.1 answers again afterwards")


def test_http_strictness(server):
    print("== RFC 9112 framing")
    cases = [
        ("Transfer-Encoding: chunked, identity",
         b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         b"Transfer-Encoding: chunked, identity\r\nContent-Type: application/json\r\n\r\n"
         b"2\r\n{}\r\n0\r\n\r\n", "HTTP_TRANSFER_ENCODING_UNSUPPORTED"),
        ("folded header line",
         b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\n\r\n",
         "HTTP_LINE_FOLDING"),
        ("HTTP/1.1 without Host", b"GET /health HTTP/1.1\r\n\r\n", "HTTP_HOST_INVALID"),
        ("duplicate Authorization",
         b"GET /policies/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         b"Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
         "DUPLICATE_AUTHORIZATION"),
    ]
    for what, payload, reason in cases:
        status, _, body = e2e.parse_raw_response(e2e.raw_tls_exchange(server, payload))
        check(status == 400 and envelope_reason(body) == reason,
              f"{what}: 400 {reason} (got {status} {envelope_reason(body)})")


def test_413_reaches_client(server):
    print("== 413 delivered before the connection closes")
    total = 8 * 1024 * 1024
    for attempt in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            with server.ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            b"Content-Length: " + str(total).encode() + b"\r\n\r\n")
                # Like a simple client: the whole body first, then read the answer.
                piece = b"a" * 65536
                try:
                    for _ in range(total // len(piece)):
                        tls.sendall(piece)
                except (OSError, ssl.SSLError):
                    pass
                raw = b""
                try:
                    while True:
                        chunk = tls.recv(65536)
                        if not chunk:
                            break
                        raw += chunk
                except (OSError, ssl.SSLError):
                    pass
        status, _, body = e2e.parse_raw_response(raw)
        check(status == 413 and envelope_reason(body) == "REQUEST_BODY_TOO_LARGE",
              f"round {attempt + 1}: 8 MiB body answered 413 REQUEST_BODY_TOO_LARGE (got {status})")


def draft_body(quote, policy):
    return {"quote": e2e.b64url(quote), "nonce": "hardening",
            "draftPolicyForAttestation": policy}


def issue_policy(rules):
    return ("version=1.2;authorizationrules{=>permit();};issuancerules{" + rules + "};")


def test_policy_bombs(server, quote):
    print("== policy bombs in draftPolicyForAttestation")
    # As deep as the policy size cap (256 KiB) allows the JSON text in a draft policy.
    deep = "[" * 60000 + "]" * 60000
    bombs = [
        ("JmesPath over 60000-deep JSON",
         issue_policy('c:[type=="x-ms-sgx-mrsigner"] => issue(type="d", value=JmesPath("%s", "@"));'
                      % deep), "POLICY_LIMIT_EXCEEDED"),
        ("2^30 values from 30 [@,@] stages",
         issue_policy('c:[type=="x-ms-sgx-mrsigner"] => issue(type="d", value=JmesPath("[1]", "%s"));'
                      % ("|".join(["[@,@]"] * 30) + "|length(@)")), "POLICY_LIMIT_EXCEEDED"),
        ("sum overflow",
         issue_policy('c:[type=="x-ms-sgx-mrsigner"] => issue(type="d", value=JmesPath('
                      '"[9223372036854775807,1]", "sum(@)"));'), None),
    ]
    # Token bloat: 13 doubling AppendString rules, then 300 issue rules of the result.
    rules = ['c:[type=="x-ms-sgx-mrsigner"] => add(type="s0", value=c.value);']
    for i in range(13):
        rules.append(f'c:[type=="s{i}"] => add(type="s{i + 1}", value=AppendString(c.value, c.value));')
    rules += [f'c:[type=="s13"] => issue(type="big{i}", value=c.value);' for i in range(300)]
    bloat = ("version=1.2;authorizationrules{=>permit();};issuancerules{" + "".join(rules) + "};")
    bombs.append(("token bloat", bloat, "POLICY_LIMIT_EXCEEDED"))
    stop = threading.Event()
    probes = []

    def probe():
        while not stop.is_set():
            probes.append(health_from_other_source(server))
            time.sleep(0.2)
    prober = threading.Thread(target=probe)
    prober.start()
    try:
        for what, policy, reason in bombs:
            status, _, body = e2e.attest(server, "SgxEnclave", draft_body(quote, policy))
            got = envelope_reason(body)
            check(status == 400 and (reason is None or got == reason),
                  f"{what}: 400 {reason or 'error'} (got {status} {got}, {len(body)} bytes)")
            check(len(body) < 64 * 1024, f"{what}: answer under 64 KiB ({len(body)} bytes)")
    finally:
        stop.set()
        prober.join()
    check(probes and all(p == 200 for p in probes),
          f"/health from 127.0.0.2 answered throughout ({probes.count(200)}/{len(probes)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", required=True)
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS", args.vectors_default)
    if not os.path.isdir(os.path.join(vectors, SGX_CASE)):
        print(f"SKIP: no vectors at {vectors}")
        return e2e.SKIP
    with tempfile.TemporaryDirectory(prefix="attestd-hardening-") as tmp:
        pki = e2e.make_test_pki(tmp)
        case_dir, case = e2e.load_case(vectors, SGX_CASE)
        quote = e2e.read(case_dir, "quote.bin")
        server = start(args.attestd, pki, tmp, case_dir, case,
                       ["--max-connections-per-source", "32"])
        try:
            test_handshake_lockout(server)
            test_http_strictness(server)
            test_413_reaches_client(server)
            test_policy_bombs(server, quote)
            check(server.proc.poll() is None, "attestd is still running")
            check(health_from_other_source(server) == 200, "/health answers at the end")
        finally:
            code = server.stop()
            check(code == 0, f"attestd exits 0 on SIGTERM (got {code})")
            if e2e.FAILURES:
                with open(os.path.join(tmp, "attestd.log"), "rb") as f:
                    sys.stdout.write(f.read()[-4000:].decode("utf-8", "replace"))
    if e2e.FAILURES:
        print(f"{len(e2e.FAILURES)} check(s) failed")
        return 1
    print("all hardening checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

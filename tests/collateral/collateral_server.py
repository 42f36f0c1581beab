#!/usr/bin/python3
"""A test collateral server speaking the Intel PCS v4 and AMD KDS URL shapes and headers.

Serves REAL collateral from vector case folders ($ATTESTD_VECTORS): the vendors cannot be
reached from CI, so attestd's online collateral service is tested against this instead.

  /{sgx,tdx}/certification/v4/tcb?fmspc=..&update=standard|early   TCB-Info-Issuer-Chain
  /{sgx,tdx}/certification/v4/qe/identity?update=..                SGX-Enclave-Identity-Issuer-Chain
  /sgx/certification/v4/pckcrl?ca=platform|processor[&encoding=der] SGX-PCK-CRL-Issuer-Chain
  /sgx/certification/v4/rootcacrl                                   hex text of the DER (as PCCS)
  /vcek/v1/{P}/{hwid}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..[&fmcSPL=..]   DER
  /{vcek,vlek}/v1/{P}/cert_chain                                    PEM (ASK/ASVK, then ARK)
  /{vcek,vlek}/v1/{P}/crl                                           404 (no CRL in the vectors)

Issuer-chain headers are the percent-encoded PEM chain, as Intel sends them. Early TCB
info (update=early) comes from --early TEE=DIR folders when given, else 404.

Control routes (JSON), for tests:
  GET  /_control/counts            {"<path?query>": n, ...} for every collateral request
  POST /_control/fault             {"match": "substring of path?query", "mode": M,
                                    "retry_after": "120", "count": n}   n = how many answers
                                    (default unlimited); modes: 429, 503, 500, 404, corrupt,
                                    truncate, wrongsig, fakeark (a KDS cert_chain under a
                                    look-alike ARK-<P>), slow ({"delay": s, default 60}: the
                                    answer is held that long, or until /_control/release)
  POST /_control/release           lets every held (slow) answer go now
  POST /_control/reset             clears faults and counts, releases held answers

Usage: collateral_server.py --cert C --key K --port-file F [--sgx DIR] [--tdx DIR]
       [--snp DIR ...] [--early sgx=DIR] [--port N]
Prints nothing; writes the bound port to --port-file when ready.
"""
import argparse
import datetime
import json
import os
import ssl
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID


def read(path):
    with open(path, "rb") as f:
        return f.read()


def quote_chain(pem: bytes) -> str:
    return urllib.parse.quote(pem.decode(), safe="")


class WrongSigner:
    """A look-alike Intel TCB Signing chain under a root that is not Intel's."""

    def __init__(self):
        now = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        later = datetime.datetime(2049, 1, 1, tzinfo=datetime.timezone.utc)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Intel SGX Root CA")])
        self.root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
                     .public_key(self.root_key.public_key()).serial_number(1)
                     .not_valid_before(now).not_valid_after(later)
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .sign(self.root_key, hashes.SHA256()))
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (x509.CertificateBuilder()
                     .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                 "Intel SGX TCB Signing")]))
                     .issuer_name(root_name).public_key(self.key.public_key()).serial_number(2)
                     .not_valid_before(now).not_valid_after(later)
                     .sign(self.root_key, hashes.SHA256()))

    def chain_pem(self):
        return (self.cert.public_bytes(serialization.Encoding.PEM) +
                self.root.public_bytes(serialization.Encoding.PEM))

    def resign(self, body: bytes, member: bytes) -> bytes:
        """Re-signs the JSON's signed member with our key (same bytes, other signer)."""
        doc = json.loads(body)
        start = body.index(b"{", body.index(b'"' + member + b'"'))
        depth = 0
        for i in range(start, len(body)):
            if body[i:i + 1] == b"{":
                depth += 1
            elif body[i:i + 1] == b"}":
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
        der = self.key.sign(body[start:end], ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        sig = (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex()
        return body.replace(doc["signature"].encode(), sig.encode())


class FakeArk:
    """A look-alike KDS chain: ARK-<P> (self-signed) and SEV-<P> under it, not AMD's keys."""

    def __init__(self):
        self.chains = {}

    def chain_pem(self, product):
        if product not in self.chains:
            now = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
            later = datetime.datetime(2049, 1, 1, tzinfo=datetime.timezone.utc)
            ark_key = ec.generate_private_key(ec.SECP384R1())
            ark_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ARK-" + product)])
            ark = (x509.CertificateBuilder().subject_name(ark_name).issuer_name(ark_name)
                   .public_key(ark_key.public_key()).serial_number(1)
                   .not_valid_before(now).not_valid_after(later)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(ark_key, hashes.SHA384()))
            ask = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SEV-" + product)]))
                   .issuer_name(ark_name).public_key(ec.generate_private_key(ec.SECP384R1()).public_key())
                   .serial_number(2).not_valid_before(now).not_valid_after(later)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(ark_key, hashes.SHA384()))
            self.chains[product] = (ask.public_bytes(serialization.Encoding.PEM) +
                                    ark.public_bytes(serialization.Encoding.PEM))
        return self.chains[product]


class Collateral:
    def __init__(self, args):
        self.tcb = {}        # (tee, update, fmspc lower) -> (body, chain)
        self.qe = {}         # (tee, update) -> (body, chain)
        self.pck_crl = {}    # ca -> (der, chain)
        self.root_crl = None
        self.vcek = {}       # (product, hwid, query-dict) -> der
        self.chains = {}     # (vcek|vlek, product) -> pem
        for tee in ("sgx", "tdx"):
            for d in getattr(args, tee) or []:
                self.add_intel(tee, "standard", d)
        for spec in args.early or []:
            tee, d = spec.split("=", 1)
            self.add_intel(tee, "early", d, tcb_only=False)
        for d in args.snp or []:
            self.add_snp(d)

    def add_intel(self, tee, update, d, tcb_only=False):
        tcb = read(os.path.join(d, "tcb_info.json"))
        fmspc = json.loads(tcb)["tcbInfo"]["fmspc"].lower()
        self.tcb[(tee, update, fmspc)] = (tcb, read(os.path.join(d, "tcb_info_issuer_chain.pem")))
        if tcb_only:
            return
        self.qe[(tee, update)] = (read(os.path.join(d, "qe_identity.json")),
                                  read(os.path.join(d, "qe_identity_issuer_chain.pem")))
        case = json.load(open(os.path.join(d, "case.json")))
        ca = "processor" if "Processor" in case["pck_certificate"]["issuer_cn"] else "platform"
        crl = os.path.join(d, "pck_crl.der")
        chain = os.path.join(d, "pck_crl_issuer_chain.pem")
        if os.path.exists(crl) and os.path.exists(chain):
            self.pck_crl[ca] = (read(crl), read(chain))
        self.root_crl = read(os.path.join(d, "root_ca_crl.der"))

    def add_snp(self, d):
        case = json.load(open(os.path.join(d, "case.json")))
        product = case["verification"]["product"]
        report = read(os.path.join(d, "report.bin"))
        tcb = report[0x180:0x188]
        chip = report[0x1A0:0x1E0]
        if product == "Turin":
            hwid = chip[:8].hex()
            query = {"fmcSPL": tcb[0], "blSPL": tcb[1], "teeSPL": tcb[2], "snpSPL": tcb[3],
                     "ucodeSPL": tcb[7]}
        else:
            hwid = chip.hex()
            query = {"blSPL": tcb[0], "teeSPL": tcb[1], "snpSPL": tcb[6], "ucodeSPL": tcb[7]}
        if os.path.exists(os.path.join(d, "vcek.der")):
            self.vcek[(product, hwid, tuple(sorted((k, str(v)) for k, v in query.items())))] = \
                read(os.path.join(d, "vcek.der"))
            self.chains[("vcek", product)] = read(os.path.join(d, "ask.pem")) + \
                read(os.path.join(d, "ark.pem"))
        if os.path.exists(os.path.join(d, "asvk.pem")):
            self.chains[("vlek", product)] = read(os.path.join(d, "asvk.pem")) + \
                read(os.path.join(d, "ark.pem"))


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.faults = []
        self.release = threading.Event()  # set: held answers go; replaced once they went

    def release_held(self):
        """Wakes every held answer; later slow answers wait on a new event. Lock held."""
        self.release.set()
        self.release = threading.Event()


def make_handler(coll: Collateral, state: State, wrong: WrongSigner, fake_ark: FakeArk):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body=b"", headers=()):
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-ID", "test-%d" % threading.get_ident())
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                self.close_connection = True  # the client gave up (e.g. attestd's fetch timeout)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(n) or b"{}")
            with state.lock:
                if self.path == "/_control/fault":
                    state.faults.append(dict(payload))
                elif self.path == "/_control/reset":
                    state.faults.clear()
                    state.counts.clear()
                    state.release_held()
                elif self.path == "/_control/release":
                    state.release_held()
                else:
                    return self.reply(404)
            self.reply(200, b"{}", [("Content-Type", "application/json")])

        def do_GET(self):
            if self.path == "/_control/counts":
                with state.lock:
                    body = json.dumps(state.counts).encode()
                return self.reply(200, body, [("Content-Type", "application/json")])
            fault = None
            with state.lock:
                state.counts[self.path] = state.counts.get(self.path, 0) + 1
                for f in state.faults:
                    if f.get("match", "") in self.path and f.get("count", 1) != 0:
                        fault = dict(f)
                        if "count" in f:
                            f["count"] -= 1
                        break
                release = state.release
            mode = fault["mode"] if fault else None
            if mode == "slow":
                # A vendor that takes its time: nothing is sent until the delay passed.
                release.wait(float(fault.get("delay", 60)))
            if mode in ("429", "503", "500", "404"):
                headers = [("Retry-After", str(fault["retry_after"]))] if "retry_after" in fault else []
                return self.reply(int(mode), b"{}", headers)
            status, body, headers, member = self.route()
            if status == 200 and mode == "truncate":
                body = body[:len(body) // 2]
            elif status == 200 and mode == "corrupt":
                # One changed byte inside the signed content (JSON) or the CRL/certificate body.
                i = body.find(b'"issueDate":"') + 13 if member else len(body) // 2
                body = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1:]
            elif status == 200 and mode == "fakeark" and self.path.endswith("/cert_chain"):
                body = fake_ark.chain_pem(self.path.split("/")[3])
            elif status == 200 and mode == "wrongsig" and member:
                body = wrong.resign(body, member)
                headers = [(k, quote_chain(wrong.chain_pem()) if k.endswith("Issuer-Chain") else v)
                           for k, v in headers]
            self.reply(status, body, headers)

        def route(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            parts = url.path.strip("/").split("/")
            json_ct = ("Content-Type", "application/json")
            if len(parts) >= 4 and parts[1:3] == ["certification", "v4"] and parts[0] in ("sgx", "tdx"):
                tee, rest = parts[0], parts[3:]
                update = q.get("update", "standard")
                if rest == ["tcb"]:
                    hit = coll.tcb.get((tee, update, q.get("fmspc", "").lower()))
                    if not hit:
                        return 404, b"", [], None
                    return 200, hit[0], [json_ct, ("TCB-Info-Issuer-Chain", quote_chain(hit[1]))], b"tcbInfo"
                if rest == ["qe", "identity"]:
                    hit = coll.qe.get((tee, update)) or (coll.qe.get((tee, "standard")) if update == "early" else None)
                    if not hit:
                        return 404, b"", [], None
                    return 200, hit[0], [json_ct, ("SGX-Enclave-Identity-Issuer-Chain", quote_chain(hit[1]))], b"enclaveIdentity"
                if tee == "sgx" and rest == ["pckcrl"]:
                    hit = coll.pck_crl.get(q.get("ca", ""))
                    if not hit:
                        return 404, b"", [], None
                    body = hit[0]
                    if q.get("encoding") != "der":
                        import base64
                        b64 = base64.encodebytes(body).decode().replace("\n", "")
                        body = ("-----BEGIN X509 CRL-----\n" + "\n".join(
                            b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END X509 CRL-----\n").encode()
                    return 200, body, [("Content-Type", "application/pkix-crl"),
                                       ("SGX-PCK-CRL-Issuer-Chain", quote_chain(hit[1]))], None
                if tee == "sgx" and rest == ["rootcacrl"] and coll.root_crl:
                    return 200, coll.root_crl.hex().encode(), [("Content-Type", "text/plain")], None
                return 404, b"", [], None
            if len(parts) == 4 and parts[0] in ("vcek", "vlek") and parts[1] == "v1":
                kind, product, leaf = parts[0], parts[2], parts[3]
                if leaf == "cert_chain":
                    pem = coll.chains.get((kind, product))
                    return (200, pem, [("Content-Type", "application/x-pem-file")], None) if pem else (404, b"", [], None)
                if leaf == "crl":
                    return 404, b"", [], None
                if kind == "vcek":
                    der = coll.vcek.get((product, leaf, tuple(sorted(q.items()))))
                    if der:
                        return 200, der, [("Content-Type", "application/x-x509-ca-cert")], None
                    return 404, b"", [], None
            return 404, b"", [], None

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--sgx", action="append")
    ap.add_argument("--tdx", action="append")
    ap.add_argument("--snp", action="append")
    ap.add_argument("--early", action="append", help="TEE=DIR: early TCB info set")
    args = ap.parse_args()
    coll = Collateral(args)
    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(coll, state, WrongSigner(), FakeArk()))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

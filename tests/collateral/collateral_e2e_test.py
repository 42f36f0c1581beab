#!/usr/bin/python3
"""attestd's online collateral service against a test PCS/KDS server (issue 10).

attestd is started with --pcs-url / --kds-url pointing at collateral_server.py (HTTPS, a
throw-away test CA passed with --collateral-ca) and NO offline collateral directory, and
attests real SGX and TDX quotes and SEV-SNP reports (Milan, Turin) from $ATTESTD_VECTORS; the
server serves those cases' real Intel and AMD collateral and counts every request. Checks:
  - 100 concurrent first SGX requests (40 SNP) -> exactly one fetch per collateral item;
  - an FMSPC the server does not know -> 503 COLLATERAL_MISSING, remembered (one fetch);
  - corrupted, truncated and wrongly signed answers (TCB info, VCEK, a look-alike ARK chain)
    -> 503 COLLATERAL_REJECTED, not cached;
  - a 429 with Retry-After (PCS and KDS) -> 503 COLLATERAL_RATE_LIMITED and no request until
    it passes;
  - a held (slow) answer -> 503 COLLATERAL_SOURCE_TIMEOUT after fetch_timeout_seconds, with
    /health answering meanwhile;
  - restart with the server stopped -> the persisted cache still verifies;
  - bundles (directory and tar): fetch / export -> import / --collateral-bundle / verify
    offline; a tar with a link is refused;
  - later than the items' nextUpdate with the server stopped -> 503 COLLATERAL_STALE naming
    the item (never a pass).
Exit codes: 0 pass, 1 fail, 77 skipped (no vectors / python3-cryptography).
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import hashlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

SKIP = 77
FAILURES = []
HERE = os.path.dirname(os.path.abspath(__file__))
SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"
TDX_CASE = "tdx/dcap-qvl-b0c06f000000-v4"
UNKNOWN_FMSPC_CASE = "sgx/automata-00606a000000-2506"  # FMSPC 00606A000000: not served
SNP_CASES = ["oak-milan-v3-containers-release", "oak-turin-v5-containers"]
# A real pair of TCB infos for one TDX quote (FMSPC 90C06F000000): evaluation data number 17
# judges it UpToDate, 18 OutOfDate; both are valid at the eval-18 case's verification time.
EARLY_STANDARD_CASE = "tdx/openenclave-90c06f000000-v5-moduleupdate-eval17"
EARLY_CASE = "tdx/openenclave-90c06f000000-v5-moduleupdate"


def manifest_items(bundle):
    with open(os.path.join(bundle, "manifest.json")) as f:
        return json.load(f)["items"]


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def ctl(attestctl, *args):
    p = subprocess.run([attestctl] + list(args), capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr

try:
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from attestd_e2e_test import make_test_pki  # noqa: E402  (test CA + 127.0.0.1 cert)
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(SKIP)


def check(cond, what):
    print(("  ok   " if cond else "  FAIL ") + what)
    if not cond:
        FAILURES.append(what)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def wait_for(pred, what, proc=None):
    for _ in range(600):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready")


class CollateralServer:
    def __init__(self, vectors, pki, tmp, port=None, extra=(), tdx_case=TDX_CASE):
        self.port_file = os.path.join(tmp, "collateral-port")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        args = [sys.executable, os.path.join(HERE, "collateral_server.py"), "--cert", pki["cert"],
                "--key", pki["key"], "--port-file", self.port_file,
                "--sgx", os.path.join(vectors, SGX_CASE), "--tdx", os.path.join(vectors, tdx_case)]
        if port:
            args += ["--port", str(port)]
        args += list(extra)
        self.log = open(os.path.join(tmp, "collateral-server.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.port_file), "collateral server", self.proc)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = f"https://127.0.0.1:{self.port}"
        import ssl
        self.ctx = ssl.create_default_context(cafile=pki["ca"])

    def control(self, method, path, body=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None)
            resp = conn.getresponse()
            return json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def counts(self):
        return self.control("GET", "/_control/counts")

    def fault(self, **kw):
        self.control("POST", "/_control/fault", kw)

    def reset(self):
        self.control("POST", "/_control/reset", {})

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.log.close()


class Attestd:
    # The test server is both PCS and KDS (one host): the KDS pacing default (10 s between
    # requests) would pace every fetch of these tests. Started with this config unless the
    # arguments name another (which then sets kds_min_interval_ms itself).
    default_config = None

    def __init__(self, binary, data_dir, log_path, args):
        args = list(args)
        if "--config" not in args and Attestd.default_config:
            args += ["--config", Attestd.default_config]
        self.port = free_port()
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--insecure-http", "--data-dir",
             data_dir, "--workers", "4", "--max-connections-per-source", "400"] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT)

        def ready():
            try:
                return self.request("GET", "/ready")[0] == 200
            except OSError:
                return False
        wait_for(ready, "attestd", self.proc)

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def attest(self, type_name, quote):
        status, data = self.request("POST", f"/attest/{type_name}?api-version=2022-08-01",
                                    {"quote": b64url(quote)})
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"raw": data[:200]}

    def attest_body(self, type_name, body):
        status, data = self.request("POST", f"/attest/{type_name}?api-version=2022-08-01", body)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"raw": data[:200]}

    def metrics(self):
        return self.request("GET", "/metrics")[1].decode()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def load(vectors, rel):
    d = os.path.join(vectors, rel)
    with open(os.path.join(d, "case.json")) as f:
        case = json.load(f)
    with open(os.path.join(d, "quote.bin"), "rb") as f:
        return case, f.read()


def reason(body):
    return (body.get("error") or {}).get("reason")


def message(body):
    return (body.get("error") or {}).get("message", "")


def item_counts(counts, fragment):
    return sum(n for path, n in counts.items() if fragment in path)


def snp_request(case_dir):
    """A SevSnpVm request carrying the report only: the VCEK and chain must come from KDS."""
    with open(os.path.join(case_dir, "report.bin"), "rb") as f:
        report = f.read()
    return {"report": b64url(json.dumps({"SnpReport": b64url(report)}).encode())}


def snp_vcek_path(case_dir):
    """The KDS VCEK path prefix (/vcek/v1/<P>/<hwid>?) of a case's report."""
    with open(os.path.join(case_dir, "case.json")) as f:
        product = json.load(f)["verification"]["product"]
    with open(os.path.join(case_dir, "report.bin"), "rb") as f:
        chip = f.read()[0x1A0:0x1E0]
    return product, f"/vcek/v1/{product}/{(chip[:8] if product == 'Turin' else chip).hex()}?"


def snp_checks(args, snp_cases, pki, tmp, server, log, config):
    """SEV-SNP over KDS: attestd with only --kds-url attests Milan and Turin reports."""
    with open(os.path.join(snp_cases[0], "case.json")) as f:
        at = json.load(f)["verification"]["verification_time"]
    kds_only = ["--kds-url", server.url, "--collateral-ca", pki["ca"], "--collateral-time", at]
    # Pacing on, briefly: every KDS request of the cold start takes its slot.
    paced = config("snp-paced.toml", "kds_min_interval_ms = 200\n")
    requests = [snp_request(d) for d in snp_cases]
    vcek = dict(snp_vcek_path(d) for d in snp_cases)

    print("SNP over KDS: 40 concurrent first requests, Milan and Turin, report only")
    server.reset()
    a = Attestd(args.attestd, os.path.join(tmp, "snp-data"), log, kds_only + ["--config", paced])
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(lambda i: a.attest_body("SevSnpVm", requests[i % 2]),
                                    range(40)))
        ok = [b for s, b in results if s == 200 and "token" in b]
        check(len(ok) == 40, f"all 40 concurrent SNP attestations succeed ({len(ok)}; first other: "
                             f"{next((r for r in results if r[0] != 200), None)})")
        sources = {claims_of(b["token"]).get("x-attestd-sevsnp", {}).get("ek_source") for b in ok}
        check(sources == {"collateral"}, f"the VCEKs came from the collateral service ({sources})")
        counts = server.counts()
        for product, path in vcek.items():
            check(item_counts(counts, path) == 1,
                  f"exactly one {product} VCEK fetch (got {item_counts(counts, path)})")
            chain = f"/vcek/v1/{product}/cert_chain"
            check(counts.get(chain) == 1, f"exactly one fetch of {chain} (got {counts.get(chain)})")
            crl = f"/vcek/v1/{product}/crl"
            check(counts.get(crl) == 1, f"{crl}: 404 asked once, then negative-cached "
                                        f"(got {counts.get(crl)})")
        check(sum(counts.values()) == 6, f"6 KDS requests in all (got {counts})")
        check(not any(p.startswith(("/sgx/", "/tdx/")) for p in counts),
              "no Intel collateral was asked for")
        paced_line = [l for l in a.metrics().splitlines()
                      if l.startswith("attestd_collateral_paced_total{")]
        print(f"  info {paced_line} (200 ms minimum interval)")
    finally:
        a.stop()

    print("SNP: a KDS 429 with Retry-After is honoured")
    server.reset()
    server.fault(match=vcek["Milan"], mode="429", retry_after="3600", count=1)
    a = Attestd(args.attestd, os.path.join(tmp, "snp-throttle-data"), log, kds_only)
    try:
        s, body = a.attest_body("SevSnpVm", requests[0])
        check(s == 503 and reason(body) == "COLLATERAL_RATE_LIMITED",
              f"Milan: 503 COLLATERAL_RATE_LIMITED (got {s} {reason(body)}: {message(body)})")
        before = sum(server.counts().values())
        for i, r in enumerate(requests):
            s, body = a.attest_body("SevSnpVm", r)
            check(s == 503 and reason(body) == "COLLATERAL_RATE_LIMITED",
                  f"{list(vcek)[i]} within Retry-After: 503 COLLATERAL_RATE_LIMITED (got {s} {reason(body)})")
        check(sum(server.counts().values()) == before == 1,
              f"one request reached KDS, none within Retry-After ({server.counts()})")
        m = a.metrics()
        check(f'attestd_collateral_rate_limited_total{{host="127.0.0.1:{server.port}"}} 1' in m,
              "/metrics: one 429 counted")
    finally:
        a.stop()

    print("SNP: corrupted or truncated VCEKs and a look-alike ARK chain are rejected, not cached")
    server.reset()
    a = Attestd(args.attestd, os.path.join(tmp, "snp-reject-data"), log, kds_only)
    try:
        for mode in ("corrupt", "truncate"):
            server.fault(match=vcek["Milan"], mode=mode, count=1)
            s, body = a.attest_body("SevSnpVm", requests[0])
            check(s == 503 and reason(body) == "COLLATERAL_REJECTED",
                  f"{mode} VCEK: 503 COLLATERAL_REJECTED (got {s} {reason(body)}: {message(body)})")
            check("VCEK certificate for Milan" in message(body),
                  f"{mode}: the message names the item ({message(body)})")
        s, body = a.attest_body("SevSnpVm", requests[0])
        check(s == 200 and "token" in body, f"then a good answer verifies (got {s} {reason(body)})")
        check(item_counts(server.counts(), vcek["Milan"]) == 3,
              "the VCEK was fetched again after each rejected answer (none cached)")
        # A chain under a look-alike ARK-Turin: self-signed and signing its ASK, but not AMD's.
        server.fault(match="/vcek/v1/Turin/cert_chain", mode="fakeark", count=1)
        s, body = a.attest_body("SevSnpVm", requests[1])
        check(s == 503 and reason(body) == "COLLATERAL_REJECTED"
              and "not a pinned AMD root of Turin" in message(body),
              f"a chain under a look-alike ARK: 503 COLLATERAL_REJECTED, not a 400 blaming the "
              f"evidence (got {s} {reason(body)}: {message(body)})")
        s, body = a.attest_body("SevSnpVm", requests[1])
        check(s == 200 and "token" in body, f"then AMD's chain verifies (got {s} {reason(body)})")
        check(server.counts().get("/vcek/v1/Turin/cert_chain") == 2,
              "the look-alike chain was not cached: fetched again")
        # Milan: corrupt + truncate VCEK; Turin: the chain and the VCEK fetch that needed it.
        check('attestd_collateral_cache_events_total{event="rejected"} 4' in a.metrics(),
              "/metrics: 4 rejected fetches")
    finally:
        a.stop()

    print("KDS pacing: a slot beyond the request deadline is refused at once, not waited for")
    server.reset()
    far = config("snp-far.toml", "kds_min_interval_ms = 600000\n")
    a = Attestd(args.attestd, os.path.join(tmp, "snp-paced-data"), log, kds_only + ["--config", far])
    try:
        for attempt in (1, 2):
            s, body = a.attest_body("SevSnpVm", requests[0])
            check(s == 503 and reason(body) == "COLLATERAL_RATE_LIMITED"
                  and re.search(r"next free slot is in (5\d\d|600) s", message(body)),
                  f"attempt {attempt}: the chain's slot is 600 s away, past the 30 s request "
                  f"deadline: 503 COLLATERAL_RATE_LIMITED (got {s} {reason(body)}: {message(body)})")
        counts = server.counts()
        check(counts == {k: 1 for k in counts} and len(counts) == 1 and item_counts(counts, vcek["Milan"]) == 1,
              f"KDS saw only the first request, the VCEK ({counts})")
        check(f'attestd_collateral_paced_refusals_total{{host="127.0.0.1:{server.port}"}} 2'
              in a.metrics(), "/metrics: 2 paced refusals")
    finally:
        a.stop()

    print("slow KDS answers: the fetch timeout bounds them, /health stays responsive")
    server.reset()
    slow = config("snp-slow.toml", "kds_min_interval_ms = 0\nfetch_timeout_seconds = 3\n")
    a = Attestd(args.attestd, os.path.join(tmp, "snp-slow-data"), log, kds_only + ["--config", slow])
    try:
        server.fault(match=vcek["Milan"], mode="slow", delay=120, count=1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(a.attest_body, "SevSnpVm", requests[0])
            wait_for(lambda: item_counts(server.counts(), vcek["Milan"]) == 1,
                     "the slow VCEK fetch to reach the server")
            health, _ = a.request("GET", "/health")
            check(health == 200 and not pending.done(),
                  f"/health answers while the attestation waits on the vendor ({health})")
            s, body = pending.result()
        check(s == 503 and reason(body) == "COLLATERAL_SOURCE_TIMEOUT",
              f"503 COLLATERAL_SOURCE_TIMEOUT after the fetch timeout (got {s} {reason(body)}: "
              f"{message(body)})")
        check("VCEK certificate for Milan" in message(body),
              f"the message names the item ({message(body)})")
        server.control("POST", "/_control/release", {})
        s, body = a.attest_body("SevSnpVm", requests[0])
        check(s == 200 and "token" in body, f"then a prompt answer verifies (got {s} {reason(body)})")
        check(item_counts(server.counts(), vcek["Milan"]) == 2,
              "the timed-out fetch cached nothing: the VCEK was asked for again")
        check(f'attestd_collateral_fetch_timeouts_total{{host="127.0.0.1:{server.port}"}} 1'
              in a.metrics(), "/metrics: one fetch timeout counted")
    finally:
        a.stop()


def tar_round_trip(args, tmp, log, online, sgx_case, sgx_quote, data_dir):
    """The bundle round trip in its tar form: export -> import / --collateral-bundle / verify."""
    print("bundles as tar: export, import on an empty attestd, attestd --collateral-bundle, verify")
    at = sgx_case["verification_time"]
    quote_file = os.path.join(tmp, "sgx-quote.bin")
    with open(quote_file, "wb") as f:
        f.write(sgx_quote)
    tar_path = os.path.join(tmp, "exported.tar")
    code, out = ctl(args.attestctl, "collateral", "export", "--data-dir", data_dir, "--out", tar_path)
    check(code == 0 and "wrote 4 collateral item(s)" in out, f"export --out .tar ({code}: {out})")
    with tarfile.open(tar_path) as t:
        members = t.getmembers()
        manifest = json.load(t.extractfile("manifest.json"))
    check(sorted(m.name for m in members) == sorted(["manifest.json"] + [i["file"] for i in manifest["items"]])
          and all(m.isreg() for m in members) and len(manifest["items"]) == 4,
          f"the tar holds the manifest and its 4 item files, regular files only ({[m.name for m in members]})")
    empty = os.path.join(tmp, "airgap-tar")
    code, out = ctl(args.attestctl, "collateral", "import", tar_path, "--data-dir", empty)
    check(code == 0 and "imported 4 item(s), rejected 0" in out, f"import of the tar ({code}: {out})")
    a = Attestd(args.attestd, empty, log, online + ["--collateral-time", at])
    try:
        s, body = a.attest("SgxEnclave", sgx_quote)
        check(s == 200 and "token" in body, f"SGX verifies from the imported tar (got {s} {reason(body)})")
    finally:
        a.stop()
    a = Attestd(args.attestd, os.path.join(tmp, "airgap-tar-2"), log,
                online + ["--collateral-bundle", tar_path, "--collateral-time", at])
    try:
        s, body = a.attest("SgxEnclave", sgx_quote)
        check(s == 200 and "token" in body, f"attestd --collateral-bundle B.tar verifies (got {s} {reason(body)})")
    finally:
        a.stop()
    code, out = ctl(args.attestctl, "verify", "--type", "sgx", "--evidence",
                    quote_file, "--collateral", tar_path, "--at", at)
    check(code == 0 and '"valid": true' in out,
          f"attestctl verify --collateral B.tar re-verifies offline ({code}: {out[:200]})")

    # A hostile tar: the manifest and items are fine, plus a link pointing out of the bundle.
    hostile = os.path.join(tmp, "hostile.tar")
    with tarfile.open(tar_path) as src, tarfile.open(hostile, "w") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m))
        link = tarfile.TarInfo("items/9999.bin")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/shadow"
        dst.addfile(link)
    code, out = ctl(args.attestctl, "collateral", "import", hostile, "--data-dir",
                    os.path.join(tmp, "airgap-hostile"))
    check(code == 2 and "BUNDLE_INVALID" in out and "'items/9999.bin' is a link" in out,
          f"a tar with a symbolic link is refused, naming the entry ({code}: {out.strip()})")
    proc = subprocess.run([args.attestd, "--listen", f"127.0.0.1:{free_port()}", "--insecure-http",
                           "--data-dir", os.path.join(tmp, "airgap-hostile-2"),
                           "--collateral-bundle", hostile] + online,
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode != 0 and "is a link" in proc.stdout + proc.stderr,
          f"attestd --collateral-bundle refuses it at start ({proc.returncode})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--attestctl", required=True)
    ap.add_argument("--vectors-default", default="")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS") or args.vectors_default
    if not vectors or not os.path.isdir(os.path.join(vectors, SGX_CASE)):
        print(f"SKIP: vectors not found ({vectors})")
        return SKIP
    sgx_case, sgx_quote = load(vectors, SGX_CASE)
    tdx_case, tdx_quote = load(vectors, TDX_CASE)
    _, unknown_quote = load(vectors, UNKNOWN_FMSPC_CASE)

    with tempfile.TemporaryDirectory(prefix="attestd-collateral-") as tmp:
        pki = make_test_pki(tmp)
        def config(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write("[collateral]\n" + text)
            return path
        Attestd.default_config = config("base.toml", "kds_min_interval_ms = 0\n")
        conf = config("early.toml", "kds_min_interval_ms = 0\ntcb_update = \"standard\"\n"
                                    "evaluate_early = true\n")
        snp_cases = [os.path.join(vectors, "snp", c) for c in SNP_CASES]
        server = CollateralServer(vectors, pki, tmp,
                                  extra=[a for d in snp_cases for a in ("--snp", d)])
        online = ["--pcs-url", server.url, "--kds-url", server.url, "--collateral-ca", pki["ca"]]
        sgx_dir = os.path.join(tmp, "sgx-data")
        log = os.path.join(tmp, "attestd.log")
        try:
            print("SGX: 100 concurrent first requests over the online collateral service")
            a = Attestd(args.attestd, sgx_dir, log,
                        online + ["--collateral-time", sgx_case["verification_time"]])
            with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
                results = list(pool.map(lambda _: a.attest("SgxEnclave", sgx_quote), range(100)))
            ok = [s for s, b in results if s == 200 and "token" in b]
            check(len(ok) == 100, f"all 100 concurrent SGX attestations succeed ({len(ok)}; "
                                  f"first other: {next((r for r in results if r[0] != 200), None)})")
            counts = server.counts()
            fmspc = sgx_case["pck_certificate"]["fmspc"].lower()
            for frag in (f"/sgx/certification/v4/tcb?fmspc={fmspc}&update=standard",
                         "/sgx/certification/v4/qe/identity?update=standard",
                         "/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
                         "/sgx/certification/v4/rootcacrl"):
                check(counts.get(frag) == 1, f"exactly one fetch of {frag} (got {counts.get(frag)})")
            check(sum(counts.values()) == 4, f"4 collateral requests in all (got {counts})")
            m = a.metrics()
            check("attestd_collateral_items 4" in m, "/metrics: 4 collateral items cached")
            check('attestd_collateral_cache_events_total{event="miss"} 4' in m,
                  "/metrics: 4 misses (one per item)")

            claims = claims_of(results[0][1].get("token", "a.e30.b"))
            prov = {p["item"]: p for p in claims.get("x-attestd-collateral-provenance", [])}
            tcb_prov = prov.get("intel/sgx/tcb/00A067110000/standard", {})
            check(len(prov) == 4 and tcb_prov.get("update") == "standard"
                  and tcb_prov.get("source", "").startswith(server.url + "/sgx/certification/v4/tcb?")
                  and tcb_prov.get("fetched_at", "").endswith("Z")
                  and prov.get("intel/rootcacrl", {}).get("update") == "",
                  f"the token records where and when each item came from ({prov})")

            print("attestctl collateral status")
            code, out = ctl(args.attestctl, "collateral", "status", "--endpoint",
                            f"http://127.0.0.1:{a.port}")
            check(code == 0 and "intel/sgx/tcb/00A067110000/standard" in out
                  and "intel/rootcacrl" in out and "attestd_collateral_fetches_total" in out,
                  f"status lists the cached items and counters ({code}: {out[:300]})")

            print("SGX: unknown FMSPC -> 503 COLLATERAL_MISSING, negative-cached")
            for i in range(2):
                s, body = a.attest("SgxEnclave", unknown_quote)
                check(s == 503 and reason(body) == "COLLATERAL_MISSING",
                      f"unknown FMSPC attempt {i + 1}: 503 COLLATERAL_MISSING (got {s} {reason(body)})")
            check(item_counts(server.counts(), "fmspc=00606a000000") == 1,
                  "the unknown FMSPC was asked for once (negative cache)")
            a.stop()

            print("TDX: corrupted, truncated, wrongly signed answers are rejected and not cached")
            tdx_dir = os.path.join(tmp, "tdx-data")
            a = Attestd(args.attestd, tdx_dir, log,
                        online + ["--collateral-time", tdx_case["verification_time"]])
            server.reset()
            for mode in ("corrupt", "truncate", "wrongsig"):
                server.fault(match="/tdx/certification/v4/tcb", mode=mode, count=1)
                s, body = a.attest("TdxVm", tdx_quote)
                check(s == 503 and reason(body) == "COLLATERAL_REJECTED",
                      f"{mode} TCB info: 503 COLLATERAL_REJECTED (got {s} {reason(body)}: {message(body)})")
                check("TCB info for TDX FMSPC" in message(body), f"{mode}: the message names the item")
            s, body = a.attest("TdxVm", tdx_quote)
            check(s == 200 and "token" in body, f"then a good answer verifies (got {s} {reason(body)})")
            check(item_counts(server.counts(), "/tdx/certification/v4/tcb") == 4,
                  "the TCB info was fetched again after each rejected answer (none cached)")
            m = a.metrics()
            check('attestd_collateral_cache_events_total{event="rejected"} 3' in m,
                  "/metrics: 3 rejected answers")
            a.stop()

            print("bundles: attestctl collateral fetch from the vendor")
            bundle = os.path.join(tmp, "bundle")
            sgx_quote_file = os.path.join(vectors, SGX_CASE, "quote.bin")
            code, out = ctl(args.attestctl, "collateral", "fetch", "--quote", sgx_quote_file,
                            "--pcs-url", server.url, "--collateral-ca", pki["ca"], "--out", bundle)
            check(code == 0 and "wrote 4 collateral item(s)" in out, f"fetch --quote ({code}: {out})")
            with open(os.path.join(bundle, "manifest.json")) as f:
                manifest = json.load(f)
            tcb = [i for i in manifest["items"] if i["key"] == "intel/sgx/tcb/00A067110000/standard"]
            check(len(tcb) == 1 and any(h[0] == "tcb-info-issuer-chain" for h in tcb[0]["headers"])
                  and tcb[0]["url"].endswith("fmspc=00a067110000&update=standard"),
                  "the manifest keeps the item's URL and issuer-chain header")
            with open(os.path.join(bundle, tcb[0]["file"]), "rb") as f, \
                    open(os.path.join(vectors, SGX_CASE, "tcb_info.json"), "rb") as g:
                check(f.read() == g.read(), "the TCB info is stored exactly as served")
            snp_bundle = os.path.join(tmp, "snp-bundle.tar")
            reports = [a for d in snp_cases for a in ("--snp-report", os.path.join(d, "report.bin"))]
            code, out = ctl(args.attestctl, "collateral", "fetch", *reports, "--kds-url", server.url,
                            "--collateral-ca", pki["ca"], "--kds-min-interval-ms", "0",
                            "--out", snp_bundle)
            check(code == 0 and "wrote 4 collateral item(s)" in out,
                  f"fetch --snp-report Milan + Turin: 2 VCEKs + 2 chains ({code}: {out})")
            with tarfile.open(snp_bundle) as t:
                keys = sorted(i["key"].split("/")[1] for i in json.load(t.extractfile("manifest.json"))["items"])
            check(keys == ["cert_chain", "cert_chain", "vcek", "vcek"],
                  f"fetch --out B.tar writes a tar bundle ({keys})")
            counts = server.counts()
            check(counts.get("/vcek/v1/Turin/3b42092f69c656d3?blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=71&fmcSPL=0") == 1,
                  "Turin VCEK fetched with an 8-byte hwID and fmcSPL")

            print("429 with Retry-After is honoured")
            server.reset()
            server.fault(match="/tdx/certification/v4/qe", mode="429", retry_after="3600", count=1)
            a = Attestd(args.attestd, os.path.join(tmp, "throttle-data"), log,
                        online + ["--collateral-time", tdx_case["verification_time"]])
            s, body = a.attest("TdxVm", tdx_quote)
            check(s == 503 and reason(body) == "COLLATERAL_RATE_LIMITED",
                  f"first attempt: 503 COLLATERAL_RATE_LIMITED (got {s} {reason(body)})")
            before = sum(server.counts().values())
            s, body = a.attest("TdxVm", tdx_quote)
            check(s == 503 and reason(body) == "COLLATERAL_RATE_LIMITED",
                  f"second attempt within Retry-After: 503 COLLATERAL_RATE_LIMITED (got {s})")
            check(sum(server.counts().values()) == before,
                  "no request reached the throttling host within Retry-After")
            m = a.metrics()
            check(f'attestd_collateral_rate_limited_total{{host="127.0.0.1:{server.port}"}} 1' in m,
                  "/metrics: one 429 counted")
            check(f'attestd_collateral_throttled_refusals_total{{host="127.0.0.1:{server.port}"}}' in m
                  and 'throttled_refusals_total{host="127.0.0.1:%d"} 0' % server.port not in m,
                  "/metrics: refusals while throttled counted")
            a.stop()

            snp_checks(args, snp_cases, pki, tmp, server, log, config)

            print("evaluate_early without a published early set: the standard verdict stands")
            a = Attestd(args.attestd, os.path.join(tmp, "no-early-data"), log,
                        online + ["--config", conf, "--collateral-time", tdx_case["verification_time"]])
            try:
                s, body = a.attest("TdxVm", tdx_quote)
                claims = claims_of(body.get("token", "a.e30.b"))
                early = claims.get("x-attestd-tcb-early", {})
                check(s == 200 and early.get("error") == "COLLATERAL_MISSING"
                      and early.get("tcb_status") is None
                      and claims.get("x-attestd-tcb", {}).get("tcb_status") == "UpToDate",
                      f"200 with the standard verdict; the claim says why there is no early one "
                      f"({s} {early})")
            finally:
                a.stop()
        finally:
            server.stop()

        print("restart with the collateral server stopped: the persisted cache still verifies")
        a = Attestd(args.attestd, sgx_dir, log,
                    online + ["--collateral-time", sgx_case["verification_time"]])
        try:
            s, body = a.attest("SgxEnclave", sgx_quote)
            check(s == 200 and "token" in body,
                  f"SGX verifies from the store with the source down (got {s} {reason(body)})")
        finally:
            a.stop()

        print("bundle import on an empty attestd, verified offline")
        empty = os.path.join(tmp, "airgap-data")
        os.makedirs(empty)
        code, out = ctl(args.attestctl, "collateral", "import", bundle, "--data-dir", empty)
        check(code == 0 and "imported 4 item(s), rejected 0" in out, f"import ({code}: {out})")
        a = Attestd(args.attestd, empty, log, online + ["--collateral-time", sgx_case["verification_time"]])
        try:
            s, body = a.attest("SgxEnclave", sgx_quote)
            check(s == 200 and "token" in body, f"SGX verifies from the imported bundle (got {s} {reason(body)})")
        finally:
            a.stop()
        a = Attestd(args.attestd, os.path.join(tmp, "airgap-2"), log,
                    online + ["--collateral-bundle", bundle,
                              "--collateral-time", sgx_case["verification_time"]])
        try:
            s, body = a.attest("SgxEnclave", sgx_quote)
            check(s == 200 and "token" in body,
                  f"attestd --collateral-bundle verifies offline (got {s} {reason(body)})")
        finally:
            a.stop()
        code, out = ctl(args.attestctl, "verify", "--type", "sgx", "--evidence",
                        os.path.join(vectors, SGX_CASE, "quote.bin"), "--collateral", bundle,
                        "--at", sgx_case["verification_time"])
        check(code == 0 and '"valid": true' in out,
              f"attestctl verify --at T --collateral BUNDLE re-verifies offline ({code}: {out[:200]})")
        try:
            reverified = json.loads(out)["claims"]
        except (ValueError, KeyError):
            reverified = {}
        check(sorted(p["item"] for p in reverified.get("x-attestd-collateral-provenance", []))
              == sorted(i["key"] for i in manifest_items(bundle)),
              "the re-verification names exactly the bundle's items as its collateral")
        code, out = ctl(args.attestctl, "verify", "--type", "sgx", "--evidence",
                        os.path.join(vectors, SGX_CASE, "quote.bin"), "--collateral", bundle,
                        "--at", "2025-08-01T00:00:00Z")
        check(code == 1 and "EXPIRED" in out,
              f"... and the same bundle after its validity is refused ({code}: {out[:200]})")
        exported = os.path.join(tmp, "exported")
        code, out = ctl(args.attestctl, "collateral", "export", "--data-dir", empty, "--out", exported)
        check(code == 0 and "wrote 4 collateral item(s)" in out, f"export ({code}: {out})")
        tar_round_trip(args, tmp, log, online, sgx_case, sgx_quote, empty)
        tampered = os.path.join(tmp, "tampered")
        shutil.copytree(bundle, tampered)
        with open(os.path.join(tampered, "manifest.json")) as f:
            manifest = json.load(f)
        for item in manifest["items"]:
            if item["key"].startswith("intel/sgx/qe/"):
                path = os.path.join(tampered, item["file"])
                with open(path, "rb") as f:
                    data = bytearray(f.read())
                data[data.index(b'"issueDate":"') + 13] ^= 1
                with open(path, "wb") as f:
                    f.write(data)
                item["sha256"] = hashlib.sha256(data).hexdigest()
        with open(os.path.join(tampered, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        code, out = ctl(args.attestctl, "collateral", "import", tampered, "--data-dir",
                        os.path.join(tmp, "airgap-3"))
        check(code == 1 and "rejected 1" in out and "QE identity" in out,
              f"a re-signed-looking but altered item is rejected on import ({code}: {out})")

        print("early-vs-standard TCB evaluation (a real eval 17 / eval 18 pair)")
        early_case, early_quote = load(vectors, EARLY_CASE)
        es = CollateralServer(vectors, pki, tmp, tdx_case=EARLY_STANDARD_CASE,
                              extra=["--early", "tdx=" + os.path.join(vectors, EARLY_CASE)])
        eonline = ["--pcs-url", es.url, "--collateral-ca", pki["ca"], "--config", conf]
        try:
            a = Attestd(args.attestd, os.path.join(tmp, "early-data"), log,
                        eonline + ["--collateral-time", early_case["verification_time"]])
            try:
                for _ in range(2):
                    s, body = a.attest("TdxVm", early_quote)
                check(s == 200 and "token" in body, f"TDX attests with evaluate_early (got {s} {reason(body)})")
                claims = claims_of(body.get("token", "a.e30.b"))
                check(claims.get("x-attestd-tcb", {}).get("tcb_status") == "UpToDate"
                      and claims.get("x-attestd-tcb", {}).get("tcb_evaluation_data_number") == 17,
                      f"the token keeps the standard verdict: UpToDate, eval 17 ({claims.get('x-attestd-tcb', {}).get('tcb_status')})")
                early = claims.get("x-attestd-tcb-early", {})
                check(early.get("tcb_status") == "OutOfDate" and early.get("tcb_evaluation_data_number") == 18
                      and isinstance(early.get("advisory_ids"), list) and early["advisory_ids"],
                      f"x-attestd-tcb-early: OutOfDate under eval 18 with advisories ({early})")
                counts = es.counts()
                check(counts.get("/tdx/certification/v4/tcb?fmspc=90c06f000000&update=early") == 1
                      and counts.get("/tdx/certification/v4/tcb?fmspc=90c06f000000&update=standard") == 1,
                      f"both sets fetched once ({counts})")
                m = a.metrics()
                check('attestd_tcb_early_outofdate_platforms{fmspc="90C06F000000"} 1' in m,
                      "/metrics: one platform at risk for FMSPC 90C06F000000 (counted once)")
                code, out = ctl(args.attestctl, "collateral", "status", "--fleet", "--endpoint",
                                f"http://127.0.0.1:{a.port}")
                check(code == 0 and "90C06F000000" in out and out.strip().endswith("1"),
                      f"status --fleet lists the FMSPC ({out.strip()})")
            finally:
                a.stop()
        finally:
            es.stop()

        print("past nextUpdate with the source down: 503 COLLATERAL_STALE naming the item")
        later = sgx_case["collateral_validity_window"]["not_after"].replace("T10", "T11")
        a = Attestd(args.attestd, sgx_dir, log, online + ["--collateral-time", later])
        try:
            s, body = a.attest("SgxEnclave", sgx_quote)
            check(s == 503 and reason(body) == "COLLATERAL_STALE",
                  f"503 COLLATERAL_STALE (got {s} {reason(body)}: {message(body)})")
            check("TCB info for SGX FMSPC 00A067110000" in message(body) and "expired at" in message(body),
                  f"the message names the stale item ({message(body)})")
        finally:
            a.stop()
        if FAILURES:
            with open(log, "rb") as f:
                sys.stdout.write(f.read()[-4000:].decode(errors="replace"))

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all collateral checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

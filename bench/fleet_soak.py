#!/usr/bin/python3
"""Fleet load/soak benchmark (issue 12 item 6): N attestd replicas on one PostgreSQL (started
here with initdb/pg_ctl), SGX attestations at saturation from C client threads spread over the
replicas, one policy write per second through alternating replicas, for D seconds. With
--kill-replica, replica 0 is SIGKILLed halfway and restarted; a client whose replica refuses
the connection goes to the next replica (as a load balancer would), and only a request that no
replica answered counts as failed.

Reports throughput, p50/p99 latency, failed requests, non-200 answers, lost policy writes
(acknowledged PUTs missing from the store), tokens that stop verifying (a sample of the issued
tokens, every one checked at the end against every replica's /certs) and each replica's RSS at
start and end.
A benchmark, not a test: `make bench-fleet` (not part of `make test`).

  bench/fleet_soak.py --attestd build/src/server/attestd [--replicas 2] [--clients 8]
                      [--seconds 600] [--kill-replica]
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fleet"))
import fleet_common as fc  # noqa: E402
from fleet_common import mc  # noqa: E402
import pg_cluster  # noqa: E402

SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--kill-replica", action="store_true")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS", os.path.join(HERE, "..", "..", "shared", "vectors"))
    case_dir = os.path.join(vectors, SGX_CASE)
    if not os.path.isfile(os.path.join(case_dir, "case.json")):
        print(f"SKIP: vector {SGX_CASE} not found under '{vectors}'")
        return 0
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    with open(os.path.join(case_dir, "quote.bin"), "rb") as f:
        body = json.dumps({"quote": mc.b64url(f.read())})
    extra = ["--collateral-dir", case_dir, "--collateral-time", case["verification_time"]]
    if not case.get("collateral_complete", True):
        extra.append("--allow-missing-pck-crl")

    tmp = tempfile.mkdtemp(prefix="attestd-fleet-bench-")
    db = pg_cluster.Cluster(pg_cluster.find_bin())
    replicas = []
    try:
        db.start()
        db.create_db()
        pki = mc.Pki(tmp)
        kek = os.path.join(tmp, "kek")
        with open(kek, "w") as f:
            f.write(os.urandom(32).hex())
        os.chmod(kek, 0o600)
        fc.init_provider(args.attestd, os.path.join(tmp, "init"), db.url())
        rargs = [*extra, "--token-key-kek-file", kek]

        def start(i):
            return fc.Replica(args.attestd, pki, os.path.join(tmp, f"r{i}"),
                              os.path.join(tmp, f"r{i}.log"), db.url(), rargs)

        replicas = [start(i) for i in range(args.replicas)]
        ports = [r.port for r in replicas]
        rss_start = [rss_kib(r.proc.pid) for r in replicas]
        ctx = ssl.create_default_context(cafile=pki.ca)
        stop = threading.Event()
        lock = threading.Lock()
        latencies, failed, non200 = [], [0], {}
        tokens = []  # a sample: every 200th token of each client, at most 2,000

        def client(n):
            conns = {}
            i = n
            while not stop.is_set():
                t0 = time.monotonic()
                answered = False
                for attempt in range(len(ports)):
                    port = ports[(i + attempt) % len(ports)]
                    try:
                        c = conns.get(port) or http.client.HTTPSConnection(
                            "127.0.0.1", port, context=ctx, timeout=30)
                        conns[port] = c
                        c.request("POST", "/attest/SgxEnclave" + mc.API, body=body,
                                  headers={"Content-Type": "application/json"})
                        resp = c.getresponse()
                        data = resp.read()
                        answered = True
                        with lock:
                            latencies.append(time.monotonic() - t0)
                            if resp.status != 200:
                                non200[resp.status] = non200.get(resp.status, 0) + 1
                            elif (i - n) % 200 == 0 and len(tokens) < 2000:
                                tokens.append(json.loads(data)["token"])
                        break
                    except (OSError, http.client.HTTPException):
                        conns.pop(port, None)
                if not answered:
                    with lock:
                        failed[0] += 1
                    time.sleep(0.05)
                i += 1

        acked = []

        def writer():
            w = {"Authorization": pki.bearer()}
            k = 0
            while not stop.is_set():
                r = replicas[k % len(replicas)]
                tag = f"soak-{k}"
                try:
                    s, _ = r.request("PUT", "/policies/SgxEnclave" + mc.API,
                                     body=mc.policy_jws(mc.policy_text(tag)), headers=w)
                    if s == 200:
                        acked.append(tag)
                except OSError:
                    pass
                k += 1
                time.sleep(1)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        threads.append(threading.Thread(target=writer))
        begin = time.monotonic()
        for t in threads:
            t.start()
        killed_at = None
        while time.monotonic() - begin < args.seconds:
            time.sleep(1)
            if args.kill_replica and killed_at is None and time.monotonic() - begin >= args.seconds / 2:
                killed_at = time.monotonic() - begin
                replicas[0].kill9()
                replicas[0] = fc.Replica(args.attestd, pki, os.path.join(tmp, "r0"),
                                         os.path.join(tmp, "r0b.log"), db.url(), rargs)
                ports[0] = replicas[0].port
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - begin
        rss_end = [rss_kib(r.proc.pid) for r in replicas]
        # Every sampled token must still verify, on every replica (the keys are shared).
        keysets = [fc.certs(r) for r in replicas]
        unverified = sum(1 for t in tokens if not all(fc.verifies_with(k, t) for k in keysets))
        rows = db.psql("attestd", "SELECT convert_from(policy_text, 'UTF8') FROM policies")
        lost = [t for t in acked if f'value="{t}"' not in rows]
        latencies.sort()
        pct = (lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
               if latencies else 0.0)
        print(json.dumps({
            "replicas": args.replicas, "clients": args.clients, "seconds": round(elapsed, 1),
            "kill_replica_at_s": killed_at, "requests": len(latencies),
            "throughput_rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1),
            "failed_requests": failed[0], "non_200": non200,
            "policy_writes_acknowledged": len(acked), "policy_writes_lost": len(lost),
            "tokens_sampled": len(tokens), "tokens_not_verifying": unverified,
            "rss_kib_start": rss_start, "rss_kib_end": rss_end,
            "note": "replica 0 was restarted: its RSS is the new process's" if killed_at else "",
        }, indent=1))
    finally:
        for r in replicas:
            if r.proc.poll() is None:
                r.stop()
        db.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

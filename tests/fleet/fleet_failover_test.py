#!/usr/bin/python3
"""Regional failover end to end on loopback (issue 12 item 5; docs/failover.md):

  HAProxy (deploy/failover/haproxy.cfg) -> region A: 2 attestd replicas on PostgreSQL A
                                        -> region B: 2 attestd replicas on PostgreSQL B, a
                                           streaming-replication hot standby of A (backups)

- every replica has the same base URL (HAProxy's: the issuer) and token keys in the store
  under one KEK; region B's replicas start on the standby and are ready before any failure;
- a policy is set through HAProxy (it lands in region A) before the failure;
- the official JS client (tests/interop/lib/failover-client.mjs, one client object) attests
  in a loop through HAProxy;
- region A is killed (both replicas SIGKILL, its PostgreSQL stopped as a crash would);
  deploy/failover/attestd-failover (watch mode) promotes B's database and fences A;
- the client carries on against the same URL: tokens with the same issuer, signed by the
  key it fetched from /certs before the failure, carrying the claim of the policy set
  before it; a policy set after the failover (region B now writable) is enforced too.

Prints the failover window (SIGKILL of region A -> first successful attestation through
HAProxy) as FAILOVER_WINDOW_SECONDS. Needs the SGX vector, PostgreSQL server binaries,
haproxy, node + npm. Exit codes: 0 pass, 1 fail, 77 skipped.
"""
import argparse
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

try:
    import fleet_common as fc
    from fleet_common import mc
    import pg_cluster
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
INTEROP = os.path.join(ROOT, "tests", "interop")
FAILOVER = os.path.join(ROOT, "deploy", "failover", "attestd-failover")
HAPROXY_CFG = os.path.join(ROOT, "deploy", "failover", "haproxy.cfg")
SGX_CASE = "sgx/dcap-qvl-00a067110000-2507"
check = mc.check


START = time.monotonic()


def phase(what):
    print(f"[{time.monotonic() - START:6.1f}s] {what}", flush=True)


def wait_for(what, cond, tries=600, pause=0.1):
    """Waits until cond() holds (readiness, not a timed assertion); raises after `tries`."""
    for _ in range(tries):
        if cond():
            return
        time.sleep(pause)
    raise RuntimeError(f"gave up waiting: {what}")


def haproxy_command(path, command):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall((command + "\n").encode())
        out = b""
        while True:
            data = s.recv(65536)
            if not data:
                return out.decode(errors="replace")
            out += data


class ClientLoop:
    """The JS client's attestation loop; its JSON lines are collected by a reader thread."""

    def __init__(self, base, quote_path, ca, log_path):
        env = dict(os.environ, FAILOVER_BASE=base, FAILOVER_QUOTE=quote_path,
                   NODE_EXTRA_CA_CERTS=ca, NO_PROXY="127.0.0.1,localhost",
                   no_proxy="127.0.0.1,localhost")
        self.err = open(log_path, "ab")
        self.proc = subprocess.Popen(["node", os.path.join(INTEROP, "lib", "failover-client.mjs")],
                                     cwd=INTEROP, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err)
        self.lines = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            with self.lock:
                self.lines.append(line)

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=10)
        self.err.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    ap.add_argument("--vectors-default", default="")
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    args = ap.parse_args()
    vectors = os.environ.get("ATTESTD_VECTORS", args.vectors_default)
    case_dir = os.path.join(vectors, SGX_CASE)
    if not os.path.isfile(os.path.join(case_dir, "case.json")):
        print(f"SKIP: vector {SGX_CASE} not found under '{vectors}' (set ATTESTD_VECTORS)")
        return 77
    pg_bin = pg_cluster.find_bin()
    if pg_bin is None:
        print("SKIP: PostgreSQL server binaries not found (install postgresql)")
        return 77
    # haproxy and node come from scripts/install-deps (make test installs them): missing is a
    # failure, not a skip.
    if not os.access(args.haproxy, os.X_OK):
        print(f"FAIL: {args.haproxy} not found (scripts/install-deps installs haproxy)")
        return 1
    deps = subprocess.run([os.path.join(INTEROP, "ensure-deps.sh")])
    if deps.returncode != 0:
        return 1
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    extra = ["--collateral-dir", case_dir, "--collateral-time", case["verification_time"]]
    if not case.get("collateral_complete", True):
        extra.append("--allow-missing-pck-crl")

    tmp = tempfile.mkdtemp(prefix="attestd-failover-")
    db_a = db_b = haproxy = watcher = client = None
    replicas = {}
    try:
        pki = mc.Pki(tmp)
        w = {"Authorization": pki.bearer()}
        kek = os.path.join(tmp, "kek")
        with open(kek, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chmod(kek, 0o600)
        extra += ["--token-key-kek-file", kek]
        front_port = mc.free_port()
        base = f"https://127.0.0.1:{front_port}"  # HAProxy's URL: the one issuer

        phase("region A: PostgreSQL primary, provider, two replicas")
        db_a = pg_cluster.Cluster(pg_bin)
        db_a.start()
        db_a.create_db()
        init = subprocess.run([args.attestd, "init", "--data-dir", os.path.join(tmp, "init"),
                               "--store", db_a.url(), "--base-url", base, "--mode", "aad"],
                              capture_output=True, text=True)
        check(init.returncode == 0, f"attestd init on region A ({init.stderr.strip()[:200]})")
        for name in ("a1", "a2"):
            replicas[name] = fc.Replica(args.attestd, pki, os.path.join(tmp, name),
                                        os.path.join(tmp, f"{name}.log"), db_a.url(), extra,
                                        base_url=base)

        phase("region B: hot standby of A (synchronous, remote_apply), two replicas on it")
        db_b = pg_cluster.Cluster(pg_bin, standby_of=db_a, application_name="regionb")
        db_b.start()
        phase("standby started")
        db_a.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = 'regionb'")
        db_a.psql("postgres", "ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
        db_a.psql("postgres", "SELECT pg_reload_conf()")
        wait_for("region B's standby in synchronous replication", lambda: db_a.psql(
            "postgres", "SELECT count(*) FROM pg_stat_replication WHERE application_name = "
            "'regionb' AND sync_state = 'sync' AND state = 'streaming'") == "1")
        check(db_b.in_recovery(), "region B's database is a standby (in recovery)")
        phase("region B's replicas")
        for name in ("b1", "b2"):
            replicas[name] = fc.Replica(args.attestd, pki, os.path.join(tmp, name),
                                        os.path.join(tmp, f"{name}.log"), db_b.url(), extra,
                                        base_url=base)
        check(all(replicas[n].ready() for n in ("b1", "b2")),
              "region B's replicas are ready on the standby before any failure")
        doc = mc.policy_jws(mc.policy_text("on-the-standby"))
        s, body = replicas["b1"].request("PUT", "/policies/SgxEnclave" + mc.API, doc, w)
        reason = json.loads(body).get("error", {}).get("reason") if s != 200 else None
        check(s == 503 and reason == "STORE_UNAVAILABLE",
              f"a policy change on region B before the failover: 503 STORE_UNAVAILABLE "
              f"(read-only standby) ({s} {reason})")
        kids = {n: json.loads(r.request("GET", "/certs")[1])["keys"][0]["kid"]
                for n, r in replicas.items()}
        check(len(set(kids.values())) == 1, f"all four replicas publish the same key ({kids})")

        phase("HAProxy in front, failover watcher")
        sock = os.path.join(tmp, "haproxy.sock")
        env = dict(os.environ, ATTESTD_FRONTEND=f"127.0.0.1:{front_port}",
                   ATTESTD_A1=f"127.0.0.1:{replicas['a1'].port}",
                   ATTESTD_A2=f"127.0.0.1:{replicas['a2'].port}",
                   ATTESTD_B1=f"127.0.0.1:{replicas['b1'].port}",
                   ATTESTD_B2=f"127.0.0.1:{replicas['b2'].port}",
                   ATTESTD_BACKEND_CA=pki.ca, ATTESTD_HAPROXY_SOCKET=sock)
        check(subprocess.run([args.haproxy, "-c", "-q", "-f", HAPROXY_CFG], env=env).returncode
              == 0, "haproxy -c accepts deploy/failover/haproxy.cfg")
        haproxy_log = open(os.path.join(tmp, "haproxy.log"), "ab")
        haproxy = subprocess.Popen([args.haproxy, "-db", "-f", HAPROXY_CFG], env=env,
                                   stdout=haproxy_log, stderr=subprocess.STDOUT)
        front = mc.Server.__new__(mc.Server)  # a client of HAProxy's URL, not a process
        front.port = front_port
        front.base = base
        front.ctx = replicas["a1"].ctx

        def front_ready():
            try:
                return front.request("GET", "/ready")[0] == 200
            except OSError:
                return False
        wait_for("HAProxy serving", front_ready)
        watcher_log = open(os.path.join(tmp, "watcher.log"), "ab")
        watcher = subprocess.Popen(
            [sys.executable, FAILOVER, "watch", "--primary-url", db_a.url(),
             "--standby-url", db_b.url(), "--haproxy-socket", sock,
             "--fence", "attestd/a1", "--fence", "attestd/a2", "--interval", "0.5",
             "--failures", "3"], stdout=watcher_log, stderr=subprocess.STDOUT)

        phase("a policy set through HAProxy before the failure")
        before = mc.policy_text("before-failover")
        status, _ = front.request("PUT", "/policies/SgxEnclave" + mc.API,
                                  mc.policy_jws(before), w)
        check(status == 200, f"PUT policy through HAProxy (region A) -> {status}")

        phase("the JS client attests in a loop through HAProxy")
        client = ClientLoop(base, os.path.join(case_dir, "quote.bin"), pki.ca,
                            os.path.join(tmp, "client.log"))

        def tagged(tag, after=0):
            return [x for x in client.snapshot()
                    if x["ok"] and x["t"] >= after and x.get("tag") == tag]
        wait_for("client tokens with the policy's claim", lambda: len(tagged("before-failover")) >= 5,
                 tries=1200)
        early = [x for x in client.snapshot() if x["ok"]]
        check(all(x["iss"] == base for x in early), "tokens before the failure: iss = HAProxy URL")
        client_kid = early[0]["kid"]

        check(db_b.in_recovery() and watcher.poll() is None,
              "the watcher has not promoted region B while region A's database answers")
        phase("region A killed")
        kill_ms = time.time() * 1000
        for name in ("a1", "a2"):
            replicas[name].proc.send_signal(signal.SIGKILL)
        db_a.kill()
        for name in ("a1", "a2"):
            replicas[name].proc.wait()
        # The window: from the kill to the answer of the first successful attestation that was
        # called after it (one called before may have been answered by region A just before
        # the kill and reported just after it).
        wait_for("the client's first success after the kill",
                 lambda: any(x["ok"] and x["t0"] > kill_ms for x in client.snapshot()),
                 tries=1200)
        lines = client.snapshot()
        first = min((x for x in lines if x["ok"] and x["t0"] > kill_ms), key=lambda x: x["t0"])
        first_ok = first["t"]
        window = (first_ok - kill_ms) / 1000.0
        failed = [x for x in lines if not x["ok"] and x["t"] > kill_ms and x["t0"] < first["t0"]]
        print(f"FAILOVER_WINDOW_SECONDS={window:.3f} (failed attempts in the window: "
              f"{len(failed)})")
        for x in failed:
            print(f"  failed attempt: called {x['t0'] - kill_ms:+.0f} ms, answered "
                  f"{x['t'] - kill_ms:+.0f} ms after the kill: {x['error'][:100]}")

        wait_for("watcher done", lambda: watcher.poll() is not None, tries=1200)
        check(watcher.returncode == 0, "attestd-failover promoted region B and fenced A (exit 0)")
        check(not db_b.in_recovery(), "region B's database is the primary")
        state = haproxy_command(sock, "show servers state attestd")
        # Columns (HAProxy management guide, "show servers state"): be_id be_name srv_id
        # srv_name srv_addr srv_op_state srv_admin_state ...; admin state bit 0x01 = forced
        # maintenance.
        admin = {}
        for row in state.splitlines():
            cols = row.split()
            if len(cols) > 6 and cols[1] == "attestd":
                admin[cols[3]] = int(cols[6])
        check(all(admin.get(n, 0) & 1 for n in ("a1", "a2")) and
              not any(admin.get(n, 1) & 1 for n in ("b1", "b2")),
              f"region A's servers are fenced (maintenance) in HAProxy, B's are not ({admin})")
        wait_for("10 tokens after the failover",
                 lambda: len([x for x in client.snapshot() if x["ok"] and x["t"] > kill_ms]) >= 10,
                 tries=1200)
        after_kill = [x for x in client.snapshot() if x["ok"] and x["t"] > kill_ms]
        check(all(x["iss"] == base for x in after_kill),
              "tokens after the failover: same issuer (the HAProxy URL)")
        check(all(x["kid"] == client_kid for x in after_kill),
              "tokens after the failover are signed by the key the client fetched before it "
              "(the client's cached /certs verifies them)")
        check(all(x.get("tag") == "before-failover" for x in after_kill[:10]),
              "the policy set before the failure is in force after it")

        phase("management after the failover: region B is writable")
        after = mc.policy_text("after-failover")
        status = None
        for _ in range(50):  # until the promoted database accepts the write (bounded)
            status, body = front.request("PUT", "/policies/SgxEnclave" + mc.API,
                                         mc.policy_jws(after), w)
            if status != 503:
                break
            time.sleep(0.2)
        check(status == 200, f"PUT policy through HAProxy (region B) -> {status}")
        put_ms = time.time() * 1000
        wait_for("client tokens with the new policy's claim",
                 lambda: len(tagged("after-failover", put_ms)) >= 2, tries=1200)
        check(True, "the policy set after the failover is enforced by region B's replicas")
        history = db_b.psql("attestd", "SELECT count(*) FROM policies WHERE provider_id = "
                            "'default' AND attestation_type = 'SgxEnclave'")
        check(history == "2", f"region B's database holds both policy changes ({history})")
        lines = client.snapshot()
        stale = [x for x in lines if not x["ok"] and x["t0"] > first["t0"]]
        check(not stale, f"no failed attestation after the first success through region B "
                         f"({len(stale)})")
        print(f"client: {len([x for x in lines if x['ok']])} tokens, "
              f"{len([x for x in lines if not x['ok']])} failed attempts")
    except Exception as e:  # noqa: BLE001  (a setup failure is a test failure)
        check(False, f"unexpected error: {e!r}")
    finally:
        if client:
            client.stop()
        if watcher and watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        if haproxy:
            haproxy.terminate()
            haproxy.wait()
        for r in replicas.values():
            if r.proc.poll() is None:
                r.stop()
        for db in (db_b, db_a):
            if db:
                db.cleanup()
    phase("stopped")
    if mc.FAILURES:
        print(f"logs kept in {tmp}")
        for name in ("watcher.log", "haproxy.log", "client.log", "b1.log"):
            path = os.path.join(tmp, name)
            if os.path.exists(path):
                print(f"--- {name} (tail) ---")
                with open(path, errors="replace") as f:
                    print("".join(f.readlines()[-15:]))
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(mc.FAILURES)} failure(s)")
    return 1 if mc.FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

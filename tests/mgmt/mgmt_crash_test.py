#!/usr/bin/python3
"""Crash safety of the policy store (issue 4, "Tests"): several clients stream policy writes
(each a distinct, numbered policy) at attestd; once a number of writes have been
acknowledged the server is killed with SIGKILL while others are in flight. After a restart:
the SQLite file passes integrity_check; the policy in force (GET) is one of the written
ones and is the newest record of the history; every history record is a complete write that
was really sent (text, JWS and token hash agree); every acknowledged write is in the
history; per client, the history keeps the order the writes were sent in. Repeated for
several rounds on the same data directory. No timing assertions: the kill is triggered by a
count of acknowledgements.

Exit codes: 0 pass, 1 fail, 77 skipped (PyJWT/cryptography absent).
"""
import argparse
import base64
import json
import os
import sqlite3
import sys
import tempfile
import threading

try:
    import mgmt_common as mc
except ImportError as e:  # pragma: no cover
    print(f"SKIP: needs python3-jwt and python3-cryptography ({e})")
    sys.exit(77)

check = mc.check
CLIENTS = 4
ROUNDS = 3
KILL_AFTER_ACKS = 24


def writer(server, bearer, client, rnd, sent, acked, enough, stop):
    n = 0
    while not stop.is_set():
        tag = f"r{rnd}-c{client}-n{n}"
        doc = mc.policy_jws(mc.policy_text(tag))
        sent[doc] = (client, n)
        try:
            status, _ = server.request("PUT", "/policies/SgxEnclave" + mc.API, body=doc,
                                       headers={"Authorization": bearer})
        except OSError:
            return  # the server was killed mid-request
        if status == 200:
            with enough:
                acked.append(doc)
                if len(acked) >= KILL_AFTER_ACKS:
                    enough.notify_all()
        n += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attestd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="attestd-crash-")
    try:
        pki = mc.Pki(tmp)
        data_dir = os.path.join(tmp, "data")
        port = mc.free_port()
        r = mc.init_provider(args.attestd, data_dir, f"https://127.0.0.1:{port}", "aad", [])
        check(r.returncode == 0, "attestd init --mode aad")
        bearer = pki.bearer()
        sent = {}      # every JWS ever sent -> (client, sequence number)
        all_acked = []
        for rnd in range(ROUNDS):
            print(f"== round {rnd}")
            server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"), port)
            acked, enough, stop = [], threading.Condition(), threading.Event()
            threads = [threading.Thread(target=writer,
                                        args=(server, bearer, c, rnd, sent, acked, enough, stop))
                       for c in range(CLIENTS)]
            for t in threads:
                t.start()
            with enough:
                while len(acked) < KILL_AFTER_ACKS and any(t.is_alive() for t in threads):
                    enough.wait(1)
            server.kill9()  # writes are still in flight
            stop.set()
            for t in threads:
                t.join()
            all_acked += acked
            check(len(acked) >= KILL_AFTER_ACKS, f"round {rnd}: {len(acked)} writes acknowledged before SIGKILL")

            db_path = os.path.join(data_dir, "attestd.db")
            server = mc.Server(args.attestd, pki, data_dir, os.path.join(tmp, "attestd.log"), port)
            try:
                db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
                check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
                      f"round {rnd}: integrity_check ok")
                rows = db.execute("SELECT seq, action, policy_text, policy_jws, token_hash "
                                  "FROM policies WHERE provider_id='default' AND "
                                  "attestation_type='SgxEnclave' ORDER BY seq").fetchall()
                db.close()
                complete = all(a == "set" and jws in sent and mc.token_hash(jws) == h and
                               json.loads(base64.urlsafe_b64decode(jws.split(".")[1] + "=="))
                               ["AttestationPolicy"] == mc.b64url(text.encode())
                               for _, a, text, jws, h in rows)
                check(complete, f"round {rnd}: every history record is a complete write that was sent")
                in_history = {jws for _, _, _, jws, _ in rows}
                check(all(doc in in_history for doc in all_acked),
                      f"round {rnd}: all {len(all_acked)} acknowledged writes are in the history")
                order_ok = True
                last = {}  # (client, round) -> last sequence number seen in the history
                for _, _, _, jws, _ in rows:
                    cid, n = sent[jws] if jws in sent else (None, None)
                    if cid is None:
                        continue
                    k = (cid, jws_round(jws))
                    if k in last and last[k] >= n:
                        order_ok = False
                    last[k] = n
                check(order_ok, f"round {rnd}: per client, history keeps the sending order")
                status, body = server.request("GET", "/policies/SgxEnclave" + mc.API,
                                              headers={"Authorization": bearer})
                current = mc.result_claims(server, body)["x-ms-policy"] if status == 200 else None
                check(current in sent, f"round {rnd}: the policy in force is one of the written ones")
                check(rows and current == rows[-1][3], f"round {rnd}: it is the newest history record")
            finally:
                server.stop()
    except BaseException:
        print(f"logs kept in {tmp}")
        raise
    return mc.finish(tmp)


def jws_round(jws):
    text = base64.urlsafe_b64decode(
        json.loads(base64.urlsafe_b64decode(jws.split(".")[1] + "=="))["AttestationPolicy"] + "==").decode()
    return text.split('value="')[1].split("-")[0]


if __name__ == "__main__":
    sys.exit(main())

"""A throw-away PostgreSQL cluster for the fleet tests: initdb + pg_ctl on a free loopback port
in a temporary directory. PostgreSQL refuses to run as root, so under root the cluster belongs
to `nobody` and the tools run through setpriv. Binaries: $ATTESTD_PG_BIN or the newest
/usr/lib/postgresql/*/bin."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile


def find_bin():
    env = os.environ.get("ATTESTD_PG_BIN")
    if env:
        return env
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(d + "/initdb")]
    found.sort(key=lambda d: [int(x) if x.isdigit() else 0 for x in d.split("/")[-2].split(".")])
    return found[-1] if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`standby_of`: a streaming-replication hot standby of that (running) cluster, made with
    pg_basebackup -R; it connects as `application_name` (the name synchronous replication
    waits for)."""

    def __init__(self, bin_dir, port=None, standby_of=None, application_name="standby"):
        self.bin = bin_dir
        self.dir = tempfile.mkdtemp(prefix="attestd-pg-")
        self.port = port or free_port()
        self.root = os.geteuid() == 0
        if self.root:
            os.chown(self.dir, 65534, 65534)
        self.data = os.path.join(self.dir, "data")
        if standby_of is None:
            self._run("initdb", "-D", self.data, "-A", "trust", "-U", "attestd", "-E", "UTF8",
                      "--no-sync")
        else:
            self._run("pg_basebackup", "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast", "-d",
                      f"host=127.0.0.1 port={standby_of.port} user=attestd "
                      f"application_name={application_name}")

    def _cmd(self, tool, *args):
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if self.root else []
        return prefix + [os.path.join(self.bin, tool), *args]

    def _run(self, tool, *args, check=True):
        with open(os.path.join(self.dir, "tools.log"), "ab") as log:
            return subprocess.run(self._cmd(tool, *args), stdout=log, stderr=subprocess.STDOUT,
                                  check=check)

    def url(self, db="attestd"):
        return f"postgresql://attestd@127.0.0.1:{self.port}/{db}"

    def start(self):
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200")
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w",
                  "-t", "60", "-o", opts, "start")

    def in_recovery(self):
        return self.psql("postgres", "SELECT pg_is_in_recovery()") == "t"

    def create_db(self, name="attestd"):
        self.psql("postgres", f'CREATE DATABASE "{name}"')

    def kill(self):
        """Stops the server as a crash would (no checkpoint, clients cut off)."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def psql(self, db, sql):
        out = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-A", "-t", "-q", "-v",
                              "ON_ERROR_STOP=1", self.url(db), "-c", sql],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

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

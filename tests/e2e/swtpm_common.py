"""What the swtpm-based end-to-end tests share: a software TPM on a Unix socket in a temp
directory (Debian swtpm), and crypto-agile TCG event logs whose replay is known."""
import hashlib
import os
import struct
import subprocess


class Swtpm:
    """swtpm socket --tpm2 in `parent`/swtpm, started and initialised; `tcti` for tpm2-tss."""

    def __init__(self, parent):
        state = os.path.join(parent, "swtpm")
        os.mkdir(state)
        sock = os.path.join(state, "sock")
        self.pid_file = os.path.join(state, "pid")
        subprocess.run(["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
                        "--server", f"type=unixio,path={sock}", "--ctrl", f"type=unixio,path={sock}.ctrl",
                        "--flags", "not-need-init,startup-clear", "--daemon", "--pid", f"file={self.pid_file}"],
                       check=True)
        self.tcti = f"swtpm:path={sock}"
        self.env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti)

    def extend(self, pcr, data):
        """Extends sha256 PCR `pcr` with SHA-256(data), as an EV_ event of `data` would."""
        subprocess.run(["tpm2_pcrextend", f"{pcr}:sha256={hashlib.sha256(data).hexdigest()}"],
                       env=self.env, check=True, capture_output=True)

    def stop(self):
        try:
            with open(self.pid_file) as f:
                os.kill(int(f.read().strip()), 15)
        except (OSError, ValueError):
            pass


def agile_log(events):
    """A crypto-agile TCG log (sha256 bank) with Spec ID header; events = [(pcr, type, data)]."""
    spec = b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, 1) + struct.pack("<HH", 0x0B, 32) + b"\0"
    log = struct.pack("<II20sI", 0, 3, bytes(20), len(spec)) + spec
    for pcr, typ, data in events:
        log += struct.pack("<III", pcr, typ, 1) + struct.pack("<H", 0x0B) + hashlib.sha256(data).digest()
        log += struct.pack("<I", len(data)) + data
    return log

// Starts the real attestd binary over HTTPS for one vector case and stops it again.
//
// The run-interop.sh driver made a throw-away test CA and a server certificate for
// 127.0.0.1/localhost (openssl CLI) and put the CA in NODE_EXTRA_CA_CERTS, so every HTTPS
// client in this process -- the Azure SDK's pipeline, jose's createRemoteJWKSet, fetch via
// node:https -- trusts the server exactly as a user's would after trusting their CA.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, openSync, closeSync, existsSync } from "node:fs";
import { join } from "node:path";
import https from "node:https";

export const env = {
  attestd: process.env.ATTESTD_BIN,
  vectors: process.env.ATTESTD_VECTORS,
  tmp: process.env.INTEROP_TMP,
  tlsCert: process.env.INTEROP_TLS_CERT,
  tlsKey: process.env.INTEROP_TLS_KEY,
};

for (const [k, v] of Object.entries(env)) {
  if (!v) {
    throw new Error(`interop: environment not set up (${k} missing); run tests/interop/run-interop.sh`);
  }
}

export function loadCase(rel) {
  const dir = join(env.vectors, rel);
  const meta = JSON.parse(readFileSync(join(dir, "case.json"), "utf8"));
  return { dir, meta, read: (name) => readFileSync(join(dir, name)) };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A plain HTTPS request (used for readiness and to look at the raw wire).
export function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let counter = 0;

// Whether this attestd build knows a sub-command or flag (policy management lands with issue 4).
export function attestdHelp(args = ["--help"]) {
  return new Promise((resolve) => {
    const p = spawn(env.attestd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code, out }));
    p.on("error", () => resolve({ code: -1, out }));
  });
}

// Runs attestd with `args` to completion (e.g. `attestd init ...`); throws on a non-zero exit.
export async function runAttestd(args, what) {
  const { code, out } = await attestdHelp(args);
  if (code !== 0) throw new Error(`${what}: attestd ${args.join(" ")} exited ${code}:\n${out}`);
  return out;
}

// Starts attestd for `caseRel` (collateral dir = the case folder, --collateral-time = the
// case's verification_time). `prepare(dataDir, base)` may initialise the data dir first
// (attestd init); `extraArgs(dataDir, base)` adds flags.
export async function startAttestd({ caseRel, name = "attestd", prepare, extraArgs } = {}) {
  const c = loadCase(caseRel ?? "sgx/dcap-qvl-00a067110000-2507");
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const id = `${name}-${process.pid}-${++counter}`;
  const dataDir = mkdtempSync(join(env.tmp, `${id}-data-`));
  if (prepare) await prepare(dataDir, base);
  const logPath = join(env.tmp, `${id}.log`);
  const args = [
    "--listen", `127.0.0.1:${port}`, "--base-url", base, "--data-dir", dataDir,
    "--tls-cert", env.tlsCert, "--tls-key", env.tlsKey,
    "--collateral-dir", c.dir, "--collateral-time", c.meta.verification_time,
    "--workers", "2",
  ];
  if (c.meta.collateral_complete === false) args.push("--allow-missing-pck-crl");
  if (extraArgs) args.push(...(await extraArgs(dataDir, base)));
  const logFd = openSync(logPath, "a");
  const proc = spawn(env.attestd, args, { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  let exited = null;
  proc.on("exit", (code, signal) => (exited = { code, signal }));
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n") : "");
  // Wait until it answers (or exits): readiness, not a timed assertion.
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`attestd exited (${JSON.stringify(exited)}) before serving; log:\n${log()}`);
    try {
      const r = await request(`${base}/health`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (i > 600) {
      proc.kill("SIGKILL");
      throw new Error(`attestd did not answer /health; log:\n${log()}`);
    }
    await sleep(100);
  }
  return {
    base, port, dataDir, logPath, case: c, args, log,
    async stop() {
      if (exited) return exited;
      const done = new Promise((r) => proc.on("exit", (code, signal) => r({ code, signal })));
      proc.kill("SIGTERM");
      return done;
    },
  };
}

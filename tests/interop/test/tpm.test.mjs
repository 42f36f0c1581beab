// The official JS client's attestTpm(string) carries each round of MAA's TPM protocol
// (/attest/Tpm) to attestd, with the round-2 message prepared by attestctl from a real
// (software) TPM: swtpm on a Unix socket in a temp dir, started here and stopped after.
// Skipped when swtpm or attestctl (beside attestd in the build tree) is absent.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AttestationClient } from "@azure/attestation";
import { startAttestd, env } from "../lib/attestd.mjs";
import { verifyWithDiscovery } from "../lib/jose-check.mjs";
import { makeIssuer } from "../lib/pki.mjs";

const attestctl = join(dirname(env.attestd), "..", "cli", "attestctl");
const haveSwtpm = spawnSync("sh", ["-c", "command -v swtpm"]).status === 0;
const skip = !haveSwtpm ? "swtpm not installed" : !existsSync(attestctl) ? `no attestctl at ${attestctl}` : false;

describe("attestTpm (official JS client) with messages prepared by attestctl", { skip }, () => {
  let server;
  let issuer;
  let swtpmDir;
  before(async () => {
    issuer = await makeIssuer();
    swtpmDir = mkdtempSync(join(env.tmp, "swtpm-"));
    const sock = join(swtpmDir, "sock");
    const r = spawnSync("swtpm", ["socket", "--tpm2", "--tpmstate", `dir=${swtpmDir}`,
      "--server", `type=unixio,path=${sock}`, "--ctrl", `type=unixio,path=${sock}.ctrl`,
      "--flags", "not-need-init,startup-clear", "--daemon", "--pid", `file=${join(swtpmDir, "pid")}`]);
    assert.equal(r.status, 0, `swtpm: ${r.stderr}`);
    server = await startAttestd({
      name: "tpm",
      extraArgs: async (dataDir) => {
        const cfg = join(dataDir, "tpm.toml");
        writeFileSync(cfg, "tpm_trust_ak_as_presented = true\n");
        return ["--aad-issuer", issuer.issuer, "--aad-jwks", issuer.jwksPath,
                "--aad-audience", issuer.audience, "--config", cfg];
      },
    });
  });
  after(async () => {
    if (server) await server.stop();
    const pidFile = join(swtpmDir ?? "", "pid");
    if (swtpmDir && existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGTERM");
  });

  test("both rounds through client.attestTpm; the report verifies with jose", async () => {
    const client = new AttestationClient(server.base, issuer.credential({ roles: [] }));
    // Round 1: the client only carries strings.
    const r1 = JSON.parse(await client.attestTpm(JSON.stringify({ payload: { type: "aikcert" } })));
    assert.ok(r1.payload.challenge && r1.payload.service_context, JSON.stringify(r1));
    // attestctl quotes the swtpm PCRs over that challenge and prints the round-2 message.
    const p = spawnSync(attestctl, ["attest", "--type", "Tpm", "--endpoint", server.base,
      "--tcti", `swtpm:path=${join(swtpmDir, "sock")}`, "--challenge", r1.payload.challenge,
      "--service-context", r1.payload.service_context, "--print-request"], { encoding: "utf8" });
    assert.equal(p.status, 0, p.stderr);
    const round2 = p.stdout.trim();
    const r2 = JSON.parse(await client.attestTpm(round2));
    const report = r2.payload.report;
    const { payload } = await verifyWithDiscovery(server.base, report);
    assert.equal(payload["x-ms-attestation-type"], "tpm");
    assert.equal(payload.tpmVersion, 2);
    // The same round-2 message again: its service_context was used.
    await assert.rejects(client.attestTpm(round2), (e) => e.statusCode === 400 && /already used/.test(e.message));
  });
});

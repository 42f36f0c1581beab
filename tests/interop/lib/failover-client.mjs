// A relying party's attestation loop for the regional-failover test (tests/fleet/
// fleet_failover_test.py): the official client (@azure/attestation, unmodified) attests the
// SGX vector's quote against one URL -- HAProxy's -- again and again, with token validation
// on (signature against /certs, exp, nbf, issuer = that URL), and prints one JSON line per
// attempt:
//   {"t0": <ms since epoch at the call>, "t": <ms at the answer>, "ok": true, "iss": ...,
//    "kid": ..., "tag": <the x-ms-policy "tag" claim>}
//   {"t0": ..., "t": ..., "ok": false, "error": "..."}
// One client object for the whole run: it fetches /certs once and never again (the SDK
// caches it, maa-service-behaviour.md §6), so tokens after a failover verify only if region
// B signs with the same key. The SDK's own retries are off so that every failed attempt is
// visible; the loop tries again after FAILOVER_PAUSE_MS. Stops when stdin closes.
//
// Environment: FAILOVER_BASE (the URL), FAILOVER_QUOTE (quote file), NODE_EXTRA_CA_CERTS.
import { readFileSync } from "node:fs";
import { AttestationClient } from "@azure/attestation";

const base = process.env.FAILOVER_BASE;
const quote = readFileSync(process.env.FAILOVER_QUOTE);
const pauseMs = Number(process.env.FAILOVER_PAUSE_MS ?? "100");

const client = new AttestationClient(base, {
  retryOptions: { maxRetries: 0 },
  validationOptions: {
    validateToken: true,
    validateExpirationTime: true,
    validateNotBeforeTime: true,
    validateIssuer: true,
    expectedIssuer: base,
    validateAttestationToken: (token, signer) =>
      signer ? [] : ["failover-client: no signer in /certs for the token's kid"],
  },
});

let stop = false;
process.stdin.on("end", () => (stop = true));
process.stdin.on("close", () => (stop = true));
process.stdin.resume();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

while (!stop) {
  let line;
  const t0 = Date.now();
  try {
    const res = await client.attestSgxEnclave(quote);
    const body = res.token.getBody();
    line = { t0, t: Date.now(), ok: true, iss: res.body.issuer, kid: res.token.keyId, tag: body["x-ms-policy"]?.tag };
  } catch (e) {
    line = { t0, t: Date.now(), ok: false, error: String(e?.message ?? e).slice(0, 300) };
  }
  process.stdout.write(JSON.stringify(line) + "\n");
  if (!line.ok) await sleep(pauseMs);
}

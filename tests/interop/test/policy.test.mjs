// Policy management with the official client (AttestationAdministrationClient), in AAD mode
// (bearer token minted by the test's own issuer, which the server is configured to trust) and
// in Isolated mode (policy-management certificates). Client-side token validation stays on.
//
// Until attestd serves the management routes (issue 4), each test detects the server's 404
// on its route and skips with that explicit reason; any other failure fails.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import {
  AttestationAdministrationClient, AttestationClient, createAttestationPolicyToken,
} from "@azure/attestation";
import { startAttestd, attestdHelp, runAttestd } from "../lib/attestd.mjs";
import { makeSigner, makeIssuer } from "../lib/pki.mjs";

const SGX_CASE = "sgx/dcap-qvl-00a067110000-2507";
const POLICY_A = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";
const POLICY_B =
  "version=1.0; authorizationrules{=> permit();}; issuancerules{ => issue(type=\"interop\", value=true);};";

const sha256 = (s) => createHash("sha256").update(s).digest();
// maa-tokens.md §5: x-ms-policy-hash = base64url(SHA-256(ASCII(base64url(UTF-8(policy text))))).
const policyHash = (text) => sha256(Buffer.from(text, "utf8").toString("base64url"));

function validation(base) {
  return {
    validationOptions: {
      validateToken: true, validateExpirationTime: true, validateNotBeforeTime: true,
      validateIssuer: true, expectedIssuer: base,
    },
  };
}

// Runs one SDK call; a 404 from the server means "route not implemented" -> explicit skip.
async function orSkip(t, route, fn) {
  try {
    return { value: await fn() };
  } catch (e) {
    if (e && e.statusCode === 404) {
      t.skip(`attestd answers 404 to ${route} (policy management not served by this build; issue 4)`);
      return { skipped: true };
    }
    throw e;
  }
}

function restStatus(e) {
  return e && typeof e.statusCode === "number" ? e.statusCode : undefined;
}

// Issue 4's provider initialisation: `attestd init --mode aad|isolated` with the bearer-token
// issuer configuration. Returns null when this attestd build has no `init` (then the server
// runs with its defaults and the management routes answer 404 -> the tests skip).
async function serverHelp() {
  const help = await attestdHelp(["--help"]);
  return /^\s+init\b/m.test(help.out) ? help.out : null;
}

async function startAdminServer({ mode, issuer, signers = [] }) {
  const help = await serverHelp();
  const server = await startAttestd({
    caseRel: SGX_CASE,
    name: `policy-${mode}`,
    prepare: help === null ? undefined : async (dataDir, base) => {
      const args = ["init", "--data-dir", dataDir, "--base-url", base, "--mode", mode];
      for (const s of signers) args.push("--policy-signer", s.certPath);
      await runAttestd(args, `attestd init --mode ${mode}`);
    },
    extraArgs: async () => aadFlags(help, issuer),
  });
  return server;
}

// Server flags that make attestd trust the test's bearer-token issuer (issue 4): issuer, its
// JWK Set (a file here), the audience the SDK asks for (https://attest.azure.net), and the
// roles claim with reader/writer roles the test's tokens carry.
function aadFlags(serverHelp, issuer) {
  if (serverHelp === null) return [];
  const flags = ["--aad-issuer", issuer.issuer, "--aad-jwks", issuer.jwksPath];
  const optional = [
    ["--aad-audience", issuer.audience],
    ["--aad-roles-claim", "roles"],
    ["--aad-reader-role", issuer.readerRole],
    ["--aad-writer-role", issuer.writerRole],
  ];
  for (const [flag, value] of optional) if (serverHelp.includes(flag)) flags.push(flag, value);
  return flags;
}

describe("AAD mode: getPolicy, setPolicy (unsecured and signed), resetPolicy", () => {
  let server;
  let issuer;
  let admin;
  let signer;
  let defaultPolicy;
  before(async () => {
    issuer = await makeIssuer();
    signer = makeSigner("attestd interop AAD policy signer");
    server = await startAdminServer({ mode: "aad", issuer });
    admin = new AttestationAdministrationClient(server.base, issuer.credential(), validation(server.base));
  });
  after(async () => {
    if (server) await server.stop();
  });

  test("getPolicy (default SgxEnclave policy)", async (t) => {
    const r = await orSkip(t, "GET /policies/SgxEnclave", () => admin.getPolicy("SgxEnclave"));
    if (r.skipped) return;
    defaultPolicy = r.value.body;
    assert.equal(typeof defaultPolicy, "string");
    assert.match(defaultPolicy, /version\s*=\s*1\.\d/, "default policy text");
    assert.equal(r.value.token.issuer, server.base);
  });

  test("setPolicy unsecured: Updated, PolicyTokenHash, no signer; getPolicy and attest follow", async (t) => {
    const r = await orSkip(t, "PUT /policies/SgxEnclave", () => admin.setPolicy("SgxEnclave", POLICY_A));
    if (r.skipped) return;
    const result = r.value.body;
    assert.equal(result.policyResolution, "Updated");
    // The seed's check: hash the policy token made locally, compare with PolicyTokenHash.
    const expected = createAttestationPolicyToken(POLICY_A);
    assert.deepEqual(Buffer.from(result.policyTokenHash), sha256(expected.serialize()));
    assert.equal(result.policySigner, undefined, "unsigned: no x-ms-policy-signer");
    const got = await admin.getPolicy("SgxEnclave");
    assert.equal(got.body, POLICY_A, "getPolicy returns the policy just set");
    const att = await new AttestationClient(server.base, validation(server.base))
      .attestSgxEnclave(server.case.read("quote.bin"));
    assert.deepEqual(Buffer.from(att.body.policyHash), policyHash(POLICY_A),
      "attestation tokens carry x-ms-policy-hash of the policy in force");
  });

  test("setPolicy signed: Updated, PolicyTokenHash, x-ms-policy-signer", async (t) => {
    const r = await orSkip(t, "PUT /policies/SgxEnclave", () => admin.setPolicy("SgxEnclave", POLICY_B, {
      privateKey: signer.keyPem, certificate: signer.certPem,
    }));
    if (r.skipped) return;
    const result = r.value.body;
    assert.equal(result.policyResolution, "Updated");
    const expected = createAttestationPolicyToken(POLICY_B, signer.keyPem, signer.certPem);
    assert.deepEqual(Buffer.from(result.policyTokenHash), sha256(expected.serialize()),
      "PolicyTokenHash = SHA-256 of the signed policy JWS");
    assert.ok(result.policySigner, "x-ms-policy-signer present");
    assert.equal(new X509Certificate(result.policySigner.certificates[0]).fingerprint256,
      new X509Certificate(signer.certPem).fingerprint256, "policy signer is our certificate");
    const got = await admin.getPolicy("SgxEnclave");
    assert.equal(got.body, POLICY_B);
  });

  test("resetPolicy: Removed, getPolicy back to the default", async (t) => {
    const r = await orSkip(t, "POST /policies/SgxEnclave:reset", () => admin.resetPolicy("SgxEnclave"));
    if (r.skipped) return;
    assert.equal(r.value.body.policyResolution, "Removed");
    const got = await admin.getPolicy("SgxEnclave");
    if (defaultPolicy !== undefined) assert.equal(got.body, defaultPolicy);
    assert.notEqual(got.body, POLICY_B);
  });

  test("getPolicyManagementCertificates in AAD mode: empty set", async (t) => {
    const r = await orSkip(t, "GET /certificates", () => admin.getPolicyManagementCertificates());
    if (r.skipped) return;
    assert.deepEqual(r.value.body, []);
  });

  test("management calls without a valid bearer token are refused", async (t) => {
    const noCred = { getToken: async () => ({ token: "not.a.jwt", expiresOnTimestamp: Date.now() + 3600e3 }) };
    const bad = new AttestationAdministrationClient(server.base, noCred, validation(server.base));
    try {
      await bad.setPolicy("SgxEnclave", POLICY_A);
      assert.fail("setPolicy with a bogus bearer token succeeded");
    } catch (e) {
      if (restStatus(e) === 404) {
        t.skip("attestd answers 404 to PUT /policies/SgxEnclave (issue 4)");
        return;
      }
      assert.ok([401, 403].includes(restStatus(e)), `401/403 (got ${restStatus(e)}: ${e.message})`);
    }
  });
});

describe("Isolated mode: policy-management certificates and signed policies", () => {
  let server;
  let issuer;
  let admin;
  let first;
  let second;
  before(async () => {
    issuer = await makeIssuer();
    first = makeSigner("attestd interop isolated signer 1");
    second = makeSigner("attestd interop isolated signer 2");
    server = await startAdminServer({ mode: "isolated", issuer, signers: [first] });
    admin = new AttestationAdministrationClient(server.base, issuer.credential(), validation(server.base));
  });
  after(async () => {
    if (server) await server.stop();
  });

  const thumbprints = (list) =>
    list.map((s) => createHash("sha1").update(new X509Certificate(s.certificates[0]).raw)
      .digest("hex").toUpperCase());

  test("getPolicyManagementCertificates: the initial signer", async (t) => {
    const r = await orSkip(t, "GET /certificates", () => admin.getPolicyManagementCertificates());
    if (r.skipped) return;
    assert.deepEqual(thumbprints(r.value.body), [first.thumbprint]);
  });

  test("addPolicyManagementCertificate: IsPresent, listed", async (t) => {
    const r = await orSkip(t, "POST /certificates:add", () =>
      admin.addPolicyManagementCertificate(second.certPem, first.keyPem, first.certPem));
    if (r.skipped) return;
    assert.equal(r.value.body.certificateResolution, "IsPresent");
    assert.equal(r.value.body.certificateThumbprint, second.thumbprint);
    const list = await admin.getPolicyManagementCertificates();
    assert.deepEqual(new Set(thumbprints(list.body)), new Set([first.thumbprint, second.thumbprint]));
  });

  test("setPolicy signed by a registered certificate: PolicyTokenHash and signer", async (t) => {
    const r = await orSkip(t, "PUT /policies/SgxEnclave", () => admin.setPolicy("SgxEnclave", POLICY_A, {
      privateKey: second.keyPem, certificate: second.certPem,
    }));
    if (r.skipped) return;
    assert.equal(r.value.body.policyResolution, "Updated");
    const expected = createAttestationPolicyToken(POLICY_A, second.keyPem, second.certPem);
    assert.deepEqual(Buffer.from(r.value.body.policyTokenHash), sha256(expected.serialize()));
    assert.equal(new X509Certificate(r.value.body.policySigner.certificates[0]).fingerprint256,
      new X509Certificate(second.certPem).fingerprint256);
    assert.equal((await admin.getPolicy("SgxEnclave")).body, POLICY_A);
  });

  test("setPolicy unsecured is refused in Isolated mode", async (t) => {
    try {
      await admin.setPolicy("SgxEnclave", POLICY_B);
      assert.fail("an unsigned policy was accepted in Isolated mode");
    } catch (e) {
      if (restStatus(e) === 404) {
        t.skip("attestd answers 404 to PUT /policies/SgxEnclave (issue 4)");
        return;
      }
      assert.ok(restStatus(e) >= 400 && restStatus(e) < 500, `4xx (got ${restStatus(e)}: ${e.message})`);
    }
  });

  test("resetPolicy signed by a registered certificate: Removed", async (t) => {
    const r = await orSkip(t, "POST /policies/SgxEnclave:reset", () => admin.resetPolicy("SgxEnclave", {
      privateKey: first.keyPem, certificate: first.certPem,
    }));
    if (r.skipped) return;
    assert.equal(r.value.body.policyResolution, "Removed");
  });

  test("removePolicyManagementCertificate: IsAbsent, no longer listed", async (t) => {
    const r = await orSkip(t, "POST /certificates:remove", () =>
      admin.removePolicyManagementCertificate(second.certPem, first.keyPem, first.certPem));
    if (r.skipped) return;
    assert.equal(r.value.body.certificateResolution, "IsAbsent");
    assert.equal(r.value.body.certificateThumbprint, second.thumbprint);
    const list = await admin.getPolicyManagementCertificates();
    assert.deepEqual(thumbprints(list.body), [first.thumbprint]);
  });
});

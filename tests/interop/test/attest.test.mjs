// @azure/attestation 1.0.0 (the official client, unmodified) against the real attestd binary
// over HTTPS: discovery, signers, and attestation of real SGX and Open Enclave evidence with
// client-side token validation ON (signature against /certs, exp, nbf, and the issuer).
// Each vector case has its own collateral and verification time, so each gets its own attestd.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { AttestationClient } from "@azure/attestation";
import { startAttestd } from "../lib/attestd.mjs";
import { verifyWithDiscovery, verifyWithX5c } from "../lib/jose-check.mjs";

const SGX_CASE = "sgx/dcap-qvl-00a067110000-2507";
const OE_CASE = "openenclave/azure-sdk-oe-report-debug-00906ed50000";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

// The vector's runtime data is the Azure C++ SDK sample's held data: a JSON JWK followed by
// the C string's terminating NUL. The SDK samples send exactly these bytes as JSON runtime data
// (and the SHA-256 binding covers the NUL too), so the JSON value is the text before the NUL.
function runtimeJson(bytes) {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return JSON.parse(bytes.subarray(0, end).toString("utf8"));
}

// Validation stays on, and stricter than the SDK default: the issuer must be the URL we use.
function validatingClient(base, seen) {
  return new AttestationClient(base, {
    validationOptions: {
      validateToken: true,
      validateExpirationTime: true,
      validateNotBeforeTime: true,
      validateIssuer: true,
      expectedIssuer: base,
      // Called by the SDK after its own checks with the signer it verified the token with.
      validateAttestationToken: (token, signer) => {
        seen.push({ kid: token.keyId, signer });
        return signer ? [] : ["interop: the SDK found no signer for the token"];
      },
    },
  });
}

function assertSignedByCerts(seen, token) {
  assert.ok(seen.length > 0, "the SDK ran its validation callback");
  const last = seen[seen.length - 1];
  assert.ok(last.signer, "the SDK verified the signature with a signer");
  assert.equal(last.signer.keyId, token.keyId, "signer from /certs with the token's kid");
  assert.equal(token.algorithm, "RS256");
}

function assertSgxClaims(result, rb, base) {
  assert.equal(result.issuer, base, "iss = base URL");
  assert.equal(result.version, "1.0", "x-ms-ver");
  assert.equal(result.verifierType, "sgx", "x-ms-attestation-type");
  assert.equal(result.mrEnclave, rb.mrenclave, "x-ms-sgx-mrenclave");
  assert.equal(result.mrSigner, rb.mrsigner, "x-ms-sgx-mrsigner");
  assert.equal(result.productId, rb.isvprodid, "x-ms-sgx-product-id");
  assert.equal(result.svn, rb.isvsvn, "x-ms-sgx-svn");
  assert.equal(result.isDebuggable, rb.debug, "x-ms-sgx-is-debuggable");
  assert.ok(result.policyHash instanceof Uint8Array && result.policyHash.length === 32,
    "x-ms-policy-hash decodes (base64url) to 32 bytes");
  assert.match(result.uniqueId, /^[0-9a-f]{64}$/, "jti");
  assert.ok(result.policyClaims && typeof result.policyClaims === "object", "x-ms-policy claims");
}

describe("SgxEnclave case: discovery, signers, attestSgxEnclave", () => {
  let server;
  const tokens = {};
  before(async () => {
    server = await startAttestd({ caseRel: SGX_CASE, name: "sgx" });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test("getOpenIdMetadata", async () => {
    const client = new AttestationClient(server.base);
    const meta = await client.getOpenIdMetadata();
    assert.equal(meta.issuer, server.base);
    assert.equal(meta.jwks_uri, `${server.base}/certs`);
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ["RS256"]);
    assert.ok(Array.isArray(meta.response_types_supported));
    assert.ok(Array.isArray(meta.claims_supported) && meta.claims_supported.includes("x-ms-sgx-mrenclave"));
  });

  test("getAttestationSigners", async () => {
    const client = new AttestationClient(server.base);
    const signers = await client.getAttestationSigners();
    assert.ok(signers.length >= 1, "at least one signer");
    for (const s of signers) {
      assert.equal(typeof s.keyId, "string");
      assert.ok(s.keyId.length > 0);
      assert.ok(s.certificates.length >= 1, "x5c present");
      const cert = new X509Certificate(s.certificates[0]);
      assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
      assert.equal(cert.subject, `CN=${server.base}`, "signing certificate CN is the base URL");
    }
    assert.equal(new Set(signers.map((s) => s.keyId)).size, signers.length, "kids are unique");
  });

  test("attestSgxEnclave (real DCAP quote)", async () => {
    const quote = server.case.read("quote.bin");
    const seen = [];
    const client = validatingClient(server.base, seen);
    const res = await client.attestSgxEnclave(quote);
    assertSignedByCerts(seen, res.token);
    assertSgxClaims(res.body, server.case.meta.report_body, server.base);
    assert.equal(res.body.enclaveHeldData, undefined, "no x-ms-sgx-ehd without runtime data");
    assert.equal(res.body.sgxCollateral.quotehash, createHash("sha256").update(quote).digest("hex"),
      "x-ms-sgx-collateral.quotehash");
    tokens.sgx = res.token.serialize();
  });

  test("jose: the SgxEnclave token validates through OpenID discovery (createRemoteJWKSet)", async () => {
    const token = tokens.sgx ?? (await new AttestationClient(server.base)
      .attestSgxEnclave(server.case.read("quote.bin"))).token.serialize();
    const { payload, protectedHeader } = await verifyWithDiscovery(server.base, token);
    assert.equal(payload.iss, server.base);
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload["x-ms-sgx-mrenclave"], server.case.meta.report_body.mrenclave);
  });

  test("jose: the SgxEnclave token validates with the jwks_uri key's x5c certificate", async () => {
    const token = tokens.sgx ?? (await new AttestationClient(server.base)
      .attestSgxEnclave(server.case.read("quote.bin"))).token.serialize();
    const { payload } = await verifyWithX5c(server.base, token);
    assert.equal(payload.iss, server.base);
    assert.equal(payload["x-ms-sgx-mrsigner"], server.case.meta.report_body.mrsigner);
  });

  test("attestSgxEnclave: wrong runtime data is refused with the MAA error envelope", async () => {
    const client = validatingClient(server.base, []);
    await assert.rejects(
      client.attestSgxEnclave(server.case.read("quote.bin"), { runTimeData: Buffer.from("not bound") }),
      (e) => {
        assert.equal(e.statusCode, 400, `HTTP 400 (got ${e.statusCode}: ${e.message})`);
        assert.equal(typeof e.code, "string", "RestError carries the error code");
        assert.ok(e.message.length > 0);
        return true;
      });
  });

  test("jose: a tampered token is rejected (x5c key from jwks_uri)", async () => {
    const client = new AttestationClient(server.base);
    const res = await client.attestSgxEnclave(server.case.read("quote.bin"));
    const [h, p, s] = res.token.serialize().split(".");
    const body = JSON.parse(Buffer.from(p, "base64url"));
    body["x-ms-sgx-is-debuggable"] = !body["x-ms-sgx-is-debuggable"];
    const forged = `${h}.${b64url(JSON.stringify(body))}.${s}`;
    await assert.rejects(verifyWithX5c(server.base, forged), { code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
  });
});

describe("OpenEnclave case: attestOpenEnclave with binary and JSON runtime data", () => {
  let server;
  let report;
  let runtime;
  before(async () => {
    server = await startAttestd({ caseRel: OE_CASE, name: "oe" });
    report = server.case.read("oe_report.bin");
    runtime = server.case.read("runtime_data.bin");
    // The vector's own binding: SHA-256(runtime data) = report_data[0..32].
    assert.equal(createHash("sha256").update(runtime).digest("hex"),
      server.case.meta.report_body.report_data.slice(0, 64));
  });
  after(async () => {
    if (server) await server.stop();
  });

  test("attestOpenEnclave with runTimeData (Binary): x-ms-sgx-ehd, no x-ms-runtime", async () => {
    const seen = [];
    const client = validatingClient(server.base, seen);
    const res = await client.attestOpenEnclave(report, { runTimeData: runtime });
    assertSignedByCerts(seen, res.token);
    assertSgxClaims(res.body, server.case.meta.report_body, server.base);
    assert.ok(res.body.enclaveHeldData instanceof Uint8Array, "x-ms-sgx-ehd present");
    assert.deepEqual(Buffer.from(res.body.enclaveHeldData), runtime, "x-ms-sgx-ehd = runtime data");
    assert.equal(res.body.runTimeClaims, undefined, "binary runtime data: no x-ms-runtime");
    const { payload } = await verifyWithX5c(server.base, res.token.serialize());
    assert.equal(payload["x-ms-sgx-ehd"], b64url(runtime), "jose (x5c): x-ms-sgx-ehd");
  });

  test("attestOpenEnclave with runTimeJson (JSON): x-ms-runtime, no x-ms-sgx-ehd", async () => {
    const seen = [];
    const client = validatingClient(server.base, seen);
    const res = await client.attestOpenEnclave(report, { runTimeJson: runtime });
    assertSignedByCerts(seen, res.token);
    assertSgxClaims(res.body, server.case.meta.report_body, server.base);
    assert.deepEqual(res.body.runTimeClaims, runtimeJson(runtime),
      "x-ms-runtime = the runtime data parsed as JSON");
    assert.equal(res.body.enclaveHeldData, undefined, "JSON runtime data: no x-ms-sgx-ehd");
    const { payload } = await verifyWithX5c(server.base, res.token.serialize());
    assert.deepEqual(payload["x-ms-runtime"], runtimeJson(runtime), "jose (x5c): x-ms-runtime");
  });

  test("attestSgxEnclave on the OE report's quote with runTimeData", async () => {
    const seen = [];
    const client = validatingClient(server.base, seen);
    const res = await client.attestSgxEnclave(server.case.read("quote.bin"), { runTimeData: runtime });
    assertSignedByCerts(seen, res.token);
    assertSgxClaims(res.body, server.case.meta.report_body, server.base);
    assert.deepEqual(Buffer.from(res.body.enclaveHeldData), runtime);
  });
});

// Keys and certificates the tests make for themselves (openssl CLI, as the driver does):
// self-signed RSA policy-management (signer) certificates, and the test's own bearer-token
// issuer (an RSA key whose public JWKS the server is configured to trust).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { createHash, X509Certificate, generateKeyPairSync, randomUUID } from "node:crypto";
import * as jose from "jose";
import { env } from "./attestd.mjs";

// A self-signed RSA-2048 certificate and its PKCS#8 key, both PEM (what the SDK takes).
export function makeSigner(cn) {
  const dir = mkdtempSync(join(env.tmp, "signer-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
    "-days", "2", "-sha256", "-subj", `/CN=${cn}`,
  ], { stdio: "pipe" });
  const certPem = readFileSync(cert, "utf8");
  const x = new X509Certificate(certPem);
  return {
    keyPem: readFileSync(key, "utf8"),
    certPem,
    certPath: cert,
    der: x.raw,
    // maa-tokens.md: x-ms-certificate-thumbprint = upper-case hex SHA-1 of the DER.
    thumbprint: createHash("sha1").update(x.raw).digest("hex").toUpperCase(),
  };
}

// The test's own token issuer: mints bearer tokens like an AAD access token for the
// https://attest.azure.net scope, and publishes its keys as a JWKS file.
export async function makeIssuer() {
  const dir = mkdtempSync(join(env.tmp, "issuer-"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `interop-${randomUUID()}`;
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwksPath = join(dir, "jwks.json");
  writeFileSync(jwksPath, JSON.stringify({ keys: [jwk] }));
  const issuer = "https://interop-issuer.attestd.test";
  const audience = "https://attest.azure.net";
  const readerRole = "Interop.AttestationPolicy.Read";
  const writerRole = "Interop.AttestationPolicy.Write";
  async function mint({ roles = [readerRole, writerRole], lifetime = 3600, subject = "interop-admin" } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const token = await new jose.SignJWT({ roles, scp: "attest" })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(issuer).setAudience(audience).setSubject(subject)
      .setIssuedAt(now).setNotBefore(now - 60).setExpirationTime(now + lifetime)
      .sign(privateKey);
    return { token, expiresOnTimestamp: (now + lifetime) * 1000 };
  }
  return {
    issuer, audience, jwksPath, kid, mint, readerRole, writerRole,
    // A @azure/core-auth TokenCredential, which is all the admin client needs.
    credential(opts) {
      const scopesSeen = [];
      return {
        scopesSeen,
        getToken: async (scopes) => {
          scopesSeen.push(...[].concat(scopes));
          return mint(opts);
        },
      };
    },
  };
}

// The generic check: a token validates with a standard JOSE library through OpenID discovery
// alone -- /.well-known/openid-configuration -> jwks_uri -> createRemoteJWKSet -> jwtVerify
// with the issuer -- exactly as a relying party that knows nothing about attestd would do.
import * as jose from "jose";
import { request } from "./attestd.mjs";

export async function verifyWithDiscovery(base, token) {
  const r = await request(`${base}/.well-known/openid-configuration`, {
    headers: { Accept: "application/json" },
  });
  if (r.status !== 200) throw new Error(`openid-configuration: HTTP ${r.status}`);
  const meta = JSON.parse(r.body.toString("utf8"));
  // createRemoteJWKSet fetches with node:https, which trusts NODE_EXTRA_CA_CERTS. It builds
  // keys from the JWK members (RSA: n, e -- RFC 7518 §6.3.1, REQUIRED), not from x5c.
  const certs = JSON.parse((await request(meta.jwks_uri)).body.toString("utf8"));
  for (const k of certs.keys ?? []) {
    if (k.kty === "RSA" && (typeof k.n !== "string" || typeof k.e !== "string")) {
      throw new Error(`${meta.jwks_uri}: RSA JWK kid=${k.kid} has no "n"/"e" (members: ` +
        `${Object.keys(k).join(",")}); RFC 7518 §6.3.1 requires them, so createRemoteJWKSet ` +
        "(and other generic JWKS clients) cannot build the key");
    }
  }
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: meta.issuer,
    algorithms: meta.id_token_signing_alg_values_supported,
  });
  return { meta, payload, protectedHeader };
}

// The same discovery, but the key comes from the JWK's x5c certificate (RFC 7517 §4.7) via
// jose.importX509 -- what a relying party does when the JWKS publishes certificates only.
export async function verifyWithX5c(base, token) {
  const r = await request(`${base}/.well-known/openid-configuration`);
  const meta = JSON.parse(r.body.toString("utf8"));
  const certs = await request(meta.jwks_uri);
  if (certs.status !== 200) throw new Error(`${meta.jwks_uri}: HTTP ${certs.status}`);
  const { keys } = JSON.parse(certs.body.toString("utf8"));
  const { kid, alg } = jose.decodeProtectedHeader(token);
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk || !Array.isArray(jwk.x5c) || !jwk.x5c.length) {
    throw new Error(`no key with kid ${kid} and an x5c certificate at ${meta.jwks_uri}`);
  }
  const pem = `-----BEGIN CERTIFICATE-----\n${jwk.x5c[0].match(/.{1,64}/g).join("\n")}\n-----END CERTIFICATE-----\n`;
  const key = await jose.importX509(pem, alg);
  const { payload, protectedHeader } = await jose.jwtVerify(token, key, {
    issuer: meta.issuer, algorithms: meta.id_token_signing_alg_values_supported,
  });
  return { meta, payload, protectedHeader };
}

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
  // createRemoteJWKSet fetches with node:https, which trusts NODE_EXTRA_CA_CERTS.
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: meta.issuer,
    algorithms: meta.id_token_signing_alg_values_supported,
  });
  return { meta, payload, protectedHeader };
}

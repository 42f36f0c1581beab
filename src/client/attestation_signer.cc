#include "client/attestation_signer.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/reasons.h"

namespace attest::client {
namespace {

constexpr size_t kMaxKeys = 64;
constexpr size_t kMaxChainLength = 8;

Status BadJwks(std::string message) {
  return Status::InvalidArgument(reason::kInvalidJwks, std::move(message));
}

}  // namespace

StatusOr<std::vector<AttestationSigner>> ParseJwks(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Err(BadJwks("signing certificates response is not a JSON object"));
  }
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return Err(BadJwks("signing certificates response has no \"keys\" array"));
  }
  if (keys->size() > kMaxKeys) {
    return Err(BadJwks("too many keys in the signing certificates response"));
  }
  std::vector<AttestationSigner> signers;
  for (const nlohmann::json& key : *keys) {
    if (!key.is_object()) {
      return Err(BadJwks("a JWK is not a JSON object"));
    }
    auto x5c = key.find("x5c");
    if (x5c == key.end()) {
      continue;
    }
    auto kid = key.find("kid");
    if (kid == key.end() || !kid->is_string()) {
      return Err(BadJwks("a JWK with x5c has no string \"kid\""));
    }
    if (!x5c->is_array() || x5c->empty() || x5c->size() > kMaxChainLength) {
      return Err(BadJwks("JWK \"x5c\" must be a non-empty array of certificates"));
    }
    AttestationSigner signer;
    signer.key_id = kid->get<std::string>();
    for (const nlohmann::json& entry : *x5c) {
      if (!entry.is_string()) {
        return Err(BadJwks("JWK \"x5c\" member is not a string"));
      }
      // RFC 7517 §4.7: standard base64 (not base64url) DER.
      auto der = Base64Decode(entry.get<std::string>());
      if (!der.has_value()) {
        return Err(BadJwks("JWK \"x5c\" member is not base64 (kid " + signer.key_id + ")"));
      }
      auto cert = crypto::Certificate::FromDer(*der);
      if (!cert.has_value()) {
        return Err(BadJwks("JWK \"x5c\" member is not a DER certificate (kid " + signer.key_id +
                           ")"));
      }
      signer.certificates.push_back(std::move(cert).value());
    }
    signers.push_back(std::move(signer));
  }
  return signers;
}

const AttestationSigner* FindSigner(const std::vector<AttestationSigner>& signers,
                                    std::string_view kid) {
  for (const AttestationSigner& signer : signers) {
    if (signer.key_id == kid) {
      return &signer;
    }
  }
  return nullptr;
}

}  // namespace attest::client

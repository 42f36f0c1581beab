#include "evidence/dcap/pck_chain.h"

#include <openssl/evp.h>

#include <string>

#include "base/reasons.h"

namespace attest::dcap {
namespace {

Status ChainError(std::string message) {
  return Status::InvalidEvidence(reason::kInvalidCertChain, "PCK certificate chain: " + message);
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

bool IsP256(const crypto::Certificate& c) {
  EVP_PKEY* k = c.public_key();
  return k != nullptr && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC && EVP_PKEY_get_bits(k) == 256;
}

// Certificate validity windows at T (B6). QVL checks only notAfter; we check both (§8).
void AddValidity(const crypto::Certificate& c, std::string_view role, std::vector<CheckStep>& out,
                 std::string_view category_prefix) {
  Status early = Status::InvalidEvidence(
      reason::kCertNotYetValid,
      std::string(role) + " certificate is not valid before " + FormatRfc3339(c.not_before()));
  Status late =
      Status::InvalidEvidence(reason::kCertExpired, std::string(role) + " certificate expired at " +
                                                        FormatRfc3339(c.not_after()));
  if (!category_prefix.empty()) {
    early.WithCategory(std::string(category_prefix) + "NOT_YET_VALID");
    late.WithCategory(std::string(category_prefix) + "EXPIRED");
  }
  out.push_back(CheckStep::Window(c.not_before(), c.not_after(), std::move(early), std::move(late)));
}

}  // namespace

std::shared_ptr<const PckChain> BuildPckChain(ByteSpan cert_data, ByteSpan root_spki) {
  auto chain = std::make_shared<PckChain>();
  // A4: exactly three X.509 certificates with P-256 keys [QvE: 3 certificates expected].
  auto certs = crypto::Certificate::ParsePemChain(AsChars(cert_data), 8);
  if (!certs) {
    chain->parse_error = ChainError(certs.error().message());
    return chain;
  }
  if (certs->size() != 3) {
    chain->parse_error =
        ChainError("expected 3 certificates, found " + std::to_string(certs->size()));
    return chain;
  }
  for (const auto& c : *certs) {
    if (!IsP256(c)) {
      chain->parse_error = ChainError("certificate '" + c.SubjectCommonName() +
                                      "' does not have a P-256 key");
      return chain;
    }
  }
  // B1: roles by name and self-issuance, linked by subject/issuer, never by position.
  const crypto::Certificate *root = nullptr, *intermediate = nullptr, *leaf = nullptr;
  for (const auto& c : *certs) {
    std::string cn = c.SubjectCommonName();
    if (c.IsSelfIssued() && Contains(cn, "SGX Root CA")) {
      if (root) {
        chain->trust_error = ChainError("two root certificates");
        return chain;
      }
      root = &c;
    } else if (Contains(cn, "SGX PCK Certificate")) {
      if (leaf) {
        chain->trust_error = ChainError("two PCK leaf certificates");
        return chain;
      }
      leaf = &c;
    } else if (!c.IsSelfIssued() && Contains(cn, "CA")) {
      if (intermediate) {
        chain->trust_error = ChainError("two intermediate CA certificates");
        return chain;
      }
      intermediate = &c;
    }
  }
  // A5 [QVL 4.1.2.4.3/4.1.2.4.4]: the leaf's SGX extension (parse errors precede trust errors).
  if (leaf) {
    auto info = ParsePckExtension(*leaf);
    if (!info) {
      chain->parse_error = info.error();
      return chain;
    }
    chain->info = std::move(*info);
  }
  if (!root || !intermediate || !leaf) {
    chain->trust_error = ChainError(!root           ? "Intel SGX Root CA certificate is missing"
                                    : !intermediate ? "PCK CA certificate is missing"
                                                    : "PCK leaf certificate is missing");
    return chain;
  }
  if (!intermediate->IssuedBy(*root)) {
    chain->trust_error = ChainError("the PCK CA was not issued by the root");
    return chain;
  }
  if (!leaf->IssuedBy(*intermediate)) {
    chain->trust_error = ChainError("the PCK certificate was not issued by the PCK CA");
    return chain;
  }
  // B2: the root's key must be the pinned Intel SGX Root CA key (spec §3.4).
  Bytes spki = root->SpkiDer();
  if (!ConstantTimeEquals(spki, root_spki)) {
    chain->trust_error = Status::InvalidEvidence(
        reason::kUntrustedRootCa,
        "the PCK chain ends at a root whose key is not the pinned Intel SGX "
        "Root CA key");
    return chain;
  }
  // B3: signatures and basic constraints.
  if (!root->VerifySignedBy(root->public_key())) {
    chain->trust_error = ChainError("root certificate self-signature is invalid");
    return chain;
  }
  if (!intermediate->VerifySignedBy(root->public_key())) {
    chain->trust_error = ChainError("PCK CA certificate is not signed by the root");
    return chain;
  }
  if (!leaf->VerifySignedBy(intermediate->public_key())) {
    chain->trust_error = ChainError("PCK certificate is not signed by the PCK CA");
    return chain;
  }
  if (!root->IsCa() || !intermediate->IsCa() || leaf->IsCa()) {
    chain->trust_error = ChainError("basicConstraints do not match the certificates' roles");
    return chain;
  }
  std::string ca_cn = intermediate->SubjectCommonName();
  if (Contains(ca_cn, "Processor")) {
    chain->ca = collateral::PckCa::kProcessor;
  } else if (Contains(ca_cn, "Platform")) {
    chain->ca = collateral::PckCa::kPlatform;
  } else {
    chain->trust_error = ChainError("unknown PCK CA '" + ca_cn + "'");
    return chain;
  }
  AddValidity(*root, "Intel SGX Root CA", chain->validity, "");
  AddValidity(*intermediate, "PCK CA", chain->validity, "");
  AddValidity(*leaf, "PCK", chain->validity, "");
  chain->root = *root;
  chain->intermediate = *intermediate;
  chain->leaf = *leaf;
  chain->leaf_spki = leaf->SpkiDer();
  return chain;
}

}  // namespace attest::dcap

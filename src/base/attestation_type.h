// MAA's attestation-type vocabulary: every `{type}` MAA defines for /attest/{type} and
// /policies/{type}, with what a client needs to call it (path name, attestctl short names, the
// request member carrying the evidence, the api-versions MAA's clients send). This is MAA's
// wire vocabulary, not what attestd verifies: what attestd does with a type (token layout,
// default policy, verifier) is its descriptor in evidence/registry.cc. Kept in base/ so the
// client library does not link the verifiers. Pure data; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "base/status.h"

namespace attest {

enum class AttestationType {
  kSgxEnclave,
  kOpenEnclave,
  kTdxVm,
  kSevSnpVm,
  kTpm,
  kAzureGuest,
  // Added in 2026-03-11-preview (spec/maa-real-clients.md §6).
  kKeyGuard,
  kPluton,
  kMdepTz,
};

struct AttestationTypeVocabulary {
  AttestationType type;
  // The `{type}` path segment, canonical spelling ("SgxEnclave"); matched case-insensitively.
  std::string_view rest_name;
  // attestctl spellings besides the REST name (matched case-insensitively).
  std::span<const std::string_view> cli_names;
  // The request member holding the base64url evidence of a one-shot POST /attest/{type}
  // (spec/maa-rest-api.md §4): "quote" or "report"; empty when the route is not one request
  // with one evidence blob (Tpm is a multi-round protocol; AzureGuest sends attestationInfo).
  std::string_view evidence_member;
  // Every api-version a shipping client sends on /attest/{type} (maa-rest-api.md §1.2 as
  // amended by maa-real-clients.md §1). Empty for types MAA only announces.
  std::span<const std::string_view> api_versions;
  // What attestd's own client sends when not told otherwise.
  std::string_view client_api_version;
};

// All of MAA's attestation types, in enum order.
std::span<const AttestationTypeVocabulary> AttestationTypes();
const AttestationTypeVocabulary& Vocabulary(AttestationType type);

// "SgxEnclave", "OpenEnclave", "TdxVm", "SevSnpVm", "Tpm", "AzureGuest", ...
std::string_view AttestationTypeName(AttestationType type);

// The type whose REST name equals `name` ignoring case, or nullptr.
const AttestationTypeVocabulary* FindByRestName(std::string_view name);

// A REST name or an attestctl short name (sgx, openenclave/oe, tdx, snp/sevsnp, tpm, ...),
// case-insensitive. Error: kInvalidArgument ATTESTATION_TYPE_UNKNOWN.
StatusOr<AttestationType> ParseAttestationType(std::string_view name);

}  // namespace attest

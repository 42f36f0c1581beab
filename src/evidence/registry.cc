#include "evidence/registry.h"

#include <memory>

#include "evidence/openenclave/oe_verifier.h"
#include "evidence/sgx/sgx_verifier.h"
#include "evidence/tdx/tdx_verifier.h"

namespace attest::evidence {
namespace {

// THE list of TEEs attestd verifies. Adding a TEE = a folder under src/evidence/ and a line.
const std::vector<std::unique_ptr<Verifier>>& Verifiers() {
  static const auto* const verifiers = [] {
    auto* v = new std::vector<std::unique_ptr<Verifier>>();
    v->push_back(std::make_unique<SgxVerifier>());
    v->push_back(std::make_unique<OpenEnclaveVerifier>());
    v->push_back(std::make_unique<TdxVerifier>());
    return v;
  }();
  return *verifiers;
}

}  // namespace

const Verifier* FindVerifier(AttestationType type) {
  for (const auto& v : Verifiers()) {
    if (v->type() == type) return v.get();
  }
  return nullptr;
}

std::vector<AttestationType> SupportedTypes() {
  std::vector<AttestationType> out;
  for (const auto& v : Verifiers()) out.push_back(v->type());
  return out;
}

}  // namespace attest::evidence

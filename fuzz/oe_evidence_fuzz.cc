// Fuzz target: the Open Enclave containers an attester sends to /attest/OpenEnclave —
// UnwrapOeEvidence (legacy report header, OE attestation header, bare quote) and
// ParseOeEndorsements — must return a value or an error, never crash; the unwrapped quote and
// custom claims must lie inside the input, and the unwrapped quote must then parse or fail
// cleanly in dcap::ParseQuote.
#include <cstdlib>

#include "evidence/dcap/quote.h"
#include "evidence/openenclave/oe_format.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/dcap_world.h"

namespace {

void PutLe32(attest::Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

void PutLe64(attest::Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

void CheckInside(attest::ByteSpan span, attest::ByteSpan input) {
  if (span.empty()) {
    return;
  }
  if (span.data() < input.data() || span.data() + span.size() > input.data() + input.size()) {
    std::abort();
  }
}

// spec/intel-dcap.md §2.4: {version 1, enclave_type 2, buffer_size, num_elements, offsets[],
// data}, the items NUL-terminated text or DER.
attest::Bytes Endorsements(const attest::collateral::DcapCollateral& c) {
  std::vector<attest::Bytes> items = {
      attest::Bytes{1, 0, 0, 0},  c.tcb_info,       c.tcb_info_issuer_chain,
      c.pck_crl.value_or(attest::Bytes{0x30, 0}), c.root_ca_crl,
      c.pck_crl_issuer_chain.value_or(attest::Bytes{}), c.qe_identity,
      c.qe_identity_issuer_chain};
  attest::Bytes area;
  std::vector<uint32_t> offsets;
  for (attest::Bytes& item : items) {
    offsets.push_back(static_cast<uint32_t>(area.size()));
    area.insert(area.end(), item.begin(), item.end());
    area.push_back(0);
  }
  attest::Bytes b;
  PutLe32(b, 1);
  PutLe32(b, 2);
  PutLe32(b, static_cast<uint32_t>(4 + 4 * offsets.size() + area.size()));
  PutLe32(b, static_cast<uint32_t>(offsets.size()));
  for (uint32_t o : offsets) {
    PutLe32(b, o);
  }
  b.insert(b.end(), area.begin(), area.end());
  return b;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  attest::testing::DcapCase sgx = attest::testing::DcapWorld::Sgx().Build();
  // Legacy remote report: {u32 version 1, u32 type 2, u64 size} + quote.
  attest::Bytes report;
  PutLe32(report, 1);
  PutLe32(report, 2);
  PutLe64(report, sgx.quote.size());
  report.insert(report.end(), sgx.quote.begin(), sgx.quote.end());
  // SGX_ECDSA evidence: {u32 version 3, uuid, hole, u64 size} + quote + custom claims.
  static constexpr uint8_t kSgxEcdsa[16] = {0xa3, 0xa2, 0x1e, 0x87, 0x1b, 0x4d, 0x40, 0x14,
                                            0xb7, 0x0a, 0xa1, 0x25, 0xd2, 0xfb, 0xcd, 0x8c};
  attest::Bytes claims = {1, 2, 3, 4};
  attest::Bytes evidence;
  PutLe32(evidence, 3);
  evidence.insert(evidence.end(), kSgxEcdsa, kSgxEcdsa + 16);
  PutLe32(evidence, 0);
  PutLe64(evidence, sgx.quote.size() + claims.size());
  evidence.insert(evidence.end(), sgx.quote.begin(), sgx.quote.end());
  evidence.insert(evidence.end(), claims.begin(), claims.end());
  return {report, evidence, sgx.quote, Endorsements(sgx.collateral)};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::ByteSpan input(data, size);
  if (auto oe = attest::evidence::UnwrapOeEvidence(input)) {
    CheckInside(oe->quote, input);
    if (oe->custom_claims) {
      CheckInside(*oe->custom_claims, input);
    }
    (void)attest::dcap::ParseQuote(oe->quote);
  }
  (void)attest::evidence::ParseOeEndorsements(input);
  return 0;
}

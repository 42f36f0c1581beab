// Fuzz target: the Azure CVM HCL report (evidence/azure_cvm/hcl_report.h) and what the CVM
// verifier does with a parsed one before any signature — ParseHclReport must return a report
// or an error, never crash or read outside the input; a parsed report's spans lie inside the
// input, its hardware report is 1184 (SNP) or 1024 (TDX) bytes, the variable data ends at
// report_size, and the binding check, the variable-data parser and the TD quote cross-check
// (with the input's tail as a TD quote) all answer cleanly.
#include <cstdlib>
#include <string>

#include "crypto/digest.h"
#include "evidence/azure_cvm/hcl_report.h"
#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/azure_cvm/variable_data.h"
#include "fuzz/fuzz_seeds.h"

namespace {

using attest::Bytes;
using attest::ByteSpan;

void PutU32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A well-formed HCL report of `type` whose report_data commits to `vars` with `hash`.
Bytes Hcl(uint32_t type, uint32_t hash, std::string_view vars, size_t buffer = 2048) {
  Bytes b(std::max(buffer, 0x4D4 + vars.size()), 0);
  PutU32(b, 0, 0x414C4348);
  PutU32(b, 4, type == 4 ? 2 : 1);
  PutU32(b, 8, static_cast<uint32_t>(0x4D4 + vars.size()));
  PutU32(b, 12, 2);
  PutU32(b, 0x4C0, static_cast<uint32_t>(20 + vars.size()));
  PutU32(b, 0x4C4, 1);
  PutU32(b, 0x4C8, type);
  PutU32(b, 0x4CC, hash);
  PutU32(b, 0x4D0, static_cast<uint32_t>(vars.size()));
  std::copy(vars.begin(), vars.end(), b.begin() + 0x4D4);
  Bytes digest = attest::crypto::Sha2Digest(hash == 3   ? attest::crypto::Sha2::kSha512
                                            : hash == 2 ? attest::crypto::Sha2::kSha384
                                                        : attest::crypto::Sha2::kSha256,
                                            attest::AsBytes(vars));
  size_t rd = type == 4 ? 0x20 + 128 : 0x20 + 0x50;
  std::copy(digest.begin(), digest.end(), b.begin() + rd);
  return b;
}

constexpr std::string_view kVars =
    R"({"keys":[{"kid":"HCLAkPub","key_ops":["sign"],"kty":"RSA","e":"AQAB",)"
    R"("n":"wH3Lr8m1cBvKuQWq0tKQn1zZ3m0hT3oOeJ5b3f3pY4J9mTqVzZb8v0y8xFJm9s2QeKk7zJw4lVnP)"
    R"(5tq3JQx6x9mTgWl0y3l6oVvKQyC1m2b0j0aY0bH8Gd4xk7m3Jm2k9rQ"}],)"
    R"("vm-configuration":{"secure-boot":true,"tpm-enabled":true,"vmUniqueId":"SEED"},)"
    R"("user-data":"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"})";

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  return {Hcl(2, 1, kVars), Hcl(4, 1, kVars, 2600), Hcl(2, 2, "{}"),
          Hcl(2, 3, kVars), Hcl(3, 1, "{}"),        Hcl(2, 1, "")};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attest::evidence::azure_cvm;
  ByteSpan input(data, size);
  auto r = ParseHclReport(input);
  if (!r) return 0;
  auto inside = [&](ByteSpan s) {
    return s.empty() || (s.data() >= data && s.data() + s.size() <= data + size);
  };
  if (!inside(r->hardware_report) || !inside(r->variable_data)) std::abort();
  const size_t hw = r->report_type == HclReportType::kTdx ? kTdReportSize : kSnpReportSize;
  if (r->hardware_report.size() != hw) std::abort();
  if (r->variable_data.data() + r->variable_data.size() != data + r->report_size) std::abort();
  ByteSpan report_data = HardwareReportData(*r);
  if (report_data.size() != 64 || !inside(report_data)) std::abort();
  (void)CheckVariableDataBinding(*r, report_data);
  (void)ParseHclVariableData(r->variable_data);
  if (r->report_type == HclReportType::kTdx && size > r->report_size) {
    (void)CheckTdQuoteMatchesTdReport(input.subspan(r->report_size), r->hardware_report);
  }
  return 0;
}

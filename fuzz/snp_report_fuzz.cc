// Fuzz target: the SEV-SNP ATTESTATION_REPORT parser (evidence/snp/snp_report.h) and the AMD
// certificate parsing a report meets — ParseSnpReport must return a report or an error,
// never crash or read outside the input; a parsed report keeps exactly 1184 bytes, decodes its
// TCBs in every product layout, and the input's tail is also tried as a DER/PEM certificate
// set (sorted into roles, endorsement-key extensions read).
#include <cstdlib>

#include "evidence/snp/amd_certificates.h"
#include "evidence/snp/snp_report.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/amd_world.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::AmdWorld;
  std::vector<attest::Bytes> seeds;
  for (AmdWorld w : {AmdWorld::Milan(), AmdWorld::Genoa(), AmdWorld::Turin(), AmdWorld::MilanVlek()}) {
    seeds.push_back(w.Build().report);
  }
  AmdWorld v2 = AmdWorld::Milan();
  v2.report.version = 2;
  seeds.push_back(v2.Build().report);
  AmdWorld v5 = AmdWorld::Turin();
  v5.report.version = 5;
  seeds.push_back(v5.Build().report);
  attest::testing::AmdCase c = AmdWorld::Milan().Build();
  seeds.push_back(c.ek_der);
  seeds.push_back(attest::fuzz::SeedFromText(c.ChainPem()));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::ByteSpan input(data, size);
  if (auto r = attest::snp::ParseSnpReport(input)) {
    if (r->raw.size() != attest::snp::kReportSize) std::abort();
    for (auto p : {attest::snp::Product::kMilan, attest::snp::Product::kTurin}) {
      (void)attest::snp::DecodeTcb(r->reported_tcb, p);
    }
    (void)attest::snp::ProductFromCpuid(*r);
  }
  if (auto certs = attest::snp::ParseCertificates(input)) {
    for (const auto& c : *certs) (void)attest::snp::ParseEkCertificate(c);
    (void)attest::snp::SortAmdChain(std::move(*certs));
  }
  return 0;
}

// Fuzz target: dcap::ParseQuote on arbitrary bytes must return a value or an error, never
// crash or read out of bounds; every span of a parsed quote must lie inside the input.
#include <cstdlib>

#include "evidence/dcap/quote.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/dcap_world.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::DcapWorld;
  using attest::testing::QuoteFormat;
  return {DcapWorld::Sgx().Build().quote, DcapWorld::Tdx(QuoteFormat::kTdxV4).Build().quote,
          DcapWorld::Tdx(QuoteFormat::kTdxV5Td10).Build().quote,
          DcapWorld::Tdx(QuoteFormat::kTdxV5Td15).Build().quote};
}

namespace {

void CheckInside(attest::ByteSpan span, attest::ByteSpan input) {
  if (span.empty()) return;
  if (span.data() < input.data() || span.data() + span.size() > input.data() + input.size()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::ByteSpan input(data, size);
  auto quote = attest::dcap::ParseQuote(input);
  if (!quote) return 0;
  CheckInside(quote->raw, input);
  CheckInside(quote->signed_bytes, input);
  CheckInside(quote->report_data(), input);
  CheckInside(quote->qe.cert_data, input);
  CheckInside(quote->qe.qe_auth_data, input);
  CheckInside(quote->qe.qe_report.raw, input);
  if (quote->raw.size() + quote->trailing_bytes != size) std::abort();
  return 0;
}

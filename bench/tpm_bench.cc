// TPM verification throughput (issue 9, Performance), on one core:
//
//   attest_tpm_bench   (build/bench/attest_tpm_bench [--benchmark_filter=...])
//
//   RsaVerify2048:    ONE RSA-2048 PKCS#1 v1.5 SHA-256 verify of a 115-byte message (the
//                     crypto floor of a quote).
//   QuoteVerifyRsa2048: the whole VerifyQuote (parse TPMS_ATTEST + TPMT_SIGNATURE, AK
//                     attributes, signature, nonce, pcrDigest over 24 sha256 PCRs) with a
//                     parsed RSA-2048 AK. Compare its `rate` with RsaVerify2048's.
//   Sha256Throughput: SHA-256 over 1 MiB (bytes/s).
//   EventLogReplay:   parse + replay (sha1, sha256, sha384 banks) of the real GCE COS 85 log
//                     from $ATTESTD_VECTORS (bytes/s of log); skipped without vectors.
//   TpmClaimsWindowsLog: the incoming claims of the real Windows log (43 KiB, legacy SHA-1):
//                     the policy-1.2 event model with its SIPA trust boundaries, Secure Boot
//                     state and databases, the Windows boot booleans (bytes/s of log).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <string>

#include "base/file.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/pcr_values_json.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_claims.h"
#include "testing/tpm_builder.h"

namespace attest {
namespace {

using namespace evidence::tpm;

struct Material {
  testing::TpmTestKey key = testing::TpmTestKey::Generate(testing::TpmTestKey::Kind::kRsa2048,
                                                          kAlgRsassa, kAlgSha256);
  testing::TpmQuoteSpec spec;
  Bytes attest;
  Bytes sig;
  Material() {
    spec.nonce = Bytes(16, 0x42);
    for (uint32_t i = 0; i < 24; ++i) spec.pcrs[kAlgSha256][i] = Bytes(32, static_cast<uint8_t>(i));
    attest = testing::BuildQuote(spec);
    sig = key.Sign(attest, kAlgRsassa, kAlgSha256);
  }
};

const Material& M() {
  static const Material m;
  return m;
}

void RsaVerify2048(benchmark::State& state) {
  const Material& m = M();
  Bytes raw(m.sig.begin() + 6, m.sig.end());  // TPMT_SIGNATURE: alg, hash, size, bytes
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, m.key.get());
    int ok = EVP_DigestVerify(ctx, raw.data(), raw.size(), m.attest.data(), m.attest.size());
    EVP_MD_CTX_free(ctx);
    if (ok != 1) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(ok);
  }
  state.counters["rate"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(RsaVerify2048)->MeasureProcessCPUTime();

void QuoteVerifyRsa2048(benchmark::State& state) {
  const Material& m = M();
  auto ak = ParseTpmtPublic(m.key.tpmt_public()).value();
  for (auto _ : state) {
    auto sig = ParseSignature(m.sig);
    auto q = VerifyQuote(m.attest, *sig, ak, m.spec.nonce, &m.spec.pcrs);
    if (!q) state.SkipWithError(q.error().ToString().c_str());
    benchmark::DoNotOptimize(q);
  }
  state.counters["rate"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(QuoteVerifyRsa2048)->MeasureProcessCPUTime();

void Sha256Throughput(benchmark::State& state) {
  Bytes data(1 << 20, 0x5a);
  Bytes out(32);
  for (auto _ : state) {
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}
BENCHMARK(Sha256Throughput)->MeasureProcessCPUTime();

void EventLogReplay(benchmark::State& state) {
  const char* v = std::getenv("ATTESTD_VECTORS");
  std::string dir = v && *v ? v : ATTEST_VECTORS_DEFAULT;
  auto log = ReadFileBytes(dir + "/tpm/go-tpm-tools-gce-cos85-nonce9009/eventlog.bin", 1 << 24);
  if (!log) {
    state.SkipWithError("no TPM vectors");
    return;
  }
  for (auto _ : state) {
    auto parsed = ParseEventLog(*log);
    auto replayed = ReplayEventLog(*parsed);
    benchmark::DoNotOptimize(replayed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(log->size()));
}
BENCHMARK(EventLogReplay)->MeasureProcessCPUTime();

void TpmClaimsWindowsLog(benchmark::State& state) {
  const char* v = std::getenv("ATTESTD_VECTORS");
  std::string dir = std::string(v && *v ? v : ATTEST_VECTORS_DEFAULT) + "/tpm/go-attestation-windows-gce-sha1";
  auto bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24);
  auto pcr_text = ReadFileText(dir + "/pcrs_sha1.json", 1 << 20);
  PcrValues pcrs;
  if (!bytes || !pcr_text || !ParsePcrValuesJson(*pcr_text, pcrs).ok()) {
    state.SkipWithError("no TPM vectors");
    return;
  }
  auto log = ParseEventLog(*bytes);
  AkPublic none;
  for (auto _ : state) {
    claims::ClaimSet c = TpmClaims(none, AkTrustMode::kAsPresented, pcrs, &*log);
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes->size()));
}
BENCHMARK(TpmClaimsWindowsLog)->MeasureProcessCPUTime();

}  // namespace
}  // namespace attest

BENCHMARK_MAIN();

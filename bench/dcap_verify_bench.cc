// DCAP verification throughput on one core, against the cost of the raw OpenSSL operations
// one verification needs (the "crypto floor").
//
//   make bench    (or: build/bench/attest_bench --benchmark_filter=...)
//
// Cases are real vectors from $ATTESTD_VECTORS: an SGX v3 quote and a TDX v4 quote, each
// verified at its case's verification_time.
//   *_Cached:   collateral already validated and cached, PCK chain cached (steady state of a
//               server); every quote-specific check still runs (QE report signature, quote
//               signature, bindings, CRL lookups, TCB evaluation, claims).
//   *_Uncached: every cache dropped before each verification: the PCK chain is parsed and
//               checked, CRLs and TCB info / QE identity parsed and signature-checked.
//   *_FreshCollateral: the source returns a new copy of the same collateral per request (as
//               a network source would); the verifier finds its checked set by content.
//   CryptoFloor_*: two ECDSA P-256 verifications (QE report, quote) plus the SHA-256 digests
//               the quote-specific checks need, with keys already decoded.
//   EcdsaP256Verify: ONE ECDSA P-256 verify of a pre-hashed digest. It runs first; every
//               verification case reports `vs_one_verify`, its rate over this one's, and the
//               cached ones also `vs_one_verify_paired`, the same ratio measured in interleaved
//               rounds (robust on a loaded machine). Issue 14 item 8 goal: >= 0.80 for the
//               cached SGX and TDX cases, since a warm quote costs one verify — the QE report
//               signature is remembered per platform. Rates are per CPU second.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/quote_verifier.h"
#include "evidence/dcap/pck_chain.h"
#include "evidence/registry.h"

namespace attest {
namespace {

std::string VectorsDir() {
  const char* v = std::getenv("ATTESTD_VECTORS");
  return v && *v ? v : ATTEST_VECTORS_DEFAULT;
}

struct Case {
  evidence::Evidence evidence;
  std::shared_ptr<const collateral::DcapCollateral> collateral;
  UnixTime at = 0;
  bool ok = false;
};

Case LoadCase(const std::string& rel, evidence::AttestationType type) {
  Case c;
  std::string dir = VectorsDir() + "/" + rel;
  auto meta = ReadFileText(dir + "/case.json", 1 << 20);
  auto quote = ReadFileBytes(dir + "/quote.bin", 1 << 20);
  auto coll = collateral::OfflineDirProvider::LoadFolder(dir);
  if (!meta || !quote || !coll) return c;
  c.at = ParseRfc3339(nlohmann::json::parse(*meta)["verification_time"].get<std::string>()).value();
  c.evidence.type = type;
  c.evidence.blob = std::move(*quote);
  c.collateral = *coll;
  c.ok = true;
  return c;
}

// Serves one set; with `fresh` a new copy each call, so identity-keyed caches never hit.
class BenchProvider final : public collateral::CollateralProvider {
 public:
  BenchProvider(std::shared_ptr<const collateral::DcapCollateral> c, bool fresh)
      : c_(std::move(c)), fresh_(fresh) {}
  StatusOr<std::shared_ptr<const collateral::DcapCollateral>> GetDcapCollateral(
      const collateral::DcapCollateralRequest&) override {
    if (fresh_) return std::make_shared<const collateral::DcapCollateral>(*c_);
    return c_;
  }

 private:
  std::shared_ptr<const collateral::DcapCollateral> c_;
  bool fresh_;
};

// Verifies per second of ONE ECDSA P-256 verify, as measured by BM_EcdsaP256Verify in this run
// (or measured here if that benchmark was filtered out).
double g_one_verify_rate = 0;

// Rates are per second of this thread's CPU time, like items_per_second: the machine is
// shared, and wall time would measure the neighbours.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct OneVerify {
  crypto::EvpPkeyPtr key;
  crypto::Sha256Digest digest{};
  Bytes signature;
};

std::optional<OneVerify> LoadOneVerify() {
  Case c = LoadCase("sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave);
  if (!c.ok) return std::nullopt;
  auto q = dcap::ParseQuote(c.evidence.blob);
  auto ak = crypto::EcP256KeyFromRaw(q->attestation_key, "X");
  return OneVerify{std::move(*ak), crypto::Sha256(q->signed_bytes), ToBytes(q->quote_signature)};
}

double OneVerifyRate() {
  if (g_one_verify_rate > 0) return g_one_verify_rate;
  auto v = LoadOneVerify();
  if (!v) return 0;
  int n = 0;
  double start = CpuSeconds();
  while (CpuSeconds() - start < 0.5) {
    bool ok = crypto::VerifyEcdsaDigestRaw(v->key.get(), v->digest, v->signature, 32);
    benchmark::DoNotOptimize(ok);
    ++n;
  }
  g_one_verify_rate = n / (CpuSeconds() - start);
  return g_one_verify_rate;
}

// The ratio of this verification's rate to one verify's, measured in interleaved rounds (one
// verify, then the verification, 15 times) and taken as the median: on a shared machine the
// neighbours' load drifts, and pairing keeps both sides of the ratio under the same load.
template <typename Verification>
double PairedRatio(Verification verify_once) {
  auto v = LoadOneVerify();
  if (!v) return 0;
  constexpr int kRounds = 15, kOps = 300;
  std::vector<double> ratios;
  for (int r = 0; r < kRounds; ++r) {
    double t0 = CpuSeconds();
    for (int i = 0; i < kOps; ++i) {
      bool ok = crypto::VerifyEcdsaDigestRaw(v->key.get(), v->digest, v->signature, 32);
      benchmark::DoNotOptimize(ok);
    }
    double t1 = CpuSeconds();
    for (int i = 0; i < kOps; ++i) verify_once();
    double t2 = CpuSeconds();
    ratios.push_back((t1 - t0) / (t2 - t1));
  }
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

enum class Mode { kCached, kFreshCollateral, kUncached };

void RunVerify(benchmark::State& state, const char* rel, evidence::AttestationType type,
               Mode mode) {
  const bool cached = mode != Mode::kUncached;
  Case c = LoadCase(rel, type);
  if (!c.ok) {
    state.SkipWithError("vectors not found (set ATTESTD_VECTORS)");
    return;
  }
  BenchProvider provider(c.collateral, mode != Mode::kCached);
  FixedClock clock(c.at);
  evidence::VerifyContext ctx{clock, provider, evidence::TrustAnchors::Production()};
  const std::unique_ptr<evidence::Verifier> v = evidence::MakeVerifier(type, {}).value();
  const dcap::QuoteVerifier& qv = dcap::QuoteVerifier::Shared();
  qv.ClearCaches();
  if (!v->Verify(c.evidence, ctx)) {
    state.SkipWithError("vector does not verify");
    return;
  }
  double start = CpuSeconds();
  for (auto _ : state) {
    if (!cached) qv.ClearCaches();
    auto r = v->Verify(c.evidence, ctx);
    benchmark::DoNotOptimize(r);
  }
  double rate = static_cast<double>(state.iterations()) / (CpuSeconds() - start);
  state.SetItemsProcessed(state.iterations());
  if (double one = OneVerifyRate(); one > 0) {
    state.counters["vs_one_verify"] = rate / one;
    state.counters["one_verify_per_s"] = one;
  }
  if (cached) {
    state.counters["vs_one_verify_paired"] = PairedRatio([&] {
      auto r = v->Verify(c.evidence, ctx);
      benchmark::DoNotOptimize(r);
    });
  }
}

void BM_SgxVerify_Cached(benchmark::State& s) {
  RunVerify(s, "sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave, Mode::kCached);
}
void BM_SgxVerify_Uncached(benchmark::State& s) {
  RunVerify(s, "sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave, Mode::kUncached);
}
void BM_TdxVerify_Cached(benchmark::State& s) {
  RunVerify(s, "tdx/dcap-qvl-b0c06f000000-v4", evidence::AttestationType::kTdxVm, Mode::kCached);
}
void BM_SgxVerify_FreshCollateral(benchmark::State& s) {
  RunVerify(s, "sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave,
            Mode::kFreshCollateral);
}
void BM_TdxVerify_FreshCollateral(benchmark::State& s) {
  RunVerify(s, "tdx/dcap-qvl-b0c06f000000-v4", evidence::AttestationType::kTdxVm,
            Mode::kFreshCollateral);
}
void BM_TdxVerify_Uncached(benchmark::State& s) {
  RunVerify(s, "tdx/dcap-qvl-b0c06f000000-v4", evidence::AttestationType::kTdxVm, Mode::kUncached);
}

// The crypto one cached verification cannot avoid: QE report signature and quote signature
// (ECDSA P-256 verify each, keys decoded beforehand), SHA-256 of both signed ranges and of
// the QE binding (attestation key ‖ auth data).
void RunCryptoFloor(benchmark::State& state, const char* rel, evidence::AttestationType type) {
  Case c = LoadCase(rel, type);
  if (!c.ok) {
    state.SkipWithError("vectors not found");
    return;
  }
  auto q = dcap::ParseQuote(c.evidence.blob);
  auto chain = dcap::BuildPckChain(q->qe.cert_data, evidence::TrustAnchors::Production().intel_sgx_root_spki);
  auto ak = crypto::EcP256KeyFromRaw(q->attestation_key, "X");
  EVP_PKEY* pck_key = chain->leaf->public_key();
  for (auto _ : state) {
    bool ok = crypto::VerifyEcdsaP256Sha256Raw(pck_key, q->qe.qe_report.raw, q->qe.qe_report_signature);
    auto binding = crypto::Sha256(q->attestation_key, q->qe.qe_auth_data);
    ok &= crypto::VerifyEcdsaP256Sha256Raw(ak->get(), q->signed_bytes, q->quote_signature);
    benchmark::DoNotOptimize(binding);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_CryptoFloor_Sgx(benchmark::State& s) {
  RunCryptoFloor(s, "sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave);
}
void BM_CryptoFloor_Tdx(benchmark::State& s) {
  RunCryptoFloor(s, "tdx/dcap-qvl-b0c06f000000-v4", evidence::AttestationType::kTdxVm);
}

void BM_EcdsaP256Verify(benchmark::State& state) {
  auto v = LoadOneVerify();
  if (!v) {
    state.SkipWithError("vectors not found");
    return;
  }
  double start = CpuSeconds();
  for (auto _ : state) {
    bool ok = crypto::VerifyEcdsaDigestRaw(v->key.get(), v->digest, v->signature, 32);
    benchmark::DoNotOptimize(ok);
  }
  g_one_verify_rate = static_cast<double>(state.iterations()) / (CpuSeconds() - start);
  state.SetItemsProcessed(state.iterations());
}

// Where a cached verification's time goes besides the one verify: parsing, the DCAP verdict
// alone (no claims), and the full verifier (verdict + claims).
void BM_SgxParseQuote(benchmark::State& state) {
  Case c = LoadCase("sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave);
  if (!c.ok) {
    state.SkipWithError("vectors not found");
    return;
  }
  for (auto _ : state) {
    auto q = dcap::ParseQuote(c.evidence.blob);
    benchmark::DoNotOptimize(q);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_SgxVerdictOnly_Cached(benchmark::State& state) {
  Case c = LoadCase("sgx/dcap-qvl-00a067110000-2507", evidence::AttestationType::kSgxEnclave);
  if (!c.ok) {
    state.SkipWithError("vectors not found");
    return;
  }
  auto q = dcap::ParseQuote(c.evidence.blob);
  BenchProvider provider(c.collateral, false);
  FixedClock clock(c.at);
  evidence::VerifyContext ctx{clock, provider, evidence::TrustAnchors::Production()};
  const dcap::QuoteVerifier& qv = dcap::QuoteVerifier::Shared();
  const evidence::DcapOptions options;
  if (!qv.Verify(*q, ctx, options)) {
    state.SkipWithError("vector does not verify");
    return;
  }
  for (auto _ : state) {
    auto r = qv.Verify(*q, ctx, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Sha256_4KiB(benchmark::State& state) {
  Bytes data(4096, 0x5a);
  for (auto _ : state) {
    auto d = crypto::Sha256(data);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * 4096);
}

// The one-verify baseline first: the verification cases report their rate relative to it.
BENCHMARK(BM_EcdsaP256Verify);
BENCHMARK(BM_SgxVerify_Cached);
BENCHMARK(BM_TdxVerify_Cached);
BENCHMARK(BM_SgxVerify_FreshCollateral);
BENCHMARK(BM_TdxVerify_FreshCollateral);
BENCHMARK(BM_SgxVerify_Uncached);
BENCHMARK(BM_TdxVerify_Uncached);
BENCHMARK(BM_CryptoFloor_Sgx);
BENCHMARK(BM_CryptoFloor_Tdx);
BENCHMARK(BM_SgxParseQuote);
BENCHMARK(BM_SgxVerdictOnly_Cached);
BENCHMARK(BM_Sha256_4KiB);

}  // namespace
}  // namespace attest

BENCHMARK_MAIN();

// attestctl collateral status|fetch|import|export: the online collateral service's state, and
// collateral bundles for air-gapped sites (docs/collateral.md).
//
//   attestctl collateral status --endpoint URL [--ca FILE]
//       cached items (time to expiry, age) and fetch / 429 / failure counters, from /metrics
//   attestctl collateral fetch (--fmspc HEX [--tee sgx|tdx] [--pck-ca platform|processor]
//                               | --quote FILE | --snp-report FILE [--product P])...
//                              [--pcs-url URL] [--kds-url URL] [--collateral-ca FILE]
//                              [--kds-min-interval-ms MS] --out DIR|FILE.tar
//       fetches (and checks) the collateral from the vendor and writes a bundle
//   attestctl collateral import BUNDLE --data-dir DIR
//       checks every item against the pinned roots and stores it in attestd's cache
//   attestctl collateral export --data-dir DIR --out BUNDLE
//       writes attestd's persisted cache as a bundle
// A bundle is a directory, or a tar when its name ends in ".tar" (collateral_bundle.h).
// Exit 0 ok, 1 an operation failed (or an item was rejected), 2 usage/local errors.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/file.h"
#include "cli/commands.h"
#include "client/endpoint_url.h"
#include "client/http_transport.h"
#include "collateral/collateral_bundle.h"
#include "collateral/https_client_getter.h"
#include "collateral/online_collateral_provider.h"
#include "collateral/sqlite_collateral_cache_store.h"
#include "evidence/dcap/pck_chain.h"
#include "evidence/dcap/quote.h"
#include "evidence/trust_anchors.h"
#include "store/store.h"

namespace attest::cli {
namespace {

int Fail(const Status& s, int code) {
  std::cerr << "attestctl collateral: " << s.ToString() << "\n";
  return code;
}

struct StatusFlags {
  std::string endpoint;
  std::string ca_file;
  bool fleet = false;
};

// Prints the collateral families of /metrics as a table.
int RunStatus(const StatusFlags& f) {
  auto url = client::ParseEndpointUrl(f.endpoint);
  if (!url) {
    return Fail(url.error(), 2);
  }
  client::TransportOptions options;
  options.ca_file = f.ca_file;
  options.max_response_bytes = 16 << 20;
  auto transport = client::HttpTransport::Create(*url, options);
  if (!transport) {
    return Fail(transport.error(), 2);
  }
  client::HttpRequest request;
  request.target = "/metrics";
  request.accept = "text/plain";
  auto response = (*transport)->Send(request);
  if (!response) {
    return Fail(response.error(), 1);
  }
  if (response->status != 200) {
    return Fail(Status::Unavailable("METRICS_UNAVAILABLE",
                                    "/metrics answered HTTP " + std::to_string(response->status)),
                1);
  }
  // item -> {expiry, age}
  std::map<std::string, std::pair<std::string, std::string>> items;
  std::vector<std::string> counters;
  std::map<std::string, std::string> at_risk;  // FMSPC -> platforms
  std::istringstream in(response->body);
  std::string line;
  auto label = [](const std::string& l) {
    size_t a = l.find("=\"");
    size_t b = l.rfind("\"}");
    return a == std::string::npos || b == std::string::npos || b < a ? std::string()
                                                                     : l.substr(a + 2, b - a - 2);
  };
  auto value = [](const std::string& l) { return l.substr(l.rfind(' ') + 1); };
  bool any = false;
  while (std::getline(in, line)) {
    if (!line.starts_with("attestd_collateral_") &&
        !line.starts_with("attestd_tcb_early_outofdate_platforms{")) {
      continue;
    }
    any = true;
    if (line.starts_with("attestd_tcb_early_outofdate_platforms{")) {
      at_risk[label(line)] = value(line);
    } else if (line.starts_with("attestd_collateral_item_expiry_seconds{")) {
      items[label(line)].first = value(line);
    } else if (line.starts_with("attestd_collateral_item_age_seconds{")) {
      items[label(line)].second = value(line);
    } else {
      counters.push_back(line);
    }
  }
  if (f.fleet) {
    // Platforms that pass today but are OutOfDate under Intel's early TCB info set.
    if (at_risk.empty()) {
      std::cout << "no platform is OutOfDate under the early TCB info set (or evaluate_early "
                   "is off)\n";
      return 0;
    }
    std::printf("%-14s %s\n", "FMSPC", "PLATFORMS OUTOFDATE UNDER EARLY TCB INFO");
    for (const auto& [fmspc, n] : at_risk) {
      std::printf("%-14s %s\n", fmspc.c_str(), n.c_str());
    }
    return 0;
  }
  if (!any) {
    std::cout << "the online collateral service is not enabled on " << url->base << "\n";
    return 0;
  }
  std::printf("%-72s %14s %10s\n", "ITEM", "EXPIRES IN (s)", "AGE (s)");
  for (const auto& [key, v] : items) {
    std::printf("%-72s %14s %10s%s\n", key.c_str(), v.first.c_str(), v.second.c_str(),
                !v.first.empty() && v.first[0] == '-' ? "  EXPIRED" : "");
  }
  std::cout << "\n";
  for (const std::string& c : counters) {
    std::cout << c << "\n";
  }
  return 0;
}

struct FetchFlags {
  std::vector<std::string> fmspcs;
  std::string tee = "sgx";
  std::string pck_ca = "platform";
  std::vector<std::string> quotes;
  std::vector<std::string> snp_reports;
  std::string product;
  std::string pcs_url;
  std::string kds_url;
  std::string collateral_ca;
  int64_t kds_min_interval_ms = -1;  // unset: collateral::DefaultKdsMinIntervalMs(kds_url)
  std::string out;
};

// A getter that never reaches the network (import / export need no vendor).
class OfflineGetter final : public collateral::HttpsGetter {
 public:
  StatusOr<collateral::HttpsResponse> Get(const std::string&) override {
    return Err(Status::Unavailable("OFFLINE", "no network source in this command"));
  }
};

std::unique_ptr<collateral::OnlineCollateralProvider> MakeProvider(
    std::unique_ptr<collateral::HttpsGetter> getter, const FetchFlags* f,
    collateral::CollateralCacheStore* store) {
  collateral::OnlineCollateralOptions options;
  options.pcs.emplace();
  options.kds.emplace();
  if (f && !f->pcs_url.empty()) {
    options.pcs->base_url = f->pcs_url;
  }
  if (f && !f->kds_url.empty()) {
    options.kds->base_url = f->kds_url;
  }
  if (f) {
    options.kds->min_interval_ms = f->kds_min_interval_ms >= 0
                                       ? f->kds_min_interval_ms
                                       : collateral::DefaultKdsMinIntervalMs(f->kds_url);
    // A one-off fetch may wait as long as the pacing asks (a few slots per report).
    options.vendor.max_pacing_wait_ms = 3600 * 1000;
  }
  options.intel_root_spki = evidence::TrustAnchors::Production().intel_sgx_root_spki;
  options.amd_ark_pins = evidence::TrustAnchors::Production().amd_arks;
  // Fetching for a bundle judges nothing by time: every item is kept as served, checked.
  static const FixedClock kEndOfTime(std::numeric_limits<int64_t>::min() / 2);
  return std::make_unique<collateral::OnlineCollateralProvider>(
      std::move(getter), kEndOfTime, SystemClock::Get(), store, std::move(options));
}

int RunFetch(const FetchFlags& f) {
  if (f.out.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--out DIR|FILE.tar is required"), 2);
  }
  if (f.fmspcs.empty() && f.quotes.empty() && f.snp_reports.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "give --fmspc, --quote or --snp-report"), 2);
  }
  auto provider =
      MakeProvider(std::make_unique<collateral::HttpsClientGetter>(
                       collateral::HttpsClientGetter::Options{.extra_ca_file = f.collateral_ca}),
                   &f, nullptr);
  std::vector<collateral::DcapCollateralRequest> dcap;
  for (const std::string& fmspc : f.fmspcs) {
    auto raw = HexDecode(fmspc);
    if (!raw || raw->size() != 6) {
      return Fail(Status::InvalidArgument("USAGE", "--fmspc takes 12 hex digits"), 2);
    }
    dcap.push_back({.tee = f.tee == "tdx" ? collateral::DcapTee::kTdx : collateral::DcapTee::kSgx,
                    .fmspc = HexEncodeUpper(*raw),
                    .pck_ca = f.pck_ca == "processor" ? collateral::PckCa::kProcessor
                                                      : collateral::PckCa::kPlatform});
  }
  const Bytes& root = evidence::TrustAnchors::Production().intel_sgx_root_spki;
  for (const std::string& file : f.quotes) {
    auto bytes = ReadFileBytes(file, 1 << 20);
    if (!bytes) {
      return Fail(bytes.error(), 2);
    }
    auto quote = dcap::ParseQuote(*bytes);
    if (!quote) {
      return Fail(quote.error().WithContext(file), 2);
    }
    auto chain = dcap::BuildPckChain(quote->qe.cert_data, root);
    if (!chain->parse_error.ok()) {
      return Fail(chain->parse_error.WithContext(file), 2);
    }
    if (!chain->trust_error.ok()) {
      return Fail(chain->trust_error.WithContext(file), 2);
    }
    dcap.push_back({.tee = quote->is_tdx() ? collateral::DcapTee::kTdx : collateral::DcapTee::kSgx,
                    .fmspc = HexEncodeUpper(chain->info.fmspc),
                    .pck_ca = chain->ca});
  }
  int failures = 0;
  for (const auto& r : dcap) {
    auto got = provider->GetDcapCollateral(r);
    if (!got) {
      std::cerr << "FMSPC " << r.fmspc << ": " << got.error().ToString() << "\n";
      ++failures;
    }
  }
  for (const std::string& file : f.snp_reports) {
    auto report = ReadFileBytes(file, 1 << 16);
    if (!report || report->size() < 0x1E0) {
      std::cerr << file << ": not an SEV-SNP attestation report\n";
      return 2;
    }
    std::string product = f.product;
    if (product.empty()) {
      // amd-sev-snp.md §4.1: CPUID family/model at 0x188/0x189 (report v3+).
      auto line = collateral::KdsProductLineForCpu((*report)[0x188], (*report)[0x189]);
      if (!line) {
        return Fail(line.error().WithContext(file + " (give --product)"), 2);
      }
      product = *line;
    }
    collateral::AmdEkCertificateRequest req;
    req.product = product;
    req.chip_id.assign(report->begin() + 0x1A0, report->begin() + 0x1E0);
    for (int i = 7; i >= 0; --i) {
      req.reported_tcb = (req.reported_tcb << 8) | (*report)[0x180 + i];
    }
    auto vcek = provider->GetAmdEkCertificate(req);
    if (!vcek) {
      std::cerr << file << ": " << vcek.error().ToString() << "\n";
      ++failures;
    }
    auto crl = provider->GetAmdCrl({.key = collateral::AmdSigningKey::kVcek, .product = product});
    if (!crl && crl.error().code() != StatusCode::kNotFound) {
      std::cerr << file << ": " << crl.error().ToString() << "\n";
      ++failures;
    }
  }
  std::vector<collateral::StoredCollateralItem> items;
  for (const auto& item : provider->Items()) {
    items.push_back(collateral::ToStored(*item));
  }
  if (Status s = collateral::WriteBundle(f.out, items, SystemClock::Get().Now()); !s.ok()) {
    return Fail(s, 2);
  }
  std::cout << "wrote " << items.size() << " collateral item(s) to " << f.out << "\n";
  return failures == 0 ? 0 : 1;
}

StatusOr<std::unique_ptr<collateral::SqliteCollateralCacheStore>> OpenStore(
    const std::string& data_dir) {
  // An air-gapped deployment may import before attestd first ran: create the data directory
  // as attestd does (owner only).
  std::error_code ec;
  if (std::filesystem::create_directories(data_dir, ec)) {
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  return collateral::SqliteCollateralCacheStore::Open(data_dir + "/" +
                                                      std::string(store::kSqliteFileName));
}

int RunImport(const std::string& bundle, const std::string& data_dir) {
  auto items = collateral::ReadBundle(bundle);
  if (!items) {
    return Fail(items.error(), 2);
  }
  auto db = OpenStore(data_dir);
  if (!db) {
    return Fail(db.error(), 2);
  }
  auto provider = MakeProvider(std::make_unique<OfflineGetter>(), nullptr, db->get());
  collateral::LoadReport report = provider->Import(*items);
  for (const std::string& r : report.rejected_reasons) {
    std::cerr << "rejected: " << r << "\n";
  }
  std::cout << "imported " << report.loaded << " item(s), rejected " << report.rejected << "\n";
  return report.rejected == 0 ? 0 : 1;
}

int RunExport(const std::string& data_dir, const std::string& out) {
  auto db = OpenStore(data_dir);
  if (!db) {
    return Fail(db.error(), 2);
  }
  auto items = (*db)->LoadAll();
  if (!items) {
    return Fail(items.error(), 1);
  }
  if (Status s = collateral::WriteBundle(out, *items, SystemClock::Get().Now()); !s.ok()) {
    return Fail(s, 2);
  }
  std::cout << "wrote " << items->size() << " collateral item(s) to " << out << "\n";
  return 0;
}

}  // namespace

void RegisterCollateralCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("collateral", "online collateral cache and bundles");
  cmd->require_subcommand(1);

  auto status_flags = std::make_shared<StatusFlags>();
  CLI::App* status_cmd = cmd->add_subcommand("status", "cached collateral items and counters");
  status_cmd->add_option("--endpoint", status_flags->endpoint, "attestd base URL")->required();
  status_cmd->add_option("--ca", status_flags->ca_file, "CA bundle for the endpoint");
  status_cmd->add_flag("--fleet", status_flags->fleet,
                       "FMSPCs with platforms UpToDate today but OutOfDate under the early set");
  status_cmd->callback([status_flags, exit_code] { *exit_code = RunStatus(*status_flags); });

  auto fetch_flags = std::make_shared<FetchFlags>();
  CLI::App* fetch_cmd = cmd->add_subcommand("fetch", "fetch vendor collateral into a bundle");
  fetch_cmd->add_option("--fmspc", fetch_flags->fmspcs, "FMSPC (12 hex digits); repeatable");
  fetch_cmd->add_option("--tee", fetch_flags->tee, "sgx or tdx (with --fmspc)")
      ->check(CLI::IsMember({"sgx", "tdx"}));
  fetch_cmd->add_option("--pck-ca", fetch_flags->pck_ca, "platform or processor (with --fmspc)")
      ->check(CLI::IsMember({"platform", "processor"}));
  fetch_cmd->add_option("--quote", fetch_flags->quotes, "SGX/TDX quote file; repeatable");
  fetch_cmd->add_option("--snp-report", fetch_flags->snp_reports,
                        "SEV-SNP report file; repeatable");
  fetch_cmd->add_option("--product", fetch_flags->product, "AMD product (v2 reports: no CPUID)");
  fetch_cmd->add_option("--pcs-url", fetch_flags->pcs_url, "Intel PCS / PCCS base URL");
  fetch_cmd->add_option("--kds-url", fetch_flags->kds_url, "AMD KDS base URL");
  fetch_cmd->add_option("--collateral-ca", fetch_flags->collateral_ca, "extra CAs for the sources");
  fetch_cmd
      ->add_option("--kds-min-interval-ms", fetch_flags->kds_min_interval_ms,
                   "minimum interval between requests to the KDS host (default 10000 for "
                   "AMD's KDS, which throttles; 0 for another --kds-url)")
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}));
  fetch_cmd->add_option("--out", fetch_flags->out, "bundle to write: a directory, or FILE.tar")
      ->required();
  fetch_cmd->callback([fetch_flags, exit_code] { *exit_code = RunFetch(*fetch_flags); });

  auto bundle = std::make_shared<std::string>();
  auto data_dir = std::make_shared<std::string>();
  CLI::App* import_cmd =
      cmd->add_subcommand("import", "check a bundle and load it into attestd's cache");
  import_cmd->add_option("bundle", *bundle, "bundle: a directory or a tar")->required();
  import_cmd->add_option("--data-dir", *data_dir, "attestd data directory")->required();
  import_cmd->callback(
      [bundle, data_dir, exit_code] { *exit_code = RunImport(*bundle, *data_dir); });

  auto out = std::make_shared<std::string>();
  auto export_dir = std::make_shared<std::string>();
  CLI::App* export_cmd =
      cmd->add_subcommand("export", "write attestd's collateral cache as a bundle");
  export_cmd->add_option("--data-dir", *export_dir, "attestd data directory")->required();
  export_cmd->add_option("--out", *out, "bundle to write: a directory, or FILE.tar")->required();
  export_cmd->callback([export_dir, out, exit_code] { *exit_code = RunExport(*export_dir, *out); });
}

}  // namespace attest::cli

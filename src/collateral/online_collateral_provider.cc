#include "collateral/online_collateral_provider.h"

#include <algorithm>

#include "collateral/early_tcb_watch.h"

namespace attest::collateral {
namespace {

std::string RequestKey(const DcapCollateralRequest& r) {
  return std::string(DcapTeeName(r.tee)) + "|" + r.fmspc + "|" + std::string(PckCaName(r.pck_ca)) +
         "|" + std::string(TcbUpdateName(r.update));
}

// Prometheus label values: backslash, quote and newline escaped.
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Chains are checked before the certificates and CRLs that need them.
int CheckOrder(std::string_view key) { return key.starts_with("amd/cert_chain/") ? 0 : 1; }

}  // namespace

OnlineCollateralProvider::OnlineCollateralProvider(std::unique_ptr<HttpsGetter> getter,
                                                   const Clock& validity_clock,
                                                   const Clock& wall_clock,
                                                   CollateralCacheStore* store,
                                                   OnlineCollateralOptions options)
    : getter_(std::move(getter)),
      validity_clock_(validity_clock),
      wall_clock_(wall_clock),
      store_(store),
      options_(std::move(options)),
      client_(*getter_, wall_clock, options_.vendor),
      cache_(validity_clock, wall_clock, store, options_.cache) {
  if (options_.pcs) {
    pcs_.emplace(client_, *options_.pcs, options_.intel_root_spki);
    client_.SetMinInterval(VendorClient::HostOf(options_.pcs->base_url),
                           options_.pcs->min_interval_ms);
  }
  if (options_.kds) {
    options_.kds->pinned_arks = options_.amd_ark_pins;
    kds_.emplace(client_, *options_.kds);
    client_.SetMinInterval(VendorClient::HostOf(options_.kds->base_url),
                           options_.kds->min_interval_ms);
  }
}

OnlineCollateralProvider::~OnlineCollateralProvider() { Stop(); }

std::string OnlineCollateralProvider::Describe(std::string_view key) const {
  return PcsSource::Owns(key) ? PcsSource::Describe(key) : KdsSource::Describe(key);
}

StatusOr<CollateralItem> OnlineCollateralProvider::FetchKey(const std::string& key) {
  if (PcsSource::Owns(key)) {
    if (!pcs_) {
      return Err(Status::NotFound("COLLATERAL_MISSING", "no Intel collateral source"));
    }
    return pcs_->Fetch(key);
  }
  if (KdsSource::Owns(key)) {
    if (!kds_) {
      return Err(Status::NotFound("COLLATERAL_MISSING", "no AMD collateral source"));
    }
    return kds_->Fetch(key, [this](const std::string& k) { return ChainItem(k); });
  }
  return Err(Status::InvalidArgument("INVALID_COLLATERAL_KEY", "unknown collateral item " + key));
}

StatusOr<CollateralItem> OnlineCollateralProvider::CheckItem(CollateralItem item) {
  if (PcsSource::Owns(item.key)) {
    // Imported Intel items are checked even when no PCS is configured (air-gapped sites).
    PcsSource checker(client_, options_.pcs.value_or(PcsSource::Options{}),
                      options_.intel_root_spki);
    return checker.Check(std::move(item));
  }
  if (KdsSource::Owns(item.key)) {
    // Imported AMD items are checked against the pins even when no KDS is configured.
    KdsSource::Options kds = options_.kds.value_or(KdsSource::Options{});
    kds.pinned_arks = options_.amd_ark_pins;
    KdsSource checker(client_, std::move(kds));
    return checker.Check(std::move(item), [this](const std::string& k) { return ChainItem(k); });
  }
  return Err(
      Status::InvalidArgument("INVALID_COLLATERAL_KEY", "unknown collateral item " + item.key));
}

StatusOr<std::shared_ptr<const CollateralItem>> OnlineCollateralProvider::ChainItem(
    const std::string& key) {
  return GetItem(key);
}

StatusOr<std::shared_ptr<const CollateralItem>> OnlineCollateralProvider::GetItem(
    const std::string& key) {
  return cache_.Get(key, Describe(key), [this, &key] { return FetchKey(key); });
}

StatusOr<std::shared_ptr<const DcapCollateral>> OnlineCollateralProvider::GetDcapCollateral(
    const DcapCollateralRequest& request) {
  if (!pcs_) {
    return Err(Status::NotFound("COLLATERAL_MISSING", "no Intel collateral source is configured"));
  }
  ATTEST_ASSIGN_OR_RETURN(
      auto tcb, GetItem(PcsSource::TcbInfoKey(request.tee, request.fmspc, request.update)));
  ATTEST_ASSIGN_OR_RETURN(auto qe, GetItem(PcsSource::QeIdentityKey(request.tee, request.update)));
  ATTEST_ASSIGN_OR_RETURN(auto root_crl, GetItem(PcsSource::RootCaCrlKey()));
  std::shared_ptr<const CollateralItem> pck_crl;
  if (auto got = GetItem(PcsSource::PckCrlKey(request.pck_ca)); got) {
    pck_crl = *got;
  } else if (got.error().code() != StatusCode::kNotFound) {
    return Err(got.error());
  }  // else: no PCK CRL published; the verifier decides (spec/intel-dcap.md §7.6).

  std::vector<const CollateralItem*> parts = {tcb.get(), qe.get(), root_crl.get(), pck_crl.get()};
  const std::string rkey = RequestKey(request);
  std::lock_guard<std::mutex> lock(assembled_mu_);
  Assembled& a = assembled_[rkey];
  if (a.set && a.parts == parts) {
    return a.set;
  }
  auto set = std::make_shared<DcapCollateral>();
  set->tcb_info = tcb->body;
  set->tcb_info_issuer_chain = tcb->issuer_chain;
  set->qe_identity = qe->body;
  set->qe_identity_issuer_chain = qe->issuer_chain;
  set->root_ca_crl = root_crl->body;
  if (pck_crl) {
    set->pck_crl = pck_crl->body;
    set->pck_crl_issuer_chain = pck_crl->issuer_chain;
  }
  set->provenance = Provenance::kFetchedByServer;
  for (const CollateralItem* item : parts) {
    if (item == nullptr) {
      continue;
    }
    const bool versioned = item->kind == ItemKind::kTcbInfo || item->kind == ItemKind::kQeIdentity;
    set->origins.push_back({item->key, item->url, item->fetched_at,
                            versioned ? std::string(TcbUpdateName(request.update)) : ""});
  }
  a.parts = parts;
  a.hold = {tcb, qe, root_crl, pck_crl};
  a.set = std::move(set);
  return a.set;
}

StatusOr<std::shared_ptr<const AmdCertificate>> OnlineCollateralProvider::GetAmdEkCertificate(
    const AmdEkCertificateRequest& request) {
  if (!kds_) {
    return CollateralProvider::GetAmdEkCertificate(request);
  }
  ATTEST_ASSIGN_OR_RETURN(std::string key, KdsSource::EkCertificateKey(request));
  ATTEST_ASSIGN_OR_RETURN(auto item, GetItem(key));
  auto out = std::make_shared<AmdCertificate>();
  out->der = item->body;
  out->provenance = Provenance::kFetchedByServer;
  return std::shared_ptr<const AmdCertificate>(std::move(out));
}

StatusOr<std::shared_ptr<const AmdCaChain>> OnlineCollateralProvider::GetAmdCaChain(
    const AmdCaChainRequest& request) {
  if (!kds_) {
    return CollateralProvider::GetAmdCaChain(request);
  }
  ATTEST_ASSIGN_OR_RETURN(std::string key, KdsSource::CaChainKey(request.key, request.product));
  ATTEST_ASSIGN_OR_RETURN(auto item, GetItem(key));
  ATTEST_ASSIGN_OR_RETURN(auto ders, KdsSource::ChainDer(*item));
  auto out = std::make_shared<AmdCaChain>();
  out->intermediate_der = std::move(ders.first);
  out->ark_der = std::move(ders.second);
  out->provenance = Provenance::kFetchedByServer;
  return std::shared_ptr<const AmdCaChain>(std::move(out));
}

StatusOr<std::shared_ptr<const AmdCrl>> OnlineCollateralProvider::GetAmdCrl(
    const AmdCrlRequest& request) {
  if (!kds_) {
    return CollateralProvider::GetAmdCrl(request);
  }
  ATTEST_ASSIGN_OR_RETURN(std::string key, KdsSource::CrlKey(request.key, request.product));
  ATTEST_ASSIGN_OR_RETURN(auto item, GetItem(key));
  auto out = std::make_shared<AmdCrl>();
  out->der = item->body;
  out->provenance = Provenance::kFetchedByServer;
  return std::shared_ptr<const AmdCrl>(std::move(out));
}

LoadReport OnlineCollateralProvider::Import(const std::vector<StoredCollateralItem>& items) {
  return CheckAndInsert(items, /*persist=*/true);
}

LoadReport OnlineCollateralProvider::CheckAndInsert(const std::vector<StoredCollateralItem>& items,
                                                    bool persist) {
  std::vector<const StoredCollateralItem*> ordered;
  for (const auto& i : items) {
    ordered.push_back(&i);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return CheckOrder(a->key) < CheckOrder(b->key);
  });
  LoadReport report;
  for (const StoredCollateralItem* s : ordered) {
    auto checked = CheckItem(FromStored(*s));
    if (!checked) {
      ++report.rejected;
      report.rejected_reasons.push_back(s->key + ": " + checked.error().message());
      continue;
    }
    cache_.Insert(std::move(*checked), persist);
    ++report.loaded;
  }
  return report;
}

LoadReport OnlineCollateralProvider::LoadFromStore() {
  if (store_ == nullptr) {
    return {};
  }
  auto all = store_->LoadAll();
  if (!all) {
    LoadReport report;
    report.rejected_reasons.push_back("store: " + all.error().message());
    return report;
  }
  return CheckAndInsert(*all, /*persist=*/false);
}

size_t OnlineCollateralProvider::RefreshOnce() {
  size_t failures = 0;
  for (const std::string& key : cache_.RefreshDue()) {
    if (stopping_.load()) {
      break;
    }
    if (!cache_.Refresh(key, Describe(key), [this, &key] { return FetchKey(key); }).ok()) {
      ++failures;
    }
  }
  return failures;
}

void OnlineCollateralProvider::Start() {
  std::lock_guard<std::mutex> lock(refresher_mu_);
  if (refresher_.joinable()) {
    return;
  }
  stop_ = false;
  stopping_.store(false);
  refresher_ = std::thread([this] { RefreshLoop(); });
}

void OnlineCollateralProvider::Stop() {
  {
    std::lock_guard<std::mutex> lock(refresher_mu_);
    stop_ = true;
    stopping_.store(true);
  }
  refresher_cv_.notify_all();
  if (refresher_.joinable()) {
    refresher_.join();
  }
}

void OnlineCollateralProvider::RefreshLoop() {
  std::unique_lock<std::mutex> lock(refresher_mu_);
  while (!stop_) {
    lock.unlock();
    RefreshOnce();
    lock.lock();
    refresher_cv_.wait_for(lock, std::chrono::seconds(options_.refresh_interval_seconds),
                           [this] { return stop_; });
  }
}

std::string OnlineCollateralProvider::RenderPrometheus() const {
  std::string out;
  auto items = cache_.Snapshot();
  const UnixTime now = validity_clock_.Now();
  const UnixTime wall = wall_clock_.Now();
  out += "# HELP attestd_collateral_items Verified collateral items in the cache.\n";
  out += "# TYPE attestd_collateral_items gauge\n";
  out += "attestd_collateral_items " + std::to_string(items.size()) + "\n";
  out += "# HELP attestd_collateral_item_age_seconds Time since each item was fetched.\n";
  out += "# TYPE attestd_collateral_item_age_seconds gauge\n";
  for (const auto& i : items) {
    out += "attestd_collateral_item_age_seconds{item=\"" + Label(i->key) + "\"} " +
           std::to_string(wall - i->fetched_at) + "\n";
  }
  out +=
      "# HELP attestd_collateral_item_expiry_seconds Time until each item's nextUpdate or "
      "notAfter (negative: expired).\n";
  out += "# TYPE attestd_collateral_item_expiry_seconds gauge\n";
  for (const auto& i : items) {
    out += "attestd_collateral_item_expiry_seconds{item=\"" + Label(i->key) + "\"} " +
           std::to_string(i->valid_until - now) + "\n";
  }
  ItemCacheCounters c = cache_.Counters();
  out += "# HELP attestd_collateral_cache_events_total Collateral cache lookups and refreshes.\n";
  out += "# TYPE attestd_collateral_cache_events_total counter\n";
  for (const auto& [name, value] :
       std::vector<std::pair<const char*, uint64_t>>{{"hit", c.hits},
                                                     {"miss", c.misses},
                                                     {"wait", c.waits},
                                                     {"negative_hit", c.negative_hits},
                                                     {"fetch_failure", c.fetch_failures},
                                                     {"rejected", c.rejected},
                                                     {"stale_refusal", c.stale_refusals},
                                                     {"refresh", c.refreshes},
                                                     {"refresh_failure", c.refresh_failures}}) {
    out += std::string("attestd_collateral_cache_events_total{event=\"") + name + "\"} " +
           std::to_string(value) + "\n";
  }
  auto hosts = client_.Counters();
  auto family = [&](const char* name, const char* help, auto field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [host, h] : hosts) {
      out +=
          std::string(name) + "{host=\"" + Label(host) + "\"} " + std::to_string(field(h)) + "\n";
    }
  };
  family("attestd_collateral_fetches_total", "Requests sent to collateral sources.",
         [](const VendorCounters& h) { return h.requests; });
  family("attestd_collateral_fetch_failures_total",
         "Collateral requests that failed (transport or 5xx).",
         [](const VendorCounters& h) { return h.failures; });
  family("attestd_collateral_rate_limited_total", "HTTP 429 answers from collateral sources.",
         [](const VendorCounters& h) { return h.rate_limited; });
  family("attestd_collateral_throttled_refusals_total",
         "Fetches not sent because the source asked attestd to wait (Retry-After).",
         [](const VendorCounters& h) { return h.refused_while_throttled; });
  family("attestd_collateral_fetch_timeouts_total",
         "Collateral requests without a complete answer within the fetch timeout.",
         [](const VendorCounters& h) { return h.timeouts; });
  family("attestd_collateral_paced_total",
         "Collateral requests that waited for their host's minimum interval.",
         [](const VendorCounters& h) { return h.paced; });
  family("attestd_collateral_paced_refusals_total",
         "Fetches not sent because the host's next free slot was beyond the request deadline.",
         [](const VendorCounters& h) { return h.refused_while_paced; });
  out += EarlyTcbWatch::Shared().RenderPrometheus();
  return out;
}

}  // namespace attest::collateral

#include "collateral/provider_wrappers.h"

#include "base/encoding.h"
#include "base/reasons.h"

namespace attest::collateral {
namespace {

// Request keys: every field that selects an answer, separated so no two requests collide.
std::string Key(const DcapCollateralRequest& r) {
  return std::string(DcapTeeName(r.tee)) + "|" + r.fmspc + "|" + std::string(PckCaName(r.pck_ca)) +
         "|" + std::string(TcbUpdateName(r.update));
}
std::string KeyName(AmdSigningKey k) { return k == AmdSigningKey::kVlek ? "vlek" : "vcek"; }
std::string Key(const AmdEkCertificateRequest& r) {
  return KeyName(r.key) + "|" + r.product + "|" + HexEncode(r.chip_id) + "|" +
         std::to_string(r.reported_tcb);
}
std::string Key(const AmdCaChainRequest& r) { return KeyName(r.key) + "|" + r.product; }
std::string Key(const AmdCrlRequest& r) { return KeyName(r.key) + "|" + r.product; }

}  // namespace

CachingCollateralProvider::CachingCollateralProvider(std::unique_ptr<CollateralProvider> target,
                                                     const Clock& clock, Options options)
    : CollateralProviderWrapper(std::move(target)), clock_(clock), options_(options) {}

template <typename T, typename Fetch>
StatusOr<std::shared_ptr<const T>> CachingCollateralProvider::Lookup(Table<T>& table,
                                                                     const std::string& key,
                                                                     Fetch fetch) {
  const UnixTime now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table.find(key);
    if (it != table.end()) {
      if (now >= it->second.fetched_at && now - it->second.fetched_at < options_.max_age_seconds) {
        return it->second.value;
      }
      table.erase(it);
    }
  }
  // Fetched without the lock: a slow source must not stall other requests. Two concurrent
  // misses for one key both fetch; the later answer wins, both are valid.
  StatusOr<std::shared_ptr<const T>> got = fetch();
  if (!got) {
    return got;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (table.size() >= options_.max_entries) {
    table.clear();
  }
  table[key] = Entry<T>{*got, now};
  return got;
}

StatusOr<std::shared_ptr<const DcapCollateral>> CachingCollateralProvider::GetDcapCollateral(
    const DcapCollateralRequest& request) {
  return Lookup(dcap_, Key(request), [&] { return target().GetDcapCollateral(request); });
}
StatusOr<std::shared_ptr<const AmdCertificate>> CachingCollateralProvider::GetAmdEkCertificate(
    const AmdEkCertificateRequest& request) {
  return Lookup(amd_ek_, Key(request), [&] { return target().GetAmdEkCertificate(request); });
}
StatusOr<std::shared_ptr<const AmdCaChain>> CachingCollateralProvider::GetAmdCaChain(
    const AmdCaChainRequest& request) {
  return Lookup(amd_ca_, Key(request), [&] { return target().GetAmdCaChain(request); });
}
StatusOr<std::shared_ptr<const AmdCrl>> CachingCollateralProvider::GetAmdCrl(
    const AmdCrlRequest& request) {
  return Lookup(amd_crl_, Key(request), [&] { return target().GetAmdCrl(request); });
}

void CachingCollateralProvider::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  dcap_.clear();
  amd_ek_.clear();
  amd_ca_.clear();
  amd_crl_.clear();
}

template <typename T, typename Ask>
StatusOr<std::shared_ptr<const T>> ChainedCollateralProvider::FirstAnswer(Ask ask) {
  std::optional<Status> first_failure;
  std::optional<Status> not_found;
  for (const auto& source : sources_) {
    StatusOr<std::shared_ptr<const T>> got = ask(*source);
    if (got) {
      return got;
    }
    if (got.error().code() == StatusCode::kNotFound) {
      if (!not_found) {
        not_found = got.error();
      }
    } else if (!first_failure) {
      first_failure = got.error();
    }
  }
  if (first_failure) {
    return Err(*first_failure);
  }
  if (not_found) {
    return Err(*not_found);
  }
  return Err(Status::NotFound(reason::kCollateralMissing, "no collateral source is configured"));
}

StatusOr<std::shared_ptr<const DcapCollateral>> ChainedCollateralProvider::GetDcapCollateral(
    const DcapCollateralRequest& request) {
  return FirstAnswer<DcapCollateral>(
      [&](CollateralProvider& p) { return p.GetDcapCollateral(request); });
}
StatusOr<std::shared_ptr<const AmdCertificate>> ChainedCollateralProvider::GetAmdEkCertificate(
    const AmdEkCertificateRequest& request) {
  return FirstAnswer<AmdCertificate>(
      [&](CollateralProvider& p) { return p.GetAmdEkCertificate(request); });
}
StatusOr<std::shared_ptr<const AmdCaChain>> ChainedCollateralProvider::GetAmdCaChain(
    const AmdCaChainRequest& request) {
  return FirstAnswer<AmdCaChain>([&](CollateralProvider& p) { return p.GetAmdCaChain(request); });
}
StatusOr<std::shared_ptr<const AmdCrl>> ChainedCollateralProvider::GetAmdCrl(
    const AmdCrlRequest& request) {
  return FirstAnswer<AmdCrl>([&](CollateralProvider& p) { return p.GetAmdCrl(request); });
}

}  // namespace attest::collateral

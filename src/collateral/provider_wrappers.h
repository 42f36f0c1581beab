// Decorators around any CollateralProvider, in the spirit of leveldb's EnvWrapper:
//
//   CollateralProviderWrapper   forwards every request to a target; override what differs.
//   CachingCollateralProvider   remembers successful answers per request for a bounded time.
//   ChainedCollateralProvider   asks sources in order until one has the collateral.
//
// e.g. Caching(Chained({OfflineDir, Pcs(HttpsGetter)})). All are thread-safe when their
// targets are. Wrappers own their targets.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "base/time.h"
#include "collateral/collateral_provider.h"

namespace attest::collateral {

class CollateralProviderWrapper : public CollateralProvider {
 public:
  explicit CollateralProviderWrapper(std::unique_ptr<CollateralProvider> target)
      : owned_(std::move(target)), target_(owned_.get()) {}

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override {
    return target_->GetDcapCollateral(request);
  }
  StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request) override {
    return target_->GetAmdEkCertificate(request);
  }
  StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request) override {
    return target_->GetAmdCaChain(request);
  }
  StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request) override {
    return target_->GetAmdCrl(request);
  }

 protected:
  CollateralProvider& target() { return *target_; }

 private:
  std::unique_ptr<CollateralProvider> owned_;
  CollateralProvider* target_;
};

// Remembers each successful answer for `max_age_seconds` (judged by `clock`, the wall clock in
// production) and at most `max_entries` answers per kind; failures are never remembered, so
// a source that comes back is asked again at once. Returning the same object for the same
// request also lets verifiers find their checked copy of it without re-hashing.
class CachingCollateralProvider final : public CollateralProviderWrapper {
 public:
  struct Options {
    int64_t max_age_seconds = 3600;
    size_t max_entries = 1024;
  };
  CachingCollateralProvider(std::unique_ptr<CollateralProvider> target, const Clock& clock,
                            Options options);

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request) override;

  // Forgets everything (collateral refresh).
  void Clear();

 private:
  template <typename T>
  struct Entry {
    std::shared_ptr<const T> value;
    UnixTime fetched_at = 0;
  };
  template <typename T>
  using Table = std::map<std::string, Entry<T>>;

  template <typename T, typename Fetch>
  StatusOr<std::shared_ptr<const T>> Lookup(Table<T>& table, const std::string& key,
                                            Fetch fetch);

  const Clock& clock_;
  Options options_;
  std::mutex mu_;
  Table<DcapCollateral> dcap_;
  Table<AmdCertificate> amd_ek_;
  Table<AmdCaChain> amd_ca_;
  Table<AmdCrl> amd_crl_;
};

// Asks each source in order. NOT_FOUND moves on to the next source; any other failure is
// remembered and the next source asked too. The first answer wins; with none, the first
// non-NOT_FOUND failure (e.g. UNAVAILABLE: retryable) or else NOT_FOUND.
class ChainedCollateralProvider final : public CollateralProvider {
 public:
  explicit ChainedCollateralProvider(std::vector<std::unique_ptr<CollateralProvider>> sources)
      : sources_(std::move(sources)) {}

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request) override;

 private:
  template <typename T, typename Ask>
  StatusOr<std::shared_ptr<const T>> FirstAnswer(Ask ask);

  std::vector<std::unique_ptr<CollateralProvider>> sources_;
};

}  // namespace attest::collateral

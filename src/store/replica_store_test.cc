#include "store/replica_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace attest::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

// A store that can be switched off, as a database outage would (every call kUnavailable).
class SwitchableStore final : public Store {
 public:
  explicit SwitchableStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  bool down = false;
  int current_reads = 0;

  Status CreateProvider(const Provider& p, const std::vector<SignerRecord>& s) override {
    return down ? Outage() : inner_->CreateProvider(p, s);
  }
  StatusOr<std::optional<Provider>> GetProvider(std::string_view id) override {
    if (down) return Err(Outage());
    return inner_->GetProvider(id);
  }
  StatusOr<std::vector<Provider>> ListProviders() override {
    if (down) return Err(Outage());
    return inner_->ListProviders();
  }
  Status DeleteProvider(std::string_view id) override {
    return down ? Outage() : inner_->DeleteProvider(id);
  }
  Status AppendPolicy(std::string_view id, const PolicyRecord& r) override {
    return down ? Outage() : inner_->AppendPolicy(id, r);
  }
  StatusOr<std::optional<PolicyRecord>> CurrentPolicy(std::string_view id,
                                                      std::string_view type) override {
    ++current_reads;
    if (down) return Err(Outage());
    return inner_->CurrentPolicy(id, type);
  }
  StatusOr<std::vector<PolicyRecord>> PolicyHistory(std::string_view id,
                                                    std::string_view type) override {
    if (down) return Err(Outage());
    return inner_->PolicyHistory(id, type);
  }
  StatusOr<std::vector<SignerRecord>> ListSigners(std::string_view id) override {
    if (down) return Err(Outage());
    return inner_->ListSigners(id);
  }
  StatusOr<bool> AddSigner(std::string_view id, const SignerRecord& s) override {
    if (down) return Err(Outage());
    return inner_->AddSigner(id, s);
  }
  StatusOr<bool> RemoveSigner(std::string_view id, std::string_view t) override {
    if (down) return Err(Outage());
    return inner_->RemoveSigner(id, t);
  }
  Status PutKey(std::string_view id, const KeyRecord& k) override {
    return down ? Outage() : inner_->PutKey(id, k);
  }
  StatusOr<std::vector<KeyRecord>> ListKeys(std::string_view id) override {
    if (down) return Err(Outage());
    return inner_->ListKeys(id);
  }
  StatusOr<bool> AddTokenKey(std::string_view id, const TokenKeyRecord& k, bool only) override {
    if (down) return Err(Outage());
    return inner_->AddTokenKey(id, k, only);
  }
  StatusOr<std::vector<TokenKeyRecord>> ListTokenKeys(std::string_view id) override {
    if (down) return Err(Outage());
    return inner_->ListTokenKeys(id);
  }

 private:
  static Status Outage() { return Status::Unavailable("STORE_UNAVAILABLE", "store: down"); }
  std::unique_ptr<Store> inner_;
};

class ReplicaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-replica-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // Two handles on one database: `other_` plays another replica writing to the shared store.
    other_ = std::move(*OpenSqliteStore(dir_.string()));
    auto mine = std::make_unique<SwitchableStore>(std::move(*OpenSqliteStore(dir_.string())));
    backing_ = mine.get();
    replica_ = std::make_unique<ReplicaStore>(
        std::move(mine),
        ReplicaStoreOptions{.refresh_interval = milliseconds(1000), .max_staleness = seconds(60)},
        [this] { return now_; });
    ASSERT_TRUE(other_->CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());
  }
  void TearDown() override {
    replica_.reset();
    other_.reset();
    std::filesystem::remove_all(dir_);
  }

  static PolicyRecord Set(std::string text) {
    PolicyRecord r;
    r.attestation_type = "SgxEnclave";
    r.policy_text = std::move(text);
    r.set_by = "t";
    return r;
  }
  std::string Current() {
    auto p = replica_->CurrentPolicy("default", "SgxEnclave");
    if (!p.has_value()) return "error:" + p.error().reason();
    return p->has_value() ? (*p)->policy_text : "default";
  }

  std::filesystem::path dir_;
  TimePoint now_{};
  std::unique_ptr<Store> other_;
  SwitchableStore* backing_ = nullptr;
  std::unique_ptr<ReplicaStore> replica_;
};

TEST_F(ReplicaStoreTest, AnotherReplicasPolicyIsInForceAfterTheRefreshInterval) {
  ASSERT_TRUE(other_->AppendPolicy("default", Set("one")).ok());
  EXPECT_EQ(Current(), "one");
  ASSERT_TRUE(other_->AppendPolicy("default", Set("two")).ok());
  now_ += milliseconds(999);
  EXPECT_EQ(Current(), "one");  // held
  EXPECT_EQ(backing_->current_reads, 1);
  now_ += milliseconds(1);
  EXPECT_EQ(Current(), "two");  // re-read at the bound
  EXPECT_EQ(backing_->current_reads, 2);
}

TEST_F(ReplicaStoreTest, OwnWritesAreInForceAtOnce) {
  ASSERT_TRUE(replica_->AppendPolicy("default", Set("one")).ok());
  EXPECT_EQ(Current(), "one");
  ASSERT_TRUE(replica_->AppendPolicy("default", Set("two")).ok());
  EXPECT_EQ(Current(), "two");
  PolicyRecord reset = Set("");
  reset.reset = true;
  ASSERT_TRUE(replica_->AppendPolicy("default", reset).ok());
  EXPECT_EQ(Current(), "default");
}

TEST_F(ReplicaStoreTest, OutageServesTheHeldPolicyUpToTheStalenessBoundThen503) {
  ASSERT_TRUE(other_->AppendPolicy("default", Set("one")).ok());
  EXPECT_EQ(Current(), "one");
  backing_->down = true;
  now_ += seconds(30);
  EXPECT_EQ(Current(), "one");
  EXPECT_EQ(replica_->stale_answers(), 1u);
  now_ += seconds(30);  // exactly max_staleness after the last good read
  EXPECT_EQ(Current(), "one");
  now_ += milliseconds(1);
  EXPECT_EQ(Current(), "error:STORE_UNAVAILABLE");
  // Back up: the store's answer again.
  backing_->down = false;
  ASSERT_TRUE(other_->AppendPolicy("default", Set("two")).ok());
  EXPECT_EQ(Current(), "two");
}

TEST_F(ReplicaStoreTest, ATypeNeverReadAnswersTheOutageAtOnce) {
  backing_->down = true;
  EXPECT_EQ(Current(), "error:STORE_UNAVAILABLE");
}

TEST_F(ReplicaStoreTest, AFailedReadIsNotRepeatedByEveryCallerWithinTheInterval) {
  EXPECT_EQ(Current(), "default");
  backing_->down = true;
  now_ += seconds(2);
  EXPECT_EQ(Current(), "default");
  EXPECT_EQ(backing_->current_reads, 2);
  now_ += milliseconds(500);
  EXPECT_EQ(Current(), "default");
  EXPECT_EQ(backing_->current_reads, 2);
}

TEST_F(ReplicaStoreTest, ManagementCallsDuringAnOutageAreUnavailable) {
  backing_->down = true;
  Status s = replica_->AppendPolicy("default", Set("x"));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.reason(), "STORE_UNAVAILABLE");
  backing_->down = false;
  EXPECT_TRUE(other_->PolicyHistory("default", "SgxEnclave")->empty());
}

}  // namespace
}  // namespace attest::store

// The shared store suite: every test runs against SQLite and against a real PostgreSQL
// cluster started by the test (PostgresTestCluster). Backend-specific behaviour (file modes,
// server outages) is tested at the end of the file.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "store/postgres_store.h"
#include "store/postgres_test_cluster.h"
#include "store/schema_migrations.h"

namespace attest::store {
namespace {

using testing::PostgresTestCluster;

// One cluster per test process, stopped at exit.
PostgresTestCluster* Cluster(std::string* why) {
  static std::string start_error;
  static std::unique_ptr<PostgresTestCluster> cluster = PostgresTestCluster::Start(&start_error);
  *why = start_error;
  return cluster.get();
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string safe;
    for (char c : name) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-store-test-" + std::to_string(::getpid()) + "-" + safe);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (IsPostgres()) {
      std::string why;
      cluster_ = Cluster(&why);
      if (cluster_ == nullptr) GTEST_SKIP() << why;
      static int counter = 0;
      auto url = cluster_->CreateDatabase("t" + std::to_string(::getpid()) + "_" +
                                          std::to_string(++counter));
      ASSERT_TRUE(url.has_value());
      url_ = *url;
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  bool IsPostgres() const { return GetParam() == "postgres"; }

  StatusOr<std::unique_ptr<Store>> TryOpen() {
    return IsPostgres() ? OpenPostgresStore(url_) : OpenSqliteStore(dir_.string());
  }
  std::unique_ptr<Store> Open() {
    auto s = TryOpen();
    EXPECT_TRUE(s.has_value()) << (s.has_value() ? "" : s.error().ToString());
    return s.has_value() ? std::move(*s) : nullptr;
  }

  // Records a schema version newer than this build knows, as a newer attestd would.
  void RecordNewerSchema() {
    const std::string next =
        std::to_string(LatestVersion(IsPostgres() ? PostgresMigrations() : SqliteMigrations()) + 1);
    if (IsPostgres()) {
      PGconn* c = PQconnectdb(url_.c_str());
      PGresult* r = PQexec(c, ("INSERT INTO schema_migrations(version, description) VALUES (" +
                               next + ", 'from the future')")
                                  .c_str());
      EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
      PQclear(r);
      PQfinish(c);
    } else {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open((dir_ / "attestd.db").c_str(), &db), SQLITE_OK);
      EXPECT_EQ(sqlite3_exec(db, ("UPDATE schema_version SET version = " + next).c_str(), nullptr,
                             nullptr, nullptr),
                SQLITE_OK);
      sqlite3_close(db);
    }
  }

  static SignerRecord Signer(std::string thumb) {
    return {std::move(thumb), Bytes{1, 2, 3}, "init", 100};
  }
  static PolicyRecord Set(std::string text) {
    PolicyRecord r;
    r.attestation_type = "SgxEnclave";
    r.policy_text = text;
    r.policy_jws = "jws-" + text;
    r.token_hash = "hash-" + text;
    r.set_by = "tester";
    r.set_at = 42;
    return r;
  }

  std::filesystem::path dir_;
  PostgresTestCluster* cluster_ = nullptr;
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

TEST_P(StoreTest, ProviderRoundTripsAndCannotBeCreatedTwice) {
  auto store = Open();
  Provider p{"default", "https://a.example", ProviderMode::kIsolated, 7};
  ASSERT_TRUE(store->CreateProvider(p, {Signer("AA"), Signer("BB")}).ok());
  Status again = store->CreateProvider(p, {});
  EXPECT_EQ(again.reason(), "PROVIDER_EXISTS");
  auto got = store->GetProvider("default");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->base_url, "https://a.example");
  EXPECT_EQ((*got)->mode, ProviderMode::kIsolated);
  EXPECT_EQ((*got)->created_at, 7);
  auto none = store->GetProvider("other");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto signers = store->ListSigners("default");
  ASSERT_TRUE(signers.has_value());
  ASSERT_EQ(signers->size(), 2u);
  EXPECT_EQ((*signers)[0].thumbprint, "AA");
  EXPECT_EQ((*signers)[1].thumbprint, "BB");
  EXPECT_EQ((*signers)[0].cert_der, (Bytes{1, 2, 3}));
  EXPECT_EQ((*signers)[0].added_by, "init");
  EXPECT_EQ((*signers)[0].added_at, 100);
}

TEST_P(StoreTest, PolicyHistoryKeepsEverySetAndResetRevertsToDefault) {
  auto store = Open();
  ASSERT_TRUE(store->CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());
  auto none = store->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(store->AppendPolicy("default", Set("one")).ok());
  PolicyRecord two = Set("two");
  two.signer_cert_der = {9, 9};
  ASSERT_TRUE(store->AppendPolicy("default", two).ok());
  auto current = store->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->policy_text, "two");
  EXPECT_EQ((*current)->policy_jws, "jws-two");
  EXPECT_EQ((*current)->signer_cert_der, (Bytes{9, 9}));
  EXPECT_EQ((*current)->set_at, 42);
  EXPECT_FALSE((*store->CurrentPolicy("default", "TdxVm")).has_value());

  PolicyRecord reset;
  reset.attestation_type = "SgxEnclave";
  reset.reset = true;
  reset.set_by = "tester";
  ASSERT_TRUE(store->AppendPolicy("default", reset).ok());
  EXPECT_FALSE((*store->CurrentPolicy("default", "SgxEnclave")).has_value());

  auto history = store->PolicyHistory("default", "SgxEnclave");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].policy_text, "one");
  EXPECT_TRUE((*history)[0].signer_cert_der.empty());
  EXPECT_EQ((*history)[1].token_hash, "hash-two");
  EXPECT_TRUE((*history)[2].reset);
  EXPECT_LT((*history)[0].sequence, (*history)[1].sequence);
  EXPECT_LT((*history)[1].sequence, (*history)[2].sequence);
}

TEST_P(StoreTest, CallerTextWithNulAndInvalidUtf8RoundTrips) {
  auto store = Open();
  ASSERT_TRUE(store->CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());
  PolicyRecord odd = Set(std::string("a\0b\xff\xfe", 5));
  odd.set_by = std::string("who\0\x80", 5);
  odd.token_hash = "hash";  // computed by attestd (base64url), never caller text
  ASSERT_TRUE(store->AppendPolicy("default", odd).ok());
  auto current = store->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->policy_text, std::string("a\0b\xff\xfe", 5));
  EXPECT_EQ((*current)->set_by, std::string("who\0\x80", 5));
}

TEST_P(StoreTest, WritesForAnUnknownProviderAreRefused) {
  auto store = Open();
  Status s = store->AppendPolicy("nobody", Set("x"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.reason(), "PROVIDER_NOT_FOUND");
  auto added = store->AddSigner("nobody", Signer("AA"));
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().reason(), "PROVIDER_NOT_FOUND");
  auto removed = store->RemoveSigner("nobody", "AA");
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().reason(), "PROVIDER_NOT_FOUND");
  EXPECT_TRUE(store->PolicyHistory("nobody", "SgxEnclave")->empty());
}

TEST_P(StoreTest, SignersAddIdempotentlyAndTheLastCannotBeRemoved) {
  auto store = Open();
  ASSERT_TRUE(
      store->CreateProvider({"default", "u", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
  EXPECT_EQ(store->AddSigner("default", Signer("BB")), true);
  EXPECT_EQ(store->AddSigner("default", Signer("BB")), false);
  EXPECT_EQ(store->RemoveSigner("default", "CC"), false);
  EXPECT_EQ(store->RemoveSigner("default", "AA"), true);
  auto last = store->RemoveSigner("default", "BB");
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().reason(), "LAST_SIGNER");
  auto signers = store->ListSigners("default");
  ASSERT_EQ(signers->size(), 1u);
  EXPECT_EQ((*signers)[0].thumbprint, "BB");
}

TEST_P(StoreTest, ProvidersAreIsolated) {
  auto store = Open();
  ASSERT_TRUE(
      store->CreateProvider({"a", "https://a", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
  ASSERT_TRUE(
      store->CreateProvider({"b", "https://b", ProviderMode::kIsolated, 1}, {Signer("BB")}).ok());
  ASSERT_TRUE(store->AppendPolicy("a", Set("for-a")).ok());
  ASSERT_TRUE(store->PutKey("a", {"kid-a", 1}).ok());
  EXPECT_FALSE((*store->CurrentPolicy("b", "SgxEnclave")).has_value());
  EXPECT_TRUE(store->PolicyHistory("b", "SgxEnclave")->empty());
  EXPECT_TRUE(store->ListKeys("b")->empty());
  ASSERT_EQ(store->ListSigners("b")->size(), 1u);
  EXPECT_EQ((*store->ListSigners("b"))[0].thumbprint, "BB");
  // A's thumbprint means nothing to B, and B's last signer stays.
  EXPECT_EQ(store->RemoveSigner("b", "AA"), false);
  EXPECT_EQ(store->RemoveSigner("b", "BB").error().reason(), "LAST_SIGNER");
}

TEST_P(StoreTest, ListsProvidersById) {
  auto store = Open();
  EXPECT_TRUE(store->ListProviders()->empty());
  ASSERT_TRUE(store->CreateProvider({"b", "https://b", ProviderMode::kAad, 2}, {}).ok());
  ASSERT_TRUE(
      store->CreateProvider({"a", "https://a/x", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
  auto listed = store->ListProviders();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a");
  EXPECT_EQ((*listed)[0].base_url, "https://a/x");
  EXPECT_EQ((*listed)[0].mode, ProviderMode::kIsolated);
  EXPECT_EQ((*listed)[1].id, "b");
  EXPECT_EQ((*listed)[1].created_at, 2);
}

TEST_P(StoreTest, DeletingAProviderRemovesItsRecordsAndNoOtherProvidersRecords) {
  auto store = Open();
  ASSERT_TRUE(
      store->CreateProvider({"a", "https://a", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
  ASSERT_TRUE(
      store->CreateProvider({"b", "https://b", ProviderMode::kIsolated, 1}, {Signer("BB")}).ok());
  for (const char* id : {"a", "b"}) {
    ASSERT_TRUE(store->AppendPolicy(id, Set(std::string("for-") + id)).ok());
    ASSERT_TRUE(store->PutKey(id, {std::string("kid-") + id, 1}).ok());
    ASSERT_TRUE(
        store->AddTokenKey(id, {std::string("tk-") + id, {1}, {2}, 1, 1}, false).has_value());
  }
  ASSERT_TRUE(store->DeleteProvider("a").ok());
  EXPECT_FALSE(store->GetProvider("a")->has_value());
  EXPECT_TRUE(store->PolicyHistory("a", "SgxEnclave")->empty());
  EXPECT_TRUE(store->ListSigners("a")->empty());
  EXPECT_TRUE(store->ListKeys("a")->empty());
  EXPECT_TRUE(store->ListTokenKeys("a")->empty());
  EXPECT_EQ((*store->CurrentPolicy("b", "SgxEnclave"))->policy_text, "for-b");
  EXPECT_EQ(store->ListSigners("b")->size(), 1u);
  EXPECT_EQ(store->ListKeys("b")->size(), 1u);
  EXPECT_EQ(store->ListTokenKeys("b")->size(), 1u);
  EXPECT_EQ(store->DeleteProvider("a").reason(), "PROVIDER_NOT_FOUND");
  // The id can be used again, starting empty.
  ASSERT_TRUE(store->CreateProvider({"a", "https://a2", ProviderMode::kAad, 3}, {}).ok());
  EXPECT_FALSE((*store->CurrentPolicy("a", "SgxEnclave")).has_value());
}

TEST_P(StoreTest, EverythingSurvivesReopening) {
  {
    auto store = Open();
    ASSERT_TRUE(
        store->CreateProvider({"default", "u", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
    ASSERT_TRUE(store->AppendPolicy("default", Set("kept")).ok());
    ASSERT_TRUE(store->PutKey("default", {"kid1", 5}).ok());
    ASSERT_TRUE(store->PutKey("default", {"kid1", 6}).ok());
  }
  auto store = Open();
  EXPECT_EQ((*store->CurrentPolicy("default", "SgxEnclave"))->policy_text, "kept");
  EXPECT_EQ(store->ListSigners("default")->size(), 1u);
  auto keys = store->ListKeys("default");
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "kid1");
  EXPECT_EQ((*keys)[0].created_at, 5);
}

TEST_P(StoreTest, ReopeningAppliesNoMigrationTwice) {
  { auto first = Open(); }
  auto second = TryOpen();
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
}

TEST_P(StoreTest, RefusesASchemaFromANewerAttestd) {
  { auto store = Open(); }
  RecordNewerSchema();
  auto reopened = TryOpen();
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopened.error().reason(), "STORE_SCHEMA_TOO_NEW");
}

TEST_P(StoreTest, TokenKeysAreKeptPerProviderAndTheFirstIsCreatedOnce) {
  auto store = Open();
  TokenKeyRecord k1{"kid-1", Bytes{1}, Bytes{2, 0, 3}, 10, 10};
  TokenKeyRecord k2{"kid-2", Bytes{4}, Bytes{5}, 20, 30};
  EXPECT_EQ(store->AddTokenKey("default", k2, /*only_if_none=*/true), true);
  // Another replica racing to create the first key finds one and adds nothing.
  EXPECT_EQ(store->AddTokenKey("default", k1, /*only_if_none=*/true), false);
  EXPECT_EQ(store->AddTokenKey("default", k1, /*only_if_none=*/false), true);
  auto dup = store->AddTokenKey("default", k1, false);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().reason(), "KEY_EXISTS");
  auto keys = store->ListTokenKeys("default");
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "kid-1");  // by activation time
  EXPECT_EQ((*keys)[0].sealed_private_key, (Bytes{2, 0, 3}));
  EXPECT_EQ((*keys)[1].kid, "kid-2");
  EXPECT_EQ((*keys)[1].cert_der, (Bytes{4}));
  EXPECT_EQ((*keys)[1].created_at, 20);
  EXPECT_EQ((*keys)[1].activate_at, 30);
  EXPECT_TRUE(store->ListTokenKeys("other")->empty());
}

// Several writers, each with its own store handle (its own connections), as several replicas
// would be: every acknowledged append is in the history exactly once, the history sequence
// follows commit order, and the policy in force is the last one in the history.
TEST_P(StoreTest, ConcurrentPolicyWritersLoseNothingAndDoubleNothing) {
  constexpr int kWriters = 6;
  constexpr int kWritesEach = 25;
  {
    auto setup = Open();
    ASSERT_TRUE(setup->CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());
  }
  std::vector<std::unique_ptr<Store>> handles;
  for (int w = 0; w < kWriters; ++w) handles.push_back(Open());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        Status s = handles[w]->AppendPolicy("default",
                                            Set("w" + std::to_string(w) + "-" + std::to_string(i)));
        if (!s.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  auto history = handles[0]->PolicyHistory("default", "SgxEnclave");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), static_cast<size_t>(kWriters * kWritesEach));
  std::set<std::string> seen;
  std::vector<int> next_from(kWriters, 0);
  for (size_t i = 0; i < history->size(); ++i) {
    const PolicyRecord& r = (*history)[i];
    EXPECT_TRUE(seen.insert(r.policy_text).second) << "doubled: " << r.policy_text;
    if (i > 0) {
      EXPECT_LT((*history)[i - 1].sequence, r.sequence);
    }
    // Each writer's own appends appear in the order it made them.
    int w = std::stoi(r.policy_text.substr(1));
    int n = std::stoi(r.policy_text.substr(r.policy_text.find('-') + 1));
    EXPECT_EQ(n, next_from[w]) << "writer " << w << " out of order";
    next_from[w] = n + 1;
  }
  auto current = handles[1]->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->policy_text, history->back().policy_text);
}

// Two handles racing to remove the two signers there are: one wins, the other is refused
// LAST_SIGNER; the provider never ends up without a signer.
TEST_P(StoreTest, ConcurrentSignerRemovalsKeepTheLastSigner) {
  constexpr int kRounds = 20;
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a->CreateProvider({"default", "u", ProviderMode::kIsolated, 1}, {Signer("S0")}).ok());
  for (int round = 0; round < kRounds; ++round) {
    const std::string x = "X" + std::to_string(round);
    ASSERT_EQ(a->AddSigner("default", Signer(x)), true);
    auto current = a->ListSigners("default");
    ASSERT_EQ(current->size(), 2u);
    const std::string first = (*current)[0].thumbprint;
    const std::string second = (*current)[1].thumbprint;
    StatusOr<bool> ra = false;
    StatusOr<bool> rb = false;
    std::thread ta([&] { ra = a->RemoveSigner("default", first); });
    std::thread tb([&] { rb = b->RemoveSigner("default", second); });
    ta.join();
    tb.join();
    const int removed = (ra.value_or(false) ? 1 : 0) + (rb.value_or(false) ? 1 : 0);
    EXPECT_EQ(removed, 1);
    const StatusOr<bool>& loser = ra.value_or(false) ? rb : ra;
    ASSERT_FALSE(loser.has_value());
    EXPECT_EQ(loser.error().reason(), "LAST_SIGNER");
    EXPECT_EQ(a->ListSigners("default")->size(), 1u);
  }
}

// ---- SQLite only ----

TEST(SqliteStoreTest, CreatesFileWithOwnerOnlyPermissions) {
  auto dir = std::filesystem::temp_directory_path() /
             ("attestd-sqlite-mode-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto store = OpenSqliteStore(dir.string());
    ASSERT_TRUE(store.has_value());
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir / "attestd.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreTest, UnwritableDirectoryIsUnavailable) {
  auto s = OpenSqliteStore("/nonexistent-attestd-dir/missing/deeper");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.error().reason(), "STORE_UNAVAILABLE");
}

// ---- PostgreSQL only ----

TEST(PostgresStoreTest, RecognisesPostgresUrls) {
  EXPECT_TRUE(IsPostgresUrl("postgres://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h:5/db?sslmode=require"));
  EXPECT_FALSE(IsPostgresUrl("var/attestd"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:///x"));
}

TEST(PostgresStoreTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  auto s = OpenPostgresStore("postgresql://attestd@127.0.0.1:1/none", {.connections = 1});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.error().reason(), "STORE_UNAVAILABLE");
}

// Polls (bounded, not timed: a hang fails instead of blocking ctest) until the history of
// SgxEnclave holds `n` records.
bool WaitForHistory(Store& store, size_t n) {
  for (int i = 0; i < 3000; ++i) {
    auto h = store.PolicyHistory("default", "SgxEnclave");
    if (h.has_value() && h->size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The database killed in the middle of a stream of writes: calls fail kUnavailable while it
// is down, every write acknowledged before or after is in the history exactly once, and the
// same store handle recovers once the server is back, with no reopening.
TEST(PostgresStoreTest, KilledServerMidWriteLosesNoAcknowledgedWriteAndRecovers) {
  std::string why;
  PostgresTestCluster* cluster = Cluster(&why);
  if (cluster == nullptr) GTEST_SKIP() << why;
  auto url = cluster->CreateDatabase("outage" + std::to_string(::getpid()));
  ASSERT_TRUE(url.has_value());
  auto opened = OpenPostgresStore(*url, {.connections = 2, .connect_timeout_seconds = 2});
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  Store& store = **opened;
  ASSERT_TRUE(store.CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());

  std::atomic<bool> stop{false};
  std::atomic<int> other_errors{0};
  std::vector<std::string> acknowledged;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::string text = "p" + std::to_string(i);
      PolicyRecord r;
      r.attestation_type = "SgxEnclave";
      r.policy_text = text;
      r.set_by = "writer";
      Status s = store.AppendPolicy("default", r);
      if (s.ok()) {
        acknowledged.push_back(text);
      } else if (s.code() != StatusCode::kUnavailable || s.reason() != "STORE_UNAVAILABLE") {
        ++other_errors;
      }
    }
  });
  // Let some writes land, kill the server under the writer, then bring it back.
  if (!WaitForHistory(store, 20)) {
    stop = true;
    writer.join();
    FAIL() << "no writes landed before the kill (" << other_errors.load() << " errors)";
  }
  cluster->Kill();
  auto during = store.GetProvider("default");
  ASSERT_FALSE(during.has_value());
  EXPECT_EQ(during.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(during.error().reason(), "STORE_UNAVAILABLE");
  ASSERT_TRUE(cluster->Restart());
  // Recovery: the writer's appends succeed again on the same handle.
  const bool recovered = WaitForHistory(store, 40);
  if (!recovered) stop = true;
  stop = true;
  writer.join();
  ASSERT_TRUE(recovered) << "the store did not recover after the server restarted";

  EXPECT_EQ(other_errors.load(), 0);
  auto history = store.PolicyHistory("default", "SgxEnclave");
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  std::set<std::string> stored;
  for (const PolicyRecord& r : *history) {
    EXPECT_TRUE(stored.insert(r.policy_text).second) << "doubled: " << r.policy_text;
  }
  for (const std::string& text : acknowledged) {
    EXPECT_TRUE(stored.count(text) == 1) << "acknowledged write lost: " << text;
  }
  // At most the one write whose COMMIT acknowledgement the kill swallowed is stored but was
  // not acknowledged.
  EXPECT_LE(stored.size(), acknowledged.size() + 1);
}

}  // namespace
}  // namespace attest::store

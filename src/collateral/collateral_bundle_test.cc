#include "collateral/collateral_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "collateral/bundle_tar.h"

namespace attest::collateral {
namespace {

// One entry of a hand-made tar: a regular file by default; `link` makes it a symbolic link
// (or a hard link with `hardlink`), `type` any other kind.
struct TarEntry {
  std::string name;
  std::string data;
  unsigned type = AE_IFREG;
  std::string link;
  bool hardlink = false;
};

// Writes entries exactly as given (names unchecked), as a hostile bundle author could.
void WriteRawTar(const std::filesystem::path& path, const std::vector<TarEntry>& entries) {
  archive* a = archive_write_new();
  ASSERT_EQ(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, 0644);
    if (t.hardlink) {
      archive_entry_set_hardlink(e, t.link.c_str());
    } else if (!t.link.empty()) {
      archive_entry_set_symlink(e, t.link.c_str());
    }
    archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    ASSERT_GE(archive_write_header(a, e), ARCHIVE_WARN) << archive_error_string(a);
    if (!t.data.empty()) {
      archive_write_data(a, t.data.data(), t.data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

Bytes ReadAllBytes(const std::filesystem::path& p) {
  const std::string s = ReadAll(p);
  return Bytes(s.begin(), s.end());
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-bundle-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<StoredCollateralItem> Items() {
    return {{"intel/rootcacrl",
             "https://pcs.example/sgx/certification/v4/rootcacrl",
             {0x30, 0x82, 0x00},
             {},
             1750000000},
            {"intel/sgx/qe/standard",
             "https://pcs.example/sgx/certification/v4/qe/identity",
             {'{', '}'},
             {{"sgx-enclave-identity-issuer-chain", "%2D%2D"}},
             1750000001}};
  }
  std::filesystem::path dir_;
};

TEST_F(BundleTest, RoundTripKeepsBodiesHeadersAndFetchTimes) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 1750000100).ok());
  auto read = ReadBundle(dir_.string());
  ASSERT_TRUE(read) << read.error().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].key, "intel/sgx/qe/standard");
  EXPECT_EQ((*read)[1].body, (Bytes{'{', '}'}));
  EXPECT_EQ((*read)[1].headers, Items()[1].headers);
  EXPECT_EQ((*read)[1].fetched_at, 1750000001);
  EXPECT_EQ((*read)[0].url, "https://pcs.example/sgx/certification/v4/rootcacrl");
}

TEST_F(BundleTest, RejectsAModifiedItemFile) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 0).ok());
  std::ofstream(dir_ / "items" / "0001.bin", std::ios::binary | std::ios::app) << "x";
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
  EXPECT_NE(read.error().message().find("does not match its sha256"), std::string::npos);
}

TEST_F(BundleTest, RejectsFileNamesOutsideTheBundle) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 0).ok());
  std::ifstream in(dir_ / "manifest.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  in.close();
  text.replace(text.find("items/0001.bin"), 14, "../../etc/pass");
  std::ofstream(dir_ / "manifest.json", std::ios::trunc) << text;
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
  EXPECT_NE(read.error().message().find("is not allowed"), std::string::npos);
}

TEST_F(BundleTest, RejectsANonBundleManifest) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "manifest.json") << "{\"format\":\"other\"}";
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
}

TEST_F(BundleTest, TarRoundTripKeepsBodiesHeadersAndFetchTimes) {
  std::filesystem::create_directories(dir_);
  const std::string tar = (dir_ / "bundle.tar").string();
  ASSERT_TRUE(IsTarBundlePath(tar));
  ASSERT_TRUE(WriteBundle(tar, Items(), 1750000100).ok());
  ASSERT_TRUE(std::filesystem::is_regular_file(tar));
  auto read = ReadBundle(tar);
  ASSERT_TRUE(read) << read.error().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].body, (Bytes{0x30, 0x82, 0x00}));
  EXPECT_EQ((*read)[1].headers, Items()[1].headers);
  EXPECT_EQ((*read)[1].fetched_at, 1750000001);
  // The same bytes as the directory form: a tar holds that directory's files.
  const auto as_dir = dir_ / "as-dir";
  ASSERT_TRUE(WriteBundle(as_dir.string(), Items(), 1750000100).ok());
  auto files =
      ReadBundleTar(ReadAllBytes(tar),
                    {.max_entries = 10, .max_entry_bytes = 1 << 20, .max_total_bytes = 1 << 20});
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 3u);
  for (const auto& [name, body] : *files) {
    EXPECT_EQ(std::string(body.begin(), body.end()), ReadAll(as_dir / name)) << name;
  }
}

class BundleTarTest : public BundleTest {
 protected:
  // A valid bundle's files, for tars that differ from it in one way.
  std::vector<TarEntry> Valid() {
    const auto d = dir_ / "valid";
    EXPECT_TRUE(WriteBundle(d.string(), Items(), 0).ok());
    return {{"manifest.json", ReadAll(d / "manifest.json")},
            {"items/0001.bin", ReadAll(d / "items" / "0001.bin")},
            {"items/0002.bin", ReadAll(d / "items" / "0002.bin")}};
  }
  // ReadBundle of a tar of `entries`: must fail with BUNDLE_INVALID; returns the message.
  std::string Refusal(const std::vector<TarEntry>& entries) {
    std::filesystem::create_directories(dir_);
    const auto tar = dir_ / "hostile.tar";
    WriteRawTar(tar, entries);
    auto read = ReadBundle(tar.string());
    EXPECT_FALSE(read);
    if (read) return "";
    EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
    EXPECT_EQ(read.error().code(), StatusCode::kInvalidArgument);
    return read.error().message();
  }
};

TEST_F(BundleTarTest, AcceptsDotSlashNamesAndDirectoryEntries) {
  auto entries = Valid();
  for (auto& e : entries) e.name = "./" + e.name;
  entries.insert(entries.begin(), TarEntry{"./items/", "", AE_IFDIR});
  std::filesystem::create_directories(dir_);
  WriteRawTar(dir_ / "ok.tar", entries);
  auto read = ReadBundle((dir_ / "ok.tar").string());
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->size(), 2u);
}

TEST_F(BundleTarTest, RefusesAnAbsolutePath) {
  auto entries = Valid();
  entries.push_back({"/etc/passwd", "x"});
  EXPECT_NE(Refusal(entries).find("'/etc/passwd' has an absolute path"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesDotDot) {
  auto entries = Valid();
  entries[1].name = "items/../../0001.bin";
  EXPECT_NE(Refusal(entries).find("leaves the bundle (..)"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesASymbolicLink) {
  auto entries = Valid();
  entries[2] = {"items/0002.bin", "", AE_IFLNK, "/etc/shadow"};
  EXPECT_NE(Refusal(entries).find("'items/0002.bin' is a link"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesAHardLink) {
  auto entries = Valid();
  entries[2] = {"items/0002.bin", "", AE_IFREG, "manifest.json", /*hardlink=*/true};
  EXPECT_NE(Refusal(entries).find("'items/0002.bin' is a link"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesADevice) {
  auto entries = Valid();
  entries.push_back({"items/0003.bin", "", AE_IFCHR});
  EXPECT_NE(Refusal(entries).find("'items/0003.bin' is not a regular file"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesANameGivenTwice) {
  auto entries = Valid();
  entries.push_back(entries[1]);
  EXPECT_NE(Refusal(entries).find("'items/0001.bin' appears twice"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesAnEntryThatIsNotABundleFile) {
  auto entries = Valid();
  entries.push_back({"run.sh", "#!/bin/sh"});
  EXPECT_NE(Refusal(entries).find("'run.sh' is not a bundle file"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesAnItemLargerThanTheItemCap) {
  auto entries = Valid();
  entries[1].data.assign(8 * 1024 * 1024 + 1, 'A');
  EXPECT_NE(Refusal(entries).find("items/0001.bin is larger than 8388608 bytes"),
            std::string::npos);
}

TEST_F(BundleTarTest, RefusesAMissingManifest) {
  auto entries = Valid();
  entries.erase(entries.begin());
  EXPECT_NE(Refusal(entries).find("manifest.json"), std::string::npos);
}

TEST_F(BundleTarTest, RefusesATruncatedTar) {
  std::filesystem::create_directories(dir_);
  const auto tar = dir_ / "cut.tar";
  ASSERT_TRUE(WriteBundle(tar.string(), Items(), 0).ok());
  const std::string whole = ReadAll(tar);
  // Cut inside the second entry's header block and inside its data.
  for (size_t keep : {size_t{700}, size_t{1536} + 100, whole.size() / 2}) {
    std::ofstream(tar, std::ios::binary | std::ios::trunc) << whole.substr(0, keep);
    auto read = ReadBundle(tar.string());
    ASSERT_FALSE(read) << keep;
    EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID") << keep;
  }
}

TEST_F(BundleTarTest, RefusesAFileThatIsNotATar) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "junk.tar", std::ios::binary) << std::string(3000, '\x7f');
  auto read = ReadBundle((dir_ / "junk.tar").string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
  EXPECT_NE(read.error().message().find("as a tar"), std::string::npos) << read.error().message();
}

// The caps are checked from the headers, before any entry's data is read.
TEST_F(BundleTarTest, ReadBundleTarEnforcesEntryAndSizeCaps) {
  std::filesystem::create_directories(dir_);
  const auto tar = dir_ / "caps.tar";
  WriteRawTar(tar, {{"a", "12345"}, {"b", "12345"}, {"c", "1"}});
  auto too_many = ReadBundleTar(ReadAllBytes(tar),
                                {.max_entries = 2, .max_entry_bytes = 100, .max_total_bytes = 100});
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message().find("more than 2 entries"), std::string::npos);
  auto too_big = ReadBundleTar(ReadAllBytes(tar),
                               {.max_entries = 10, .max_entry_bytes = 4, .max_total_bytes = 100});
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message().find("'a' is larger than 4 bytes"), std::string::npos);
  auto too_much = ReadBundleTar(ReadAllBytes(tar),
                                {.max_entries = 10, .max_entry_bytes = 5, .max_total_bytes = 10});
  ASSERT_FALSE(too_much);
  EXPECT_NE(too_much.error().message().find("more than 10 bytes"), std::string::npos);
  auto fits = ReadBundleTar(ReadAllBytes(tar),
                            {.max_entries = 3, .max_entry_bytes = 5, .max_total_bytes = 11});
  ASSERT_TRUE(fits) << fits.error().ToString();
  EXPECT_EQ(fits->at("b"), (Bytes{'1', '2', '3', '4', '5'}));
}

}  // namespace
}  // namespace attest::collateral

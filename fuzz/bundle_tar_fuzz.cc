// Fuzz target: a collateral bundle tar (attestctl collateral import B.tar, attestd
// --collateral-bundle B.tar, attestctl verify --collateral B.tar): libarchive's tar reader
// behind ReadBundleTar's entry checks (names, types, links, sizes, counts), then the manifest
// and item files (ReadTarBundle) must never crash on arbitrary bytes, nor keep more than the
// caps allow.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "base/bytes.h"
#include "collateral/bundle_tar.h"
#include "collateral/collateral_bundle.h"
#include "fuzz/fuzz_seeds.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::collateral::StoredCollateralItem;
  // A valid two-item bundle in tar form, as `attestctl collateral export --out B.tar` writes it.
  const std::vector<StoredCollateralItem> items = {
      {"intel/rootcacrl",
       "https://pcs.example/sgx/certification/v4/rootcacrl",
       {0x30, 0x03},
       {},
       1750000000},
      {"intel/sgx/qe/standard",
       "https://pcs.example/sgx/certification/v4/qe/identity",
       {'{', '}'},
       {{"sgx-enclave-identity-issuer-chain", "%2D%2D"}},
       1750000001}};
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("attestd-bundle-seed-" + std::to_string(::getpid()) + ".tar"))
                               .string();
  std::vector<attest::Bytes> seeds;
  if (attest::collateral::WriteBundle(path, items, 1750000100).ok()) {
    std::ifstream in(path, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::remove(path.c_str());
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const attest::ByteSpan tar(data, size);
  (void)attest::collateral::ReadTarBundle(tar);
  // Small caps, so that small inputs reach every limit check.
  auto files = attest::collateral::ReadBundleTar(
      tar, {.max_entries = 4, .max_entry_bytes = 512, .max_total_bytes = 1024});
  if (files) {
    size_t total = 0;
    for (const auto& [name, body] : *files) {
      if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos ||
          body.size() > 512) {
        __builtin_trap();  // an entry that should have been refused
      }
      total += body.size();
    }
    if (files->size() > 4 || total > 1024) {
      __builtin_trap();
    }
  }
  return 0;
}

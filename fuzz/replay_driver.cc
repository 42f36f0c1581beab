// The GCC-buildable main() of the fuzz targets: runs LLVMFuzzerTestOneInput once over every
// file given, or every regular file of every directory given (no mutation; that is libFuzzer's
// job in `make fuzz`). ctest runs it over fuzz/corpus/<target>/, so the minimised corpus and
// every crash ever found are replayed by `make test` in the Release and ASan builds; a crash
// is an ASan/UBSan report or an abort, i.e. a failing test.
//   <target> DIR|FILE...        replay
//   <target> -write_seeds=DIR   write the target's FuzzSeeds() (as libFuzzer would with
//                               ATTEST_FUZZ_WRITE_SEEDS)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_seeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  attest::Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A copy of exactly `size` bytes, so ASan sees a read past the end of the input.
  std::vector<uint8_t> exact(b.begin(), b.end());
  LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("-write_seeds=", 0) == 0) {
      return attest::fuzz::WriteFuzzSeeds(a.substr(13)) ? 0 : 1;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(a, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(a)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
    } else if (std::filesystem::is_regular_file(a, ec)) {
      files.push_back(a);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", a.c_str());
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s DIR|FILE... | -write_seeds=DIR (nothing to replay)\n", argv[0]);
    return 1;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (!RunFile(f)) {
      return 1;
    }
  }
  std::printf("%s: replayed %zu inputs, no crash\n", argv[0], files.size());
  return 0;
}

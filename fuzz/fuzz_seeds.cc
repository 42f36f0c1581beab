#include "fuzz/fuzz_seeds.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace attest::fuzz {

Bytes SeedFromText(std::string_view text) { return Bytes(text.begin(), text.end()); }

bool WriteFuzzSeeds(const std::string& dir) {
  std::vector<Bytes> seeds = FuzzSeeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(dir + "/seed" + std::to_string(i), std::ios::binary);
    out.write(reinterpret_cast<const char*>(seeds[i].data()), static_cast<long>(seeds[i].size()));
    if (!out) {
      return false;
    }
  }
  std::fprintf(stderr, "wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
  return true;
}

}  // namespace attest::fuzz

// libFuzzer calls this once before fuzzing; the replay driver does not (it has -write_seeds).
// With ATTEST_FUZZ_WRITE_SEEDS set the target writes its seeds there (then `-runs=0` exits).
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("ATTEST_FUZZ_WRITE_SEEDS"); dir != nullptr && *dir != '\0') {
    if (!attest::fuzz::WriteFuzzSeeds(dir)) {
      std::abort();
    }
  }
  return 0;
}

// A deterministic mutation driver for the fuzz targets when libFuzzer is unavailable (GCC
// builds; the project's C++23 std::expected does not build with the clang 14 on our images).
// It mutates the target's FuzzSeeds() — bit flips, byte sets, truncation, insertion,
// deletion, chunk duplication, interesting 16/32-bit values — and calls
// LLVMFuzzerTestOneInput; crashes surface through ASan/UBSan. Usage:
//   <target> [-runs=N] [-seed=S] [FILE...]      (FILEs are run once each, no mutation)
//   <target> -write_seeds=DIR                    (writes the seeds as a libFuzzer corpus)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "fuzz/fuzz_seeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using attest::Bytes;

void Mutate(Bytes& b, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  switch (rng() % 8) {
    case 0:
      if (!b.empty()) b[pick(b.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 1:
      if (!b.empty()) b[pick(b.size())] = static_cast<uint8_t>(rng());
      break;
    case 2:
      b.resize(pick(b.size() + 1));
      break;
    case 3: {
      size_t at = pick(b.size() + 1);
      size_t n = 1 + pick(16);
      for (size_t i = 0; i < n; ++i) b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
      break;
    }
    case 4:
      if (!b.empty()) {
        size_t at = pick(b.size());
        size_t n = std::min(b.size() - at, 1 + pick(64));
        b.erase(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n));
      }
      break;
    case 5:
      if (b.size() > 8) {
        size_t from = pick(b.size() - 4);
        size_t n = std::min(b.size() - from, 1 + pick(128));
        Bytes chunk(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
        size_t at = pick(b.size());
        b.insert(b.begin() + static_cast<long>(at), chunk.begin(), chunk.end());
      }
      break;
    default: {  // an interesting little-endian 16- or 32-bit value at a random offset
      static const uint32_t kValues[] = {0, 1, 2, 3, 5, 6, 0x7f, 0x80, 0xff, 0x100, 0x7fff,
                                         0xffff, 0x10000, 0x7fffffff, 0xffffffff};
      uint32_t v = kValues[pick(std::size(kValues))];
      size_t width = (rng() % 2) ? 2 : 4;
      if (b.size() >= width) {
        size_t at = pick(b.size() - width + 1);
        for (size_t i = 0; i < width; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
      }
      break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t runs = 20000;
  uint64_t seed = 1;
  std::vector<std::string> files;
  std::string write_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("-runs=", 0) == 0) {
      runs = std::strtoull(a.c_str() + 6, nullptr, 10);
    } else if (a.rfind("-seed=", 0) == 0) {
      seed = std::strtoull(a.c_str() + 6, nullptr, 10);
    } else if (a.rfind("-write_seeds=", 0) == 0) {
      write_dir = a.substr(13);
    } else {
      files.push_back(a);
    }
  }
  std::vector<Bytes> seeds = FuzzSeeds();
  if (!write_dir.empty()) {
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream out(write_dir + "/seed" + std::to_string(i), std::ios::binary);
      out.write(reinterpret_cast<const char*>(seeds[i].data()), static_cast<long>(seeds[i].size()));
    }
    return 0;
  }
  if (!files.empty()) {
    for (const std::string& f : files) {
      std::ifstream in(f, std::ios::binary);
      Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(b.data(), b.size());
    }
    return 0;
  }
  std::mt19937_64 rng(seed);
  for (const Bytes& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());
  for (uint64_t i = 0; i < runs; ++i) {
    Bytes b = seeds[rng() % seeds.size()];
    int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) Mutate(b, rng);
    LLVMFuzzerTestOneInput(b.data(), b.size());
  }
  std::printf("%s: %llu mutated inputs from %zu seeds (seed %llu), no crash\n", argv[0],
              static_cast<unsigned long long>(runs), seeds.size(),
              static_cast<unsigned long long>(seed));
  return 0;
}

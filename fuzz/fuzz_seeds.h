// Seeds for the fuzz targets in this folder: each target defines FuzzSeeds(), valid inputs
// minted with src/testing (or written by hand), so a campaign starts from inputs that reach
// deep into the parser instead of from nothing.
//
// `make fuzz` writes them next to the committed corpus at campaign time:
//   libFuzzer build:  ATTEST_FUZZ_WRITE_SEEDS=DIR <target> -runs=0
//   replay build:     <target> -write_seeds=DIR
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

std::vector<attest::Bytes> FuzzSeeds();

namespace attest::fuzz {

Bytes SeedFromText(std::string_view text);
// Writes FuzzSeeds() as DIR/seed<N>; false when a file cannot be written.
bool WriteFuzzSeeds(const std::string& dir);

}  // namespace attest::fuzz

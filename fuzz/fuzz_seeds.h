// Seeds for the fuzz targets in this folder: each target defines FuzzSeeds() (valid inputs
// minted with src/testing), which the standalone driver mutates. libFuzzer builds ignore it
// (give them a corpus directory instead, e.g. one written by `<target> -write_seeds=DIR`
// with the standalone driver).
#pragma once

#include <vector>

#include "base/bytes.h"

std::vector<attest::Bytes> FuzzSeeds();

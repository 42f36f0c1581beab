#include "testing/testing_ptr.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace attest::testing {

void BuilderCheck(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "attest::testing builder failure: %.*s\n", static_cast<int>(what.size()),
               what.data());
  ERR_print_errors_fp(stderr);
  std::abort();
}

}  // namespace attest::testing

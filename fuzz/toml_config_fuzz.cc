// Fuzz target: the TOML configuration file (server::LoadConfigFile, then FinalizeConfig, which
// also parses `listen`). toml++ throws on malformed text; LoadConfigFile must turn every throw
// into CONFIG_INVALID. LoadConfigFile reads a path, so the input is written to a memfd and
// read back through /proc/self/fd (no disk I/O per input).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "fuzz/fuzz_seeds.h"
#include "server/config.h"

namespace {

const std::string& InputPath() {
  static const std::string* path = [] {
    int fd = memfd_create("toml_config_fuzz", 0);
    if (fd < 0) {
      std::abort();
    }
    return new std::string("/proc/self/fd/" + std::to_string(fd));
  }();
  return *path;
}

int InputFd() {
  static const int fd = std::atoi(InputPath().c_str() + sizeof("/proc/self/fd/") - 1);
  return fd;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::fuzz::SeedFromText;
  return {
      SeedFromText("listen = \"127.0.0.1:8443\"\nbase_url = \"https://attest.example/\"\n"
                   "data_dir = \"var/attestd\"\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n"
                   "collateral_dir = \"/srv/collateral\"\ncollateral_time = \"2025-01-15T00:00:00Z\"\n"
                   "allow_missing_pck_crl = false\nlog_level = 'debug'\nworkers = 4\n"
                   "max_body_bytes = 1048576\n"),
      SeedFromText("insecure_http = true\nlisten = \"[::1]:0\"\naad_issuer = \"https://idp.test\"\n"
                   "aad_jwks = \"\"\"\n{\"keys\":[]}\"\"\"\naad_audience = 'aud'\n"
                   "aad_roles_claim = \"roles\"\naad_reader_role = \"R\"\naad_writer_role = \"W\"\n"),
      SeedFromText("# comment\nworkers = -1\nmax_body_bytes = 0x7fffffffffffffff\nlisten = 8443\n"),
      SeedFromText("[table]\nkey = [1, 2.5, true, 1979-05-27T07:32:00Z, {a = 'b'}]\n[[arr]]\nx = 1\n"),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = InputFd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::abort();
  }
  attest::server::ServerConfig config;
  if (!attest::server::LoadConfigFile(InputPath(), config).ok()) {
    return 0;
  }
  (void)attest::server::FinalizeConfig(config);
  return 0;
}

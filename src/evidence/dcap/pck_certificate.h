// The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1), spec/intel-dcap.md
// §3.2, [QVL 4.1.2.4.3/4.1.2.4.4]. Decoded with OpenSSL's ASN.1 parser.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/x509.h"

namespace attest::dcap {

struct PckConfiguration {
  bool dynamic_platform = false;
  bool cached_keys = false;
  bool smt_enabled = false;
};

struct PckInfo {
  Bytes ppid;                        // 16
  std::array<uint8_t, 16> tcb_comp_svn{};
  uint16_t pcesvn = 0;
  Bytes cpusvn;                      // 16
  Bytes pceid;                       // 2
  Bytes fmspc;                       // 6
  int sgx_type = 0;                  // 0 Standard, 1 Scalable, 2 Scalable-with-Integrity
  std::optional<Bytes> platform_instance_id;  // Platform-CA PCKs only
  std::optional<PckConfiguration> configuration;
};

// Reason INVALID_PCK_CERT on any missing, duplicated or mistyped entry.
StatusOr<PckInfo> ParsePckExtension(const crypto::Certificate& pck);

}  // namespace attest::dcap

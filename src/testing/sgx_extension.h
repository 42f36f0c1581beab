// Encoder for the Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1,
// spec/intel-dcap.md §3.2), the inverse of dcap::ParsePckExtension. Plain functions over
// value types; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "evidence/dcap/pck_certificate.h"

namespace attest::testing {

inline constexpr std::string_view kSgxExtensionOid = "1.2.840.113741.1.13.1";

// What a PCK leaf's SGX extension says. Processor-CA PCKs have 5 entries; set
// `platform_instance_id` and `configuration` for the 7-entry Platform-CA form.
struct SgxExtensionFields {
  Bytes ppid = Bytes(16, 0x11);
  std::array<uint8_t, 16> comp_svn{};
  uint16_t pcesvn = 0;
  std::optional<Bytes> cpusvn;  // defaults to comp_svn (tcbType 0: component i = CPUSVN byte i)
  Bytes pceid = Bytes(2, 0x00);
  Bytes fmspc = Bytes(6, 0x00);
  int sgx_type = 0;
  std::optional<Bytes> platform_instance_id;
  std::optional<dcap::PckConfiguration> configuration;
};

// DER of the extension value: SEQUENCE OF SEQUENCE { OID, value } in Intel's order.
Bytes EncodeSgxExtension(const SgxExtensionFields& fields);

// Minimal DER building blocks, exposed for tests that need malformed variants.
Bytes DerTlv(uint8_t tag, ByteSpan content);
Bytes DerOid(std::string_view dotted);
Bytes DerInteger(int64_t value, uint8_t tag = 0x02);  // 0x0A for ENUMERATED
Bytes DerSequence(std::initializer_list<Bytes> items);

}  // namespace attest::testing

// CrlBuilder: X.509 v2 CRLs (ECDSA-with-SHA256) with the CRL Number and Authority Key
// Identifier extensions Intel's CRLs carry (spec/intel-dcap.md §4.5), DER-encoded.
// Value-type fluent builder; not thread-safe while being configured.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "testing/test_certificate.h"
#include "testing/test_time.h"

namespace attest::testing {

class CrlBuilder {
 public:
  // Valid kTestCrlThisUpdate .. kTestCrlNextUpdate (around kTestVerificationTime),
  // CRL Number 1, AKI present, nothing revoked.
  CrlBuilder();

  CrlBuilder& WithValidity(UnixTime this_update, UnixTime next_update);
  CrlBuilder& Revoke(const TestCert& cert);
  CrlBuilder& RevokeSerial(uint64_t serial);
  CrlBuilder& WithCrlNumber(uint64_t number);
  CrlBuilder& WithoutCrlNumber();
  CrlBuilder& WithoutAuthorityKeyId();

  // Issued under `issuer`'s subject name and signed with its key.
  Bytes BuildDer(const TestCert& issuer) const;
  // Issued under `issuer`'s name but signed with `signing_key`.
  Bytes BuildDer(const TestCert& issuer, const TestKey& signing_key) const;

 private:
  UnixTime this_update_;
  UnixTime next_update_;
  std::vector<uint64_t> revoked_;
  std::optional<uint64_t> crl_number_ = 1;
  bool authority_key_id_ = true;
};

}  // namespace attest::testing

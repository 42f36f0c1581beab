// DcapWorld: a complete, self-consistent Intel DCAP world for one quote — test PKI, PCK
// leaf, quote, TCB info, QE identity, CRLs, trust anchors and verification time — that
// verifies as UpToDate by default, so that a test changes exactly one thing and checks the
// one failure (or status) that follows.
//
//   DcapWorld w = DcapWorld::Sgx();
//   w.tcb_info.WithFmspc({1, 2, 3, 4, 5, 6});
//   DcapCase c = w.Build();   // quote + collateral + anchors + time
//
// A DcapWorld is a plain aggregate of builders and overrides; not thread-safe while being
// configured. Build() is const and may be called repeatedly (it mints a new PCK key pair
// and attestation signature each time unless pck_leaf is set).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/trust_anchors.h"
#include "testing/crl_builder.h"
#include "testing/qe_identity_builder.h"
#include "testing/quote_builder.h"
#include "testing/tcb_info_builder.h"
#include "testing/test_pki.h"
#include "testing/test_time.h"

namespace attest::testing {

// What a verifier is given: the evidence bytes, the collateral, the anchors, the time.
struct DcapCase {
  Bytes quote;
  collateral::DcapCollateral collateral;
  evidence::TrustAnchors anchors;
  UnixTime verification_time = kTestVerificationTime;
  Bytes pck_leaf_der;
};

// The default platforms' TCB (the PCK's component SVNs and PCESVN, and the TDX TEE_TCB_SVN).
inline constexpr std::array<uint8_t, 16> kSgxPlatformSvn = {11, 11, 2, 2, 255, 1, 0, 3};
inline constexpr uint16_t kSgxPlatformPcesvn = 13;
inline constexpr std::array<uint8_t, 16> kTdxPlatformSvn = {7, 7, 2, 2, 3, 1, 0, 3};
inline constexpr uint16_t kTdxPlatformPcesvn = 11;
inline constexpr std::array<uint8_t, 16> kTdxTeeTcbSvn = {3, 0, 5};

struct DcapWorld {
  // SGX v3 quote, Processor-CA PCK, FMSPC 00906ED50000, SGX TCB info v3 whose first level
  // equals the PCK TCB (UpToDate) above an OutOfDate level, Intel's QE identity.
  static DcapWorld Sgx();
  // TDX quote (v4, or v5 with `format`), Platform-CA PCK, FMSPC 00806F050000, TDX TCB info
  // v3 with an all-zero tdxModule, module identity TDX_01 (isvsvn 4 UpToDate, 2 OutOfDate),
  // TD QE identity; TEE_TCB_SVN 03 00 05 (module major 0).
  static DcapWorld Tdx(QuoteFormat format = QuoteFormat::kTdxV4);

  // Issues every certificate and CRL; default TestPki::Default().
  std::shared_ptr<const TestPki> pki;
  // What the verifier trusts; default the default test root (not `pki`'s, if replaced).
  evidence::TrustAnchors anchors;
  UnixTime verification_time = kTestVerificationTime;

  PckCertBuilder pck;
  QuoteBuilder quote;
  TcbInfoBuilder tcb_info;
  QeIdentityBuilder qe_identity;
  CrlBuilder pck_crl;
  CrlBuilder root_ca_crl;
  bool include_pck_crl = true;
  bool include_pck_crl_issuer_chain = true;

  // Overrides of single derived items.
  std::optional<TestCert> pck_leaf;               // instead of pck.Build(*pki)
  std::optional<std::string> pck_chain_pem;       // quote's type-5 data (default leaf, CA, root)
  std::optional<std::string> tcb_info_issuer_chain;
  std::optional<std::string> qe_identity_issuer_chain;
  std::optional<Bytes> tcb_info_json;
  std::optional<Bytes> qe_identity_json;
  std::optional<Bytes> pck_crl_der;
  std::optional<Bytes> root_ca_crl_der;

  // The PCK leaf Build() would use (pck_leaf, or a freshly minted one).
  TestCert PckLeaf() const;
  // The PCK leaf's issuing CA in `pki`.
  const TestCert& PckCa() const { return pki->pck_ca(pck.ca()); }
  DcapCase Build() const;
};

}  // namespace attest::testing

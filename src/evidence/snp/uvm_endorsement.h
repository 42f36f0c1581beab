// UVM endorsements of Azure confidential containers (ACI): a Microsoft COSE_Sign1 (PS384)
// whose payload names the launch measurement of the utility VM (spec/azure-cvm.md §10.3).
// Decoded with libcbor; verified to the pinned Microsoft Supply Chain RSA Root CA 2022 at the
// signing time the envelope carries (the leaf certificates expire long before reports stop
// being produced). Functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/trust_anchors.h"

namespace attest::snp {

// Largest endorsement accepted (the real one is ~6 KiB, mostly certificates and a timestamp).
inline constexpr size_t kMaxUvmEndorsementSize = 64 * 1024;
// The feed Microsoft signs ACI utility-VM measurements under.
inline constexpr std::string_view kAciUvmFeed = "ContainerPlat-AMD-UVM";

struct UvmEndorsement {
  std::string issuer;        // protected "iss": did:x509:0:sha256:<b64url>::eku:<oid>
  std::string feed;          // protected "feed"
  int64_t signing_time = 0;  // protected "signingtime" (Unix seconds)
  std::string launch_measurement;  // payload x-ms-sevsnpvm-launchmeasurement (lower-case hex)
  std::string guest_svn;           // payload x-ms-sevsnpvm-guestsvn (a string, e.g. "22")
  std::string signer_cn;           // x5chain[0] subject CN
};

// Checks, in order (azure-cvm.md §10.3): COSE_Sign1 structure and alg PS384
// (UVM_ENDORSEMENT_INVALID); the signature with x5chain[0] (UVM_SIGNATURE_INVALID); x5chain
// chains to a root pinned in `anchors.microsoft_uvm_roots_sha256`, every certificate valid at
// the signing time (UVM_CHAIN_INVALID); the DID:x509 issuer names a CA of x5chain by SHA-256
// and an EKU the leaf carries (UVM_ISSUER_MISMATCH); the feed is kAciUvmFeed
// (UVM_FEED_MISMATCH).
StatusOr<UvmEndorsement> VerifyUvmEndorsement(ByteSpan cose, const evidence::TrustAnchors& anchors);

}  // namespace attest::snp

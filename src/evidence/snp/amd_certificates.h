// AMD SEV-SNP endorsement certificates (spec/amd-sev-snp.md §6): the VCEK/VLEK extensions,
// the sorting of a sent chain into its roles, and the validation of
// VCEK -> ASK -> ARK / VLEK -> ASVK -> ARK against a pinned ARK at a given time.
// Functions are thread-safe; the types are plain data.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/x509.h"
#include "evidence/snp/snp_report.h"
#include "evidence/trust_anchors.h"

namespace attest::snp {

// What a VCEK/VLEK certificate says about the key (AMD KDS spec pub. 57230, OID arc
// 1.3.6.1.4.1.3704.1; spec §6.4).
struct EkInfo {
  SigningKey kind = SigningKey::kVcek;     // from the subject CN
  std::string product_name;                // productName, e.g. "Milan-B0", "Turin"
  std::optional<Product> product;          // its product line, when known
  std::optional<int64_t> struct_version;
  std::map<int, int64_t> spl;              // arc .3.<n> -> value (1 bl, 2 tee, 3 snp, 8 ucode, 9 fmc)
  std::optional<Bytes> hwid;               // VCEK only: 64 bytes, 8 on Turin
  std::optional<std::string> csp_id;       // VLEK only
};

// Reads the AMD extensions. SNP_EK_CERT_INVALID when the subject is not SEV-VCEK/SEV-VLEK,
// the key is not EC P-384, an extension is malformed or missing, or the hwID/cspID rule of
// the key kind is broken (VCEK: hwID and no cspID; VLEK: cspID and no hwID).
StatusOr<EkInfo> ParseEkCertificate(const crypto::Certificate& cert);

// A chain sent with the evidence, sorted by role (any of them may be absent).
struct AmdChain {
  std::optional<crypto::Certificate> ek;            // VCEK or VLEK
  std::optional<crypto::Certificate> intermediate;  // ASK or ASVK
  std::optional<crypto::Certificate> ark;
};
// Sorts certificates by subject: CN SEV-VCEK/SEV-VLEK is the endorsement key, a self-issued
// certificate the ARK, anything else the intermediate. SNP_CERT_CHAIN_INVALID when a role
// is filled twice.
StatusOr<AmdChain> SortAmdChain(std::vector<crypto::Certificate> certs);
// Parses DER or PEM (one or more certificates) into certificates. SNP_CERT_CHAIN_INVALID.
StatusOr<std::vector<crypto::Certificate>> ParseCertificates(ByteSpan data);

// True when `ark` matches a pin for `product` in `anchors` (DER or SPKI SHA-256).
bool IsPinnedArk(const crypto::Certificate& ark, Product product,
                 const evidence::TrustAnchors& anchors);

// §6.5 steps 2-6: the intermediate is `SEV-<P>` (VCEK) or `SEV-VLEK-<P>` (VLEK), the ARK is
// `ARK-<P>` and pinned, and ek -> intermediate -> ARK verifies (RSASSA-PSS) with every
// certificate valid at `at`. Reasons: SNP_CHAIN_PRODUCT_MISMATCH, SNP_ARK_NOT_PINNED,
// SNP_CERT_EXPIRED, SNP_CERT_NOT_YET_VALID, SNP_CHAIN_INVALID.
Status VerifyAmdChain(const crypto::Certificate& ek, const crypto::Certificate& intermediate,
                      const crypto::Certificate& ark, Product product, SigningKey kind,
                      const evidence::TrustAnchors& anchors, UnixTime at);

}  // namespace attest::snp

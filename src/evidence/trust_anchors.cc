#include "evidence/trust_anchors.h"

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"

#include <nlohmann/json.hpp>

namespace attest::evidence {
namespace {

// DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1) of the Intel SGX Root CA, whose
// uncompressed point is published in spec/intel-dcap.md §3.4; SHA-256 of this DER is
// a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e.
constexpr char kIntelSgxRootSpkiHex[] =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5"
    "67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394";

// SHA-256 of the DER of AMD's ARK-Milan, ARK-Genoa and ARK-Turin as KDS serves them in
// /vcek/v1/<product>/cert_chain (spec/amd-sev-snp.md §6.3). The certificates themselves
// come with the evidence or from the collateral source; only these hashes are trusted.
constexpr struct {
  const char* product;
  const char* der_sha256_hex;
} kAmdArks[] = {
    {"Milan", "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
    {"Genoa", "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
    {"Turin", "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"},
};

// SHA-256 of the DER of "Microsoft Supply Chain RSA Root CA 2022": the hash the issuer DID of
// Microsoft's ACI UVM endorsements names (did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_
// ECBQfYZpt9s, spec/azure-cvm.md §10.3).
constexpr char kMicrosoftSupplyChainRoot2022Sha256[] =
    "23ffe2b8bdb9a1711515d4cffda04bc7f793d513c76c243f1020507d8669b7db";

// DER (base64) of "Azure Virtual TPM Root Certificate Authority 2023" (Microsoft, valid
// 2023-06-01 .. 2048-06-01, SHA-256 e6c596b17f8ffefba5c300f714cfb1260c6028704ecf7becc4ab5018efb00e95),
// the root of the Azure vTPM attestation-key certificates in NV 0x01C101D0 (spec/azure-cvm.md §2,
// issue 11 item 4).
constexpr char kAzureVtpmRoot2023Base64[] =
    "MIIFsDCCA5igAwIBAgIQUfQx2iySCIpOKeDZKd5KpzANBgkqhkiG9w0BAQwFADBpMQswCQYDVQQGEwJVUzEeMBwGA1"
    "UEChMVTWljcm9zb2Z0IENvcnBvcmF0aW9uMTowOAYDVQQDEzFBenVyZSBWaXJ0dWFsIFRQTSBSb290IENlcnRpZmlj"
    "YXRlIEF1dGhvcml0eSAyMDIzMB4XDTIzMDYwMTE4MDg1M1oXDTQ4MDYwMTE4MTU0MVowaTELMAkGA1UEBhMCVVMxHj"
    "AcBgNVBAoTFU1pY3Jvc29mdCBDb3Jwb3JhdGlvbjE6MDgGA1UEAxMxQXp1cmUgVmlydHVhbCBUUE0gUm9vdCBDZXJ0"
    "aWZpY2F0ZSBBdXRob3JpdHkgMjAyMzCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBALoMMwvdRJ7+bW00ad"
    "KE1VemNqJS+268Ure8QcfZXVOsVO22+PL9WRoPnWo0r5dVoomYGbobh4HC72s9sGY6BGRe+Ui2LMwuWnirBtOjaJ34"
    "r1ZieNMcVNJT/dXW5HN/HLlm/gSKlWzqCEx6gFFAQTvyYl/5jYI4Oe05zJ7ojgjK/6ZHXpFysXnyUITJ9qgjn546IJ"
    "h/G5OMC3mDfFU7A/GAi+LYaOHSzXj69Lk1vCftNq9DcQHtB7otO0VxFkRLaULcfu/AYHM7FC/Sq6cJb9Au8K/IUhw/"
    "5lJSXZawLJwHpcEYzETm2blad0VHsACaLNucZL5wBi8GEusQ9Wo8W1p1rUCMp89pufxa3Ar9sYZvWeJlvKggWcQVUl"
    "hvvIZEnT+fteEvwTdoajl5qSvZbDPGCPjb91rSznoiLq8XqgQBBFjnEiTL+ViaZmyZPYUsBvBY3lKXB1l2hggahfBI"
    "ag4j0wcgqlL82SL7pAdGjq0Fou6SKgHnkkrV5CNxUBBVMNCwUoj5mvEjd5mF7XPgfM98qNABb2Aqtfl+VuCkU/G1Xv"
    "FoTqS9AkwbLTGFMS9+jCEU2rw6wnKuGv1Tx9iuSdNvsXt8stx4fkVeJvnFpJeAIwBZVgKRSTa3w3099k0mW8qGiMnw"
    "CI5SfdZ2SJyD4uEmszsnieE6wAWd1tLLg1jvAgMBAAGjVDBSMA4GA1UdDwEB/wQEAwIBhjAPBgNVHRMBAf8EBTADAQ"
    "H/MB0GA1UdDgQWBBRL/iZalMH2M8ODSCbd8+WwZLKqlTAQBgkrBgEEAYI3FQEEAwIBADANBgkqhkiG9w0BAQwFAAOC"
    "AgEALgNAyg8I0ANNO/8I2BhpTOsbywN2YSmShAmig5h4sCtaJSM1dRXwA+keY6PCXQEt/PRAQAiHNcOF5zbuOU1Bw/"
    "Z5Z7k9okt04eu8CsS2Bpc+POg9js6lBtmigM5LWJCH1goMD0kJYpzkaCzx1TdD3yjo0xSxgGhabk5Iu1soD3OxhUyI"
    "FcxaluhwkiVINt3Jhy7G7VJTlEwkk21AoOrQxUsJH0f2GXjYShS1r9qLPzLf7ykcOm62jHGmLZVZujBzLIdNk1bljP"
    "9VuGW+cISBwzkNeEMMFufcL2xh6s/oiUnXicFWvG7E6ioPnayYXrHy3Rh68XLnhfpzeCzvbz/I4yMV38qGo/cAY2OJ"
    "pXUuuD/ZbI5rT+lRBEkDW1kxHP8cpwkRwGopV8+gX2KSUucIIN4l8/rrNDEX8T0b5U+BUqiO7Z5YnxCya/H0ZIwmQn"
    "TlLRTU2fW+OGG+xyIrjMi/0l6/yWPUkIAkNtvS/yO7USRVLPbtGVk3Qre6HcqacCXzEjINcJhGEVg83Y8nM+Y+a9J0"
    "lUnHytMSFZE85h88OseRS2QwqjozUo2j1DowmhSSUv9Na5Ae22ycciBkEZSq8a4rSlwqthaELNpeoTLUk6iVoUkK/i"
    "LvaMvrkdj9yJY1O/gvlfN2aiNTST/2bd+PA4RBToG9rXn6vNkUWdbLibU=";

}  // namespace

const TrustAnchors& TrustAnchors::Production() {
  static const TrustAnchors anchors = [] {
    TrustAnchors a;
    a.intel_sgx_root_spki = HexDecode(kIntelSgxRootSpkiHex).value();
    a.microsoft_uvm_roots_sha256.push_back(HexDecode(kMicrosoftSupplyChainRoot2022Sha256).value());
    a.azure_vtpm_roots_der.push_back(Base64Decode(kAzureVtpmRoot2023Base64).value());
    for (const auto& ark : kAmdArks) {
      a.amd_arks.push_back({ark.product, HexDecode(ark.der_sha256_hex).value(), {}});
    }
    return a;
  }();
  return anchors;
}

Status AppendTestAnchors(std::string_view json_text, TrustAnchors& anchors) {
  const Status bad = Status::InvalidArgument(
      reason::kConfigInvalid,
      "test trust anchors must be {\"amd_arks\":[{\"product\":NAME,\"spki_sha256\":HEX}]}");
  if (!JsonTextDepthWithin(json_text, 4)) return bad;
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("amd_arks") || !doc["amd_arks"].is_array()) return bad;
  for (const nlohmann::json& pin : doc["amd_arks"]) {
    if (!pin.is_object() || !pin.contains("product") || !pin["product"].is_string() ||
        !pin.contains("spki_sha256") || !pin["spki_sha256"].is_string()) {
      return bad;
    }
    auto hash = HexDecode(pin["spki_sha256"].get<std::string>());
    if (!hash.has_value() || hash->size() != 32) return bad;
    anchors.amd_arks.push_back({pin["product"].get<std::string>(), {}, std::move(*hash)});
  }
  return Status::Ok();
}

std::string TestAnchorsJson(const TrustAnchors& anchors) {
  nlohmann::json arks = nlohmann::json::array();
  for (const AmdArkPin& pin : anchors.amd_arks) {
    if (!pin.spki_sha256.empty()) {
      arks.push_back({{"product", pin.product}, {"spki_sha256", HexEncode(pin.spki_sha256)}});
    }
  }
  return nlohmann::json{{"amd_arks", std::move(arks)}}.dump();
}

}  // namespace attest::evidence

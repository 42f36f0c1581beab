#include "evidence/snp/snp_report_verifier.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "base/encoding.h"
#include "claims/claim_names.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "crypto/openssl_ptr.h"

namespace attest::snp {
namespace {

constexpr size_t kMaxCachedChains = 4096;

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::json TcbJson(const TcbVersion& t) {
  nlohmann::json j = {{"raw", Hex64(t.raw)},
                      {"bootloader", t.bootloader},
                      {"tee", t.tee},
                      {"snp", t.snp},
                      {"microcode", t.microcode}};
  if (t.fmc) j["fmc"] = *t.fmc;
  return j;
}

// Turns a provider failure into the verifier's answer: NOT_FOUND means neither the caller
// nor the server has the certificate (a 400 naming what to send); others pass through.
Status CollateralFailure(const Status& s, std::string_view what) {
  if (s.code() == StatusCode::kNotFound) {
    return Status::InvalidEvidence("SNP_CERT_CHAIN_MISSING",
                                   std::string(what) +
                                       " was not sent with the report and the server holds none");
  }
  return s;
}

// §5: ECDSA P-384 / SHA-384 over report[0x000:0x2A0) with the endorsement key.
bool VerifyReportSignature(const SnpReport& r, EVP_PKEY* key) {
  Bytes rs(r.signature_r.begin(), r.signature_r.end());
  rs.insert(rs.end(), r.signature_s.begin(), r.signature_s.end());
  auto der = crypto::RawEcdsaSignatureToDer(rs, 48);
  if (!der) return false;
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) != 1) {
    return false;
  }
  ByteSpan msg = r.signed_region();
  return EVP_DigestVerify(ctx.get(), der->data(), der->size(), msg.data(), msg.size()) == 1;
}

// §7.1: every certificate SPL equals the REPORTED_TCB component of the product's layout.
Status CheckTcbBinding(const EkInfo& ek, const TcbVersion& reported, Product product) {
  struct Component {
    int arc;
    const char* name;
    int value;
  };
  std::vector<Component> want = {{1, "blSPL", reported.bootloader},
                                 {2, "teeSPL", reported.tee},
                                 {3, "snpSPL", reported.snp},
                                 {8, "ucodeSPL", reported.microcode}};
  if (product == Product::kTurin) {
    want.push_back({9, "fmcSPL", reported.fmc.value_or(0)});
  } else {
    // spl_4..spl_7 cover the reserved bytes 2..5 of the Milan/Genoa layout.
    for (int arc = 4; arc <= 7; ++arc) {
      want.push_back({arc, "reserved SPL", static_cast<int>((reported.raw >> (8 * (arc - 2))) & 0xFF)});
    }
  }
  for (const Component& c : want) {
    auto it = ek.spl.find(c.arc);
    if (it == ek.spl.end()) {
      if (c.value == 0 && c.arc != 9) continue;  // absent reserved SPL reads as 0
      return Status::InvalidEvidence("SNP_TCB_MISMATCH",
                                     std::string("the endorsement key has no ") + c.name +
                                         " for REPORTED_TCB value " + std::to_string(c.value));
    }
    if (it->second != c.value) {
      return Status::InvalidEvidence(
          "SNP_TCB_MISMATCH", std::string("certificate ") + c.name + " " +
                                  std::to_string(it->second) + " != REPORTED_TCB " +
                                  std::to_string(c.value));
    }
  }
  return Status::Ok();
}

// §7.2: a VCEK's hwID is the chip id (8 bytes on Turin, whose CHIP_ID[8..64) is zero).
Status CheckChipBinding(const EkInfo& ek, const SnpReport& r, Product product) {
  if (ek.kind == SigningKey::kVlek) return Status::Ok();
  if (r.chip_id_is_zero()) {
    return Status::InvalidEvidence("SNP_CHIP_ID_MISMATCH",
                                   "CHIP_ID is zero (masked): a VCEK-signed report cannot be bound "
                                   "to its chip");
  }
  const size_t n = product == Product::kTurin ? 8 : 64;
  const bool tail_zero = std::all_of(r.chip_id.begin() + n, r.chip_id.end(),
                                     [](uint8_t b) { return b == 0; });
  if (!ek.hwid || ek.hwid->size() != n || !tail_zero ||
      !std::equal(ek.hwid->begin(), ek.hwid->end(), r.chip_id.begin())) {
    return Status::InvalidEvidence(
        "SNP_CHIP_ID_MISMATCH",
        "VCEK hwID " + (ek.hwid ? HexEncode(*ek.hwid) : std::string("(none)")) +
            " does not match CHIP_ID " + HexEncode(ByteSpan(r.chip_id).first(n)));
  }
  return Status::Ok();
}

std::string ChainKey(const crypto::Certificate& ek, const crypto::Certificate& i,
                     const crypto::Certificate& ark, Product p, SigningKey k) {
  crypto::Sha256Digest a = crypto::Sha256(ek.der());
  crypto::Sha256Digest b = crypto::Sha256(i.der(), ark.der());
  std::string key(a.begin(), a.end());
  key.append(b.begin(), b.end());
  key += static_cast<char>(p);
  key += static_cast<char>(k);
  return key;
}

}  // namespace

nlohmann::json SnpVerification::ToJson() const {
  nlohmann::json j;
  j["product"] = std::string(ProductName(product));
  j["signing_key"] = std::string(SigningKeyName(signing_key));
  j["ek_product_name"] = ek.product_name;
  j["ek_source"] = ek_source;
  if (ek.csp_id) j["csp_id"] = *ek.csp_id;
  j["revocation_checked"] = revocation_checked;
  j["report_version"] = report.version;
  j["chip_id"] = HexEncode(report.chip_id);
  j["policy"] = Hex64(report.policy);
  j["platform_info"] = Hex64(report.platform_info);
  j["reported_tcb"] = TcbJson(reported_tcb);
  j["current_tcb"] = TcbJson(current_tcb);
  j["committed_tcb"] = TcbJson(committed_tcb);
  j["launch_tcb"] = TcbJson(launch_tcb);
  char fw[32];
  std::snprintf(fw, sizeof(fw), "%u.%u.%u", report.current_major, report.current_minor,
                report.current_build);
  j["current_fw_version"] = fw;
  std::snprintf(fw, sizeof(fw), "%u.%u.%u", report.committed_major, report.committed_minor,
                report.committed_build);
  j["committed_fw_version"] = fw;
  if (report.cpuid_fam_id) {
    j["cpuid"] = {{"family", *report.cpuid_fam_id},
                  {"model", *report.cpuid_mod_id},
                  {"stepping", *report.cpuid_step}};
  }
  if (report.launch_mit_vector) {
    j["launch_mit_vector"] = *report.launch_mit_vector;
    j["current_mit_vector"] = *report.current_mit_vector;
  }
  return j;
}

SnpReportVerifier& SnpReportVerifier::Shared() {
  static SnpReportVerifier* verifier = new SnpReportVerifier();
  return *verifier;
}

std::shared_ptr<const SnpReportVerifier::CachedChain> SnpReportVerifier::Lookup(
    const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

void SnpReportVerifier::Store(const std::string& key, std::shared_ptr<const CachedChain> value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxCachedChains) cache_.clear();
  cache_[key] = std::move(value);
}

StatusOr<SnpVerification> SnpReportVerifier::Verify(ByteSpan report_bytes, const AmdChain& sent,
                                                    const evidence::VerifyContext& context) {
  SnpVerification v;
  ATTEST_ASSIGN_OR_RETURN(v.report, ParseSnpReport(report_bytes));
  const SnpReport& r = v.report;
  v.signing_key = r.signing_key_bits() == 1 ? SigningKey::kVlek : SigningKey::kVcek;
  const collateral::AmdSigningKey key_kind = v.signing_key == SigningKey::kVlek
                                                 ? collateral::AmdSigningKey::kVlek
                                                 : collateral::AmdSigningKey::kVcek;

  // §4.1: the product from CPUID (v3+), else from the endorsement key's productName, else
  // from whichever product's collateral holds an endorsement key for this chip.
  ATTEST_ASSIGN_OR_RETURN(std::optional<Product> product, ProductFromCpuid(r));
  std::optional<crypto::Certificate> ek = sent.ek;
  v.ek_source = "request";
  if (!product && ek) {
    ATTEST_ASSIGN_OR_RETURN(EkInfo info, ParseEkCertificate(*ek));
    if (!info.product) {
      return Err(Status::InvalidEvidence(
          "SNP_PRODUCT_UNSUPPORTED",
          "report v2 has no CPUID and the endorsement key's product '" + info.product_name +
              "' is not Milan, Genoa or Turin"));
    }
    product = info.product;
  }
  Bytes chip_id(r.chip_id.begin(), r.chip_id.end());
  if (!ek) {
    v.ek_source = "collateral";
    std::vector<Product> candidates;
    if (product) {
      candidates = {*product};
    } else {
      candidates = {Product::kMilan, Product::kGenoa, Product::kTurin};
    }
    Status last;
    for (Product p : candidates) {
      auto got = context.collateral.GetAmdEkCertificate(
          {key_kind, std::string(ProductName(p)), chip_id, r.reported_tcb});
      if (got) {
        auto cert = crypto::Certificate::FromDer((*got)->der);
        if (!cert) {
          return Err(Status::InvalidCollateral("SNP_CERT_CHAIN_INVALID",
                                               "the endorsement key certificate held by the "
                                               "server does not parse")
                         .WithProvenance((*got)->provenance));
        }
        ek = std::move(*cert);
        product = p;
        // A v2 report names no product: the certificate's productName decides (§4.1.2).
        if (candidates.size() > 1) {
          auto info = ParseEkCertificate(*ek);
          if (info && info->product) product = info->product;
        }
        break;
      }
      if (got.error().code() != StatusCode::kNotFound) return Err(got.error());
      last = got.error();
    }
    if (!ek) {
      return Err(CollateralFailure(last, std::string("the ") +
                                             std::string(SigningKeyName(v.signing_key)) +
                                             " certificate"));
    }
  }
  v.product = *product;
  v.reported_tcb = DecodeTcb(r.reported_tcb, v.product);
  v.current_tcb = DecodeTcb(r.current_tcb, v.product);
  v.committed_tcb = DecodeTcb(r.committed_tcb, v.product);
  v.launch_tcb = DecodeTcb(r.launch_tcb, v.product);

  // Intermediate and ARK: as sent, else the product's chain from the collateral source.
  std::optional<crypto::Certificate> intermediate = sent.intermediate;
  std::optional<crypto::Certificate> ark = sent.ark;
  if (!intermediate || !ark) {
    auto chain = context.collateral.GetAmdCaChain({key_kind, std::string(ProductName(v.product))});
    if (!chain) {
      return Err(CollateralFailure(chain.error(),
                                   "the " + std::string(ProductName(v.product)) +
                                       (v.signing_key == SigningKey::kVlek ? " ASVK/ARK" : " ASK/ARK") +
                                       " chain"));
    }
    auto parse = [&](const Bytes& der, const char* what) -> StatusOr<crypto::Certificate> {
      auto c = crypto::Certificate::FromDer(der);
      if (!c) {
        return Err(Status::InvalidCollateral("SNP_CERT_CHAIN_INVALID",
                                             std::string("the ") + what +
                                                 " certificate held by the server does not parse")
                       .WithProvenance((*chain)->provenance));
      }
      return std::move(*c);
    };
    if (!intermediate) {
      ATTEST_ASSIGN_OR_RETURN(intermediate, parse((*chain)->intermediate_der, "intermediate"));
    }
    if (!ark) {
      ATTEST_ASSIGN_OR_RETURN(ark, parse((*chain)->ark_der, "ARK"));
    }
  }

  // §6.5: chain (cached once verified; validity is re-judged at every verification time).
  const UnixTime at = context.clock.Now();
  if (!IsPinnedArk(*ark, v.product, context.anchors)) {
    // Same answer as VerifyAmdChain gives, without building a store (also when cached).
    ATTEST_RETURN_IF_ERROR(
        VerifyAmdChain(*ek, *intermediate, *ark, v.product, v.signing_key, context.anchors, at));
  }
  const std::string key = ChainKey(*ek, *intermediate, *ark, v.product, v.signing_key);
  std::shared_ptr<const CachedChain> cached = Lookup(key);
  if (!cached || at < cached->not_before || at > cached->not_after) {
    ATTEST_RETURN_IF_ERROR(
        VerifyAmdChain(*ek, *intermediate, *ark, v.product, v.signing_key, context.anchors, at));
    auto entry = std::make_shared<CachedChain>();
    ATTEST_ASSIGN_OR_RETURN(entry->ek, ParseEkCertificate(*ek));
    entry->not_before = std::max({ek->not_before(), intermediate->not_before(), ark->not_before()});
    entry->not_after = std::min({ek->not_after(), intermediate->not_after(), ark->not_after()});
    Store(key, entry);
    cached = std::move(entry);
  }
  v.ek = cached->ek;
  // §6.5 step 5: the certificate names the report's signer and product line.
  if (v.ek.kind != v.signing_key) {
    return Err(Status::InvalidEvidence(
        "SNP_EK_CERT_INVALID", "the report is signed by a " +
                                   std::string(SigningKeyName(v.signing_key)) + " but the certificate is a " +
                                   std::string(SigningKeyName(v.ek.kind))));
  }
  if (v.ek.product != v.product) {
    return Err(Status::InvalidEvidence(
        "SNP_CHAIN_PRODUCT_MISMATCH", "the endorsement key is for product '" +
                                          v.ek.product_name + "', the report is from " +
                                          std::string(ProductName(v.product))));
  }

  // §6.5 step 7: revocation, when the product's CRL can be had.
  auto crl_bytes = context.collateral.GetAmdCrl({key_kind, std::string(ProductName(v.product))});
  if (crl_bytes) {
    const Provenance prov = (*crl_bytes)->provenance;
    auto crl = crypto::Crl::Parse((*crl_bytes)->der);
    if (!crl || !crl->VerifySignedBy(ark->public_key()) || !crl->ValidAt(at)) {
      return Err(Status::InvalidCollateral(
                     "SNP_CRL_INVALID",
                     "the " + std::string(ProductName(v.product)) +
                         " CRL does not parse, is not signed by the ARK or is not current")
                     .WithProvenance(prov));
    }
    // Every VCEK/VLEK has serial 0, so the ARK's CRL can only meaningfully revoke the
    // intermediate (§6.5 step 7).
    if (crl->IsRevoked(*intermediate)) {
      return Err(Status::InvalidEvidence(
          "SNP_CERT_REVOKED",
          "the " + intermediate->SubjectCommonName() + " certificate is revoked by the ARK's CRL"));
    }
    v.revocation_checked = true;
  } else if (crl_bytes.error().code() != StatusCode::kNotFound) {
    return Err(crl_bytes.error());
  }

  // §7: bind the key to the report, then the signature.
  ATTEST_RETURN_IF_ERROR(CheckTcbBinding(v.ek, v.reported_tcb, v.product));
  ATTEST_RETURN_IF_ERROR(CheckChipBinding(v.ek, r, v.product));
  if (!VerifyReportSignature(r, ek->public_key())) {
    return Err(Status::InvalidEvidence(
        "SNP_SIGNATURE_INVALID",
        "the report signature does not verify with the " +
            std::string(SigningKeyName(v.signing_key)) + " key"));
  }
  return v;
}

void AddSnpClaims(const SnpVerification& v, claims::ClaimSet& out) {
  using namespace attest::claims;
  const SnpReport& r = v.report;
  out.Add(std::string(kAttestationType), "sevsnpvm");
  out.Add(std::string(kSevSnpAuthorKeyDigest), HexEncode(r.author_key_digest));
  out.Add(std::string(kSevSnpBootloaderSvn), v.reported_tcb.bootloader);
  out.Add(std::string(kSevSnpFamilyId), HexEncode(r.family_id));
  out.Add(std::string(kSevSnpGuestSvn), r.guest_svn);
  out.Add(std::string(kSevSnpHostData), HexEncode(r.host_data));
  out.Add(std::string(kSevSnpIdKeyDigest), HexEncode(r.id_key_digest));
  out.Add(std::string(kSevSnpImageId), HexEncode(r.image_id));
  out.Add(std::string(kSevSnpIsDebuggable), r.policy_debug());
  out.Add(std::string(kSevSnpLaunchMeasurement), HexEncode(r.measurement));
  out.Add(std::string(kSevSnpMicrocodeSvn), v.reported_tcb.microcode);
  out.Add(std::string(kSevSnpMigrationAllowed), r.policy_migrate_ma());
  out.Add(std::string(kSevSnpReportData), HexEncode(r.report_data));
  out.Add(std::string(kSevSnpReportId), HexEncode(r.report_id));
  out.Add(std::string(kSevSnpSmtAllowed), r.policy_smt());
  out.Add(std::string(kSevSnpSnpFwSvn), v.reported_tcb.snp);
  out.Add(std::string(kSevSnpTeeSvn), v.reported_tcb.tee);
  out.Add(std::string(kSevSnpVmpl), r.vmpl);
  out.Add(std::string(kAttestdSevSnp), v.ToJson());
}

}  // namespace attest::snp

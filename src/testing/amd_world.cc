#include "testing/amd_world.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "crypto/digest.h"
#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

using snp::Product;
using snp::SigningKey;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

std::shared_ptr<EVP_PKEY> NewRsaKey() {
  EVP_PKEY* k = EVP_RSA_gen(2048);
  BuilderCheck(k != nullptr, "EVP_RSA_gen");
  return Own(k);
}

std::shared_ptr<EVP_PKEY> NewP384Key() {
  EVP_PKEY* k = EVP_EC_gen("P-384");
  BuilderCheck(k != nullptr, "EVP_EC_gen(P-384)");
  return Own(k);
}

// "CN=<cn>, OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Advanced Micro Devices" (§6.1).
std::unique_ptr<X509_NAME, void (*)(X509_NAME*)> AmdName(const std::string& cn) {
  std::unique_ptr<X509_NAME, void (*)(X509_NAME*)> n(X509_NAME_new(), X509_NAME_free);
  auto add = [&](const char* field, const std::string& v) {
    BuilderCheck(X509_NAME_add_entry_by_txt(n.get(), field, MBSTRING_ASC,
                                            reinterpret_cast<const unsigned char*>(v.c_str()), -1,
                                            -1, 0) == 1,
                 "X509_NAME_add_entry");
  };
  add("OU", "Engineering");
  add("C", "US");
  add("L", "Santa Clara");
  add("ST", "CA");
  add("O", "Advanced Micro Devices");
  add("CN", cn);
  return n;
}

// RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: how AMD signs every certificate and CRL.
crypto::EvpMdCtxPtr PssContext(EVP_PKEY* key) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  BuilderCheck(ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, key) == 1,
               "EVP_DigestSignInit");
  BuilderCheck(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
                   EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1,
               "PSS parameters");
  return ctx;
}

void AddRawExtension(X509* x, const std::string& oid, const Bytes& der, bool critical) {
  Asn1ObjectPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
  BuilderCheck(obj && os && ASN1_OCTET_STRING_set(os.get(), der.data(), static_cast<int>(der.size())) == 1,
               "extension value");
  X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), critical ? 1 : 0, os.get()));
  BuilderCheck(ext && X509_add_ext(x, ext.get(), -1) == 1, "X509_add_ext");
}

void AddConfExtension(X509* x, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, nid, value));
  BuilderCheck(ext && X509_add_ext(x, ext.get(), -1) == 1, "X509V3_EXT_conf_nid");
}

Bytes DerInteger(int64_t v) {
  Asn1IntegerPtr i(ASN1_INTEGER_new());
  BuilderCheck(i && ASN1_INTEGER_set_int64(i.get(), v) == 1, "ASN1_INTEGER_set");
  int len = i2d_ASN1_INTEGER(i.get(), nullptr);
  Bytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  i2d_ASN1_INTEGER(i.get(), &p);
  return out;
}

Bytes DerIa5(const std::string& s) {
  std::unique_ptr<ASN1_IA5STRING, void (*)(ASN1_IA5STRING*)> a(ASN1_IA5STRING_new(),
                                                              ASN1_IA5STRING_free);
  BuilderCheck(a && ASN1_STRING_set(a.get(), s.data(), static_cast<int>(s.size())) == 1, "IA5");
  int len = i2d_ASN1_IA5STRING(a.get(), nullptr);
  Bytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  i2d_ASN1_IA5STRING(a.get(), &p);
  return out;
}

struct Extension {
  std::string oid;
  Bytes der;
};

AmdTestCert Mint(const std::string& subject_cn, std::shared_ptr<EVP_PKEY> subject_key,
                 const std::string& issuer_cn, EVP_PKEY* signing_key, uint64_t serial,
                 UnixTime not_before, UnixTime not_after, bool ca,
                 const std::vector<Extension>& extensions) {
  std::shared_ptr<X509> x(X509_new(), X509_free);
  BuilderCheck(x != nullptr && X509_set_version(x.get(), 2) == 1, "X509_new");
  BuilderCheck(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), serial) == 1, "serial");
  BuilderCheck(X509_set_subject_name(x.get(), AmdName(subject_cn).get()) == 1 &&
                   X509_set_issuer_name(x.get(), AmdName(issuer_cn).get()) == 1,
               "names");
  BuilderCheck(ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before)) &&
                   ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after)),
               "validity");
  BuilderCheck(X509_set_pubkey(x.get(), subject_key.get()) == 1, "X509_set_pubkey");
  if (ca) {
    AddConfExtension(x.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddConfExtension(x.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  for (const Extension& e : extensions) AddRawExtension(x.get(), e.oid, e.der, false);
  crypto::EvpMdCtxPtr ctx = PssContext(signing_key);
  BuilderCheck(X509_sign_ctx(x.get(), ctx.get()) > 0, "X509_sign_ctx");
  return {x, std::move(subject_key)};
}

constexpr UnixTime kPkiNotBefore = 1603324800;  // 2020-10-22
constexpr UnixTime kPkiNotAfter = 2392243200;   // 2045-10-22

AmdProductPki MintProduct(Product p) {
  const std::string name(snp::ProductName(p));
  const uint64_t base = (static_cast<uint64_t>(p) + 1) << 16;
  AmdProductPki pki;
  auto ark_key = NewRsaKey();
  pki.ark = Mint("ARK-" + name, ark_key, "ARK-" + name, ark_key.get(), base, kPkiNotBefore,
                 kPkiNotAfter, true, {});
  pki.ask = Mint("SEV-" + name, NewRsaKey(), "ARK-" + name, ark_key.get(), base + 1,
                 kPkiNotBefore, kPkiNotAfter, true, {});
  pki.asvk = Mint("SEV-VLEK-" + name, NewRsaKey(), "ARK-" + name, ark_key.get(), base + 0x101,
                  kPkiNotBefore, kPkiNotAfter, true, {});
  return pki;
}

std::array<uint8_t, 64> RandomChipId(Product p) {
  std::array<uint8_t, 64> id{};
  const int n = p == Product::kTurin ? 8 : 64;
  BuilderCheck(RAND_bytes(id.data(), n) == 1, "RAND_bytes");
  id[0] |= 1;  // never all zero
  return id;
}

void PutLe(Bytes& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

template <size_t N>
void PutArray(Bytes& b, size_t off, const std::array<uint8_t, N>& a) {
  std::copy(a.begin(), a.end(), b.begin() + off);
}

AmdWorld MakeWorld(Product p) {
  AmdWorld w;
  w.product = p;
  static const std::shared_ptr<const AmdPki> pki(&AmdPki::Default(), [](const AmdPki*) {});
  w.pki = pki;
  const uint64_t tcb = p == Product::kTurin ? EncodeTcb(p, 3, 0, 8, 115, 1)
                                            : EncodeTcb(p, 3, 0, 8, 115);
  w.report.current_tcb = w.report.reported_tcb = w.report.committed_tcb = w.report.launch_tcb = tcb;
  w.report.chip_id = RandomChipId(p);
  w.report.measurement.fill(0x5a);
  w.report.report_data.fill(0x11);
  switch (p) {
    case Product::kMilan:
      w.report.cpuid_fam = 0x19, w.report.cpuid_mod = 0x01;
      w.ek.product_name = "Milan-B0";
      break;
    case Product::kGenoa:
      w.report.cpuid_fam = 0x19, w.report.cpuid_mod = 0x11;
      w.ek.product_name = "Genoa-B1";
      break;
    case Product::kTurin:
      w.report.cpuid_fam = 0x1A, w.report.cpuid_mod = 0x02;
      w.ek.product_name = "Turin";
      break;
  }
  snp::TcbVersion t = snp::DecodeTcb(tcb, p);
  w.ek.spl = {{1, t.bootloader}, {2, t.tee}, {3, t.snp}, {8, t.microcode}};
  if (p == Product::kTurin) {
    w.ek.spl[9] = *t.fmc;
    w.ek.spl[5] = w.ek.spl[6] = w.ek.spl[7] = 0;
    w.ek.hwid = Bytes(w.report.chip_id.begin(), w.report.chip_id.begin() + 8);
  } else {
    w.ek.spl[4] = w.ek.spl[5] = w.ek.spl[6] = w.ek.spl[7] = 0;
    w.ek.hwid = Bytes(w.report.chip_id.begin(), w.report.chip_id.end());
  }
  return w;
}

}  // namespace

Bytes AmdTestCert::Der() const {
  int len = i2d_X509(x509.get(), nullptr);
  BuilderCheck(len > 0, "i2d_X509");
  Bytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  i2d_X509(x509.get(), &p);
  return out;
}

std::string AmdTestCert::Pem() const {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  BuilderCheck(bio && PEM_write_bio_X509(bio.get(), x509.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

AmdPki::AmdPki() {
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    products_[p] = MintProduct(p);
  }
}

const AmdPki& AmdPki::Default() {
  static const AmdPki* pki = new AmdPki();
  return *pki;
}

evidence::TrustAnchors AmdPki::Anchors() const {
  evidence::TrustAnchors a;
  for (const auto& [p, pki] : products_) {
    int len = i2d_PUBKEY(pki.ark.key.get(), nullptr);
    Bytes spki(static_cast<size_t>(len));
    uint8_t* q = spki.data();
    i2d_PUBKEY(pki.ark.key.get(), &q);
    crypto::Sha256Digest d = crypto::Sha256(spki);
    a.amd_arks.push_back({std::string(snp::ProductName(p)), {}, Bytes(d.begin(), d.end())});
  }
  return a;
}

uint64_t EncodeTcb(Product p, uint8_t bl, uint8_t tee, uint8_t snp, uint8_t ucode, uint8_t fmc) {
  if (p == Product::kTurin) {
    return fmc | (uint64_t{bl} << 8) | (uint64_t{tee} << 16) | (uint64_t{snp} << 24) |
           (uint64_t{ucode} << 56);
  }
  return bl | (uint64_t{tee} << 8) | (uint64_t{snp} << 48) | (uint64_t{ucode} << 56);
}

Bytes SnpReportFields::ToBytes() const {
  Bytes b(snp::kReportSize, 0);
  // Offsets: spec/amd-sev-snp.md §2.
  PutLe(b, 0x000, version, 4);
  PutLe(b, 0x004, guest_svn, 4);
  PutLe(b, 0x008, policy, 8);
  PutLe(b, 0x030, vmpl, 4);
  PutLe(b, 0x034, signature_algo, 4);
  PutLe(b, 0x038, current_tcb, 8);
  PutLe(b, 0x040, platform_info, 8);
  PutLe(b, 0x048, signer_info, 4);
  PutArray(b, 0x050, report_data);
  PutArray(b, 0x090, measurement);
  PutArray(b, 0x0C0, host_data);
  PutArray(b, 0x0E0, id_key_digest);
  std::fill(b.begin() + 0x160, b.begin() + 0x180, 0xFF);  // REPORT_ID_MA: none
  PutLe(b, 0x180, reported_tcb, 8);
  if (version >= 3) {
    b[0x188] = cpuid_fam;
    b[0x189] = cpuid_mod;
    b[0x18A] = cpuid_step;
  }
  PutArray(b, 0x1A0, chip_id);
  PutLe(b, 0x1E0, committed_tcb, 8);
  b[0x1E8] = 29, b[0x1E9] = 55, b[0x1EA] = 1;
  b[0x1EC] = 29, b[0x1ED] = 55, b[0x1EE] = 1;
  PutLe(b, 0x1F0, launch_tcb, 8);
  for (const auto& [off, v] : pokes) b.at(off) = v;
  return b;
}

void SignSnpReport(Bytes& report, EVP_PKEY* key) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  BuilderCheck(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) == 1,
               "EVP_DigestSignInit");
  size_t len = 0;
  BuilderCheck(EVP_DigestSign(ctx.get(), nullptr, &len, report.data(), snp::kSignedRegionSize) == 1,
               "EVP_DigestSign size");
  Bytes der(len);
  BuilderCheck(EVP_DigestSign(ctx.get(), der.data(), &len, report.data(), snp::kSignedRegionSize) == 1,
               "EVP_DigestSign");
  const unsigned char* p = der.data();
  crypto::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  BuilderCheck(sig != nullptr, "d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  BuilderCheck(BN_bn2lebinpad(r, report.data() + 0x2A0, 72) == 72 &&
                   BN_bn2lebinpad(s, report.data() + 0x2E8, 72) == 72,
               "BN_bn2lebinpad");
}

AmdTestCert IssueEk(const AmdEkSpec& spec, const AmdTestCert& issuer) {
  const std::string arc = "1.3.6.1.4.1.3704.1.";
  std::vector<Extension> ext;
  ext.push_back({arc + "1", DerInteger(spec.product_name.starts_with("Turin") ? 1 : 0)});
  ext.push_back({arc + "2", DerIa5(spec.product_name)});
  for (const auto& [n, v] : spec.spl) ext.push_back({arc + "3." + std::to_string(n), DerInteger(v)});
  if (spec.hwid) ext.push_back({arc + "4", *spec.hwid});
  if (spec.csp_id) ext.push_back({arc + "5", DerIa5(*spec.csp_id)});
  X509_NAME* in = X509_get_subject_name(issuer.x509.get());
  char cn[128] = {};
  X509_NAME_get_text_by_NID(in, NID_commonName, cn, sizeof(cn));
  return Mint(spec.subject_cn, NewP384Key(), cn, issuer.key.get(), 0, spec.not_before,
              spec.not_after, false, ext);
}

AmdTestCert IssueRsaLeaf(const std::string& cn, const AmdTestCert& issuer,
                         const std::string& eku_oid, UnixTime not_before, UnixTime not_after) {
  X509_NAME* in = X509_get_subject_name(issuer.x509.get());
  char issuer_cn[128] = {};
  X509_NAME_get_text_by_NID(in, NID_commonName, issuer_cn, sizeof(issuer_cn));
  AmdTestCert leaf = Mint(cn, NewRsaKey(), issuer_cn, issuer.key.get(), 7, not_before, not_after,
                          false, {});
  // Re-sign after adding the EKU (Mint signs last; adding an extension invalidates it).
  AddConfExtension(leaf.x509.get(), NID_ext_key_usage, eku_oid.c_str());
  crypto::EvpMdCtxPtr ctx = PssContext(issuer.key.get());
  BuilderCheck(X509_sign_ctx(leaf.x509.get(), ctx.get()) > 0, "X509_sign_ctx");
  return leaf;
}

AmdWorld AmdWorld::Milan() { return MakeWorld(Product::kMilan); }
AmdWorld AmdWorld::Genoa() { return MakeWorld(Product::kGenoa); }
AmdWorld AmdWorld::Turin() { return MakeWorld(Product::kTurin); }

AmdWorld AmdWorld::MilanVlek() {
  AmdWorld w = MakeWorld(Product::kMilan);
  w.report.signer_info = 1u << 2;
  w.report.chip_id.fill(0);
  w.ek.kind = SigningKey::kVlek;
  w.ek.subject_cn = "SEV-VLEK";
  w.ek.product_name = "Milan";
  w.ek.hwid.reset();
  w.ek.csp_id = "CN=cloud.example.test";
  return w;
}

std::string AmdCase::ChainPem() const {
  std::string out;
  for (const Bytes* der : {&ek_der, &intermediate_der, &ark_der}) {
    const unsigned char* p = der->data();
    std::shared_ptr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der->size())), X509_free);
    BuilderCheck(x != nullptr, "d2i_X509");
    out += AmdTestCert{x, nullptr}.Pem();
  }
  return out;
}

AmdCase AmdWorld::Build() const {
  const AmdProductPki& chain = pki->product(chain_product.value_or(product));
  const AmdTestCert& intermediate = ek.kind == SigningKey::kVlek ? chain.asvk : chain.ask;
  AmdTestCert leaf = ek_override ? *ek_override : IssueEk(ek, intermediate);
  AmdCase c;
  c.report = report.ToBytes();
  EVP_PKEY* signer = signing_key_override ? signing_key_override->get() : leaf.key.get();
  SignSnpReport(c.report, signer);
  if (corrupt_signature) c.report[0x2A0] ^= 0x01;
  c.ek_der = leaf.Der();
  c.intermediate_der = intermediate.Der();
  c.ark_der = chain.ark.Der();
  c.anchors = pki->Anchors();
  c.verification_time = verification_time;
  return c;
}

StatusOr<std::shared_ptr<const collateral::DcapCollateral>> AmdCaseProvider::GetDcapCollateral(
    const collateral::DcapCollateralRequest&) {
  return Err(Status::NotFound("COLLATERAL_MISSING", "no DCAP collateral"));
}

StatusOr<std::shared_ptr<const collateral::AmdCertificate>> AmdCaseProvider::GetAmdEkCertificate(
    const collateral::AmdEkCertificateRequest&) {
  return std::make_shared<const collateral::AmdCertificate>(
      collateral::AmdCertificate{case_.ek_der, Provenance::kHeldByServer});
}

StatusOr<std::shared_ptr<const collateral::AmdCaChain>> AmdCaseProvider::GetAmdCaChain(
    const collateral::AmdCaChainRequest&) {
  return std::make_shared<const collateral::AmdCaChain>(collateral::AmdCaChain{
      case_.intermediate_der, case_.ark_der, Provenance::kHeldByServer});
}

StatusOr<std::shared_ptr<const collateral::AmdCrl>> AmdCaseProvider::GetAmdCrl(
    const collateral::AmdCrlRequest& request) {
  if (!crl_) return collateral::CollateralProvider::GetAmdCrl(request);
  return std::make_shared<const collateral::AmdCrl>(
      collateral::AmdCrl{*crl_, Provenance::kHeldByServer});
}

Bytes MintAmdCrl(const AmdTestCert& ark, const std::vector<uint64_t>& serials, UnixTime at) {
  std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> crl(X509_CRL_new(), X509_CRL_free);
  BuilderCheck(crl && X509_CRL_set_version(crl.get(), 1) == 1, "X509_CRL_new");
  BuilderCheck(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ark.x509.get())) == 1,
               "issuer");
  crypto::Asn1TimePtr last(ASN1_TIME_set(nullptr, static_cast<time_t>(at - 14 * kDay)));
  crypto::Asn1TimePtr next(ASN1_TIME_set(nullptr, static_cast<time_t>(at + 14 * kDay)));
  BuilderCheck(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1 &&
                   X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1,
               "CRL times");
  for (uint64_t serial : serials) {
    X509RevokedPtr rev(X509_REVOKED_new());
    Asn1IntegerPtr sn(ASN1_INTEGER_new());
    BuilderCheck(rev && sn && ASN1_INTEGER_set_uint64(sn.get(), serial) == 1 &&
                     X509_REVOKED_set_serialNumber(rev.get(), sn.get()) == 1 &&
                     X509_REVOKED_set_revocationDate(rev.get(), last.get()) == 1 &&
                     X509_CRL_add0_revoked(crl.get(), rev.get()) == 1,
                 "revoked entry");
    rev.release();
  }
  crypto::EvpMdCtxPtr ctx = PssContext(ark.key.get());
  BuilderCheck(X509_CRL_sign_ctx(crl.get(), ctx.get()) > 0, "X509_CRL_sign_ctx");
  int len = i2d_X509_CRL(crl.get(), nullptr);
  Bytes out(static_cast<size_t>(len));
  uint8_t* p = out.data();
  i2d_X509_CRL(crl.get(), &p);
  return out;
}

}  // namespace attest::testing

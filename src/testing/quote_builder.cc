#include "testing/quote_builder.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "evidence/dcap/quote.h"
#include "testing/qe_identity_builder.h"
#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

Bytes Pattern(size_t size, uint8_t seed) {
  Bytes b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(seed + i);
  return b;
}

void Append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

bool IsV5(QuoteFormat f) { return f == QuoteFormat::kTdxV5Td10 || f == QuoteFormat::kTdxV5Td15; }

}  // namespace

QuoteBuilder::QuoteBuilder(QuoteFormat format)
    : format_(format),
      version_(format == QuoteFormat::kSgxV3 ? 3 : format == QuoteFormat::kTdxV4 ? 4 : 5),
      tee_type_(format == QuoteFormat::kSgxV3 ? dcap::kTeeTypeSgx : dcap::kTeeTypeTdx),
      qe_vendor_id_(dcap::kIntelQeVendorId.begin(), dcap::kIntelQeVendorId.end()),
      attestation_key_(TestKey::Generate()) {
  // Intel's QE auth data is 32 bytes 00 01 .. 1F (spec §1.7).
  qe_auth_data_ = Pattern(32, 0x00);

  // An enclave: INIT | MODE64BIT, XFRM 0x03.
  enclave_.cpusvn = Pattern(16, 0x01);
  enclave_.attributes = Bytes(16, 0x00);
  enclave_.attributes[0] = 0x05;
  enclave_.attributes[8] = 0x03;
  enclave_.mrenclave = Pattern(32, 0xa0);
  enclave_.mrsigner = Pattern(32, 0xb0);
  enclave_.isv_prod_id = 1;
  enclave_.isv_svn = 2;

  // A TD: TEE_TCB_SVN 03 00 05 (module major 0), SEPT_VE_DISABLE, XFAM E7 06.
  td_.tee_tcb_svn = Bytes(16, 0x00);
  td_.tee_tcb_svn[0] = 3;
  td_.tee_tcb_svn[2] = 5;
  td_.tee_tcb_svn2 = td_.tee_tcb_svn;
  td_.mrseam = Pattern(48, 0x30);
  td_.td_attributes[3] = 0x10;
  td_.xfam[0] = 0xe7;
  td_.xfam[1] = 0x06;
  td_.mrtd = Pattern(48, 0x60);
  for (size_t i = 0; i < 4; ++i) td_.rtmr[i] = Pattern(48, static_cast<uint8_t>(0x90 + 0x10 * i));

  // Intel's QE / TD QE (spec §1.5, §4.4): flags INIT | MODE64BIT | PROVISIONKEY.
  qe_report_.cpusvn = Pattern(16, 0x01);
  qe_report_.attributes = Bytes(16, 0x00);
  qe_report_.attributes[0] = 0x15;
  qe_report_.attributes[8] = 0xe7;
  qe_report_.mrenclave = Pattern(32, 0xc0);
  bool tdx = format != QuoteFormat::kSgxV3;
  qe_report_.mrsigner = HexDecode(tdx ? kTdQeMrSignerHex : kSgxQeMrSignerHex).value();
  qe_report_.isv_prod_id = tdx ? 2 : 1;
  qe_report_.isv_svn = tdx ? 4 : 8;
}

QuoteBuilder QuoteBuilder::SgxV3() { return QuoteBuilder(QuoteFormat::kSgxV3); }
QuoteBuilder QuoteBuilder::TdxV4() { return QuoteBuilder(QuoteFormat::kTdxV4); }
QuoteBuilder QuoteBuilder::TdxV5(bool td15) {
  return QuoteBuilder(td15 ? QuoteFormat::kTdxV5Td15 : QuoteFormat::kTdxV5Td10);
}

size_t QuoteBuilder::body_offset() const {
  return dcap::kQuoteHeaderSize + (IsV5(format_) ? 6 : 0);
}
size_t QuoteBuilder::body_size() const {
  switch (format_) {
    case QuoteFormat::kSgxV3:
      return dcap::kSgxReportBodySize;
    case QuoteFormat::kTdxV4:
    case QuoteFormat::kTdxV5Td10:
      return dcap::kTdReport10Size;
    case QuoteFormat::kTdxV5Td15:
      return dcap::kTdReport15Size;
  }
  return 0;
}
size_t QuoteBuilder::report_data_offset() const { return body_offset() + (is_tdx() ? 520 : 320); }

#define ATTEST_SETTER(Name, Type, statement) \
  QuoteBuilder& QuoteBuilder::Name(Type v) { \
    statement;                               \
    return *this;                            \
  }

ATTEST_SETTER(WithVersion, uint16_t, version_ = v)
ATTEST_SETTER(WithAttestationKeyType, uint16_t, attestation_key_type_ = v)
ATTEST_SETTER(WithTeeType, uint32_t, tee_type_ = v)
ATTEST_SETTER(WithQeVendorId, Bytes, qe_vendor_id_ = std::move(v))
ATTEST_SETTER(WithUserData, Bytes, user_data_ = std::move(v))
ATTEST_SETTER(WithMrEnclave, Bytes, enclave_.mrenclave = std::move(v))
ATTEST_SETTER(WithMrSigner, Bytes, enclave_.mrsigner = std::move(v))
ATTEST_SETTER(WithAttributes, Bytes, enclave_.attributes = std::move(v))
ATTEST_SETTER(WithIsvProdId, uint16_t, enclave_.isv_prod_id = v)
ATTEST_SETTER(WithIsvSvn, uint16_t, enclave_.isv_svn = v)
ATTEST_SETTER(WithTeeTcbSvn, Bytes, td_.tee_tcb_svn = std::move(v))
ATTEST_SETTER(WithTeeTcbSvn2, Bytes, td_.tee_tcb_svn2 = std::move(v))
ATTEST_SETTER(WithMrSignerSeam, Bytes, td_.mrsignerseam = std::move(v))
ATTEST_SETTER(WithSeamAttributes, Bytes, td_.seam_attributes = std::move(v))
ATTEST_SETTER(WithTdAttributes, Bytes, td_.td_attributes = std::move(v))
ATTEST_SETTER(WithMrTd, Bytes, td_.mrtd = std::move(v))
ATTEST_SETTER(WithQeIsvSvn, uint16_t, qe_report_.isv_svn = v)
ATTEST_SETTER(WithQeIsvProdId, uint16_t, qe_report_.isv_prod_id = v)
ATTEST_SETTER(WithQeMrSigner, Bytes, qe_report_.mrsigner = std::move(v))
ATTEST_SETTER(WithQeMiscselect, uint32_t, qe_report_.miscselect = v)
ATTEST_SETTER(WithQeAttributes, Bytes, qe_report_.attributes = std::move(v))
ATTEST_SETTER(WithQeAuthData, Bytes, qe_auth_data_ = std::move(v))
ATTEST_SETTER(WithAttestationKey, TestKey, attestation_key_ = std::move(v))
ATTEST_SETTER(WithQuoteSigningKey, TestKey, quote_signing_key_ = std::move(v))
ATTEST_SETTER(WithQeReportSigningKey, TestKey, qe_report_signing_key_ = std::move(v))
ATTEST_SETTER(WithCertificationDataType, uint16_t, cert_data_type_ = v)
ATTEST_SETTER(WithOuterCertificationDataType, uint16_t, outer_cert_data_type_ = v)
ATTEST_SETTER(WithCertificationData, Bytes, cert_data_ = std::move(v))
ATTEST_SETTER(WithTrailingBytes, Bytes, trailing_ = std::move(v))
ATTEST_SETTER(TruncateTo, size_t, truncate_to_ = v)

#undef ATTEST_SETTER

QuoteBuilder& QuoteBuilder::WithBodyDescriptor(uint16_t body_type, uint32_t body_size) {
  body_descriptor_ = {body_type, body_size};
  return *this;
}

QuoteBuilder& QuoteBuilder::WithReportData(Bytes report_data) {
  (is_tdx() ? td_.report_data : enclave_.report_data) = std::move(report_data);
  return *this;
}

QuoteBuilder& QuoteBuilder::WithDebug(bool debug) {
  // SGX: ATTRIBUTES.flags bit 1; TDX: TDATTRIBUTES bit 0 (spec §1.5, §1.6).
  uint8_t& byte = is_tdx() ? td_.td_attributes[0] : enclave_.attributes[0];
  uint8_t bit = is_tdx() ? 0x01 : 0x02;
  byte = static_cast<uint8_t>(debug ? (byte | bit) : (byte & ~bit));
  return *this;
}

QuoteBuilder& QuoteBuilder::CorruptQeReportData() {
  corrupt_qe_report_data_ = true;
  return *this;
}
QuoteBuilder& QuoteBuilder::CorruptQeReportSignature() {
  corrupt_qe_report_signature_ = true;
  return *this;
}
QuoteBuilder& QuoteBuilder::FlipBitAfterSigning(size_t offset, uint8_t mask) {
  flips_.emplace_back(offset, mask);
  return *this;
}

Bytes QuoteBuilder::Header() const {
  // spec §1.3.
  Bytes h;
  AppendLe16(h, version_);
  AppendLe16(h, attestation_key_type_);
  AppendLe32(h, tee_type_);
  if (format_ == QuoteFormat::kSgxV3) {
    AppendLe16(h, qe_svn_);
    AppendLe16(h, pce_svn_);
  } else {
    AppendLe32(h, 0);  // reserved in v4/v5
  }
  BuilderCheck(qe_vendor_id_.size() == 16 && user_data_.size() == 20, "header field sizes");
  Append(h, qe_vendor_id_);
  Append(h, user_data_);
  return h;
}

Bytes QuoteBuilder::QeCertificationData(const Bytes& attestation_key, const TestKey& pck_key,
                                        std::string_view pck_chain_pem) const {
  // spec §1.7 / §1.9: QE report data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zeros.
  SgxReportFields qe = qe_report_;
  crypto::Sha256Digest binding = crypto::Sha256(attestation_key, qe_auth_data_);
  qe.report_data = Bytes(64, 0x00);
  std::copy(binding.begin(), binding.end(), qe.report_data.begin());
  if (corrupt_qe_report_data_) qe.report_data[0] ^= 0x01;
  Bytes report = EncodeSgxReportBody(qe);
  Bytes signature = qe_report_signing_key_.value_or(pck_key).SignRaw(report);
  if (corrupt_qe_report_signature_) signature[40] ^= 0x01;

  Bytes cert_data;
  if (cert_data_) {
    cert_data = *cert_data_;
  } else {
    cert_data = ToBytes(pck_chain_pem);
    cert_data.push_back(0x00);  // Intel's QE writes a terminating NUL (spec §1.7)
  }
  Bytes out = report;
  Append(out, signature);
  AppendLe16(out, static_cast<uint16_t>(qe_auth_data_.size()));
  Append(out, qe_auth_data_);
  AppendLe16(out, cert_data_type_);
  AppendLe32(out, static_cast<uint32_t>(cert_data.size()));
  Append(out, cert_data);
  return out;
}

Bytes QuoteBuilder::Build(const TestKey& pck_key, std::string_view pck_chain_pem) const {
  Bytes quote = Header();
  if (IsV5(format_)) {
    uint16_t type = format_ == QuoteFormat::kTdxV5Td15 ? 3 : 2;
    auto [t, s] = body_descriptor_.value_or(std::pair<uint16_t, uint32_t>(type, body_size()));
    AppendLe16(quote, t);
    AppendLe32(quote, s);
  }
  Append(quote, is_tdx() ? EncodeTdReportBody(td_, format_ == QuoteFormat::kTdxV5Td15)
                         : EncodeSgxReportBody(enclave_));

  // spec §1.9: the quote signature covers everything so far.
  Bytes attestation_key = attestation_key_.PublicRaw();
  Bytes signature = quote_signing_key_.value_or(attestation_key_).SignRaw(quote);
  Bytes qe_cert = QeCertificationData(attestation_key, pck_key, pck_chain_pem);

  Bytes sig_data = signature;
  Append(sig_data, attestation_key);
  if (format_ == QuoteFormat::kSgxV3) {
    Append(sig_data, qe_cert);
  } else {
    AppendLe16(sig_data, outer_cert_data_type_);
    AppendLe32(sig_data, static_cast<uint32_t>(qe_cert.size()));
    Append(sig_data, qe_cert);
  }
  AppendLe32(quote, static_cast<uint32_t>(sig_data.size()));
  Append(quote, sig_data);
  for (auto [offset, mask] : flips_) {
    BuilderCheck(offset < quote.size(), "FlipBitAfterSigning offset inside the quote");
    quote[offset] ^= mask;
  }
  Append(quote, trailing_);
  if (truncate_to_ && *truncate_to_ < quote.size()) quote.resize(*truncate_to_);
  return quote;
}

}  // namespace attest::testing

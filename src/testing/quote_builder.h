// QuoteBuilder: byte-exact Intel DCAP quotes (spec/intel-dcap.md §1) — SGX v3, TDX v4 and
// TDX v5 with body type 2 (TD 1.0) or 3 (TD 1.5) — with every signature computed for real:
// the QE report signed by the PCK leaf key, the QE report data binding
// SHA-256(attestation key ‖ QE auth data), certification data type 5 (PEM chain with a NUL
// terminator; wrapped in type 6 for v4/v5), and the quote signature by a fresh attestation
// key over header ‖ body (v5: header ‖ descriptor ‖ body). Setters change one field;
// corruption options break exactly one property after or before signing.
// Value-type fluent builder; not thread-safe while being configured.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "testing/report_bodies.h"
#include "testing/test_key.h"

namespace attest::testing {

enum class QuoteFormat { kSgxV3, kTdxV4, kTdxV5Td10, kTdxV5Td15 };

class QuoteBuilder {
 public:
  static QuoteBuilder SgxV3();
  static QuoteBuilder TdxV4();
  // v5 with body type 3 (TD report 1.5), or type 2 (TD report 1.0) when !td15.
  static QuoteBuilder TdxV5(bool td15 = true);

  QuoteFormat format() const { return format_; }
  bool is_tdx() const { return format_ != QuoteFormat::kSgxV3; }
  // Offset and size of the report body inside the quote.
  size_t body_offset() const;
  size_t body_size() const;
  // Offset of REPORTDATA inside the quote.
  size_t report_data_offset() const;

  // Header (spec §1.3). WithVersion changes only the header field, not the layout.
  QuoteBuilder& WithVersion(uint16_t version);
  QuoteBuilder& WithAttestationKeyType(uint16_t type);
  QuoteBuilder& WithTeeType(uint32_t tee_type);
  QuoteBuilder& WithQeVendorId(Bytes vendor_id);
  QuoteBuilder& WithUserData(Bytes user_data);
  // v5 body descriptor (spec §1.4); by default it matches the body.
  QuoteBuilder& WithBodyDescriptor(uint16_t body_type, uint32_t body_size);

  // Report body. REPORTDATA and the debug flag apply to the SGX or TD body in use.
  SgxReportFields& enclave() { return enclave_; }
  TdReportFields& td() { return td_; }
  QuoteBuilder& WithReportData(Bytes report_data);
  QuoteBuilder& WithDebug(bool debug);
  QuoteBuilder& WithMrEnclave(Bytes mrenclave);
  QuoteBuilder& WithMrSigner(Bytes mrsigner);
  QuoteBuilder& WithAttributes(Bytes attributes);
  QuoteBuilder& WithIsvProdId(uint16_t isv_prod_id);
  QuoteBuilder& WithIsvSvn(uint16_t isv_svn);
  QuoteBuilder& WithTeeTcbSvn(Bytes tee_tcb_svn);
  QuoteBuilder& WithTeeTcbSvn2(Bytes tee_tcb_svn2);
  QuoteBuilder& WithMrSignerSeam(Bytes mrsignerseam);
  QuoteBuilder& WithSeamAttributes(Bytes seam_attributes);
  QuoteBuilder& WithTdAttributes(Bytes td_attributes);
  QuoteBuilder& WithMrTd(Bytes mrtd);

  // QE report (its REPORTDATA is computed unless CorruptQeReportData()).
  SgxReportFields& qe_report() { return qe_report_; }
  QuoteBuilder& WithQeIsvSvn(uint16_t isv_svn);
  QuoteBuilder& WithQeIsvProdId(uint16_t isv_prod_id);
  QuoteBuilder& WithQeMrSigner(Bytes mrsigner);
  QuoteBuilder& WithQeMiscselect(uint32_t miscselect);
  QuoteBuilder& WithQeAttributes(Bytes attributes);
  QuoteBuilder& WithQeAuthData(Bytes auth_data);

  // Keys. The attestation key is embedded and signs the quote unless a different quote
  // signing key is set; the QE report is signed by the PCK key given to Build() unless a
  // QE report signing key is set.
  QuoteBuilder& WithAttestationKey(TestKey key);
  QuoteBuilder& WithQuoteSigningKey(TestKey key);
  QuoteBuilder& WithQeReportSigningKey(TestKey key);

  // Certification data (spec §1.7): the inner (v3: only) type, the v4/v5 outer type, and a
  // replacement for the payload (default: the PEM chain given to Build() plus a NUL).
  QuoteBuilder& WithCertificationDataType(uint16_t type);
  QuoteBuilder& WithOuterCertificationDataType(uint16_t type);
  QuoteBuilder& WithCertificationData(Bytes data);

  // Unsigned bytes after the signature data (spec §1.10 rule 3).
  QuoteBuilder& WithTrailingBytes(Bytes trailing);

  // Corruptions.
  QuoteBuilder& CorruptQeReportData();       // QE REPORTDATA ≠ SHA-256(key ‖ auth data)
  QuoteBuilder& CorruptQeReportSignature();  // one bit of the QE report signature flipped
  // XORs `mask` into byte `offset` of the finished quote (after every signature).
  QuoteBuilder& FlipBitAfterSigning(size_t offset, uint8_t mask = 0x01);
  QuoteBuilder& TruncateTo(size_t size);

  // The finished quote. `pck_key` signs the QE report; `pck_chain_pem` is the type-5 data.
  Bytes Build(const TestKey& pck_key, std::string_view pck_chain_pem) const;

 private:
  explicit QuoteBuilder(QuoteFormat format);
  Bytes Header() const;
  Bytes QeCertificationData(const Bytes& attestation_key, const TestKey& pck_key,
                            std::string_view pck_chain_pem) const;

  QuoteFormat format_;
  uint16_t version_;
  uint16_t attestation_key_type_ = 2;
  uint32_t tee_type_;
  uint16_t qe_svn_ = 8;
  uint16_t pce_svn_ = 13;
  Bytes qe_vendor_id_;
  Bytes user_data_ = Bytes(20, 0x00);
  std::optional<std::pair<uint16_t, uint32_t>> body_descriptor_;
  SgxReportFields enclave_;
  TdReportFields td_;
  SgxReportFields qe_report_;
  Bytes qe_auth_data_;
  TestKey attestation_key_;
  std::optional<TestKey> quote_signing_key_;
  std::optional<TestKey> qe_report_signing_key_;
  uint16_t cert_data_type_ = 5;
  uint16_t outer_cert_data_type_ = 6;
  std::optional<Bytes> cert_data_;
  Bytes trailing_;
  bool corrupt_qe_report_data_ = false;
  bool corrupt_qe_report_signature_ = false;
  std::vector<std::pair<size_t, uint8_t>> flips_;
  std::optional<size_t> truncate_to_;
};

}  // namespace attest::testing

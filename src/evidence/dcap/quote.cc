#include "evidence/dcap/quote.h"

#include <algorithm>
#include <string>

#include "base/byte_reader.h"
#include "base/reasons.h"

namespace attest::dcap {
namespace {

constexpr std::string_view kFormat = reason::kUnsupportedQuoteFormat;
constexpr uint16_t kCertDataPckChain = 5;
constexpr uint16_t kCertDataQeReport = 6;

Status Unsupported(std::string message) {
  return Status::InvalidEvidence(std::string(kFormat), std::move(message));
}

// spec §1.6: TD report body 1.0 (584 B), optionally followed by the 1.5 fields.
TdReportBody ParseTdReportBody(ByteSpan raw, bool v15) {
  TdReportBody b;
  b.raw = raw;
  b.tee_tcb_svn = raw.subspan(0, 16);
  b.mrseam = raw.subspan(16, 48);
  b.mrsignerseam = raw.subspan(64, 48);
  b.seam_attributes = raw.subspan(112, 8);
  b.td_attributes = raw.subspan(120, 8);
  b.xfam = raw.subspan(128, 8);
  b.mrtd = raw.subspan(136, 48);
  b.mrconfigid = raw.subspan(184, 48);
  b.mrowner = raw.subspan(232, 48);
  b.mrownerconfig = raw.subspan(280, 48);
  for (size_t i = 0; i < 4; ++i) b.rtmr[i] = raw.subspan(328 + 48 * i, 48);
  b.report_data = raw.subspan(520, 64);
  if (v15) {
    b.tee_tcb_svn2 = raw.subspan(584, 16);
    b.mrservicetd = raw.subspan(600, 48);
  }
  return b;
}

// The QE report certification data: spec §1.7 (v3 inline layout and type 6 are identical
// from the QE report on).
StatusOr<QeCertification> ParseQeCertification(ByteReader& r) {
  QeCertification qe;
  ATTEST_ASSIGN_OR_RETURN(ByteSpan report, r.Take(kSgxReportBodySize, "qe_report"));
  qe.qe_report = ParseSgxReportBody(report);
  ATTEST_ASSIGN_OR_RETURN(qe.qe_report_signature, r.Take(64, "qe_report_signature"));
  ATTEST_ASSIGN_OR_RETURN(uint16_t auth_size, r.U16("qe_auth_data_size"));
  ATTEST_ASSIGN_OR_RETURN(qe.qe_auth_data, r.Take(auth_size, "qe_auth_data"));
  ATTEST_ASSIGN_OR_RETURN(qe.cert_data_type, r.U16("certification_data_type"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t cert_size, r.U32("certification_data_size"));
  ATTEST_ASSIGN_OR_RETURN(qe.cert_data, r.Take(cert_size, "certification_data"));
  return qe;
}

}  // namespace

uint64_t TdReportBody::td_attributes_u64() const { return LoadLe64(td_attributes, 0); }

SgxReportBody ParseSgxReportBody(ByteSpan raw) {
  SgxReportBody b;
  b.raw = raw;
  b.cpusvn = raw.subspan(0, 16);
  b.miscselect_bytes = raw.subspan(16, 4);
  b.miscselect = LoadLe32(raw, 16);
  b.isv_ext_prod_id = raw.subspan(32, 16);
  b.attributes = raw.subspan(48, 16);
  b.mrenclave = raw.subspan(64, 32);
  b.mrsigner = raw.subspan(128, 32);
  b.config_id = raw.subspan(192, 64);
  b.isv_prod_id = LoadLe16(raw, 256);
  b.isv_svn = LoadLe16(raw, 258);
  b.config_svn = LoadLe16(raw, 260);
  b.isv_family_id = raw.subspan(304, 16);
  b.report_data = raw.subspan(320, 64);
  return b;
}

StatusOr<Quote> ParseQuote(ByteSpan data) {
  // spec §1.10 rule 1: cap before parsing.
  if (data.size() > kMaxQuoteSize) {
    return Err(Unsupported("quote is " + std::to_string(data.size()) +
                           " bytes; the limit is " + std::to_string(kMaxQuoteSize)));
  }
  ByteReader r(data, "quote", kFormat);
  Quote q;
  // spec §1.3 header. [QVL 4.1.2.4.1-4.1.2.4.2]
  ATTEST_ASSIGN_OR_RETURN(q.version, r.U16("version"));
  ATTEST_ASSIGN_OR_RETURN(q.attestation_key_type, r.U16("attestation_key_type"));
  ATTEST_ASSIGN_OR_RETURN(q.tee_type, r.U32("tee_type"));
  ATTEST_ASSIGN_OR_RETURN(q.qe_svn, r.U16("qe_svn"));
  ATTEST_ASSIGN_OR_RETURN(q.pce_svn, r.U16("pce_svn"));
  ATTEST_ASSIGN_OR_RETURN(q.qe_vendor_id, r.Take(16, "qe_vendor_id"));
  ATTEST_ASSIGN_OR_RETURN(q.user_data, r.Take(20, "user_data"));

  if (q.version != 3 && q.version != 4 && q.version != 5) {
    return Err(Unsupported("quote version " + std::to_string(q.version) +
                           " is not supported (3, 4 or 5)"));
  }
  if (q.attestation_key_type != kAttestationKeyTypeEcdsaP256) {
    return Err(Status::InvalidEvidence(reason::kUnsupportedAttestationKeyType,
                                       "attestation key type " +
                                           std::to_string(q.attestation_key_type) +
                                           " is not supported (2 = ECDSA-256-with-P-256)"));
  }
  if (q.tee_type != kTeeTypeSgx && q.tee_type != kTeeTypeTdx) {
    return Err(Unsupported("unknown TEE type " + std::to_string(q.tee_type)));
  }
  if (q.version == 3 && q.tee_type != kTeeTypeSgx) {
    return Err(Unsupported("a version 3 quote must have TEE type SGX (0)"));
  }
  if (q.version != 3) {
    q.qe_svn = 0;
    q.pce_svn = 0;
  }
  if (!std::equal(q.qe_vendor_id.begin(), q.qe_vendor_id.end(), kIntelQeVendorId.begin())) {
    return Err(Status::InvalidEvidence(reason::kUnknownQeVendor,
                                       "the quote was not produced by Intel's quoting enclave"));
  }

  // spec §1.2/§1.4: body.
  size_t body_size = 0;
  if (q.version == 5) {
    ATTEST_ASSIGN_OR_RETURN(uint16_t type, r.U16("body_type"));
    ATTEST_ASSIGN_OR_RETURN(uint32_t size, r.U32("body_size"));
    if (type == 1 && q.tee_type == kTeeTypeSgx && size == kSgxReportBodySize) {
      q.body_type = BodyType::kSgx;
    } else if (type == 2 && q.tee_type == kTeeTypeTdx && size == kTdReport10Size) {
      q.body_type = BodyType::kTd10;
    } else if (type == 3 && q.tee_type == kTeeTypeTdx && size == kTdReport15Size) {
      q.body_type = BodyType::kTd15;
    } else {
      return Err(Unsupported("v5 body descriptor (type " + std::to_string(type) + ", size " +
                             std::to_string(size) + ") does not match the TEE type"));
    }
    body_size = size;
  } else if (q.tee_type == kTeeTypeTdx) {
    q.body_type = BodyType::kTd10;
    body_size = kTdReport10Size;
  } else {
    q.body_type = BodyType::kSgx;
    body_size = kSgxReportBodySize;
  }
  ATTEST_ASSIGN_OR_RETURN(ByteSpan body, r.Take(body_size, "report_body"));
  if (q.body_type == BodyType::kSgx) {
    q.sgx_body = ParseSgxReportBody(body);
  } else {
    q.td_body = ParseTdReportBody(body, q.body_type == BodyType::kTd15);
  }
  q.signed_bytes = data.subspan(0, r.offset());

  // spec §1.7: signature data. The declared length must fit in the buffer.
  ATTEST_ASSIGN_OR_RETURN(uint32_t sig_len, r.U32("signature_data_len"));
  ATTEST_ASSIGN_OR_RETURN(ByteSpan sig_data, r.Take(sig_len, "signature_data"));
  q.trailing_bytes = r.remaining();  // spec §1.10 rule 3
  q.raw = data.subspan(0, r.offset());

  ByteReader s(sig_data, "quote signature data", kFormat);
  ATTEST_ASSIGN_OR_RETURN(q.quote_signature, s.Take(64, "quote_signature"));
  ATTEST_ASSIGN_OR_RETURN(q.attestation_key, s.Take(64, "attestation_key"));
  if (q.version == 3) {
    ATTEST_ASSIGN_OR_RETURN(q.qe, ParseQeCertification(s));
  } else {
    ATTEST_ASSIGN_OR_RETURN(uint16_t outer_type, s.U16("certification_data_type"));
    ATTEST_ASSIGN_OR_RETURN(uint32_t outer_size, s.U32("certification_data_size"));
    if (outer_type != kCertDataQeReport) {
      return Err(Status::InvalidEvidence(
          reason::kUnsupportedCertificationDataType,
          "v4/v5 quotes must carry certification data type 6, not " + std::to_string(outer_type)));
    }
    ATTEST_ASSIGN_OR_RETURN(ByteSpan outer, s.Take(outer_size, "qe_report_certification_data"));
    ByteReader t(outer, "QE report certification data", kFormat);
    ATTEST_ASSIGN_OR_RETURN(q.qe, ParseQeCertification(t));
    // [QVL QEReportCertificationData]: type 6 data must be consumed exactly.
    if (t.remaining() != 0) {
      return Err(Unsupported("QE report certification data has " +
                             std::to_string(t.remaining()) + " unexpected trailing bytes"));
    }
  }
  // spec A3 / [QvE extract_chain_from_quote]: only a PCK chain can be verified offline.
  if (q.qe.cert_data_type != kCertDataPckChain) {
    return Err(Status::InvalidEvidence(reason::kUnsupportedCertificationDataType,
                                       "certification data type " +
                                           std::to_string(q.qe.cert_data_type) +
                                           " is not supported (5 = PCK certificate chain)"));
  }
  return q;
}

}  // namespace attest::dcap

#include "evidence/openenclave/oe_format.h"

#include <array>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/reasons.h"

namespace attest::evidence {
namespace {

constexpr uint32_t kOeReportHeaderVersion = 1;
constexpr uint32_t kOeReportTypeSgxRemote = 2;
constexpr uint32_t kOeAttestationHeaderVersion = 3;
constexpr size_t kOeAttestationHeaderSize = 32;
constexpr size_t kMaxEndorsementsSize = 200 * 1024;  // OE_ATTESTATION_ENDORSEMENT_MAX_SIZE

using Uuid = std::array<uint8_t, 16>;
// spec §2.2 format IDs, bytes in the order printed.
constexpr Uuid kFormatSgxEcdsa = {0xa3, 0xa2, 0x1e, 0x87, 0x1b, 0x4d, 0x40, 0x14,
                                  0xb7, 0x0a, 0xa1, 0x25, 0xd2, 0xfb, 0xcd, 0x8c};
constexpr Uuid kFormatLegacyReportRemote = {0xc8, 0x30, 0x34, 0x54, 0xd9, 0x23, 0x4c, 0x2c,
                                            0xa6, 0x91, 0xdf, 0x7d, 0xef, 0x46, 0x0a, 0x76};
constexpr Uuid kFormatRawSgxQuoteEcdsa = {0x19, 0x23, 0xd9, 0x1e, 0x12, 0xd2, 0x4c, 0x72,
                                          0xb2, 0x20, 0x25, 0xcd, 0x8d, 0xac, 0xe8, 0x71};

bool Equals(ByteSpan a, const Uuid& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

Status Malformed(std::string_view reason, std::string message) {
  return Status::InvalidEvidence(std::string(reason), std::move(message));
}

// spec §2.1: {u32 version = 1, u32 report_type = 2, u64 report_size = rest}.
StatusOr<ByteSpan> UnwrapReportHeader(ByteSpan blob) {
  ByteReader r(blob, "OE report", reason::kOeReportMalformed);
  ATTEST_ASSIGN_OR_RETURN(uint32_t version, r.U32("version"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t type, r.U32("report_type"));
  ATTEST_ASSIGN_OR_RETURN(uint64_t size, r.U64("report_size"));
  if (version != kOeReportHeaderVersion) {
    return Err(Malformed(reason::kOeReportMalformed,
                         "OE report header version " + std::to_string(version) + " (expected 1)"));
  }
  if (type != kOeReportTypeSgxRemote) {
    return Err(Malformed(reason::kOeReportMalformed,
                         "OE report type " + std::to_string(type) +
                             " is not a remote SGX report (2); local reports cannot be verified"));
  }
  if (size != r.remaining()) {
    return Err(Malformed(reason::kOeReportMalformed,
                         "OE report size " + std::to_string(size) + " does not match the " +
                             std::to_string(r.remaining()) + " bytes that follow the header"));
  }
  return r.Rest();
}

// Length of the SGX v3 quote at the start of `data` (436 + signature_data_len).
StatusOr<size_t> QuoteLength(ByteSpan data) {
  if (data.size() < 436) {
    return Err(
        Malformed(reason::kUnsupportedQuoteFormat, "OE evidence holds no complete SGX quote"));
  }
  uint64_t len = 436 + static_cast<uint64_t>(LoadLe32(data, 432));
  if (len > data.size()) {
    return Err(Malformed(reason::kUnsupportedQuoteFormat,
                         "quote signature data runs past the end of the OE evidence"));
  }
  return static_cast<size_t>(len);
}

// spec §2.2: 32-byte attestation header {u32 version = 3, uuid, 4-byte hole, u64 data_size}.
StatusOr<std::pair<ByteSpan, ByteSpan>> UnwrapAttestationHeader(ByteSpan blob,
                                                                std::string_view reason) {
  ByteReader r(blob, "OE attestation header", reason);
  ATTEST_ASSIGN_OR_RETURN(uint32_t version, r.U32("version"));
  ATTEST_ASSIGN_OR_RETURN(ByteSpan format, r.Take(16, "format_id"));
  ATTEST_RETURN_IF_ERROR(r.Skip(4, "padding"));
  ATTEST_ASSIGN_OR_RETURN(uint64_t size, r.U64("data_size"));
  if (version != kOeAttestationHeaderVersion) {
    return Err(Malformed(reason, "OE attestation header version " + std::to_string(version) +
                                     " (expected 3)"));
  }
  if (size != r.remaining()) {
    return Err(Malformed(reason, "OE attestation header data size " + std::to_string(size) +
                                     " does not match the " + std::to_string(r.remaining()) +
                                     " bytes that follow"));
  }
  return std::pair(format, r.Rest());
}

}  // namespace

StatusOr<OeEvidence> UnwrapOeEvidence(ByteSpan blob) {
  if (blob.size() < 8) {
    return Err(Malformed(reason::kOeEvidenceMalformed, "OE evidence is shorter than any header"));
  }
  // A bare SGX quote starts with u16 version 3 and u16 attestation key type 2.
  uint32_t first = LoadLe32(blob, 0);
  if (LoadLe16(blob, 0) == 3 && LoadLe16(blob, 2) == 2) return OeEvidence{blob, std::nullopt};
  if (first == kOeReportHeaderVersion) {
    ATTEST_ASSIGN_OR_RETURN(ByteSpan quote, UnwrapReportHeader(blob));
    return OeEvidence{quote, std::nullopt};
  }
  if (first != kOeAttestationHeaderVersion) {
    return Err(Malformed(reason::kOeEvidenceMalformed,
                         "not an OE report (version 1), OE evidence (version 3) or SGX quote"));
  }
  ATTEST_ASSIGN_OR_RETURN(auto header, UnwrapAttestationHeader(blob, reason::kOeEvidenceMalformed));
  auto [format, data] = header;
  if (Equals(format, kFormatSgxEcdsa)) {
    ATTEST_ASSIGN_OR_RETURN(size_t len, QuoteLength(data));
    return OeEvidence{data.first(len), data.subspan(len)};
  }
  if (Equals(format, kFormatLegacyReportRemote)) {
    ATTEST_ASSIGN_OR_RETURN(ByteSpan quote, UnwrapReportHeader(data));
    return OeEvidence{quote, std::nullopt};
  }
  if (Equals(format, kFormatRawSgxQuoteEcdsa)) return OeEvidence{data, std::nullopt};
  return Err(Malformed(reason::kOeEvidenceMalformed,
                       "OE evidence format is not remotely verifiable SGX ECDSA evidence"));
}

StatusOr<collateral::DcapCollateral> ParseOeEndorsements(ByteSpan blob) {
  constexpr std::string_view kReason = reason::kOeEndorsementsMalformed;
  auto fail = [&](std::string m) {
    return Err(Status::InvalidCollateral(std::string(kReason), "OE endorsements: " + m)
                   .WithProvenance(Provenance::kSentByCaller));
  };
  if (blob.size() > kMaxEndorsementsSize) return fail("larger than 200 KiB");
  if (blob.size() >= 4 && LoadLe32(blob, 0) == kOeAttestationHeaderVersion) {
    ATTEST_ASSIGN_OR_RETURN(auto header, UnwrapAttestationHeader(blob, kReason));
    blob = header.second;
  }
  // spec §2.4: {u32 version = 1, u32 enclave_type = 2, u32 buffer_size, u32 num_elements}.
  ByteReader r(blob, "OE endorsements", kReason);
  ATTEST_ASSIGN_OR_RETURN(uint32_t version, r.U32("version"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t enclave_type, r.U32("enclave_type"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t buffer_size, r.U32("buffer_size"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t num, r.U32("num_elements"));
  if (version != 1 || enclave_type != 2) return fail("version/enclave type is not 1/SGX");
  if (buffer_size != r.remaining()) return fail("buffer size does not match the data");
  if (num < 8 || num > 32) return fail("unexpected element count " + std::to_string(num));
  std::vector<uint32_t> offsets(num);
  for (uint32_t i = 0; i < num; ++i) {
    ATTEST_ASSIGN_OR_RETURN(offsets[i], r.U32("offset"));
  }
  ByteSpan area = r.Rest();
  std::vector<ByteSpan> items(num);
  for (uint32_t i = 0; i < num; ++i) {
    size_t end = i + 1 < num ? offsets[i + 1] : area.size();
    if (offsets[i] >= area.size() || end > area.size() || end <= offsets[i]) {
      return fail("element offsets are not strictly increasing within the data");
    }
    items[i] = area.subspan(offsets[i], end - offsets[i]);
  }
  auto text = [](ByteSpan s) {  // strip one trailing NUL
    if (!s.empty() && s.back() == 0) s = s.first(s.size() - 1);
    return ToBytes(s);
  };
  collateral::DcapCollateral c;
  c.provenance = Provenance::kSentByCaller;
  c.tcb_info = text(items[1]);
  c.tcb_info_issuer_chain = text(items[2]);
  c.pck_crl = ToBytes(items[3]);  // DER; Crl::Parse ignores bytes after the TLV
  c.root_ca_crl = ToBytes(items[4]);
  c.pck_crl_issuer_chain = text(items[5]);
  c.qe_identity = text(items[6]);
  c.qe_identity_issuer_chain = text(items[7]);
  return c;
}

}  // namespace attest::evidence

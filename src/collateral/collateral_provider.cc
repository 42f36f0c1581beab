#include "collateral/collateral_provider.h"

#include "base/reasons.h"
#include "crypto/digest.h"

namespace attest::collateral {
namespace {

// Appends `item` with an 8-byte length prefix (and a presence byte), so that no two different
// sets of items serialise to the same stream.
void AppendItem(Bytes& out, const Bytes* item) {
  out.push_back(item ? 1 : 0);
  uint64_t n = item ? item->size() : 0;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  if (item) out.insert(out.end(), item->begin(), item->end());
}

}  // namespace

std::string_view DcapTeeName(DcapTee tee) { return tee == DcapTee::kTdx ? "tdx" : "sgx"; }
std::string_view TcbUpdateName(TcbUpdate u) { return u == TcbUpdate::kEarly ? "early" : "standard"; }
std::string_view PckCaName(PckCa ca) { return ca == PckCa::kProcessor ? "processor" : "platform"; }

std::string DcapContentKey(const DcapCollateral& c) {
  Bytes stream;
  stream.reserve(c.tcb_info.size() + c.tcb_info_issuer_chain.size() + c.qe_identity.size() +
                 c.qe_identity_issuer_chain.size() + c.root_ca_crl.size() +
                 (c.pck_crl ? c.pck_crl->size() : 0) +
                 (c.pck_crl_issuer_chain ? c.pck_crl_issuer_chain->size() : 0) + 7 * 9);
  AppendItem(stream, &c.tcb_info);
  AppendItem(stream, &c.tcb_info_issuer_chain);
  AppendItem(stream, &c.qe_identity);
  AppendItem(stream, &c.qe_identity_issuer_chain);
  AppendItem(stream, c.pck_crl ? &*c.pck_crl : nullptr);
  AppendItem(stream, c.pck_crl_issuer_chain ? &*c.pck_crl_issuer_chain : nullptr);
  AppendItem(stream, &c.root_ca_crl);
  crypto::Sha256Digest d = crypto::Sha256(stream);
  return std::string(d.begin(), d.end());
}

StatusOr<std::shared_ptr<const AmdCertificate>> CollateralProvider::GetAmdEkCertificate(
    const AmdEkCertificateRequest& request) {
  return Err(Status::NotFound(reason::kCollateralMissing,
                              std::string("no AMD ") +
                                  (request.key == AmdSigningKey::kVlek ? "VLEK" : "VCEK") +
                                  " certificate source is configured"));
}

StatusOr<std::shared_ptr<const AmdCaChain>> CollateralProvider::GetAmdCaChain(
    const AmdCaChainRequest& request) {
  return Err(
      Status::NotFound(reason::kCollateralMissing,
                       "no AMD CA chain source is configured (product " + request.product + ")"));
}

StatusOr<std::shared_ptr<const AmdCrl>> CollateralProvider::GetAmdCrl(
    const AmdCrlRequest& request) {
  return Err(Status::NotFound(reason::kCollateralMissing,
                              "no AMD CRL source is configured (product " + request.product + ")"));
}

}  // namespace attest::collateral

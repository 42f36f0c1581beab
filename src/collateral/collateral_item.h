// CollateralItem: one vendor answer (a TCB info, a QE identity, a CRL, a VCEK, a CA chain)
// exactly as served, with what the online collateral cache needs to keep, refresh, persist and
// bundle it. The fields under "checked" are set by the source's check of the item and are
// never taken from storage or a bundle: every stored or imported item is checked again.
// Plain value; immutable once shared.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"

namespace attest::collateral {

enum class ItemKind {
  kTcbInfo,
  kQeIdentity,
  kPckCrl,
  kRootCaCrl,
  kAmdEkCertificate,
  kAmdCaChain,
  kAmdCrl,
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct CollateralItem {
  // What identifies the collateral: "intel/sgx/tcb/00606A000000/standard",
  // "amd/vcek/Genoa/<hwid>/<tcb hex>", ... (see pcs_source.h, kds_source.h).
  std::string key;
  std::string url;     // where it was fetched (provenance)
  Bytes body;          // exactly as served
  HeaderList headers;  // the response headers that matter (issuer chains), names lower case
  UnixTime fetched_at = 0;

  // --- checked ---
  ItemKind kind = ItemKind::kTcbInfo;
  Bytes issuer_chain;        // PEM chain from the issuer-chain header, percent-decoded
  UnixTime valid_from = 0;   // issueDate / thisUpdate / notBefore
  UnixTime valid_until = 0;  // nextUpdate / notAfter: refresh before, 503 after
};

// The first header named `name` (lower case), or "".
std::string_view FindHeader(const HeaderList& headers, std::string_view name);

}  // namespace attest::collateral

// A fixed P-256 key and its self-signed certificate (CN=attestd fuzz signer, valid
// 2026-12-02 .. 2051-07-24), generated once for the fuzz targets with `openssl req -x509`.
// Fixed rather than minted per process so that signed seeds written by one run still verify
// when the committed corpus is replayed by another (a fresh TestKey would make every replayed
// signature invalid and the checks behind it unreachable). Test material only: nothing
// trusts it outside fuzz/.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "crypto/x509.h"

namespace attest::fuzz {

const crypto::Certificate& FixedSignerCertificate();
// ECDSA-P256-SHA256 over `data` as big-endian r ‖ s (JWS ES256).
Bytes FixedSignerSignEs256(ByteSpan data);
// "<b64url(header)>.<b64url(payload)>.<b64url(ES256 signature)>"; an empty payload stays empty.
std::string FixedSignerJws(std::string_view header_json, std::string_view payload_json);

}  // namespace attest::fuzz

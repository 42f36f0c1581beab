#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace attest::crypto {

Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

Sha256Digest Sha256(ByteSpan a, ByteSpan b) {
  Sha256Digest out;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

Bytes Sha2Digest(Sha2 alg, ByteSpan data) {
  Bytes out(alg == Sha2::kSha256 ? SHA256_DIGEST_LENGTH
            : alg == Sha2::kSha384 ? SHA384_DIGEST_LENGTH
                                   : SHA512_DIGEST_LENGTH);
  switch (alg) {
    case Sha2::kSha256:
      SHA256(data.data(), data.size(), out.data());
      break;
    case Sha2::kSha384:
      SHA384(data.data(), data.size(), out.data());
      break;
    case Sha2::kSha512:
      SHA512(data.data(), data.size(), out.data());
      break;
  }
  return out;
}

}  // namespace attest::crypto

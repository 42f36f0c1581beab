#include "fuzz/fixed_signer.h"

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

#include "base/encoding.h"

namespace attest::fuzz {
namespace {

constexpr char kKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOZ6+eJdt2e/QiKIE
04L5xUJkfLfcOeHG0o+um2+x8euhRANCAARGlUqgpk8cEhd6TQWHmOQ/4A2G5bq/
p2PRsUkKWQTI9npOuf9D/sa0RAMcUE48pm88Zclm0zbuDqKLcRVRVX/M
-----END PRIVATE KEY-----
)";

constexpr char kCertPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIBBzAKBggqhkjOPQQDAjAeMRwwGgYDVQQDDBNhdHRlc3Rk
IGZ1enogc2lnbmVyMCAXDTI2MTIwMjE2MDUxOVoYDzIwNTEwNzI0MTYwNTE5WjAe
MRwwGgYDVQQDDBNhdHRlc3RkIGZ1enogc2lnbmVyMFkwEwYHKoZIzj0CAQYIKoZI
zj0DAQcDQgAERpVKoKZPHBIXek0Fh5jkP+ANhuW6v6dj0bFJClkEyPZ6Trn/Q/7G
tEQDHFBOPKZvPGXJZtM27g6ii3EVUVV/zKNjMGEwHQYDVR0OBBYEFEUk3NRMG8b4
MgDlejSQK8HqEjLnMB8GA1UdIwQYMBaAFEUk3NRMG8b4MgDlejSQK8HqEjLnMA8G
A1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgeAMAoGCCqGSM49BAMCA0cAMEQC
IFQ8pznbk66pZZ3FyytlH29ft5DejbegaeCN/wwqSXUXAiBSW/JJPK+OI4Vx1qmW
Fc44dVinVtAqxAXygTuUurJUFw==
-----END CERTIFICATE-----
)";

// A fixed, known-good input; failing to load it is a bug in this file.
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fixed_signer: %s failed\n", what);
    std::abort();
  }
}

EVP_PKEY* Key() {
  static EVP_PKEY* key = [] {
    BIO* bio = BIO_new_mem_buf(kKeyPem, -1);
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    Check(k != nullptr, "PEM_read_bio_PrivateKey");
    return k;
  }();
  return key;
}

}  // namespace

const crypto::Certificate& FixedSignerCertificate() {
  static const crypto::Certificate* cert = [] {
    auto chain = crypto::Certificate::ParsePemChain(kCertPem);
    Check(chain.has_value() && chain->size() == 1, "ParsePemChain");
    return new crypto::Certificate(chain->front());
  }();
  return *cert;
}

Bytes FixedSignerSignEs256(ByteSpan data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  Check(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, Key()) == 1, "EVP_DigestSignInit");
  Check(EVP_DigestSign(ctx, nullptr, &len, data.data(), data.size()) == 1, "EVP_DigestSign");
  Bytes der(len);
  Check(EVP_DigestSign(ctx, der.data(), &len, data.data(), data.size()) == 1, "EVP_DigestSign");
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  Check(sig != nullptr, "d2i_ECDSA_SIG");
  Bytes raw(64);
  Check(BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32) == 32,
        "BN_bn2binpad");
  ECDSA_SIG_free(sig);
  return raw;
}

std::string FixedSignerJws(std::string_view header_json, std::string_view payload_json) {
  std::string input = Base64UrlEncode(AsBytes(header_json)) + "." +
                      (payload_json.empty() ? std::string() : Base64UrlEncode(AsBytes(payload_json)));
  return input + "." + Base64UrlEncode(FixedSignerSignEs256(AsBytes(input)));
}

}  // namespace attest::fuzz

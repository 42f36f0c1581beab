// Fuzz target: the COSE_Sign1 UVM endorsement parser (evidence/snp/uvm_endorsement.h, libcbor
// behind a bounded pre-scan): any input must verify or fail with a UVM_* reason, never crash,
// exhaust the stack or report an internal error.
#include <cbor.h>
#include <openssl/rsa.h>

#include <cstdlib>

#include "crypto/openssl_ptr.h"
#include "evidence/snp/uvm_endorsement.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/amd_world.h"

namespace {

attest::Bytes Serialize(cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t size = 0;
  size_t len = cbor_serialize_alloc(item, &buffer, &size);
  attest::Bytes out(buffer, buffer + len);
  free(buffer);
  return out;
}

void MapAdd(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
}

// A structurally complete COSE_Sign1 (PS384, x5chain [SEV-Milan, ARK-Milan] of the test AMD
// PKI, iss/feed/signingtime, JSON payload) signed by the SEV-Milan key: it passes the
// signature check and stops at the (unpinned) chain.
attest::Bytes MintCose() {
  const auto& pki = attest::testing::AmdPki::Default().product(attest::snp::Product::kMilan);
  attest::Bytes leaf = pki.ask.Der(), root = pki.ark.Der();
  cbor_item_t* hdr = cbor_new_definite_map(6);
  MapAdd(hdr, cbor_build_uint8(1), cbor_build_negint8(37));  // -38 = PS384
  MapAdd(hdr, cbor_build_uint8(3), cbor_build_string("application/json"));
  cbor_item_t* chain = cbor_new_definite_array(2);
  cbor_array_push(chain, cbor_move(cbor_build_bytestring(leaf.data(), leaf.size())));
  cbor_array_push(chain, cbor_move(cbor_build_bytestring(root.data(), root.size())));
  MapAdd(hdr, cbor_build_uint8(33), chain);
  MapAdd(hdr, cbor_build_string("iss"), cbor_build_string("did:x509:0:sha256:AAAA::eku:1.2.3"));
  MapAdd(hdr, cbor_build_string("feed"), cbor_build_string("ContainerPlat-AMD-UVM"));
  MapAdd(hdr, cbor_build_string("signingtime"), cbor_build_tag(1, cbor_move(cbor_build_uint32(1700000000))));
  attest::Bytes protected_bytes = Serialize(hdr);
  cbor_decref(&hdr);
  std::string payload = "{\"x-ms-sevsnpvm-launchmeasurement\":\"00\",\"x-ms-sevsnpvm-guestsvn\":\"1\"}";
  cbor_item_t* tbs = cbor_new_definite_array(4);
  cbor_array_push(tbs, cbor_move(cbor_build_string("Signature1")));
  cbor_array_push(tbs, cbor_move(cbor_build_bytestring(protected_bytes.data(), protected_bytes.size())));
  cbor_array_push(tbs, cbor_move(cbor_build_bytestring(nullptr, 0)));
  cbor_array_push(tbs, cbor_move(cbor_build_bytestring(reinterpret_cast<const uint8_t*>(payload.data()), payload.size())));
  attest::Bytes to_sign = Serialize(tbs);
  cbor_decref(&tbs);
  attest::crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, pki.ask.key.get());
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384());
  size_t sig_len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &sig_len, to_sign.data(), to_sign.size());
  attest::Bytes sig(sig_len);
  EVP_DigestSign(ctx.get(), sig.data(), &sig_len, to_sign.data(), to_sign.size());
  cbor_item_t* msg = cbor_new_definite_array(4);
  cbor_array_push(msg, cbor_move(cbor_build_bytestring(protected_bytes.data(), protected_bytes.size())));
  cbor_array_push(msg, cbor_move(cbor_new_definite_map(0)));
  cbor_array_push(msg, cbor_move(cbor_build_bytestring(reinterpret_cast<const uint8_t*>(payload.data()), payload.size())));
  cbor_array_push(msg, cbor_move(cbor_build_bytestring(sig.data(), sig_len)));
  attest::Bytes out = {0xD2};  // tag 18
  attest::Bytes body = Serialize(msg);
  cbor_decref(&msg);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  attest::Bytes cose = MintCose();
  attest::Bytes untagged(cose.begin() + 1, cose.end());
  return {cose, untagged, attest::Bytes{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40}};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const attest::evidence::TrustAnchors* anchors =
      new attest::evidence::TrustAnchors(attest::evidence::TrustAnchors::Production());
  auto r = attest::snp::VerifyUvmEndorsement(attest::ByteSpan(data, size), *anchors);
  if (!r && r.error().code() == attest::StatusCode::kInternal) std::abort();
  return 0;
}

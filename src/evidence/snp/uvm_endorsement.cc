#include "evidence/snp/uvm_endorsement.h"

#include <cbor.h>
#include <openssl/rsa.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "evidence/snp/snp_document.h"

namespace attest::snp {
namespace {

// libcbor builds the whole item tree and frees it recursively: the pre-scan bounds the
// number of containers (hence the depth) and refuses indefinite lengths, which COSE's
// deterministic encoding never uses.
constexpr size_t kMaxContainers = 64;
constexpr size_t kMaxX5Chain = 8;

Status Invalid(std::string m) { return Status::InvalidEvidence("UVM_ENDORSEMENT_INVALID", std::move(m)); }

struct ScanState {
  size_t containers = 0;
  bool indefinite = false;
};

Status PreScan(ByteSpan data) {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.array_start = [](void* ctx, size_t) { ++static_cast<ScanState*>(ctx)->containers; };
  cb.map_start = [](void* ctx, size_t) { ++static_cast<ScanState*>(ctx)->containers; };
  cb.indef_array_start = [](void* ctx) { static_cast<ScanState*>(ctx)->indefinite = true; };
  cb.indef_map_start = [](void* ctx) { static_cast<ScanState*>(ctx)->indefinite = true; };
  cb.byte_string_start = [](void* ctx) { static_cast<ScanState*>(ctx)->indefinite = true; };
  cb.string_start = [](void* ctx) { static_cast<ScanState*>(ctx)->indefinite = true; };
  ScanState state;
  size_t off = 0;
  while (off < data.size()) {
    cbor_decoder_result r = cbor_stream_decode(data.data() + off, data.size() - off, &cb, &state);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) return Invalid("malformed CBOR");
    off += r.read;
    if (state.indefinite) return Invalid("indefinite-length CBOR items are not accepted");
    if (state.containers > kMaxContainers) return Invalid("CBOR nests too many containers");
  }
  return Status::Ok();
}

struct ItemDeleter {
  void operator()(cbor_item_t* i) const {
    if (i != nullptr) cbor_decref(&i);
  }
};
using ItemPtr = std::unique_ptr<cbor_item_t, ItemDeleter>;

ByteSpan BytesOf(cbor_item_t* i) {
  return ByteSpan(cbor_bytestring_handle(i), cbor_bytestring_length(i));
}

std::string TextOf(cbor_item_t* i) {
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(i)), cbor_string_length(i));
}

bool IsDefiniteBytes(cbor_item_t* i) {
  return i != nullptr && cbor_isa_bytestring(i) && cbor_bytestring_is_definite(i);
}

bool IsDefiniteText(cbor_item_t* i) {
  return i != nullptr && cbor_isa_string(i) && cbor_string_is_definite(i);
}

// Integer value of a CBOR int (major 0 or 1), if it fits.
std::optional<int64_t> IntOf(cbor_item_t* i) {
  if (i == nullptr || !cbor_is_int(i)) return std::nullopt;
  uint64_t v = cbor_get_int(i);
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return cbor_isa_negint(i) ? -1 - static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

// The protected header's entries the checks need.
struct Header {
  std::optional<int64_t> alg;
  std::vector<Bytes> x5chain;
  std::string iss;
  std::string feed;
  std::optional<int64_t> signing_time;
};

Status ReadHeader(cbor_item_t* map, Header& h) {
  if (!cbor_isa_map(map)) return Invalid("the protected header is not a map");
  const size_t n = cbor_map_size(map);
  cbor_pair* pairs = cbor_map_handle(map);
  for (size_t k = 0; k < n; ++k) {
    cbor_item_t* key = pairs[k].key;
    cbor_item_t* value = pairs[k].value;
    if (auto label = IntOf(key)) {
      if (*label == 1) {
        h.alg = IntOf(value);
      } else if (*label == 33) {  // x5chain: one bstr or an array of them (RFC 9360)
        if (IsDefiniteBytes(value)) {
          ByteSpan b = BytesOf(value);
          h.x5chain.emplace_back(b.begin(), b.end());
        } else if (cbor_isa_array(value) && cbor_array_size(value) <= kMaxX5Chain) {
          for (size_t i = 0; i < cbor_array_size(value); ++i) {
            cbor_item_t* c = cbor_array_handle(value)[i];
            if (!IsDefiniteBytes(c)) return Invalid("x5chain holds a non-bstr entry");
            ByteSpan b = BytesOf(c);
            h.x5chain.emplace_back(b.begin(), b.end());
          }
        } else {
          return Invalid("x5chain is neither a bstr nor a short array");
        }
      }
    } else if (IsDefiniteText(key)) {
      const std::string name = TextOf(key);
      if (name == "iss" && IsDefiniteText(value)) h.iss = TextOf(value);
      if (name == "feed" && IsDefiniteText(value)) h.feed = TextOf(value);
      if (name == "signingtime") {
        if (cbor_isa_tag(value)) {
          if (cbor_tag_value(value) == 1) {  // tag 1: epoch-based date/time
            ItemPtr inner(cbor_tag_item(value));  // cbor_tag_item returns a new reference
            h.signing_time = IntOf(inner.get());
          }
        } else {
          h.signing_time = IntOf(value);
        }
      }
    }
  }
  return Status::Ok();
}

Bytes EncodeSigStructure(ByteSpan protected_bytes, ByteSpan payload) {
  // RFC 9052 §4.4: ["Signature1", body_protected, external_aad = h'', payload].
  ItemPtr arr(cbor_new_definite_array(4));
  ItemPtr context(cbor_build_string("Signature1"));
  ItemPtr prot(cbor_build_bytestring(protected_bytes.data(), protected_bytes.size()));
  ItemPtr aad(cbor_build_bytestring(nullptr, 0));
  ItemPtr body(cbor_build_bytestring(payload.data(), payload.size()));
  if (!arr || !context || !prot || !aad || !body ||
      !cbor_array_push(arr.get(), context.get()) || !cbor_array_push(arr.get(), prot.get()) ||
      !cbor_array_push(arr.get(), aad.get()) || !cbor_array_push(arr.get(), body.get())) {
    return {};
  }
  unsigned char* buffer = nullptr;
  size_t buffer_size = 0;
  const size_t len = cbor_serialize_alloc(arr.get(), &buffer, &buffer_size);
  Bytes out(buffer, buffer + len);
  free(buffer);
  return out;
}

bool VerifyPs384(EVP_PKEY* key, ByteSpan message, ByteSpan signature) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || key == nullptr || EVP_PKEY_base_id(key) != EVP_PKEY_RSA ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha384(), nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

Status VerifyChain(const std::vector<crypto::Certificate>& chain,
                   const evidence::TrustAnchors& anchors, UnixTime at) {
  const crypto::Certificate& root = chain.back();
  crypto::Sha256Digest root_hash = crypto::Sha256(root.der());
  bool pinned = false;
  for (const Bytes& pin : anchors.microsoft_uvm_roots_sha256) {
    pinned = pinned || std::equal(pin.begin(), pin.end(), root_hash.begin(), root_hash.end());
  }
  if (!pinned) {
    return Status::InvalidEvidence("UVM_CHAIN_INVALID",
                                   "x5chain ends at '" + root.SubjectCommonName() +
                                       "', which is not a pinned Microsoft UVM root");
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  if (!store || !ctx || !untrusted || X509_STORE_add_cert(store.get(), root.get()) != 1) {
    return Status::Internal("cannot set up the UVM chain verification");
  }
  for (size_t i = 1; i + 1 < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
    return Status::Internal("cannot set up the UVM chain verification");
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(at));
  if (X509_verify_cert(ctx.get()) != 1) {
    return Status::InvalidEvidence(
        "UVM_CHAIN_INVALID",
        std::string("x5chain does not verify at its signing time ") + FormatRfc3339(at) + ": " +
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return Status::Ok();
}

bool LeafHasEku(const crypto::Certificate& leaf, const std::string& oid) {
  auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(leaf.get(), NID_ext_key_usage, nullptr, nullptr));
  if (ekus == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(ekus); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(ekus, i), 1);
    found = found || oid == buf;
  }
  EXTENDED_KEY_USAGE_free(ekus);
  return found;
}

// did:x509:0:sha256:<b64url CA hash>::eku:<oid> (the form Microsoft signs UVMs with).
Status CheckIssuerDid(const std::string& iss, const std::vector<crypto::Certificate>& chain) {
  constexpr std::string_view kPrefix = "did:x509:0:sha256:";
  const size_t sep = iss.find("::eku:");
  if (!iss.starts_with(kPrefix) || sep == std::string::npos) {
    return Status::InvalidEvidence("UVM_ISSUER_MISMATCH",
                                   "issuer '" + iss + "' is not a did:x509 with an EKU policy");
  }
  auto hash = Base64UrlDecode(iss.substr(kPrefix.size(), sep - kPrefix.size()));
  const std::string eku = iss.substr(sep + 6);
  bool ca_match = false;
  for (size_t i = 1; hash && i < chain.size(); ++i) {
    crypto::Sha256Digest d = crypto::Sha256(chain[i].der());
    ca_match = ca_match || std::equal(hash->begin(), hash->end(), d.begin(), d.end());
  }
  if (!ca_match) {
    return Status::InvalidEvidence("UVM_ISSUER_MISMATCH",
                                   "the issuer DID names no CA certificate of x5chain");
  }
  if (!LeafHasEku(chain.front(), eku)) {
    return Status::InvalidEvidence("UVM_ISSUER_MISMATCH",
                                   "the signing certificate lacks the DID's EKU " + eku);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<UvmEndorsement> VerifyUvmEndorsement(ByteSpan cose, const evidence::TrustAnchors& anchors) {
  if (cose.size() > kMaxUvmEndorsementSize) return Err(Invalid("UVM endorsement is too large"));
  if (cose.empty()) return Err(Invalid("UVM endorsement is empty"));
  // libcbor 0.8 (Debian 12) refuses the one-byte tag heads 0xC6..0xD4, so the COSE_Sign1 tag
  // 18 (0xD2) is taken off here; the two-byte form 0xD8 0x12 is left to libcbor.
  ByteSpan body = cose;
  if (body[0] == 0xD2) body = body.subspan(1);
  ATTEST_RETURN_IF_ERROR(PreScan(body));
  cbor_load_result load;
  ItemPtr root(cbor_load(body.data(), body.size(), &load));
  if (!root || load.error.code != CBOR_ERR_NONE || load.read != body.size()) {
    return Err(Invalid("UVM endorsement is not one CBOR item"));
  }
  // RFC 9052 §4.2: COSE_Sign1 = #6.18([protected: bstr, unprotected: map, payload: bstr,
  // signature: bstr]); the tag is optional when the context says what it is.
  cbor_item_t* msg = root.get();
  ItemPtr untagged;
  if (cbor_isa_tag(msg)) {
    if (cbor_tag_value(msg) != 18) return Err(Invalid("CBOR tag is not COSE_Sign1 (18)"));
    untagged.reset(cbor_tag_item(msg));
    msg = untagged.get();
  }
  if (!cbor_isa_array(msg) || cbor_array_size(msg) != 4) {
    return Err(Invalid("COSE_Sign1 is not a 4-element array"));
  }
  cbor_item_t** parts = cbor_array_handle(msg);
  if (!IsDefiniteBytes(parts[0]) || !cbor_isa_map(parts[1]) || !IsDefiniteBytes(parts[2]) ||
      !IsDefiniteBytes(parts[3])) {
    return Err(Invalid("COSE_Sign1 members have the wrong types (detached payload?)"));
  }
  const ByteSpan protected_bytes = BytesOf(parts[0]);
  const ByteSpan payload = BytesOf(parts[2]);
  const ByteSpan signature = BytesOf(parts[3]);
  cbor_load_result hload;
  ItemPtr header_map(cbor_load(protected_bytes.data(), protected_bytes.size(), &hload));
  if (!header_map || hload.error.code != CBOR_ERR_NONE || hload.read != protected_bytes.size()) {
    return Err(Invalid("the protected header is not one CBOR map"));
  }
  Header h;
  ATTEST_RETURN_IF_ERROR(ReadHeader(header_map.get(), h));
  if (h.alg != -38) return Err(Invalid("alg is not PS384 (-38)"));
  if (h.x5chain.empty()) return Err(Invalid("the protected header has no x5chain"));
  if (!h.signing_time) return Err(Invalid("the protected header has no signingtime"));
  std::vector<crypto::Certificate> chain;
  for (const Bytes& der : h.x5chain) {
    auto c = crypto::Certificate::FromDer(der);
    if (!c) return Err(Invalid("an x5chain certificate does not parse"));
    chain.push_back(std::move(*c));
  }
  // Check 1: the signature over Sig_structure with x5chain[0].
  Bytes tbs = EncodeSigStructure(protected_bytes, payload);
  if (tbs.empty()) return Err(Status::Internal("cannot encode the COSE Sig_structure"));
  if (!VerifyPs384(chain.front().public_key(), tbs, signature)) {
    return Err(Status::InvalidEvidence("UVM_SIGNATURE_INVALID",
                                       "the UVM endorsement signature does not verify with "
                                       "x5chain[0]"));
  }
  // Check 2: the chain to the pinned root, at the signing time.
  ATTEST_RETURN_IF_ERROR(VerifyChain(chain, anchors, *h.signing_time));
  // Checks 3 and 4: issuer DID and feed.
  ATTEST_RETURN_IF_ERROR(CheckIssuerDid(h.iss, chain));
  if (h.feed != kAciUvmFeed) {
    return Err(Status::InvalidEvidence("UVM_FEED_MISMATCH", "feed '" + h.feed + "' is not '" +
                                                                std::string(kAciUvmFeed) + "'"));
  }
  UvmEndorsement out;
  out.issuer = h.iss;
  out.feed = h.feed;
  out.signing_time = *h.signing_time;
  out.signer_cn = chain.front().SubjectCommonName();
  std::string_view payload_text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (!JsonDepthWithin(payload_text, 8)) return Err(Invalid("the payload nests too deeply"));
  nlohmann::json j = nlohmann::json::parse(payload_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Err(Invalid("the payload is not a JSON object"));
  auto m = j.find("x-ms-sevsnpvm-launchmeasurement");
  if (m == j.end() || !m->is_string()) {
    return Err(Invalid("the payload has no x-ms-sevsnpvm-launchmeasurement"));
  }
  out.launch_measurement = m->get<std::string>();
  for (char& c : out.launch_measurement) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto s = j.find("x-ms-sevsnpvm-guestsvn"); s != j.end() && s->is_string()) {
    out.guest_svn = s->get<std::string>();
  }
  return out;
}

}  // namespace attest::snp

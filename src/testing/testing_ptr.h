// RAII owners for the OpenSSL objects only the test builders create (certificate and CRL
// minting), plus BuilderCheck for builder-internal failures.
//
// The builders in src/testing turn inputs the test itself chose into certificates, CRLs,
// JSON and quotes. An OpenSSL failure there is a bug in the builder, never a property of the
// evidence under test, so it aborts the test binary with a message instead of threading a
// Status through every fluent setter (the verifiers, which judge untrusted input, never do
// this).
#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>

#include "crypto/openssl_ptr.h"

namespace attest::testing {

using crypto::OpenSslDeleter;

using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, OpenSslDeleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED, X509_REVOKED_free>>;

// Aborts with `what` and the OpenSSL error queue when `ok` is false (see header comment).
void BuilderCheck(bool ok, std::string_view what);

}  // namespace attest::testing

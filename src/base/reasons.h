// Every failure reason attestd declares: the stable machine `reason` of a Status, which goes
// on the wire in the error envelope and which clients and tests match on. One constant per
// concept, so that a concept has one spelling; docs/errors.md lists each of them (a unit test,
// reasons_test.cc, keeps the two in step). Grouped by the layer that first reports the reason.
//
// Constants are char arrays rather than string_views so that they convert to the
// std::string parameters of Status's factories and compare with std::string directly.
#pragma once

#include <string_view>

namespace attest::reason {

// Shared: files, encodings, times, attestation-type names.
inline constexpr char kAttestationTypeUnknown[] = "ATTESTATION_TYPE_UNKNOWN";
inline constexpr char kAttestationTypeUnsupported[] = "ATTESTATION_TYPE_UNSUPPORTED";
inline constexpr char kFileNotFound[] = "FILE_NOT_FOUND";
inline constexpr char kFileReadError[] = "FILE_READ_ERROR";
inline constexpr char kFileTooLarge[] = "FILE_TOO_LARGE";
inline constexpr char kInternalError[] = "INTERNAL_ERROR";
inline constexpr char kInvalidEncoding[] = "INVALID_ENCODING";
inline constexpr char kInvalidTime[] = "INVALID_TIME";

// Certificates, CRLs and JOSE (each caller may re-code these).
inline constexpr char kCrlUnsupportedFormat[] = "CRL_UNSUPPORTED_FORMAT";
inline constexpr char kInvalidCertChain[] = "INVALID_CERT_CHAIN";
inline constexpr char kInvalidSignatureFormat[] = "INVALID_SIGNATURE_FORMAT";
inline constexpr char kJwkUnsupportedKey[] = "JWK_UNSUPPORTED_KEY";
inline constexpr char kJwsKeyUnsuitable[] = "JWS_KEY_UNSUITABLE";
inline constexpr char kJwsMalformed[] = "JWS_MALFORMED";
inline constexpr char kJwsSignatureInvalid[] = "JWS_SIGNATURE_INVALID";
inline constexpr char kJwsUnsupportedAlg[] = "JWS_UNSUPPORTED_ALG";

// Collateral sources.
inline constexpr char kCollateralMissing[] = "COLLATERAL_MISSING";
inline constexpr char kCollateralUnavailable[] = "COLLATERAL_UNAVAILABLE";

// Evidence verification (docs/errors.md, first table).
inline constexpr char kCaRevoked[] = "CA_REVOKED";
inline constexpr char kCertExpired[] = "CERT_EXPIRED";
inline constexpr char kCertNotYetValid[] = "CERT_NOT_YET_VALID";
inline constexpr char kCrlExpired[] = "CRL_EXPIRED";
inline constexpr char kCrlInvalidSignature[] = "CRL_INVALID_SIGNATURE";
inline constexpr char kCrlIssuerMismatch[] = "CRL_ISSUER_MISMATCH";
inline constexpr char kCrlNotYetValid[] = "CRL_NOT_YET_VALID";
inline constexpr char kHclReportMalformed[] = "HCL_REPORT_MALFORMED";
inline constexpr char kHclReportUnsupported[] = "HCL_REPORT_UNSUPPORTED";
inline constexpr char kHclVariableDataInvalid[] = "HCL_VARIABLE_DATA_INVALID";
inline constexpr char kHclVariableDataMismatch[] = "HCL_VARIABLE_DATA_MISMATCH";
inline constexpr char kHclReportVmplNotZero[] = "HCL_REPORT_VMPL_NOT_ZERO";
inline constexpr char kHclTdQuoteMismatch[] = "HCL_TD_QUOTE_MISMATCH";
inline constexpr char kHclAkMismatch[] = "HCL_AK_MISMATCH";
inline constexpr char kInitTimeDataMismatch[] = "INIT_TIME_DATA_MISMATCH";
inline constexpr char kInvalidPckCert[] = "INVALID_PCK_CERT";
inline constexpr char kInvalidQeReportData[] = "INVALID_QE_REPORT_DATA";
inline constexpr char kInvalidQeReportSignature[] = "INVALID_QE_REPORT_SIGNATURE";
inline constexpr char kInvalidQuoteSignature[] = "INVALID_QUOTE_SIGNATURE";
inline constexpr char kOeCustomClaimsHashMismatch[] = "OE_CUSTOM_CLAIMS_HASH_MISMATCH";
inline constexpr char kOeEndorsementsMalformed[] = "OE_ENDORSEMENTS_MALFORMED";
inline constexpr char kOeEvidenceMalformed[] = "OE_EVIDENCE_MALFORMED";
inline constexpr char kOeReportMalformed[] = "OE_REPORT_MALFORMED";
inline constexpr char kPckRevoked[] = "PCK_REVOKED";
inline constexpr char kQeIdentityExpired[] = "QE_IDENTITY_EXPIRED";
inline constexpr char kQeIdentityInvalidSignature[] = "QE_IDENTITY_INVALID_SIGNATURE";
inline constexpr char kQeIdentityMismatch[] = "QE_IDENTITY_MISMATCH";
inline constexpr char kQeIdentityNotYetValid[] = "QE_IDENTITY_NOT_YET_VALID";
inline constexpr char kQeIdentityUnsupportedFormat[] = "QE_IDENTITY_UNSUPPORTED_FORMAT";
inline constexpr char kRuntimeDataMismatch[] = "RUNTIME_DATA_MISMATCH";
inline constexpr char kTcbInfoExpired[] = "TCB_INFO_EXPIRED";
inline constexpr char kTcbInfoInvalidSignature[] = "TCB_INFO_INVALID_SIGNATURE";
inline constexpr char kTcbInfoMismatch[] = "TCB_INFO_MISMATCH";
inline constexpr char kTcbInfoNotYetValid[] = "TCB_INFO_NOT_YET_VALID";
inline constexpr char kTcbInfoUnsupportedFormat[] = "TCB_INFO_UNSUPPORTED_FORMAT";
inline constexpr char kTcbNotSupported[] = "TCB_NOT_SUPPORTED";
inline constexpr char kTcbRevoked[] = "TCB_REVOKED";
inline constexpr char kTcbStatusUnrecognized[] = "TCB_STATUS_UNRECOGNIZED";
inline constexpr char kTdxModuleMismatch[] = "TDX_MODULE_MISMATCH";
inline constexpr char kTpmCertifyMalformed[] = "TPM_CERTIFY_MALFORMED";
inline constexpr char kTpmCertifyNameMismatch[] = "TPM_CERTIFY_NAME_MISMATCH";
inline constexpr char kTpmCertifySignatureInvalid[] = "TPM_CERTIFY_SIGNATURE_INVALID";
inline constexpr char kTpmEncKeyAttributesInvalid[] = "TPM_ENC_KEY_ATTRIBUTES_INVALID";
inline constexpr char kTpmEncKeyMalformed[] = "TPM_ENC_KEY_MALFORMED";
inline constexpr char kTpmEncKeyPolicyMismatch[] = "TPM_ENC_KEY_POLICY_MISMATCH";
inline constexpr char kUnknownQeVendor[] = "UNKNOWN_QE_VENDOR";
inline constexpr char kUnsupportedAttestationKeyType[] = "UNSUPPORTED_ATTESTATION_KEY_TYPE";
inline constexpr char kUnsupportedCertificationDataType[] = "UNSUPPORTED_CERTIFICATION_DATA_TYPE";
inline constexpr char kUnsupportedQuoteFormat[] = "UNSUPPORTED_QUOTE_FORMAT";
inline constexpr char kUntrustedRootCa[] = "UNTRUSTED_ROOT_CA";

// Attestation policy language and JMESPath.
inline constexpr char kJmespathEvaluationError[] = "JMESPATH_EVALUATION_ERROR";
inline constexpr char kJmespathSizeLimit[] = "JMESPATH_SIZE_LIMIT";
inline constexpr char kJmespathStepLimit[] = "JMESPATH_STEP_LIMIT";
inline constexpr char kJmespathSyntaxError[] = "JMESPATH_SYNTAX_ERROR";
inline constexpr char kPolicyEvaluationError[] = "POLICY_EVALUATION_ERROR";
inline constexpr char kPolicyLimitExceeded[] = "POLICY_LIMIT_EXCEEDED";
inline constexpr char kPolicySyntaxError[] = "POLICY_SYNTAX_ERROR";
inline constexpr char kPolicyTooLarge[] = "POLICY_TOO_LARGE";
inline constexpr char kPolicyTypeError[] = "POLICY_TYPE_ERROR";

// Policy and provider store.
inline constexpr char kInvalidMode[] = "INVALID_MODE";
inline constexpr char kLastSigner[] = "LAST_SIGNER";
inline constexpr char kProviderExists[] = "PROVIDER_EXISTS";
inline constexpr char kStoreUnavailable[] = "STORE_UNAVAILABLE";

// Token signing.
inline constexpr char kNotAnRsaKey[] = "NOT_AN_RSA_KEY";
inline constexpr char kSigningKeyUnusable[] = "SIGNING_KEY_UNUSABLE";
inline constexpr char kTokenTooLarge[] = "TOKEN_TOO_LARGE";

// Attestation and policy-management services, bearer tokens.
inline constexpr char kAuthConfigInvalid[] = "AUTH_CONFIG_INVALID";
inline constexpr char kBearerExpired[] = "BEARER_EXPIRED";
inline constexpr char kBearerInvalid[] = "BEARER_INVALID";
inline constexpr char kBearerMissing[] = "BEARER_MISSING";
inline constexpr char kBearerNotYetValid[] = "BEARER_NOT_YET_VALID";
inline constexpr char kCertificateDocumentInvalid[] = "CERTIFICATE_DOCUMENT_INVALID";
inline constexpr char kInvalidInitTimeDataJson[] = "INVALID_INIT_TIME_DATA_JSON";
inline constexpr char kInvalidRuntimeDataJson[] = "INVALID_RUNTIME_DATA_JSON";
inline constexpr char kOperationNotSupported[] = "OPERATION_NOT_SUPPORTED";
inline constexpr char kPolicyDenied[] = "POLICY_DENIED";
inline constexpr char kPolicyDocumentInvalid[] = "POLICY_DOCUMENT_INVALID";
inline constexpr char kPolicyNotFound[] = "POLICY_NOT_FOUND";
inline constexpr char kPolicySignatureRequired[] = "POLICY_SIGNATURE_REQUIRED";
inline constexpr char kProviderNotInitialised[] = "PROVIDER_NOT_INITIALISED";
inline constexpr char kSignerCertExpired[] = "SIGNER_CERT_EXPIRED";
inline constexpr char kSignerCertKeyUsage[] = "SIGNER_CERT_KEY_USAGE";
inline constexpr char kSignerCertNotYetValid[] = "SIGNER_CERT_NOT_YET_VALID";
inline constexpr char kSignerNotTrusted[] = "SIGNER_NOT_TRUSTED";

// HTTP routing, request bodies and transport.
inline constexpr char kBearerNotConfigured[] = "BEARER_NOT_CONFIGURED";
inline constexpr char kDuplicateAuthorization[] = "DUPLICATE_AUTHORIZATION";
inline constexpr char kEvidenceTooLarge[] = "EVIDENCE_TOO_LARGE";
inline constexpr char kHttpFramingAmbiguous[] = "HTTP_FRAMING_AMBIGUOUS";
inline constexpr char kHttpHostInvalid[] = "HTTP_HOST_INVALID";
inline constexpr char kHttpLineFolding[] = "HTTP_LINE_FOLDING";
inline constexpr char kHttpTransferEncodingUnsupported[] = "HTTP_TRANSFER_ENCODING_UNSUPPORTED";
inline constexpr char kInsufficientRole[] = "INSUFFICIENT_ROLE";
inline constexpr char kInvalidBase64url[] = "INVALID_BASE64URL";
inline constexpr char kInvalidInitTimeData[] = "INVALID_INIT_TIME_DATA";
inline constexpr char kInvalidListenAddress[] = "INVALID_LISTEN_ADDRESS";
inline constexpr char kInvalidNonce[] = "INVALID_NONCE";
inline constexpr char kInvalidRequestBody[] = "INVALID_REQUEST_BODY";
inline constexpr char kInvalidRuntimeData[] = "INVALID_RUNTIME_DATA";
inline constexpr char kListenFailed[] = "LISTEN_FAILED";
inline constexpr char kMalformedHttpRequest[] = "MALFORMED_HTTP_REQUEST";
inline constexpr char kMethodNotAllowed[] = "METHOD_NOT_ALLOWED";
inline constexpr char kMissingApiVersion[] = "MISSING_API_VERSION";
inline constexpr char kMissingEvidence[] = "MISSING_EVIDENCE";
inline constexpr char kNotReady[] = "NOT_READY";
inline constexpr char kPolicyParsingError[] = "POLICY_PARSING_ERROR";
inline constexpr char kRequestBodyTooLarge[] = "REQUEST_BODY_TOO_LARGE";
inline constexpr char kRequestDeadlineExceeded[] = "REQUEST_DEADLINE_EXCEEDED";
inline constexpr char kRequestHeadersTooLarge[] = "REQUEST_HEADERS_TOO_LARGE";
inline constexpr char kRouteNotFound[] = "ROUTE_NOT_FOUND";
inline constexpr char kServerBusy[] = "SERVER_BUSY";
inline constexpr char kUnknownProvider[] = "UNKNOWN_PROVIDER";
inline constexpr char kTlsCertUnusable[] = "TLS_CERT_UNUSABLE";
inline constexpr char kTlsKeyUnusable[] = "TLS_KEY_UNUSABLE";
inline constexpr char kUnsupportedApiVersion[] = "UNSUPPORTED_API_VERSION";

// Server configuration.
inline constexpr char kConfigInvalid[] = "CONFIG_INVALID";

// Client library.
inline constexpr char kConnectionFailed[] = "CONNECTION_FAILED";
inline constexpr char kHttpIoError[] = "HTTP_IO_ERROR";
inline constexpr char kInvalidCaFile[] = "INVALID_CA_FILE";
inline constexpr char kInvalidEndpoint[] = "INVALID_ENDPOINT";
inline constexpr char kInvalidJwks[] = "INVALID_JWKS";
inline constexpr char kInvalidResponse[] = "INVALID_RESPONSE";
inline constexpr char kPolicyTokenHashMismatch[] = "POLICY_TOKEN_HASH_MISMATCH";
inline constexpr char kResponseTooLarge[] = "RESPONSE_TOO_LARGE";
inline constexpr char kSealedAnswerInvalid[] = "SEALED_ANSWER_INVALID";
inline constexpr char kSignerCertInvalid[] = "SIGNER_CERT_INVALID";
inline constexpr char kSignerKeyInvalid[] = "SIGNER_KEY_INVALID";
inline constexpr char kSignerKeyMismatch[] = "SIGNER_KEY_MISMATCH";
inline constexpr char kTimeout[] = "TIMEOUT";
inline constexpr char kTlsHandshakeFailed[] = "TLS_HANDSHAKE_FAILED";
inline constexpr char kTlsSetupFailed[] = "TLS_SETUP_FAILED";
inline constexpr char kTokenAlgorithmUnsupported[] = "TOKEN_ALGORITHM_UNSUPPORTED";
inline constexpr char kTokenExpired[] = "TOKEN_EXPIRED";
inline constexpr char kTokenIssuerMismatch[] = "TOKEN_ISSUER_MISMATCH";
inline constexpr char kTokenKeyUnsuitable[] = "TOKEN_KEY_UNSUITABLE";
inline constexpr char kTokenMalformed[] = "TOKEN_MALFORMED";
inline constexpr char kTokenNotYetValid[] = "TOKEN_NOT_YET_VALID";
inline constexpr char kTokenNoExpiration[] = "TOKEN_NO_EXPIRATION";
inline constexpr char kTokenSignatureInvalid[] = "TOKEN_SIGNATURE_INVALID";
inline constexpr char kTokenSignerNotFound[] = "TOKEN_SIGNER_NOT_FOUND";

// attestctl.
inline constexpr char kInvalidClaimsFile[] = "INVALID_CLAIMS_FILE";
inline constexpr char kUsage[] = "USAGE";

// Every constant above, for tests that check the declared list against the documentation.
inline constexpr std::string_view kAll[] = {
    kAttestationTypeUnknown,
    kAttestationTypeUnsupported,
    kFileNotFound,
    kFileReadError,
    kFileTooLarge,
    kInternalError,
    kInvalidEncoding,
    kInvalidTime,
    kCrlUnsupportedFormat,
    kInvalidCertChain,
    kInvalidSignatureFormat,
    kJwkUnsupportedKey,
    kJwsKeyUnsuitable,
    kJwsMalformed,
    kJwsSignatureInvalid,
    kJwsUnsupportedAlg,
    kCollateralMissing,
    kCollateralUnavailable,
    kCaRevoked,
    kCertExpired,
    kCertNotYetValid,
    kCrlExpired,
    kCrlInvalidSignature,
    kCrlIssuerMismatch,
    kCrlNotYetValid,
    kHclReportMalformed,
    kHclReportUnsupported,
    kHclVariableDataInvalid,
    kHclVariableDataMismatch,
    kHclReportVmplNotZero,
    kHclTdQuoteMismatch,
    kHclAkMismatch,
    kInitTimeDataMismatch,
    kInvalidPckCert,
    kInvalidQeReportData,
    kInvalidQeReportSignature,
    kInvalidQuoteSignature,
    kOeCustomClaimsHashMismatch,
    kOeEndorsementsMalformed,
    kOeEvidenceMalformed,
    kOeReportMalformed,
    kPckRevoked,
    kQeIdentityExpired,
    kQeIdentityInvalidSignature,
    kQeIdentityMismatch,
    kQeIdentityNotYetValid,
    kQeIdentityUnsupportedFormat,
    kRuntimeDataMismatch,
    kTcbInfoExpired,
    kTcbInfoInvalidSignature,
    kTcbInfoMismatch,
    kTcbInfoNotYetValid,
    kTcbInfoUnsupportedFormat,
    kTcbNotSupported,
    kTcbRevoked,
    kTcbStatusUnrecognized,
    kTdxModuleMismatch,
    kTpmCertifyMalformed,
    kTpmCertifyNameMismatch,
    kTpmCertifySignatureInvalid,
    kTpmEncKeyAttributesInvalid,
    kTpmEncKeyMalformed,
    kTpmEncKeyPolicyMismatch,
    kUnknownQeVendor,
    kUnsupportedAttestationKeyType,
    kUnsupportedCertificationDataType,
    kUnsupportedQuoteFormat,
    kUntrustedRootCa,
    kJmespathEvaluationError,
    kJmespathSizeLimit,
    kJmespathStepLimit,
    kJmespathSyntaxError,
    kPolicyEvaluationError,
    kPolicyLimitExceeded,
    kPolicySyntaxError,
    kPolicyTooLarge,
    kPolicyTypeError,
    kInvalidMode,
    kLastSigner,
    kProviderExists,
    kStoreUnavailable,
    kNotAnRsaKey,
    kSigningKeyUnusable,
    kTokenTooLarge,
    kAuthConfigInvalid,
    kBearerExpired,
    kBearerInvalid,
    kBearerMissing,
    kBearerNotYetValid,
    kCertificateDocumentInvalid,
    kInvalidInitTimeDataJson,
    kInvalidRuntimeDataJson,
    kOperationNotSupported,
    kPolicyDenied,
    kPolicyDocumentInvalid,
    kPolicyNotFound,
    kPolicySignatureRequired,
    kProviderNotInitialised,
    kSignerCertExpired,
    kSignerCertKeyUsage,
    kSignerCertNotYetValid,
    kSignerNotTrusted,
    kBearerNotConfigured,
    kDuplicateAuthorization,
    kEvidenceTooLarge,
    kHttpFramingAmbiguous,
    kHttpHostInvalid,
    kHttpLineFolding,
    kHttpTransferEncodingUnsupported,
    kInsufficientRole,
    kInvalidBase64url,
    kInvalidInitTimeData,
    kInvalidListenAddress,
    kInvalidNonce,
    kInvalidRequestBody,
    kInvalidRuntimeData,
    kListenFailed,
    kMalformedHttpRequest,
    kMethodNotAllowed,
    kMissingApiVersion,
    kMissingEvidence,
    kNotReady,
    kPolicyParsingError,
    kRequestBodyTooLarge,
    kRequestDeadlineExceeded,
    kRequestHeadersTooLarge,
    kRouteNotFound,
    kServerBusy,
    kUnknownProvider,
    kTlsCertUnusable,
    kTlsKeyUnusable,
    kUnsupportedApiVersion,
    kConfigInvalid,
    kConnectionFailed,
    kHttpIoError,
    kInvalidCaFile,
    kInvalidEndpoint,
    kInvalidJwks,
    kInvalidResponse,
    kPolicyTokenHashMismatch,
    kResponseTooLarge,
    kSealedAnswerInvalid,
    kSignerCertInvalid,
    kSignerKeyInvalid,
    kSignerKeyMismatch,
    kTimeout,
    kTlsHandshakeFailed,
    kTlsSetupFailed,
    kTokenAlgorithmUnsupported,
    kTokenExpired,
    kTokenIssuerMismatch,
    kTokenKeyUnsuitable,
    kTokenMalformed,
    kTokenNotYetValid,
    kTokenNoExpiration,
    kTokenSignatureInvalid,
    kTokenSignerNotFound,
    kInvalidClaimsFile,
    kUsage,
};

}  // namespace attest::reason

// Parsing, inspection and validation of X.509 TLS material (keys, chains, CA bundles, member ids).
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/files.h"

namespace lienthong::security {

// Error codes used by every function of this module (and of pki.h):
//   INVALID_ARGUMENT    the input is not well-formed: a PEM does not parse, holds no certificate
//                       or no key, an argument is out of range.
//   FAILED_PRECONDITION the material is well-formed but cannot be used: the key does not match
//                       the certificate, the chain does not verify, a certificate is expired or
//                       not yet valid, a CA bundle entry is not a CA, an identity is ambiguous.
//   NOT_FOUND           a looked-up item is absent (no member identity, no such file).
// Every message names what failed precisely, so that an operator can act on a log line.

// A URI SAN of this form names the member: "urn:lienthong:member:000.00.31.H49".
inline constexpr absl::string_view kMemberUriPrefix = "urn:lienthong:member:";

// unique_ptr deleter calling an OpenSSL free function.
template <auto FreeFn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;

// Clears this thread's OpenSSL error queue when made and when the scope ends, so that no stale
// error leaks into a message or into the next TLS handshake on the thread.
class OpenSslErrorScope {
 public:
  OpenSslErrorScope() { ERR_clear_error(); }
  ~OpenSslErrorScope() { ERR_clear_error(); }
  OpenSslErrorScope(const OpenSslErrorScope&) = delete;
  OpenSslErrorScope& operator=(const OpenSslErrorScope&) = delete;
};

// What a certificate says about itself, for status pages and rotation logs.
struct CertificateInfo {
  std::string subject;     // RFC 2253 form, e.g. "CN=lienthong-gateway,O=...,C=VN"
  std::string issuer;      // RFC 2253 form
  std::string serial_hex;  // upper-case hex, no leading zeros, as `openssl x509 -serial` shows
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;  // textual form: "127.0.0.1", "::1"
  std::vector<std::string> uri_sans;
  absl::Time not_before;
  absl::Time not_after;
  std::string common_name;  // the subject's CN (the last one if several); empty when none
  bool is_ca = false;
  std::string sha256_fingerprint;  // lower-case hex of the DER's SHA-256
};

// Where a member's identity (its agency code) is read from in a client certificate.
enum class MemberIdSource {
  kSubjectCommonName,  // the subject CN
  kUriSan,             // the URI SAN that starts with kMemberUriPrefix
};

// Parses every certificate of a PEM bundle, in order. INVALID_ARGUMENT when a PEM block does
// not parse or when there is no certificate at all; `what` names the input in messages.
absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(absl::string_view pem,
                                                       absl::string_view what = "certificate PEM");

// Parses one unencrypted private key (PKCS#8, or traditional EC/RSA PEM). An encrypted key is
// INVALID_ARGUMENT: the gateway holds no passphrase.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(absl::string_view pem);

// The validity bounds of a certificate as absl::Time.
absl::StatusOr<absl::Time> CertificateNotBefore(const X509& cert);
absl::StatusOr<absl::Time> CertificateNotAfter(const X509& cert);

// "2025-01-01T00:00:00Z", the form every message of this module uses for instants.
std::string FormatUtc(absl::Time t);

// A certificate's subject in RFC 2253 form ("CN=...,O=...,C=VN").
std::string SubjectOf(const X509& cert);

// Empties this thread's OpenSSL error queue and returns its reasons joined by "; " (or
// "unknown OpenSSL error"), for messages. Every function of this module leaves the queue empty.
std::string DrainOpenSslErrors();

// Describes every certificate of a bundle.
absl::StatusOr<std::vector<CertificateInfo>> InspectCertificates(absl::string_view pem);
absl::StatusOr<CertificateInfo> InspectCertificate(const X509& cert);

// The candidate check of guarantee 8, in this order, stopping at the first failure:
//   1. the key PEM, the chain PEM and the CA bundle PEM parse (INVALID_ARGUMENT, naming which);
//   2. the private key matches the public key of the leaf, the first certificate of
//      `cert_chain_pem` (FAILED_PRECONDITION "private key does not match certificate");
//   3. the leaf is valid at `now` (FAILED_PRECONDITION "certificate expired at <t>" or
//      "certificate not yet valid: valid from <t>");
//   4. the leaf, with the intermediates that follow it in `cert_chain_pem`, verifies against the
//      CA bundle at time `now` (FAILED_PRECONDITION "certificate chain does not verify against
//      CA bundle: <OpenSSL reason> (depth N, subject ...)"). A chain must end at a self-signed
//      root in the bundle, as at handshake time.
absl::Status ValidateKeyCertPair(absl::string_view key_pem, absl::string_view cert_chain_pem,
                                 absl::string_view ca_bundle_pem, absl::Time now);

// Checks a CA bundle: it parses (INVALID_ARGUMENT), holds at least one certificate, and every
// certificate is a CA (FAILED_PRECONDITION naming its position and subject). Certificates that are
// expired or not yet valid at `now` are tolerated next to a valid one, as a CA rollover needs an
// overlapping bundle; each such certificate adds a line to `warnings` (when given). A bundle in
// which no certificate is valid at `now` is refused (FAILED_PRECONDITION): it could verify nothing.
absl::Status ValidateCaBundle(absl::string_view pem, absl::Time now,
                              std::vector<std::string>* warnings = nullptr);

// The member identity of a client certificate (the first certificate of `cert_pem`):
//   kSubjectCommonName: the subject CN;
//   kUriSan: what follows kMemberUriPrefix in the URI SAN that starts with it (case-sensitive).
// NOT_FOUND when the certificate carries no such identity; FAILED_PRECONDITION when it is
// ambiguous (several CNs, several member URI SANs) or malformed (empty, embedded NUL).
absl::StatusOr<std::string> MemberIdFromCertificate(absl::string_view cert_pem,
                                                    MemberIdSource source);
absl::StatusOr<std::string> MemberIdFromCertificate(const X509& cert, MemberIdSource source);

// Reads a whole file (services/common/files.h).
using ::lienthong::ReadFileToString;

}  // namespace lienthong::security

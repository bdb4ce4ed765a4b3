// Certificate issuance (ECDSA P-256 CA, leaves, CRLs) for development PKIs (dev_pki.h) and for
// tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/files.h"
#include "services/security/tls_material.h"

namespace lienthong::security {

// Member identity convention (guarantee 9). A member of the exchange is an agency, named by its
// agency code (docs/domain.md, "Agency codes": the QCVN 102:2016 form such as "000.00.31.H49",
// or the Decision 20/2020 left-to-right form). A member certificate carries that code twice:
//   - as the subject common name:   CN=000.00.31.H49
//   - as a URI SAN:                 urn:lienthong:member:000.00.31.H49  (kMemberUriPrefix)
// The gateway reads one of the two, as configured (MemberIdSource in tls_material.h). The URI
// SAN is the stricter source: it cannot be mistaken for a host name, and a CA that issues
// ordinary TLS certificates does not put it there by accident. Agency codes are configuration;
// the codes in DefaultDevelopmentMembers() are examples.

// A PEM private key (PKCS#8, unencrypted) and its PEM certificate.
struct KeyAndCert {
  std::string key_pem;
  std::string cert_pem;
};

// Subject distinguished name; empty fields are left out. Values are UTF-8.
struct SubjectName {
  std::string common_name;
  std::string organization;
  std::string organizational_unit;
  std::string country = "VN";
};

inline constexpr absl::Duration kCaValidity = absl::Hours(24 * 3652);   // 10 years
inline constexpr absl::Duration kLeafValidity = absl::Hours(24 * 825);  // 825 days
inline constexpr absl::Duration kClockSkewBackdate = absl::Minutes(5);  // not_before = now - 5 min

// A certificate authority's certificate. not_after must be after not_before. An empty
// serial_hex means a random positive 128-bit serial; otherwise it is the serial in hex.
struct CaSpec {
  SubjectName subject;
  absl::Time not_before = absl::Now() - kClockSkewBackdate;
  absl::Time not_after = absl::Now() + kCaValidity;
  std::string serial_hex;
};

// The extended key usages of a leaf certificate.
enum class CertificateUsage {
  kServer,           // serverAuth
  kClient,           // clientAuth
  kServerAndClient,  // serverAuth, clientAuth
  kTimeStamping,     // timeStamping, critical (an RFC 3161 Time-Stamp Authority)
};

// An end-entity certificate (basicConstraints CA:FALSE). Times may lie in the past or future so
// that tests can make expired and not-yet-valid certificates.
struct LeafSpec {
  SubjectName subject;
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;  // "127.0.0.1", "::1"
  std::vector<std::string> uri_sans;
  absl::Time not_before = absl::Now() - kClockSkewBackdate;
  absl::Time not_after = absl::Now() + kLeafValidity;
  std::string serial_hex;  // empty: random positive 128-bit serial
  CertificateUsage usage = CertificateUsage::kServerAndClient;
};

// A self-signed CA: ECDSA P-256 key, SHA-256 signature, basicConstraints CA:TRUE (critical),
// keyUsage keyCertSign + cRLSign (critical), subject key identifier.
absl::StatusOr<KeyAndCert> CreateCertificateAuthority(const CaSpec& spec);

// An intermediate CA signed by `issuer`: as CreateCertificateAuthority, plus an authority key id.
absl::StatusOr<KeyAndCert> IssueIntermediateAuthority(const KeyAndCert& issuer, const CaSpec& spec);

// A leaf signed by `issuer` (a CA whose key matches its certificate): ECDSA P-256 key,
// SHA-256 signature, basicConstraints CA:FALSE (critical), keyUsage digitalSignature (critical),
// extendedKeyUsage per `spec.usage`, the SANs of `spec`, subject and authority key identifiers.
// INVALID_ARGUMENT for a bad spec (bad IP SAN, bad serial, empty validity, no name at all).
absl::StatusOr<KeyAndCert> IssueCertificate(const KeyAndCert& issuer, const LeafSpec& spec);

// A client-certificate spec following the member identity convention above: CN = agency code,
// URI SAN kMemberUriPrefix + agency code, clientAuth. INVALID_ARGUMENT when `agency_code` is not
// 1 to 35 characters of [0-9A-Z.] (the alphabet both agency-code forms of docs/domain.md use).
absl::StatusOr<LeafSpec> MemberCertificateSpec(absl::string_view agency_code,
                                               absl::string_view organization);

// A version 2 CRL signed by `ca`, listing the given serials (hex, either case) as revoked at
// `this_update`. The CRL number is this_update in Unix seconds, so later CRLs get larger numbers.
// PEM ("-----BEGIN X509 CRL-----").
absl::StatusOr<std::string> CreateCrl(const KeyAndCert& ca,
                                      const std::vector<std::string>& revoked_serials_hex,
                                      absl::Time this_update, absl::Time next_update);

// File modes of what InitDevelopmentPki (dev_pki.h) and rotation scripts write.
inline constexpr mode_t kPrivateKeyMode = 0600;
inline constexpr mode_t kCertificateMode = 0644;
inline constexpr mode_t kPrivateDirMode = 0700;

// Replaces a file atomically (services/common/files.h): what rotation scripts and tests use to
// write key and certificate files.
using ::lienthong::WritePrivateFile;

}  // namespace lienthong::security

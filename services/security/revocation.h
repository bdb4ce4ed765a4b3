// Certificate revocation from a folder of CRLs, checked by the gateway itself at the handshake.
//
// gRPC's own set_crl_directory checks the leaf only, reads the folder once when the TLS context
// is built and lets a certificate in when no CRL is found (docs/architecture.md, "gRPC 1.51 and
// Abseil 20220623 on Debian 12"). This fails closed instead:
//   - loading: every file of the folder must be a CRL (PEM or DER) signed by a CA of the
//     trusted bundle, and every CA of the bundle that is valid now must have one; otherwise the
//     whole folder is refused (and the material in force stays, see tls_rotation.h);
//   - checking: every certificate of the client's chain is looked up in the CRL of its issuer;
//     a certificate whose issuer has no CRL is refused, as is one that is listed, and one issued
//     by an issuing CA of the bundle that its own issuer's CRL lists (clients seldom send their
//     issuing CA, so the chain alone would not show it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/security/tls_material.h"

namespace lienthong::security {

// The revoked serials of a set of CRLs, by issuer. Immutable once loaded.
class RevocationList {
 public:
  // Reads every regular file of `dir` (hidden files are skipped) as a CRL and checks it against
  // `ca_bundle_pem` at `now` as described above. INVALID_ARGUMENT for a file that does not parse;
  // FAILED_PRECONDITION for a CRL no CA of the bundle signed, or a valid CA without a CRL. Each
  // message names the file. A CRL past its nextUpdate is used, with a line in `warnings`; so is
  // a revoked issuing CA of the bundle (its certificates are then refused).
  static absl::StatusOr<std::shared_ptr<const RevocationList>> LoadDirectory(
      const std::string& dir, absl::string_view ca_bundle_pem, absl::Time now,
      std::vector<std::string>* warnings = nullptr);

  // OK when no certificate of `chain` (leaf first, as a peer presents it) is revoked and each
  // one's issuer has a CRL here; a self-signed certificate (a root sent along) is skipped.
  // PERMISSION_DENIED "certificate serial <hex> (subject ...) is revoked by the CRL of <issuer>",
  // "... was issued by a revoked CA: ..." or "no CRL of issuer <issuer>: revocation status
  // unknown".
  absl::Status CheckChain(const std::vector<X509Ptr>& chain) const;
  absl::Status CheckChainPem(absl::string_view chain_pem) const;
  // Whether a CRL here lists `cert` (by its issuer and serial).
  bool IsRevoked(const X509& cert) const;

  // Same issuers and same revoked serials.
  bool SameRevocations(const RevocationList& other) const;

  // Number of CRLs and of revoked serials, for logs.
  int crl_count() const { return static_cast<int>(issuers_.size()); }
  int revoked_count() const;

 private:
  RevocationList() = default;

  struct IssuerCrl {
    std::string issuer;  // RFC 2253, for messages
    std::string file;
    absl::flat_hash_set<std::string> revoked_serials;  // upper-case hex, as CertificateInfo
  };
  // An issuing CA of the bundle that its issuer's CRL lists.
  struct RevokedCa {
    std::string name_der;     // its subject name, DER
    std::string key_id;       // its subject key identifier; empty when it has none
    std::string description;  // subject, serial, which CRL: for messages
  };
  const IssuerCrl* CrlOfIssuer(const X509& cert) const;
  // The revoked bundle CA that issued `cert`, if any (same name and, when both certificates say,
  // the same key identifier). Not const X509: OpenSSL caches extensions on first reading.
  const RevokedCa* RevokedIssuerOf(X509* cert) const;
  // Keyed by the DER encoding of the issuer name.
  absl::flat_hash_map<std::string, IssuerCrl> issuers_;
  std::vector<RevokedCa> revoked_cas_;
};

}  // namespace lienthong::security

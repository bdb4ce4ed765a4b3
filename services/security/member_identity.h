// The calling member: the agency code carried by the client certificate (docs/architecture.md, guarantee 9).
//
// Two places read it: the handshake verifier (a certificate without an identity never gets a
// connection) and handlers (who is calling). Both use the same rule, defined here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/auth_context.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/security/tls_material.h"

namespace lienthong::security {


// A member is named by the URI SAN kMemberUriPrefix + agency code (services/security/tls_material.h).

// The member named by a certificate's URI SANs or common name, per `source`. NOT_FOUND when the
// certificate carries none, or carries two different ones (ambiguous identity is no identity).
absl::StatusOr<std::string> MemberFromCertificateNames(const std::vector<absl::string_view>& uris,
                                                       absl::string_view common_name,
                                                       config::v1::MemberIdSource source);

// The same rule applied to a call's auth context (peer_uri / x509_common_name properties).
absl::StatusOr<std::string> MemberFromAuthContext(const grpc::AuthContext& auth,
                                                  config::v1::MemberIdSource source);

}  // namespace lienthong::security

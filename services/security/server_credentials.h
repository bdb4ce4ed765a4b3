// Mutual-TLS server credentials of the gateway's listener: the only way in (docs/architecture.md, guarantees 8-9).
//
// The client must present a certificate that chains to the CA bundle in force and is within
// its validity period (checked by gRPC's TLS stack), that names a member, and that no CRL in
// force revokes (both checked by MemberCertificateVerifier at the handshake, failing closed).
// Anything else never reaches a handler. The gateway's own key, certificate, CA bundle and CRLs
// rotate without restart (tls_rotation.h).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/security/tls_rotation.h"

namespace lienthong::security {

// The files the listener's config names.
TlsSources ListenerTlsSources(const config::v1::Tls& tls);

// Credentials serving `material` (which must outlive the server) and checking each client
// certificate's member identity (read per `source`) and revocation at the handshake.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const RotatingTlsMaterial& material, config::v1::MemberIdSource source);

// The same checks over material read once from the files `tls` names (validated as
// LoadTlsCandidate does), for servers that do not rotate (benchmarks, test servers).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeStaticServerCredentials(
    const config::v1::Tls& tls);

}  // namespace lienthong::security

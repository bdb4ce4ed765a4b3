// Mutual-TLS server credentials of the gateway's listener: the only way in (ARCHITECTURE.md, 8-9).
//
// The client must present a certificate that chains to the configured CA bundle and is within
// its validity period (checked by gRPC's TLS stack), and that names a member (checked by
// MemberCertificateVerifier at the handshake). Anything else never reaches a handler.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "lienthong/config/v1/config.pb.h"

namespace lienthong::security {

// Reads and validates the key, certificate chain and client CA bundle named by `tls`
// (key matches certificate, chain verifies against the bundle, within validity), then builds
// the credentials. A bad file is an error naming the file and what is wrong.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::v1::Tls& tls);

}  // namespace lienthong::security

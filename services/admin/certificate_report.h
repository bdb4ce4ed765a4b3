// The certificates the gateway uses, with days left: AdminService.ListCertificates,
// `lienthongctl certs` and the lienthong_certificate_days_left gauges all read this.
#pragma once

#include <vector>

#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/admin_service.pb.h"
#include "services/security/tls_rotation.h"

namespace lienthong::admin {

// Fewer days left than this earns a warning.
inline constexpr int64_t kExpiryWarningDays = 30;

// Every certificate in use at `now`: the listener's chain in force (role "server", then
// "server-chain" for intermediates), its CA bundle ("ca"), and for each grpc adapter of
// `config` its client chain ("adapter:<name>") and CA bundle ("adapter:<name>:ca"), read from
// the files the config names. A file that cannot be read is listed with the reason as warning.
std::vector<v1::CertificateStatus> CertificatesInUse(const security::TlsCandidate& listener,
                                                     const config::v1::GatewayConfig& config,
                                                     absl::Time now);

}  // namespace lienthong::admin

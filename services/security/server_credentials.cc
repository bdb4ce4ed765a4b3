// Mutual-TLS server credentials with a handshake-time member check.
#include "services/security/server_credentials.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/security/member_identity.h"
#include "services/security/tls_material.h"

namespace lienthong::security {
namespace {

// Runs after gRPC has verified the chain and validity: refuses a certificate with no member.
class MemberCertificateVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit MemberCertificateVerifier(config::v1::MemberIdSource source) : source_(source) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/,
              grpc::Status* sync_status) override {
    std::vector<absl::string_view> uris;
    for (const grpc::string_ref& uri : request->uri_names()) {
      uris.emplace_back(uri.data(), uri.size());
    }
    grpc::string_ref cn = request->common_name();
    auto member =
        MemberFromCertificateNames(uris, absl::string_view(cn.data(), cn.size()), source_);
    if (member.ok()) {
      *sync_status = grpc::Status::OK;
    } else {
      LogLine(LogLevel::kWarning, "handshake refused: no member identity")
          .Str("reason", member.status().message());
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                  std::string(member.status().message()));
    }
    return true;  // answered synchronously
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const config::v1::MemberIdSource source_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::v1::Tls& tls) {
  ASSIGN_OR_RETURN(std::string key_pem, ReadFileToString(tls.key_file()));
  ASSIGN_OR_RETURN(std::string cert_pem, ReadFileToString(tls.cert_file()));
  ASSIGN_OR_RETURN(std::string ca_pem, ReadFileToString(tls.client_ca_file()));
  const absl::Time now = absl::Now();
  absl::Status bundle = ValidateCaBundle(ca_pem, now);
  if (!bundle.ok()) {
    return absl::Status(bundle.code(),
                        absl::StrCat(tls.client_ca_file(), ": ", bundle.message()));
  }
  // The gateway's own chain must verify against the CA bundle it trusts for clients too: the
  // development PKI and the deployments we know use one CA for both sides.
  absl::Status pair = ValidateKeyCertPair(key_pem, cert_pem, ca_pem, now);
  if (!pair.ok()) {
    return absl::Status(pair.code(), absl::StrCat(tls.cert_file(), " / ", tls.key_file(), ": ",
                                                  pair.message()));
  }

  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      ca_pem, std::vector<grpc::experimental::IdentityKeyCertPair>{{key_pem, cert_pem}});
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<MemberCertificateVerifier>(
          tls.member_id_source()));
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace lienthong::security

// Mutual-TLS server credentials with handshake-time member and revocation checks.
#include "services/security/server_credentials.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/log.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/security/member_identity.h"

namespace lienthong::security {
namespace {

// Runs after gRPC has verified the chain and validity: refuses a certificate with no member,
// and one that a CRL in force revokes (or whose issuer has no CRL while CRLs are configured).
class MemberCertificateVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  MemberCertificateVerifier(config::v1::MemberIdSource source, std::shared_ptr<ActiveTls> active)
      : source_(source), active_(std::move(active)) {}

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
    if (!member.ok()) {
      LogLine(LogLevel::kWarning, "handshake refused: no member identity")
          .Str("reason", member.status().message());
      *sync_status = ToGrpcStatus(absl::UnauthenticatedError(member.status().message()));
      return true;  // answered synchronously
    }
    const std::shared_ptr<const TlsCandidate> active = active_->Get();
    if (active->revocations != nullptr) {
      // On the server side gRPC 1.51's "full chain" lacks the leaf and holds only what the client
      // sent above it (often nothing: an issuing CA taken from the bundle is not in it, see
      // RevocationList): check the leaf and that chain both.
      const grpc::string_ref leaf = request->peer_cert();
      const grpc::string_ref chain = request->peer_cert_full_chain();
      std::string certificates(leaf.data(), leaf.size());
      if (!certificates.empty() && certificates.back() != '\n') certificates.push_back('\n');
      certificates.append(chain.data(), chain.size());
      const absl::Status revocation = active->revocations->CheckChainPem(certificates);
      if (!revocation.ok()) {
        LogLine(LogLevel::kWarning, "handshake refused: revocation check failed")
            .Str("member", *member).Str("reason", revocation.message());
        *sync_status = ToGrpcStatus(absl::UnauthenticatedError(revocation.message()));
        return true;
      }
    }
    *sync_status = grpc::Status::OK;
    return true;
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const config::v1::MemberIdSource source_;
  const std::shared_ptr<ActiveTls> active_;
};

std::shared_ptr<grpc::ServerCredentials> Credentials(
    std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider,
    std::shared_ptr<ActiveTls> active, config::v1::MemberIdSource source) {
  grpc::experimental::TlsServerCredentialsOptions options(std::move(provider));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<MemberCertificateVerifier>(
          source, std::move(active)));
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace

TlsSources ListenerTlsSources(const config::v1::Tls& tls) {
  TlsSources sources;
  sources.key_file = tls.key_file();
  sources.cert_file = tls.cert_file();
  sources.ca_file = tls.client_ca_file();
  sources.crl_dir = tls.crl_dir();
  return sources;
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const RotatingTlsMaterial& material, config::v1::MemberIdSource source) {
  return Credentials(material.provider(), material.active_holder(), source);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeStaticServerCredentials(
    const config::v1::Tls& tls) {
  ASSIGN_OR_RETURN(TlsCandidate candidate, LoadTlsCandidate(ListenerTlsSources(tls), absl::Now()));
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      candidate.ca_pem, std::vector<grpc::experimental::IdentityKeyCertPair>{
                            {candidate.key_pem, candidate.cert_pem}});
  auto active =
      std::make_shared<ActiveTls>(std::make_shared<const TlsCandidate>(std::move(candidate)));
  return Credentials(std::move(provider), std::move(active), tls.member_id_source());
}

}  // namespace lienthong::security

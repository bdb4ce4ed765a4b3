// Mutual-TLS client channels.
#include "services/security/client_credentials.h"

#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::security {

absl::StatusOr<ClientTlsPem> ReadClientTlsFiles(const ClientTlsFiles& files) {
  ClientTlsPem pem;
  ASSIGN_OR_RETURN(pem.key_pem, ReadFileToString(files.key_file));
  ASSIGN_OR_RETURN(pem.cert_pem, ReadFileToString(files.cert_file));
  ASSIGN_OR_RETURN(pem.ca_pem, ReadFileToString(files.ca_file));
  return pem;
}

std::shared_ptr<grpc::Channel> MakeMutualTlsChannel(const std::string& target,
                                                    const ClientTlsPem& pem,
                                                    const std::string& server_name,
                                                    grpc::ChannelArguments args) {
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      pem.ca_pem,
      std::vector<grpc::experimental::IdentityKeyCertPair>{{pem.key_pem, pem.cert_pem}});
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
  return grpc::CreateCustomChannel(target, grpc::experimental::TlsCredentials(options), args);
}

}  // namespace lienthong::security

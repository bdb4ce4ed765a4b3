// ReferenceSink: failure simulation in front of a JSON-lines store.
#include "adapters/grpc/reference_sink/reference_sink.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::adapters::grpc_sink {
namespace {

jsonl::JsonlOptions StoreOptions(const std::string& output_file) {
  jsonl::JsonlOptions options;
  options.output_file = output_file;
  return options;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> SinkServerCredentials(
    const security::ClientTlsFiles& files) {
  ASSIGN_OR_RETURN(auto pem, security::ReadClientTlsFiles(files));
  RETURN_IF_ERROR(security::ValidateKeyCertPair(pem.key_pem, pem.cert_pem, pem.ca_pem,
                                                absl::Now()));
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      pem.ca_pem,
      std::vector<grpc::experimental::IdentityKeyCertPair>{{pem.key_pem, pem.cert_pem}});
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

ReferenceSink::ReferenceSink(ReferenceSinkOptions options)
    : options_(std::move(options)),
      store_(StoreOptions(options_.output_file)),
      reject_keys_(options_.reject_keys) {}

void ReferenceSink::SetRejectKeys(std::set<std::string> keys) {
  absl::MutexLock lock(&mu_);
  reject_keys_ = std::move(keys);
}

absl::Status ReferenceSink::Handle(const v1::ApplyChangesRequest& request,
                                   v1::ApplyChangesResponse* response) {
  const int call = ++calls_;
  if (call <= options_.fail_first_n || absl::Now() < options_.fail_until) {
    ++failed_calls_;
    return absl::UnavailableError(absl::StrCat("reference sink: down on purpose (call ", call, ")"));
  }
  {
    absl::MutexLock lock(&mu_);
    for (const auto& event : request.events()) {
      if (reject_keys_.count(event.key().key()) > 0) {
        ++failed_calls_;
        return absl::InvalidArgumentError(
            absl::StrCat("reference sink: record ", event.key().key(), " refused on purpose"));
      }
    }
  }
  const std::vector<v1::ChangeEvent> events(request.events().begin(), request.events().end());
  ASSIGN_OR_RETURN(int applied, store_.Append(events));
  response->set_applied(applied);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ReferenceSink::ApplyChanges(grpc::CallbackServerContext* context,
                                                      const v1::ApplyChangesRequest* request,
                                                      v1::ApplyChangesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(Handle(*request, response)));
  return reactor;
}

}  // namespace lienthong::adapters::grpc_sink

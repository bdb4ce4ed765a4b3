// Per-call identity and exchange-log entry.
#include "services/exchange/exchange_call.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/security/member_identity.h"
#include "services/store/exchange_log.h"

namespace lienthong::exchange {

std::string MessageDigest(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return store::Sha256(bytes);
}

absl::StatusOr<ExchangeCall> ExchangeCall::Begin(const GatewayContext& gateway,
                                                 grpc::ServerContextBase* context,
                                                 const char* method,
                                                 const google::protobuf::Message& request) {
  ExchangeCall call;
  auto auth = context->auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("no client certificate");
  auto member = security::MemberFromAuthContext(*auth, gateway.member_id_source);
  if (!member.ok()) return absl::UnauthenticatedError(member.status().message());
  call.member = std::move(*member);
  call.log.time = absl::Now();
  call.log.member = call.member;
  call.log.method = method;
  call.log.request_digest = MessageDigest(request);
  call.log.request_bytes = static_cast<int64_t>(request.ByteSizeLong());
  call.policy = gateway.access_policy != nullptr ? gateway.access_policy->Get()
                                                 : security::AccessPolicy::DenyAll();
  absl::Status allowed = call.policy->AuthorizeMethod(call.member, method);
  if (!allowed.ok()) {
    // A refused call is an exchange too (who asked what, and the outcome).
    LogReadOnlyCall(gateway, std::move(call), allowed, 0);
    return allowed;
  }
  return call;
}

void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     int64_t response_bytes) {
  call.log.status_code = static_cast<int>(status.code());
  call.log.response_bytes = response_bytes;
  gateway.store->LogExchange(std::move(call.log));
}

}  // namespace lienthong::exchange

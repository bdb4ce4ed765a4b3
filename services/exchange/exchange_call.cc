// Per-call identity and exchange-log entry.
#include "services/exchange/exchange_call.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/security/member_identity.h"
#include "services/store/exchange_log.h"

namespace lienthong::exchange {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string MessageDigest(const google::protobuf::Message& message) {
  return store::Sha256(DeterministicBytes(message));
}

absl::StatusOr<absl::string_view> EmbeddedMessageBytes(absl::string_view wire, int field_number) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  absl::string_view found;
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {  // the end, or a malformed tag
      if (in.CurrentPosition() == static_cast<int>(wire.size())) return found;
      break;
    }
    if (WireFormatLite::GetTagFieldNumber(tag) == field_number &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) break;
      const int offset = in.CurrentPosition();
      if (!in.Skip(static_cast<int>(length))) break;
      found = wire.substr(static_cast<size_t>(offset), length);  // a repeat replaces, as in parsing
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) break;
  }
  return absl::InvalidArgumentError("the serialized message does not parse");
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
  call.request_wire = DeterministicBytes(request);
  call.log.request_digest = store::Sha256(call.request_wire);
  call.log.request_bytes = static_cast<int64_t>(call.request_wire.size());
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

// Per-call identity and exchange-log entry.
#include "services/exchange/exchange_call.h"

#include <openssl/evp.h>

#include <vector>

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

ExchangeCall ExchangeCall::Prepare(const GatewayContext& gateway, std::string member,
                                   const char* method, const google::protobuf::Message& request) {
  ExchangeCall call;
  call.member = std::move(member);
  call.log.time = absl::Now();
  call.log.member = call.member;
  call.log.method = method;
  call.request_wire = DeterministicBytes(request);
  call.log.request_digest = store::Sha256(call.request_wire);
  call.log.request_bytes = static_cast<int64_t>(call.request_wire.size());
  call.policy = gateway.access_policy != nullptr ? gateway.access_policy->Get()
                                                 : security::AccessPolicy::DenyAll();
  return call;
}

absl::StatusOr<ExchangeCall> ExchangeCall::Begin(const GatewayContext& gateway,
                                                 grpc::ServerContextBase* context,
                                                 const char* method,
                                                 const google::protobuf::Message& request) {
  auto auth = context->auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("no client certificate");
  auto member = security::MemberFromAuthContext(*auth, gateway.member_id_source);
  if (!member.ok()) return absl::UnauthenticatedError(member.status().message());
  ExchangeCall call = Prepare(gateway, std::move(*member), method, request);
  absl::Status allowed = call.policy->AuthorizeMethod(call.member, method);
  if (allowed.ok()) {
    auto attribution = AttributionFromMetadata(context->client_metadata());
    if (attribution.ok()) {
      call.attribution = std::move(*attribution);
      call.log.end_user = call.attribution.user;
      call.log.correlation_id = call.attribution.correlation_id;
      allowed = call.policy->CheckAttribution(call.member, method, !call.attribution.user.empty(),
                                              !call.attribution.correlation_id.empty());
    } else {
      allowed = attribution.status();
    }
  }
  if (!allowed.ok()) {
    // A refused call is an exchange too (who asked what, and the outcome).
    LogReadOnlyCall(gateway, std::move(call), allowed, 0);
    return allowed;
  }
  return call;
}

void RecordResponse(const google::protobuf::Message& response, store::ExchangeLogEntry* entry) {
  const std::string bytes = DeterministicBytes(response);
  entry->response_bytes = static_cast<int64_t>(bytes.size());
  entry->response_digest = store::Sha256(bytes);
}

void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     const google::protobuf::Message& response) {
  call.log.status_code = static_cast<int>(status.code());
  if (status.ok()) RecordResponse(response, &call.log);
  gateway.store->LogExchange(std::move(call.log));
}

struct StreamDigest::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
};

StreamDigest::StreamDigest() : context_(new Context) {
  EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr);
}

StreamDigest::~StreamDigest() {
  EVP_MD_CTX_free(context_->md);
  delete context_;
}

void StreamDigest::Add(absl::string_view message) {
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(message.size() >> (56 - 8 * i));
  EVP_DigestUpdate(context_->md, length, sizeof(length));
  EVP_DigestUpdate(context_->md, message.data(), message.size());
  ++messages_;
}

void StreamDigest::Add(const grpc::ByteBuffer& message) {
  std::vector<grpc::Slice> slices;
  if (!message.Dump(&slices).ok()) return;
  const uint64_t size = message.Length();
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(size >> (56 - 8 * i));
  EVP_DigestUpdate(context_->md, length, sizeof(length));
  for (const grpc::Slice& slice : slices) EVP_DigestUpdate(context_->md, slice.begin(), slice.size());
  ++messages_;
}

std::string StreamDigest::Finish() {
  if (messages_ == 0) return std::string();
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_->md, digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     int64_t response_bytes) {
  call.log.status_code = static_cast<int>(status.code());
  call.log.response_bytes = response_bytes;
  gateway.store->LogExchange(std::move(call.log));
}

}  // namespace lienthong::exchange

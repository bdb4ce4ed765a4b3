// ExchangeCall: what every handler knows about its call before doing any work: the calling
// member (from the client certificate), the method, the access policy that allowed it, and the
// exchange-log entry the store will write for it (Decree 47/2020 Art. 45: time, who asked, what
// was asked, the outcome).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "lienthong/config/v1/config.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/exchange/call_attribution.h"
#include "services/security/access_policy.h"
#include "services/store/store.h"

namespace lienthong::exchange {

// Shared by every service of one gateway process.
struct GatewayContext {
  store::Store* store = nullptr;
  config::v1::MemberIdSource member_id_source = config::v1::MEMBER_ID_SOURCE_URI_SAN;
  uint32_t max_page_size = 1000;
  uint32_t max_upsert_batch = 1000;
  // The access policy in force (swapped on config reload). Null refuses every call.
  const security::AccessPolicyHolder* access_policy = nullptr;
};

struct ExchangeCall {
  std::string member;       // agency code of the caller
  store::ExchangeLogEntry log;  // time, member, method, request digest and size filled
  // The policy snapshot this call is judged by from start to end (record types, dossier
  // agencies); never null after Begin.
  std::shared_ptr<const security::AccessPolicy> policy;
  // The request's deterministic serialization, as digested for the log: handlers that digest a
  // part of the request take it from here (EmbeddedMessageBytes) instead of serializing again.
  std::string request_wire;
  // The attribution the call's metadata gave (also in `log`), checked against `policy`.
  CallAttribution attribution;

  // The call of `member` to `method` with its entry prepared (time, member, method, request
  // digest and size) and the policy snapshot taken; nothing is checked yet: Begin and
  // BeginLocalCall (local_call.h) check.
  static ExchangeCall Prepare(const GatewayContext& gateway, std::string member, const char* method,
                              const google::protobuf::Message& request);

  // Resolves the member, checks that the policy lets it call `method`, reads the attribution
  // metadata (call_attribution.h: INVALID_ARGUMENT naming the key when malformed; the policy's
  // PERMISSION_DENIED when it requires what is missing), and prepares the log entry. UNAUTHENTICATED when the certificate names no member (the handshake refuses those
  // already; this is the second line); PERMISSION_DENIED naming the member and the method when
  // the policy refuses, and that refusal is written to the exchange log. Streaming handlers
  // (Subscribe, Ack, ReplayDeadLetters, ResyncAdapter) call it too.
  static absl::StatusOr<ExchangeCall> Begin(const GatewayContext& gateway,
                                            grpc::ServerContextBase* context,
                                            const char* method,
                                            const google::protobuf::Message& request);
};

// Logs a call that wrote nothing (reads, refusals) with its outcome and response size. The
// response digest is what the caller put in call.log (a stream's StreamDigest), else empty (a
// call that sent no message: response_bytes 0).
void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     int64_t response_bytes);
// The same for a call that answered `response` (its size and digest, RecordResponse) when
// `status` is OK, and nothing otherwise.
void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     const google::protobuf::Message& response);

// Records the response of a unary call in its entry: response_bytes and response_digest, the
// SHA-256 of the message's deterministic serialization (what a client that keeps the answer
// can digest again: the bytes of the message it received, re-serialized deterministically).
void RecordResponse(const google::protobuf::Message& response, store::ExchangeLogEntry* entry);

// The response digest of a stream: SHA-256 over each message sent, as its 8-byte big-endian
// length then its bytes, in order. Not thread-safe; the stream's own lock guards it.
class StreamDigest {
 public:
  StreamDigest();
  ~StreamDigest();
  StreamDigest(const StreamDigest&) = delete;
  StreamDigest& operator=(const StreamDigest&) = delete;
  void Add(const grpc::ByteBuffer& message);
  void Add(absl::string_view message);
  // The digest; empty when no message was added.
  std::string Finish();

 private:
  struct Context;
  Context* context_;
  int64_t messages_ = 0;
};

// The SHA-256 of a message's deterministic serialization (request digests, idempotency keys).
std::string MessageDigest(const google::protobuf::Message& message);

// A message's deterministic serialization.
std::string DeterministicBytes(const google::protobuf::Message& message);

// The bytes of the embedded message (or string) field `field_number` inside a serialized
// message: for a deterministic serialization, exactly DeterministicBytes(that field), so
// Sha256(EmbeddedMessageBytes(...)) == MessageDigest(field). Empty when the field is absent;
// InvalidArgument when `wire` does not parse.
absl::StatusOr<absl::string_view> EmbeddedMessageBytes(absl::string_view wire, int field_number);

}  // namespace lienthong::exchange

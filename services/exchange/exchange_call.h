// ExchangeCall: what every handler knows about its call before doing any work: the calling
// member (from the client certificate), the method, and the exchange-log entry the store will
// write for it (Decree 47/2020 Art. 45: time, who asked, what was asked, the outcome).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/store/store.h"

namespace lienthong::exchange {

// Shared by every service of one gateway process.
struct GatewayContext {
  store::Store* store = nullptr;
  config::v1::MemberIdSource member_id_source = config::v1::MEMBER_ID_SOURCE_URI_SAN;
  uint32_t max_page_size = 1000;
  uint32_t max_upsert_batch = 1000;
};

struct ExchangeCall {
  std::string member;       // agency code of the caller
  store::ExchangeLogEntry log;  // time, member, method, request digest and size filled

  // Resolves the member and prepares the log entry. UNAUTHENTICATED when the certificate
  // names no member (the handshake refuses those already; this is the second line).
  static absl::StatusOr<ExchangeCall> Begin(const GatewayContext& gateway,
                                            grpc::CallbackServerContext* context,
                                            const char* method,
                                            const google::protobuf::Message& request);
};

// Logs a call that wrote nothing (reads, refusals) with its outcome and response size.
void LogReadOnlyCall(const GatewayContext& gateway, ExchangeCall call, const absl::Status& status,
                     int64_t response_bytes);

// The SHA-256 of a message's deterministic serialization (request digests, idempotency keys).
std::string MessageDigest(const google::protobuf::Message& message);

}  // namespace lienthong::exchange

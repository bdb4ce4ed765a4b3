// Requests whose bytes do not parse as the method's request message: INVALID_ARGUMENT naming the
// expected type, instead of the UNIMPLEMENTED with an empty message that gRPC 1.51 answers.
//
// Why here (the call observer interceptor) and not in each service: gRPC's generated callback
// handlers (grpcpp/impl/codegen/server_callback_handlers.h, CallbackUnaryHandler and
// CallbackServerStreamingHandler) parse the request before any handler runs and, when parsing
// fails, never create the reactor: they finish the call themselves with
// Status(UNIMPLEMENTED, ""). No service code sees the call. What the server does show is the
// interceptors: the POST_RECV_MESSAGE hook of that call carries a null message (the parse
// failed), and the PRE_SEND_STATUS hook lets an interceptor replace the status about to be sent.
// So one interceptor covers every unary and server-streaming method of every service, generated
// or not, with no change to the generated code. Alternatives weighed: a generic callback service
// taking raw bytes for every method (it would bypass the generated services, their message
// allocators and their reflection), or a SerializationTraits specialization (one per message type,
// and it cannot make the handler answer anything but UNIMPLEMENTED either).
// Client-streaming and bidi methods read with StartRead, where a parse failure looks like the end
// of the stream; lienthong has none, and the observer leaves those methods alone.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::server {

// The full name of the request message of `method` ("/pkg.Service/Method"), from the generated
// descriptor pool: "lienthong.v1.SubmitDossierRequest". Empty when the method is unknown.
std::string ExpectedRequestType(absl::string_view method);

// Routes protobuf's own log lines into the gateway's log, once per process, and drops the one it
// writes for every string field that is not UTF-8 "when parsing": such a request is refused,
// counted and logged (rate-limited) above, and otherwise any member could make the gateway write
// a line per request. Called by GatewayServer::Start.
void RouteProtobufLogs();

class MalformedRequests {
 public:
  // `gateway` gives the store the exchange log goes to and how members are named; when its store
  // is null (a listener without a store) nothing is written. Not owned; must outlive this.
  MalformedRequests(prometheus::Registry& registry, const exchange::GatewayContext* gateway,
                    absl::Duration log_interval = absl::Minutes(1));

  // The status for a call to `method` whose request did not parse, as
  // exchange::MalformedRequestError makes it: INVALID_ARGUMENT "request is not a valid <type>".
  static grpc::Status RefusalOf(const std::string& method);

  // True when `status` is such a refusal (from RefusalOf or a raw-bytes handler).
  static bool IsRefusal(const grpc::Status& status);

  // Accounts for one refusal of a call to `method`: counts it
  // (lienthong_rpc_malformed_requests_total by method), writes the exchange-log entry (the
  // caller, the method, INVALID_ARGUMENT; no request digest, as gRPC does not hand the unparsed
  // bytes to the application) and logs a warning at most once per member per `log_interval`,
  // with how many were not logged since.
  void Account(const std::string& method, grpc::ServerContextBase* context);

 private:
  // True when `member`'s refusal may be logged now; `*suppressed` is how many were not.
  bool MayLog(const std::string& member, absl::Time now, int64_t* suppressed);

  struct LogState {
    absl::Time last_logged = absl::InfinitePast();
    int64_t suppressed = 0;
  };

  prometheus::Family<prometheus::Counter>& counter_;
  const exchange::GatewayContext* gateway_;
  const absl::Duration log_interval_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, LogState> log_state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::server

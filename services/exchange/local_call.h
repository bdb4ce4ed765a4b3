// Calls made inside the gateway on a member's behalf: the operator console (services/console/)
// shows and steers what the RPCs do, as the member whose certificate the browser presented (or
// the configured loopback member). Such a call passes the same access-policy check and writes
// the same exchange-log entry as the gRPC call of the same method, so the console is one more
// way to make those calls, never a way around their rules.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::exchange {

// The member, the policy snapshot and the log entry of a local call of `method`. A member
// the policy does not let call `method`, or whose policy requires an end user or correlation id
// (a local call has neither), gets PERMISSION_DENIED, and the refusal is logged.
absl::StatusOr<ExchangeCall> BeginLocalCall(const GatewayContext& gateway, const std::string& member,
                                            const char* method,
                                            const google::protobuf::Message& request);

// A read (or a short action that writes no records) made locally: BeginLocalCall, `work`, then
// the exchange-log entry with the outcome and the response's digest, as ServeRead does.
template <typename Response>
absl::Status RunLocalCall(const GatewayContext& gateway, const std::string& member,
                          const char* method, const google::protobuf::Message& request,
                          Response* response,
                          absl::FunctionRef<absl::Status(const ExchangeCall&)> work) {
  auto call = BeginLocalCall(gateway, member, method, request);
  if (!call.ok()) return call.status();
  absl::Status status = work(*call);
  LogReadOnlyCall(gateway, std::move(*call), status, *response);
  return status;
}

}  // namespace lienthong::exchange

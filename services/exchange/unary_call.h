// The shape every unary handler shares, so none can skip a step: identify the member, check
// the request, do the work, log the exchange, finish the call with the mapped status.
#pragma once

#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/rpc_status.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::exchange {

// A read: `work` validates and fills `response` synchronously on the gRPC thread (reads are
// short); the exchange-log entry is queued to the store without waiting for it.
template <typename Request, typename Response>
grpc::ServerUnaryReactor* ServeRead(const GatewayContext& gateway,
                                    grpc::CallbackServerContext* context, const char* method,
                                    const Request& request, Response* response,
                                    absl::FunctionRef<absl::Status(const ExchangeCall&)> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = ExchangeCall::Begin(gateway, context, method, request);
  if (!call.ok()) {
    reactor->Finish(ToGrpcStatus(call.status()));
    return reactor;
  }
  absl::Status status = work(*call);
  LogReadOnlyCall(gateway, std::move(*call), status, *response);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

using WriteDone = absl::AnyInvocable<void(absl::Status)>;

// A write: `validate` runs first (a refusal is logged and changes nothing); then `write` hands
// the work to the store with a completion that finishes the call once the commit is durable.
template <typename Request>
grpc::ServerUnaryReactor* ServeWrite(
    const GatewayContext& gateway, grpc::CallbackServerContext* context, const char* method,
    const Request& request, absl::FunctionRef<absl::Status(const ExchangeCall&)> validate,
    absl::FunctionRef<void(ExchangeCall, WriteDone)> write) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = ExchangeCall::Begin(gateway, context, method, request);
  if (!call.ok()) {
    reactor->Finish(ToGrpcStatus(call.status()));
    return reactor;
  }
  absl::Status valid = validate(*call);
  if (!valid.ok()) {
    LogReadOnlyCall(gateway, std::move(*call), valid, 0);
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  write(std::move(*call), [reactor](absl::Status status) { reactor->Finish(ToGrpcStatus(status)); });
  return reactor;
}

}  // namespace lienthong::exchange

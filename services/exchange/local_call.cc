// Local calls on a member's behalf.
#include "services/exchange/local_call.h"

namespace lienthong::exchange {

absl::StatusOr<ExchangeCall> BeginLocalCall(const GatewayContext& gateway, const std::string& member,
                                            const char* method,
                                            const google::protobuf::Message& request) {
  ExchangeCall call = ExchangeCall::Prepare(gateway, member, method, request);
  if (member.empty()) return absl::UnauthenticatedError("no member: the console acts for nobody");
  absl::Status allowed = call.policy->AuthorizeMethod(member, method);
  // A local call names no end user and no correlation id: a member whose policy requires them
  // is refused here as over gRPC without them (the console cannot name the person).
  if (allowed.ok()) allowed = call.policy->CheckAttribution(member, method, false, false);
  if (!allowed.ok()) {
    LogReadOnlyCall(gateway, std::move(call), allowed, 0);
    return allowed;
  }
  return call;
}

}  // namespace lienthong::exchange

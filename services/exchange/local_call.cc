// Local calls on a member's behalf.
#include "services/exchange/local_call.h"

namespace lienthong::exchange {

absl::StatusOr<ExchangeCall> BeginLocalCall(const GatewayContext& gateway, const std::string& member,
                                            const char* method,
                                            const google::protobuf::Message& request) {
  ExchangeCall call = ExchangeCall::Prepare(gateway, member, method, request);
  if (member.empty()) return absl::UnauthenticatedError("no member: the console acts for nobody");
  absl::Status allowed = call.policy->AuthorizeMethod(member, method);
  if (!allowed.ok()) {
    LogReadOnlyCall(gateway, std::move(call), allowed, 0);
    return allowed;
  }
  return call;
}

}  // namespace lienthong::exchange

// A server reflection client (grpc.reflection.v1alpha) for tests: the services a server lists.
//
// libgrpc++_reflection ships no client headers, so the few message fields it needs are coded by
// field number.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace lienthong::test {

// The service names the server lists through ServerReflectionInfo(list_services), within
// `timeout`. The failed call's status (e.g. UNAVAILABLE) when the call fails.
absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout = absl::Seconds(5));

}  // namespace lienthong::test

// How lienthongctl reaches a gateway: target address and the member certificate it presents.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace lienthong::cli {

// A mutual-TLS channel built from --target, --pki/--member or --cert/--key/--ca.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectFromFlags();

}  // namespace lienthong::cli

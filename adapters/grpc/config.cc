// The "grpc" adapter factory.
#include "adapters/grpc/config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"

namespace lienthong::adapters::grpc_sink {
namespace {

// "host:port" or "[v6]:port" with a port in 1..65535.
bool IsHostPort(const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(target.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

}  // namespace

void GrpcAdapterFactory::ValidateKind(const config::v1::GrpcAdapterConfig& grpc,
                                      FieldViolations* violations) const {
  if (!IsHostPort(grpc.target())) violations->Add("grpc.target", "required, host:port");
  if (grpc.key_file().empty()) violations->Add("grpc.key_file", "required");
  if (grpc.cert_file().empty()) violations->Add("grpc.cert_file", "required");
  if (grpc.ca_file().empty()) violations->Add("grpc.ca_file", "required");
  if (grpc.has_deadline() && FromProtoDuration(grpc.deadline()) <= absl::ZeroDuration()) {
    violations->Add("grpc.deadline", "must be positive");
  }
}

absl::StatusOr<std::unique_ptr<Adapter>> GrpcAdapterFactory::CreateKind(
    const config::v1::Adapter& entry, const config::v1::GrpcAdapterConfig& grpc) const {
  GrpcSinkOptions options;
  options.adapter_name = entry.name();
  options.target = grpc.target();
  options.files = {grpc.key_file(), grpc.cert_file(), grpc.ca_file()};
  options.server_name = grpc.server_name();
  if (grpc.has_deadline()) options.deadline = FromProtoDuration(grpc.deadline());
  return std::make_unique<GrpcAdapter>(std::move(options));
}

}  // namespace lienthong::adapters::grpc_sink

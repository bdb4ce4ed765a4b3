// The "grpc" adapter factory.
#include "adapters/grpc/config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::grpc_sink {
namespace {

// "host:port" or "[v6]:port" with a port in 1..65535.
bool IsHostPort(const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(target.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

std::vector<v1::RecordType> GrpcAdapterFactory::record_types() const {
  return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
          v1::RECORD_TYPE_DIPLOMA};
}

absl::Status GrpcAdapterFactory::Validate(const config::v1::Adapter& config) const {
  FieldViolations violations;
  if (!config.has_grpc()) {
    violations.Add("grpc", "required for an adapter of kind grpc");
    return violations.ToStatus();
  }
  const auto& grpc = config.grpc();
  if (!IsHostPort(grpc.target())) violations.Add("grpc.target", "required, host:port");
  if (grpc.key_file().empty()) violations.Add("grpc.key_file", "required");
  if (grpc.cert_file().empty()) violations.Add("grpc.cert_file", "required");
  if (grpc.ca_file().empty()) violations.Add("grpc.ca_file", "required");
  if (grpc.has_deadline() && ToDuration(grpc.deadline()) <= absl::ZeroDuration()) {
    violations.Add("grpc.deadline", "must be positive");
  }
  return violations.ToStatus();
}

absl::StatusOr<std::unique_ptr<Adapter>> GrpcAdapterFactory::Create(
    const config::v1::Adapter& config) const {
  RETURN_IF_ERROR(Validate(config));
  const auto& grpc = config.grpc();
  GrpcSinkOptions options;
  options.adapter_name = config.name();
  options.target = grpc.target();
  options.files = {grpc.key_file(), grpc.cert_file(), grpc.ca_file()};
  options.server_name = grpc.server_name();
  if (grpc.has_deadline()) options.deadline = ToDuration(grpc.deadline());
  return std::make_unique<GrpcAdapter>(std::move(options));
}

}  // namespace lienthong::adapters::grpc_sink

// The "grpc" adapter factory.
#include "adapters/grpc/config.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/files.h"
#include "services/common/host_port.h"
#include "services/common/proto_time.h"

namespace lienthong::adapters::grpc_sink {

void GrpcAdapterFactory::ValidateKind(const config::v1::GrpcAdapterConfig& grpc,
                                      FieldViolations* violations) const {
  if (grpc.target().empty()) {
    violations->Add("grpc.target", "required, host:port");
  } else if (const auto target = ParseHostPort(grpc.target()); !target || target->port == 0) {
    violations->Add("grpc.target", absl::StrCat("'", grpc.target(),
                                                "' is not host:port (port 1-65535)"));
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"grpc.key_file", &grpc.key_file()},
      {"grpc.cert_file", &grpc.cert_file()},
      {"grpc.ca_file", &grpc.ca_file()}};
  for (const auto& [field, path] : files) {
    if (path->empty()) {
      violations->Add(field, "required");
    } else if (const std::string problem = UnreadableFileProblem(*path); !problem.empty()) {
      violations->Add(field, problem);
    }
  }
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

// The "jsonl" adapter factory.
#include "adapters/jsonl/config.h"

#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::jsonl {

// Below this a rotation per batch would be the normal case.
constexpr uint64_t kMinRotateBytes = 4096;
constexpr uint32_t kMaxKeepFiles = 1000;

JsonlOptions JsonlOptionsFromConfig(const config::v1::JsonlAdapterConfig& config) {
  JsonlOptions options;
  options.output_file = config.output_file();
  if (config.rotate_bytes() > 0) options.rotate_bytes = config.rotate_bytes();
  if (config.keep_files() > 0) options.keep_files = static_cast<int>(config.keep_files());
  return options;
}

std::vector<v1::RecordType> JsonlAdapterFactory::record_types() const {
  return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
          v1::RECORD_TYPE_DIPLOMA};
}

absl::Status JsonlAdapterFactory::Validate(const config::v1::Adapter& config) const {
  FieldViolations violations;
  if (!config.has_jsonl()) {
    violations.Add("jsonl", "required for an adapter of kind jsonl");
    return violations.ToStatus();
  }
  const auto& jsonl = config.jsonl();
  if (jsonl.output_file().empty()) violations.Add("jsonl.output_file", "required");
  if (jsonl.rotate_bytes() != 0 && jsonl.rotate_bytes() < kMinRotateBytes) {
    violations.Add("jsonl.rotate_bytes", "at least 4096 (0 for the default 64 MiB)");
  }
  if (jsonl.keep_files() > kMaxKeepFiles) violations.Add("jsonl.keep_files", "at most 1000");
  return violations.ToStatus();
}

absl::StatusOr<std::unique_ptr<Adapter>> JsonlAdapterFactory::Create(
    const config::v1::Adapter& config) const {
  RETURN_IF_ERROR(Validate(config));
  return std::make_unique<JsonlAdapter>(JsonlOptionsFromConfig(config.jsonl()));
}

}  // namespace lienthong::adapters::jsonl

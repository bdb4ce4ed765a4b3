// The "jsonl" adapter factory.
#include "adapters/jsonl/config.h"


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

void JsonlAdapterFactory::ValidateKind(const config::v1::JsonlAdapterConfig& jsonl,
                                       FieldViolations* violations) const {
  if (jsonl.output_file().empty()) violations->Add("jsonl.output_file", "required");
  if (jsonl.rotate_bytes() != 0 && jsonl.rotate_bytes() < kMinRotateBytes) {
    violations->Add("jsonl.rotate_bytes", "at least 4096 (0 for the default 64 MiB)");
  }
  if (jsonl.keep_files() > kMaxKeepFiles) violations->Add("jsonl.keep_files", "at most 1000");
}

absl::StatusOr<std::unique_ptr<Adapter>> JsonlAdapterFactory::CreateKind(
    const config::v1::Adapter&, const config::v1::JsonlAdapterConfig& jsonl) const {
  return std::make_unique<JsonlAdapter>(JsonlOptionsFromConfig(jsonl));
}

}  // namespace lienthong::adapters::jsonl

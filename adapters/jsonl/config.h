// The "jsonl" adapter kind: validates config::v1::JsonlAdapterConfig and builds a JsonlAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/jsonl/jsonl_adapter.h"

namespace lienthong::adapters::jsonl {

// The options a validated config describes, defaults applied.
JsonlOptions JsonlOptionsFromConfig(const config::v1::JsonlAdapterConfig& config);

class JsonlAdapterFactory final : public AdapterFactory {
 public:
  std::string kind() const override { return "jsonl"; }
  std::vector<v1::RecordType> record_types() const override;
  absl::Status Validate(const config::v1::Adapter& config) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> Create(
      const config::v1::Adapter& config) const override;
};

}  // namespace lienthong::adapters::jsonl

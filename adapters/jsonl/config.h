// The "jsonl" adapter kind: validates config::v1::JsonlAdapterConfig and builds a JsonlAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/jsonl/jsonl_adapter.h"
#include "adapters/typed_adapter_factory.h"

namespace lienthong::adapters::jsonl {

// The options a validated config describes, defaults applied.
JsonlOptions JsonlOptionsFromConfig(const config::v1::JsonlAdapterConfig& config);

class JsonlAdapterFactory final : public TypedAdapterFactory<config::v1::JsonlAdapterConfig> {
 public:
  std::string kind() const override { return "jsonl"; }

 protected:
  void ValidateKind(const config::v1::JsonlAdapterConfig& jsonl,
                    FieldViolations* violations) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
      const config::v1::Adapter& entry,
      const config::v1::JsonlAdapterConfig& jsonl) const override;
};

}  // namespace lienthong::adapters::jsonl

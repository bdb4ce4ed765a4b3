// The "dvcqg" adapter kind: validates config::v1::DvcqgAdapterConfig and builds a DvcqgAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/dvcqg/dvcqg_adapter.h"
#include "adapters/typed_adapter_factory.h"

namespace lienthong::adapters::dvcqg {

// The options a validated config describes, defaults applied.
DvcqgOptions DvcqgOptionsFromConfig(const config::v1::DvcqgAdapterConfig& config);

class DvcqgAdapterFactory final : public TypedAdapterFactory<config::v1::DvcqgAdapterConfig> {
 public:
  std::string kind() const override { return "dvcqg"; }
  // The portal takes dossiers only.
  std::vector<v1::RecordType> record_types() const override { return {v1::RECORD_TYPE_DOSSIER}; }

 protected:
  void ValidateKind(const config::v1::DvcqgAdapterConfig& dvcqg,
                    FieldViolations* violations) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
      const config::v1::Adapter& entry,
      const config::v1::DvcqgAdapterConfig& dvcqg) const override;
};

}  // namespace lienthong::adapters::dvcqg

// The "postgres" adapter kind: validates config::v1::PostgresAdapterConfig and builds a
// PostgresAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/postgres/postgres_adapter.h"
#include "adapters/typed_adapter_factory.h"

namespace lienthong::adapters::postgres {

class PostgresAdapterFactory final
    : public TypedAdapterFactory<config::v1::PostgresAdapterConfig> {
 public:
  std::string kind() const override { return "postgres"; }

 protected:
  void ValidateKind(const config::v1::PostgresAdapterConfig& pg,
                    FieldViolations* violations) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
      const config::v1::Adapter& entry,
      const config::v1::PostgresAdapterConfig& pg) const override;
};

}  // namespace lienthong::adapters::postgres

// The "postgres" adapter kind: validates config::v1::PostgresAdapterConfig and builds a
// PostgresAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/postgres/postgres_adapter.h"

namespace lienthong::adapters::postgres {

class PostgresAdapterFactory final : public AdapterFactory {
 public:
  std::string kind() const override { return "postgres"; }
  std::vector<v1::RecordType> record_types() const override;
  absl::Status Validate(const config::v1::Adapter& config) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> Create(
      const config::v1::Adapter& config) const override;
};

}  // namespace lienthong::adapters::postgres

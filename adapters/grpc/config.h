// The "grpc" adapter kind: validates config::v1::GrpcAdapterConfig and builds a GrpcAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/grpc/grpc_adapter.h"

namespace lienthong::adapters::grpc_sink {

class GrpcAdapterFactory final : public AdapterFactory {
 public:
  std::string kind() const override { return "grpc"; }
  std::vector<v1::RecordType> record_types() const override;
  absl::Status Validate(const config::v1::Adapter& config) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> Create(
      const config::v1::Adapter& config) const override;
};

}  // namespace lienthong::adapters::grpc_sink

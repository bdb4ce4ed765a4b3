// The "grpc" adapter kind: validates config::v1::GrpcAdapterConfig and builds a GrpcAdapter.
#pragma once

#include "adapters/adapter.h"
#include "adapters/grpc/grpc_adapter.h"
#include "adapters/typed_adapter_factory.h"

namespace lienthong::adapters::grpc_sink {

class GrpcAdapterFactory final : public TypedAdapterFactory<config::v1::GrpcAdapterConfig> {
 public:
  std::string kind() const override { return "grpc"; }

 protected:
  void ValidateKind(const config::v1::GrpcAdapterConfig& grpc,
                    FieldViolations* violations) const override;
  absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
      const config::v1::Adapter& entry, const config::v1::GrpcAdapterConfig& grpc) const override;
};

}  // namespace lienthong::adapters::grpc_sink

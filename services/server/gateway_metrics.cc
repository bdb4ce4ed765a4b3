// Prometheus metric families.
#include "services/server/gateway_metrics.h"

#include "absl/strings/str_cat.h"

namespace lienthong::server {
namespace {
// Latency buckets from 100 µs to ~13 s, doubling: covers a null call and a slow fsync alike.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 0.0001; b < 15; b *= 2) buckets.push_back(b);
  return buckets;
}
}  // namespace

absl::string_view GrpcCodeName(int code) {
  static constexpr absl::string_view kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code < 0 || code > 16) return "UNKNOWN";
  return kNames[code];
}

GatewayMetrics::GatewayMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("lienthong_rpc_requests_total")
                    .Help("RPCs finished, by method and gRPC status code")
                    .Register(*registry_)),
      errors_(prometheus::BuildCounter()
                  .Name("lienthong_rpc_errors_total")
                  .Help("RPCs finished with a non-OK status, by method and code")
                  .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("lienthong_rpc_latency_seconds")
                   .Help("RPC latency from first byte to status, by method")
                   .Register(*registry_)) {}

void GatewayMetrics::RecordCall(absl::string_view method, int grpc_code,
                                absl::Duration latency) {
  const std::string method_label(method);
  const std::string code_label(GrpcCodeName(grpc_code));
  requests_.Add({{"method", method_label}, {"code", code_label}}).Increment();
  if (grpc_code != 0) errors_.Add({{"method", method_label}, {"code", code_label}}).Increment();
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries(LatencyBuckets());
  latency_.Add({{"method", method_label}}, *kBuckets).Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace lienthong::server

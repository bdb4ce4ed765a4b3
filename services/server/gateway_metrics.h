// Prometheus metrics of the gateway, served at /metrics by the admin HTTP listener
// (services/console/admin_http_server.h; loopback by default).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace lienthong::server {

// The metric families every module records into. One registry per process.
class GatewayMetrics {
 public:
  GatewayMetrics();

  // One finished RPC: requests by method, errors by method and code, latency by method.
  void RecordCall(absl::string_view method, int grpc_code, absl::Duration latency);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

// The gRPC code's canonical name ("OK", "INVALID_ARGUMENT", ...).
absl::string_view GrpcCodeName(int code);

}  // namespace lienthong::server

// Observes every call the listener serves: one access-log line (member, method, status,
// latency) and the RPC metrics. A gRPC server interceptor, so no handler can forget it. It also
// turns gRPC's answer to a request that does not parse into INVALID_ARGUMENT
// (malformed_requests.h).
#pragma once

#include "grpcpp/support/server_interceptor.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/server/gateway_metrics.h"
#include "services/server/malformed_requests.h"

namespace lienthong::server {

class CallObserverFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `malformed` (not owned; null leaves gRPC's answer as it is) refuses unparsable requests.
  CallObserverFactory(GatewayMetrics* metrics, config::v1::MemberIdSource source,
                      bool access_log, MalformedRequests* malformed)
      : metrics_(metrics), source_(source), access_log_(access_log), malformed_(malformed) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  GatewayMetrics* metrics_;
  config::v1::MemberIdSource source_;
  bool access_log_;
  MalformedRequests* malformed_;
};

}  // namespace lienthong::server

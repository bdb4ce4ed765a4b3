// Observes every call the listener serves: one access-log line (member, method, status,
// latency) and the RPC metrics. A gRPC server interceptor, so no handler can forget it.
#pragma once

#include "grpcpp/support/server_interceptor.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/server/gateway_metrics.h"

namespace lienthong::server {

class CallObserverFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallObserverFactory(GatewayMetrics* metrics, config::v1::MemberIdSource source,
                      bool access_log)
      : metrics_(metrics), source_(source), access_log_(access_log) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  GatewayMetrics* metrics_;
  config::v1::MemberIdSource source_;
  bool access_log_;
};

}  // namespace lienthong::server

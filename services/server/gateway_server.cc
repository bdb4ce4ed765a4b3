// Assembles and runs the gateway's gRPC server.
#include "services/server/gateway_server.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/security/server_credentials.h"
#include "services/server/call_observer.h"

namespace lienthong::server {

void PrepareServingProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

int DurationMsOr(const google::protobuf::Duration& d, bool has, absl::Duration fallback) {
  if (!has) return static_cast<int>(absl::ToInt64Milliseconds(fallback));
  return static_cast<int>(absl::ToInt64Milliseconds(FromProtoDuration(d)));
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const config::v1::GatewayConfig& config, const std::vector<grpc::Service*>& services,
    GatewayMetrics* metrics, std::shared_ptr<grpc::ServerCredentials> credentials,
    const exchange::GatewayContext* gateway) {
  const auto& listener = config.listener();
  if (credentials == nullptr) {
    ASSIGN_OR_RETURN(credentials, security::MakeStaticServerCredentials(listener.tls()));
  }

  // Both must be set before the builder is created.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listener.address(), credentials, &port);

  const auto& limits = config.limits();
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(limits.max_request_bytes() ? limits.max_request_bytes() : 4u << 20));
  builder.SetMaxSendMessageSize(
      static_cast<int>(limits.max_response_bytes() ? limits.max_response_bytes() : 16u << 20));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(limits.max_concurrent_streams()
                                                  ? limits.max_concurrent_streams() : 1000));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             DurationMsOr(listener.max_connection_age(),
                                          listener.has_max_connection_age(), absl::Minutes(30)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      DurationMsOr(listener.max_connection_age_grace(), listener.has_max_connection_age_grace(),
                   absl::Seconds(30)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             DurationMsOr(listener.keepalive_time(),
                                          listener.has_keepalive_time(), absl::Seconds(60)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             DurationMsOr(listener.keepalive_timeout(),
                                          listener.has_keepalive_timeout(), absl::Seconds(20)));
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      DurationMsOr(listener.min_client_ping_interval(), listener.has_min_client_ping_interval(),
                   absl::Seconds(10)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second gateway on the same address would then start
  // and split connections with the first, each with its own store. Refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);

  const bool access_log =
      !config.logging().has_access_log() || config.logging().access_log();
  RouteProtobufLogs();
  auto malformed = std::make_unique<MalformedRequests>(*metrics->registry(), gateway);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
  observers.push_back(std::make_unique<CallObserverFactory>(
      metrics, listener.tls().member_id_source(), access_log, malformed.get()));
  builder.experimental().SetInterceptorCreators(std::move(observers));

  for (grpc::Service* service : services) builder.RegisterService(service);

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listener.address(),
                     " (address in use, or not an address of this host?)"));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  LogLine(LogLevel::kInfo, "listening").Str("address", listener.address()).Int("port", port)
      .Str("security", "mutual TLS");
  return std::unique_ptr<GatewayServer>(
      new GatewayServer(std::move(malformed), std::move(server), port));
}

void GatewayServer::Shutdown(absl::Duration grace) {
  // Tell health watchers first so load balancers drain us.
  server_->GetHealthCheckService()->SetServingStatus(false);
  LogLine(LogLevel::kInfo, "shutting down").Num("grace_s", absl::ToDoubleSeconds(grace));
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  LogLine(LogLevel::kInfo, "stopped");
}

}  // namespace lienthong::server

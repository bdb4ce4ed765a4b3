// The gRPC listener of lienthongd: mutual TLS only, limits, health, reflection, call observer.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/exchange/exchange_call.h"
#include "services/server/gateway_metrics.h"
#include "services/server/malformed_requests.h"

namespace lienthong::server {

class GatewayServer {
 public:
  // Listens with `credentials` (the gateway passes its rotating mutual-TLS material,
  // security/server_credentials.h; when null, static credentials are built from the config,
  // refusing bad TLS material), registers `services` (not owned; they must outlive the server)
  // plus health and reflection, and starts listening. Requests that do not parse are refused
  // with INVALID_ARGUMENT and written to the exchange log of `gateway`'s store when it has one
  // (not owned; must outlive the server).
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const config::v1::GatewayConfig& config, const std::vector<grpc::Service*>& services,
      GatewayMetrics* metrics, std::shared_ptr<grpc::ServerCredentials> credentials = nullptr,
      const exchange::GatewayContext* gateway = nullptr);

  // The port actually bound (useful when the config says port 0).
  int port() const { return port_; }

  // Marks health NOT_SERVING, stops accepting, and lets in-flight calls finish for up to
  // `grace`; calls still running then are cancelled. Returns once the server has stopped.
  void Shutdown(absl::Duration grace);

  grpc::Server* grpc_server() { return server_.get(); }

  // What the health service answers (grpc.health.v1): SERVING or NOT_SERVING. The gateway says
  // NOT_SERVING while its store cannot be reached, so load balancers send calls elsewhere.
  void SetServing(bool serving) { server_->GetHealthCheckService()->SetServingStatus(serving); }

 private:
  GatewayServer(std::unique_ptr<MalformedRequests> malformed,
                std::unique_ptr<grpc::Server> server, int port)
      : malformed_(std::move(malformed)), server_(std::move(server)), port_(port) {}

  // Declared before server_: the server's interceptors use it until the server is destroyed.
  std::unique_ptr<MalformedRequests> malformed_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

// Process-wide settings of a serving binary (lienthongd, the null server), before any thread
// starts: Abseil's mutex deadlock detection is on in Debian's build and costs a graph lookup per
// lock; the code's lock order is fixed by design, so servers run without it.
void PrepareServingProcess();

// Milliseconds of a config duration, or `fallback` when unset.
int DurationMsOr(const google::protobuf::Duration& d, bool has, absl::Duration fallback);

}  // namespace lienthong::server

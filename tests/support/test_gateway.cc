// In-process gateways and clients for tests.
#include "tests/support/test_gateway.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/grpc.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/config/gateway_config.h"
#include "services/config/yaml_proto.h"
#include "services/security/client_credentials.h"
#include "tests/support/temp_dir.h"

namespace lienthong::test {

config::v1::GatewayConfig MinimalGatewayConfig(const std::string& pki_dir,
                                               const std::string& data_dir) {
  config::v1::GatewayConfig config;
  auto* listener = config.mutable_listener();
  listener->set_address("127.0.0.1:0");
  listener->mutable_shutdown_grace()->set_seconds(5);
  auto* tls = listener->mutable_tls();
  tls->set_key_file(pki_dir + "/gateway.key");
  tls->set_cert_file(pki_dir + "/gateway.crt");
  tls->set_client_ca_file(pki_dir + "/ca.crt");
  tls->set_member_id_source(config::v1::MEMBER_ID_SOURCE_URI_SAN);
  config.mutable_admin_http()->set_address("127.0.0.1:0");
  config.mutable_store()->set_kind(config::v1::STORE_KIND_SQLITE);
  config.mutable_store()->set_sqlite_file(data_dir + "/lienthong.db");
  config.mutable_logging()->set_access_log(true);
  config::ApplyDefaults(&config, data_dir);
  return config;
}

absl::Status WriteGatewayConfigFile(const std::string& path,
                                    const config::v1::GatewayConfig& config) {
  return WriteFile(path, config::MessageToYaml(config), 0644);
}

absl::StatusOr<std::unique_ptr<server::GatewayApp>> StartTestGateway(
    const config::v1::GatewayConfig& config, const std::vector<grpc::Service*>& extra_services) {
  RETURN_IF_ERROR(config::ValidateGatewayConfig(config, "<test config>"));
  return server::GatewayApp::Start(config, extra_services);
}

std::string LoopbackTarget(int port) { return absl::StrCat("127.0.0.1:", port); }

grpc::ChannelArguments PrivateConnectionArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Reconnect soon after a refused connection (a server still starting), not after gRPC's
  // default backoff that grows to minutes. (The minimum backoff is left alone: it is also the
  // time a connection attempt, TLS handshake included, may take.)
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return args;
}

std::shared_ptr<grpc::Channel> MakeClientChannel(int port, const security::ClientTlsPem& member) {
  return security::MakeMutualTlsChannel(LoopbackTarget(port), member, "", PrivateConnectionArgs());
}

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout, bool wait_for_ready) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  context.set_wait_for_ready(wait_for_ready);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status();
}

absl::Status WaitForServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  absl::Status last = absl::UnknownError("no health check made");
  const absl::Time deadline = absl::Now() + timeout;
  const bool serving = PollUntil(
      [&] {
        auto health = CheckHealth(channel, std::max(deadline - absl::Now(), absl::Milliseconds(1)),
                                  /*wait_for_ready=*/true);
        if (!health.ok()) {
          last = health.status();
          return false;
        }
        last = absl::UnknownError(absl::StrCat(
            "health is ", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*health)));
        return *health == grpc::health::v1::HealthCheckResponse::SERVING;
      },
      timeout, absl::Milliseconds(50));
  if (serving) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("not SERVING after ", absl::FormatDuration(timeout), ": ", last.ToString()));
}

bool PollUntil(const std::function<bool()>& done, absl::Duration timeout, absl::Duration interval) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (done()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(interval);
  }
}

}  // namespace lienthong::test

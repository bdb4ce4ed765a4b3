// An in-process gateway for tests: a minimal valid config on port 0, client channels, health.
//
// Every RPC made through these helpers has a deadline (kRpcTimeout by default).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/service_type.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/security/client_credentials.h"
#include "services/server/gateway_app.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {

// The deadline tests give every RPC unless they need another. It only bounds a hang: a call that
// needs a TLS handshake or an fsync'd commit can take seconds on a loaded 2-core CI machine, and
// a shorter deadline would turn a slow answer into a wrong status code.
inline constexpr absl::Duration kRpcTimeout = absl::Seconds(30);

// A config that passes ValidateGatewayConfig, with defaults applied: listener on 127.0.0.1:0
// with the gateway certificate and CA of the PKI in `pki_dir` (gateway.key, gateway.crt and
// ca.crt, the layout of both TestPki and `lienthongctl pki init`; member id from the URI SAN),
// admin HTTP on 127.0.0.1:0, SQLite in `data_dir`, shutdown grace 5 s, access log on, and no
// access policy: the lienthong.v1 services refuse every member (default deny) until a test adds
// the members it needs; health, reflection and extra services answer any member. Tests change
// what they need.
config::v1::GatewayConfig MinimalGatewayConfig(const std::string& pki_dir,
                                               const std::string& data_dir);
inline config::v1::GatewayConfig MinimalGatewayConfig(const TestPki& pki,
                                                      const std::string& data_dir) {
  return MinimalGatewayConfig(pki.dir(), data_dir);
}

// Writes `config` as YAML to `path`, as lienthongd --config and lienthongctl read it.
absl::Status WriteGatewayConfigFile(const std::string& path,
                                    const config::v1::GatewayConfig& config);

// Checks `config` as the config loader would (a test config mistake fails fast and clearly),
// then starts a gateway with `extra_services` (not owned; they must outlive the gateway).
absl::StatusOr<std::unique_ptr<server::GatewayApp>> StartTestGateway(
    const config::v1::GatewayConfig& config,
    const std::vector<grpc::Service*>& extra_services = {});

// "127.0.0.1:<port>".
std::string LoopbackTarget(int port);

// A mutual-TLS channel to 127.0.0.1:`port` presenting `member`'s certificate, with
// PrivateConnectionArgs().
std::shared_ptr<grpc::Channel> MakeClientChannel(int port, const security::ClientTlsPem& member);

// Channel arguments for test clients: the channel makes its own connections and TLS handshakes
// (no sharing between channels with different certificates), and reconnects within 1 s.
grpc::ChannelArguments PrivateConnectionArgs();

// Sets the deadline of `context` to `timeout` from now.
void SetDeadline(grpc::ClientContext* context, absl::Duration timeout = kRpcTimeout);

// The whole server's grpc.health.v1.Health/Check answer; the call's status when it fails.
// With `wait_for_ready` the call waits (up to `timeout`) for a connection instead of failing at
// once when the server cannot be reached.
absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout = kRpcTimeout,
    bool wait_for_ready = false);

// Checks health until SERVING; DEADLINE_EXCEEDED with the last answer after `timeout`. Each
// check waits for a connection, so a server that is still starting is reached as soon as it
// listens. (With gRPC 1.51 a client channel's connection attempts progress only while a call
// polls for them: short fail-fast calls with sleeps in between can stall a handshake.)
absl::Status WaitForServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

// Calls `done` every `interval` until it is true (returns true) or `timeout` passes (false).
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout,
               absl::Duration interval = absl::Milliseconds(20));

}  // namespace lienthong::test

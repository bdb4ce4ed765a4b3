// The admin HTTP listener (config admin_http): Prometheus /metrics and the operator console
// (console_pages.h), one listener.
//
// On a loopback address it may be plain HTTP: the console then acts for
// admin_http.loopback_member (the dev setup: http://127.0.0.1:9464/). On any other address it
// serves TLS with the listener's key, certificate and CA (rotated with them) and requires a
// client certificate of that CA, not revoked, naming a member: the console acts for that member,
// and each page shows what that member's grants allow (config checks refuse plain HTTP off
// loopback).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "lienthong/config/v1/config.pb.h"
#include "prometheus/registry.h"
#include "services/console/console_backend.h"
#include "services/console/console_pages.h"
#include "services/security/tls_rotation.h"

namespace httplib {
class Server;
}

namespace lienthong::console {

struct AdminHttpOptions {
  std::string address;  // host:port; port 0 picks a free one
  // Null: plain HTTP. Otherwise TLS with this material and client certificates required.
  const security::RotatingTlsMaterial* tls = nullptr;
  config::v1::MemberIdSource member_id_source = config::v1::MEMBER_ID_SOURCE_URI_SAN;
  std::string loopback_member;  // plain HTTP: who the console acts for; empty: nobody
  std::shared_ptr<prometheus::Registry> metrics;  // served at /metrics; may be null
  ConsoleBackend* console = nullptr;  // null: no console pages (metrics only)
  ConsoleSettings settings;
};

class AdminHttpServer {
 public:
  // Binds and starts serving on a thread of its own. UNAVAILABLE when the address cannot be
  // bound; INVALID_ARGUMENT for an address that is not host:port.
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(AdminHttpOptions options);
  ~AdminHttpServer();
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  int port() const { return port_; }
  bool tls() const { return options_.tls != nullptr; }
  // Stops accepting and waits for the serving thread. Idempotent.
  void Stop();

 private:
  explicit AdminHttpServer(AdminHttpOptions options);
  void Route();

  AdminHttpOptions options_;
  std::shared_ptr<void> tls_state_;  // what the TLS callbacks read; outlives server_
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace lienthong::console

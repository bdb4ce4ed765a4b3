// The whole gateway process minus signal handling: metrics, store, services, listener.
// lienthongd's main runs one; integration tests start one in-process on port 0.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/impl/service_type.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/admin/backup_schedule.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/head_timestamper.h"
#include "services/admin/running_config.h"
#include "services/admin/security_metrics.h"
#include "services/changefeed/change_feed.h"
#include "services/console/admin_http_server.h"
#include "services/console/gateway_console_backend.h"
#include "services/domain/working_day_calendar.h"
#include "services/dossier/dossier_register.h"
#include "services/education/record_register.h"
#include "services/exchange/exchange_call.h"
#include "services/security/access_policy.h"
#include "services/security/tls_rotation.h"
#include "services/server/gateway_metrics.h"
#include "services/server/gateway_server.h"
#include "services/store/store.h"
#include "services/sync/sync_engine.h"

namespace lienthong::server {

class GatewayApp {
 public:
  // Starts everything `config` describes. `extra_services` (not owned) are registered too;
  // tests use them to add instrumented services.
  static absl::StatusOr<std::unique_ptr<GatewayApp>> Start(
      const config::v1::GatewayConfig& config,
      const std::vector<grpc::Service*>& extra_services = {});
  ~GatewayApp();

  int port() const { return server_->port(); }
  int metrics_port() const { return metrics_port_; }
  store::Store* store() { return store_.get(); }
  changefeed::ChangeFeed* change_feed() { return change_feed_.get(); }
  // The sync engine behind AdminService's adapter RPCs; null while no adapter is configured.
  sync::SyncControl* sync() {
    return sync_ != nullptr && sync_->adapter_count() > 0 ? sync_.get() : nullptr;
  }

  // Config reload (docs/architecture.md, guarantees 8-9): from now on the config is re-read from `path` on
  // ReloadConfig (SIGHUP, AdminService) and when the file changes. Without it, a reload
  // answers that the gateway has no config file.
  void WatchConfigFile(const std::string& path);
  admin::ReloadOutcome ReloadConfig(absl::string_view trigger);
  // The listener's TLS material in force (rotates without restart).
  security::RotatingTlsMaterial* listener_tls() { return listener_tls_.get(); }
  admin::ExchangeLogRetention* exchange_log_retention() { return retention_.get(); }
  // Scheduled backups; null when the config asks for none.
  admin::BackupSchedule* backup_schedule() { return backups_.get(); }

  // Graceful stop: in-flight calls get `grace`, then the store commits what is queued and
  // closes. Idempotent.
  void Shutdown(absl::Duration grace);
  // The shutdown grace the config asks for (default 20 s).
  absl::Duration configured_grace() const;
  // This replica's name (store.postgres.replica_name, or "<host name>:<listener port>") and
  // "#" and a random id of this process: what its leases are held under.
  const std::string& replica_name() const { return replica_name_; }

 private:
  GatewayApp() = default;
  // Follows the store's health into the health service (NOT_SERVING while it is unreachable).
  void HealthLoop();

  config::v1::GatewayConfig config_;
  std::string replica_name_;
  absl::Mutex health_mu_;
  bool health_stop_ ABSL_GUARDED_BY(health_mu_) = false;
  std::thread health_thread_;
  GatewayMetrics metrics_;
  int metrics_port_ = 0;
  // Declaration order is teardown order in reverse: services go after the server has stopped
  // calling them, the store after the services.
  std::unique_ptr<store::Store> store_;
  std::optional<domain::DueDateCalendar> calendar_;
  exchange::GatewayContext gateway_context_;
  std::unique_ptr<dossier::DossierRegister> dossiers_;
  std::unique_ptr<education::RecordRegister> records_;
  std::unique_ptr<changefeed::ChangeFeed> change_feed_;
  adapters::AdapterRegistry adapter_registry_;  // the adapter kinds; reloads build through it
  std::unique_ptr<sync::SyncEngine> sync_;  // issue 5: one worker per configured adapter
  // Security (issue 6): the policy and TLS material in force, what reloads them, pruning. The
  // TLS material outlives the server that serves it.
  std::unique_ptr<admin::SecurityMetrics> security_metrics_;
  security::AccessPolicyHolder access_policy_;
  std::unique_ptr<security::RotatingTlsMaterial> listener_tls_;
  std::unique_ptr<admin::ExchangeLogRetention> retention_;
  std::unique_ptr<admin::BackupSchedule> backups_;  // when config.backup.target_dir is set
  // Trusted timestamps of the exchange log's head (when exchange_log.timestamping is set).
  std::optional<admin::TsaTrust> tsa_trust_;
  std::unique_ptr<admin::HeadTimestamper> timestamper_;
  std::unique_ptr<admin::RunningConfig> running_config_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<GatewayServer> server_;
  // The admin HTTP listener and the console's backend over the services above (stopped and
  // destroyed before them).
  std::unique_ptr<console::GatewayConsoleBackend> console_backend_;
  std::unique_ptr<console::AdminHttpServer> admin_http_;
  bool stopped_ = false;
};

// The change feed's settings from the config's change_feed and retention sections.
changefeed::ChangeFeedOptions ChangeFeedOptionsOf(const config::v1::GatewayConfig& config);

}  // namespace lienthong::server

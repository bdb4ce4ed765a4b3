// The config in force and its reload (docs/architecture.md, guarantees 8 and 9): when the config file
// changes (its inode, size or mtime, polled), on SIGHUP, and through AdminService.ReloadConfig.
//
// A reload loads and checks the whole new config first (schema and meaning, the access policy,
// the listener's TLS candidate); one error and nothing of it applies: the errors are logged and
// returned, and the running config stays. When it is valid, what can change live does:
//   access_policy                                     the next call is judged by the new policy
//   listener.tls key_file, cert_file, client_ca_file, crl_dir
//                                                     new handshakes use the new material
//   logging.level, retention.exchange_log_max_age
//   adapters                                          added ones start, removed ones are drained
//                                                     and stop, changed ones are drained and start
//                                                     again from their checkpoint (SyncControl::
//                                                     PrepareAdapters)
// Every other difference (listener address, store, limits, ...) is reported as needing a
// restart and does not apply.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/security_metrics.h"
#include "services/security/access_policy.h"
#include "services/security/tls_rotation.h"
#include "services/store/store.h"
#include "services/sync/sync_control.h"

namespace lienthong::admin {

// The exchange log's method name for a config reload (member kMaintenanceMember).
inline constexpr char kReloadMethod[] = "/lienthongd/ReloadConfig";

struct ReloadOutcome {
  bool applied = false;
  std::vector<std::string> errors;            // when refused: every error, one per entry
  // What now applies ("access_policy", ...; "adapters.added:<name>", "adapters.changed:<name>",
  // "adapters.removed:<name>" for each adapter).
  std::vector<std::string> changes;
  std::vector<std::string> restart_required;  // fields that changed but need a restart
};

class RunningConfig {
 public:
  // What a reload acts on; none owned. `retention` and `metrics` may be null.
  struct Targets {
    security::AccessPolicyHolder* policy = nullptr;
    security::RotatingTlsMaterial* listener_tls = nullptr;
    ExchangeLogRetention* retention = nullptr;
    SecurityMetrics* metrics = nullptr;
    // Where each reload, applied or refused, is written as an exchange-log entry; may be null.
    store::Store* exchange_log = nullptr;
    // The sync engine, which takes the new adapter set; null: adapter changes need a restart.
    sync::SyncControl* adapters = nullptr;
  };

  // Starts a thread that, every `poll`, refreshes the certificate gauges and looks for a change
  // of the config file (once WatchFile named it).
  RunningConfig(config::v1::GatewayConfig config, Targets targets, absl::Duration poll);
  // Stops the thread.
  ~RunningConfig();
  RunningConfig(const RunningConfig&) = delete;
  RunningConfig& operator=(const RunningConfig&) = delete;

  // From now on reloads read `path`, and the thread reloads it when it changes, once it has
  // stayed the same for one more poll (a file being written is not read half done).
  void WatchFile(const std::string& path);
  // Stops the thread; idempotent.
  void Stop();

  // Reloads the file now. `trigger` ("SIGHUP", "ReloadConfig", "file change") goes to the log.
  ReloadOutcome Reload(absl::string_view trigger);

  // The config in force (restart-only fields as the process started).
  config::v1::GatewayConfig config() const;
  std::string file() const;
  absl::Time loaded_at() const;

 private:
  void WatchLoop(absl::Duration poll);
  void RefreshCertificateGauges() const;
  // The exchange-log entry of one reload (kReloadMethod): who triggered it, the SHA-256 of the
  // file read, the outcome, and what changed.
  void LogReload(absl::string_view trigger, const std::string& file_bytes,
                 const ReloadOutcome& outcome) const;

  const Targets targets_;
  absl::Mutex reload_mu_;  // one reload at a time
  mutable absl::Mutex mu_;
  config::v1::GatewayConfig config_ ABSL_GUARDED_BY(mu_);
  std::string file_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_);
  std::string reloaded_stamp_ ABSL_GUARDED_BY(mu_);  // the file as last reloaded
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

// The fields of `next` that differ from `running` but take effect only after a restart
// ("listener.address", "store", "adapters", ...).
std::vector<std::string> RestartRequiredChanges(const config::v1::GatewayConfig& running,
                                                const config::v1::GatewayConfig& next);

}  // namespace lienthong::admin

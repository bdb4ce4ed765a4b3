// Exchange-log retention by age (config retention.exchange_log_max_age, default 5 years).
//
// A thread prunes the entries older than the age through the store (with an archive folder
// configured, after writing them to archive files: exchange_log_archive.h), which moves the chain's
// anchor to the last removed entry in the same transaction, so the retained chain still
// verifies (exchange_log_audit.h). The pruning is itself an exchange-log entry (member
// kMaintenanceMember, method kPruneMethod). Each run also logs the chain's head, sequence and
// hash: the journal keeps copies of it outside the database, against which a chain rewritten
// in the database can be caught.
#pragma once

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/admin/exchange_log_archive.h"
#include "services/store/store.h"

namespace lienthong::admin {

inline constexpr char kMaintenanceMember[] = "lienthongd";
inline constexpr char kPruneMethod[] = "/lienthongd/PruneExchangeLog";

// The age the config asks for: retention.exchange_log_max_age, or 5 years when unset or not
// positive.
absl::Duration ExchangeLogMaxAge(const config::v1::GatewayConfig& config);

class ExchangeLogRetention {
 public:
  // `replica`: this replica's name; on a shared store, only the holder of the lease
  // "retention/exchange_log" prunes.
  ExchangeLogRetention(store::Store* store, absl::Duration max_age,
                       std::string replica = "local")
      : store_(store), replica_(std::move(replica)), max_age_(max_age) {}
  // Stops the thread.
  ~ExchangeLogRetention();
  ExchangeLogRetention(const ExchangeLogRetention&) = delete;
  ExchangeLogRetention& operator=(const ExchangeLogRetention&) = delete;

  // Starts the thread: a run now, then one every max_age / 10 (at least 1 s, at most 1 h).
  void Start();
  // Stops the thread (before the store closes); idempotent.
  void Stop();
  // A new age (config reload); the next run uses it.
  void SetMaxAge(absl::Duration max_age);
  // Archive before pruning (before Start). With `metrics`, counts
  // lienthong_exchange_log_archives_total{result="written"|"failed"|"command_failed"}.
  void SetArchive(ArchiveOptions options, prometheus::Registry* metrics);

  // Prunes now (when this replica holds the retention lease); the number of entries removed.
  absl::StatusOr<int64_t> RunOnce();

  // Held while pruning. The verifier holds it too, so that a walk never sees the anchor move.
  absl::Mutex& chain_mutex() { return chain_mu_; }

 private:
  void Loop();
  // RunOnce under the chain lock; the archives written go to `archives`.
  absl::StatusOr<int64_t> PruneOnce(std::vector<std::string>* archives);
  // Writes the entries older than `before` that no archive holds yet to archive files; the seq
  // through which entries are archived (the anchor when nothing is to be archived), and the
  // paths written.
  absl::StatusOr<int64_t> ArchiveOldEntries(const store::ExchangeLogEnds& ends, absl::Time before,
                                            std::vector<std::string>* written);
  // Hands each archive to the configured command; failures are logged and counted.
  void HandOff(const std::vector<std::string>& written);
  void Count(const char* result);
  absl::Duration Interval() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store* const store_;
  const std::string replica_;
  absl::Mutex chain_mu_;
  mutable absl::Mutex mu_;
  absl::Duration max_age_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  ArchiveOptions archive_;
  prometheus::Family<prometheus::Counter>* archives_ = nullptr;
};

}  // namespace lienthong::admin

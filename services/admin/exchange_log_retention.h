// Exchange-log retention by age (config retention.exchange_log_max_age, default 5 years).
//
// A thread prunes the entries older than the age through the store, which moves the chain's
// anchor to the last removed entry in the same transaction, so the retained chain still
// verifies (exchange_log_audit.h). The pruning is itself an exchange-log entry (member
// kMaintenanceMember, method kPruneMethod). Each run also logs the chain's head, sequence and
// hash: the journal keeps copies of it outside the database, against which a chain rewritten
// in the database can be caught.
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
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

  // Prunes now (when this replica holds the retention lease); the number of entries removed.
  absl::StatusOr<int64_t> RunOnce();

  // Held while pruning. The verifier holds it too, so that a walk never sees the anchor move.
  absl::Mutex& chain_mutex() { return chain_mu_; }

 private:
  void Loop();
  absl::Duration Interval() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store* const store_;
  const std::string replica_;
  absl::Mutex chain_mu_;
  mutable absl::Mutex mu_;
  absl::Duration max_age_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lienthong::admin

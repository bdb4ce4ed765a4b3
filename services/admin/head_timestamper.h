// HeadTimestamper (config exchange_log.timestamping; docs/security.md, "Trusted timestamps"): a
// thread that has an RFC 3161 Time-Stamp Authority stamp the exchange log's head now and then,
// and stores each token with the entries.
//
// A token is taken when the head moved since the newest token and either `every` has passed
// since that token or `every_entries` entries were added. Each token is stored together with an
// exchange-log entry of its own (member kMaintenanceMember, method kTimestampMethod, records
// "timestamp:<seq>", request digest the SHA-256 of the token), so the chain itself says which
// tokens were taken: a token deleted from the table is missed by `audit verify`. That entry is
// not counted as the head moving.
//
// The exchange never waits for the TSA: calls are logged as ever, and a TSA that is down or
// answers wrongly only delays the next token (a warning, the failure counter, retries with
// backoff). On a shared store only the holder of the lease "timestamp/exchange_log" stamps.
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/admin/timestamp_token.h"
#include "services/store/store.h"

namespace lienthong::admin {

inline constexpr char kTimestampMethod[] = "/lienthongd/TimestampExchangeLogHead";
inline constexpr char kTimestampRecordPrefix[] = "timestamp:";
inline constexpr char kTimestampLease[] = "timestamp/exchange_log";

struct TimestampingOptions {
  std::string tsa_url;  // empty: off
  std::string tsa_ca_file;
  absl::Duration every = absl::Minutes(10);
  int64_t every_entries = 1000;
  std::string policy_oid;
  absl::Duration timeout = absl::Seconds(30);
  bool enabled() const { return !tsa_url.empty(); }
};

// exchange_log.timestamping with defaults applied.
TimestampingOptions TimestampingOptionsOf(const config::v1::GatewayConfig& config);

class HeadTimestamper {
 public:
  // `replica`: this replica's name, for the lease. With `metrics`, registers
  //   lienthong_exchange_log_timestamps_total                 tokens stored
  //   lienthong_exchange_log_timestamp_failures_total{reason} unreachable | refused | invalid |
  //                                                           store
  //   lienthong_exchange_log_timestamp_last_seq               the newest token's entry
  //   lienthong_exchange_log_timestamp_age_seconds            since the newest token's TSA time
  //                                                           (since start while there is none)
  HeadTimestamper(store::Store* store, TimestampingOptions options, TsaTrust trust,
                  std::string replica, prometheus::Registry* metrics);
  ~HeadTimestamper();
  HeadTimestamper(const HeadTimestamper&) = delete;
  HeadTimestamper& operator=(const HeadTimestamper&) = delete;

  // Held while a token is taken and stored (before Start): the retention's chain mutex, so that
  // an archive never misses a token its pruning would then delete.
  void SetChainMutex(absl::Mutex* chain_mutex) { chain_mu_ = chain_mutex; }

  // Starts the thread: a check now, then one every tick (every / 10, between 1 s and 30 s).
  void Start();
  // Stops the thread (before the store closes); idempotent. A request in flight ends within
  // `timeout`.
  void Stop();

  // One check: takes and stores a token when one is due (or when `force` and the head moved).
  // True when a token was stored; the failure otherwise (also logged and counted).
  absl::StatusOr<bool> RunOnce(bool force = false);

 private:
  void Loop();
  absl::Duration Tick() const;
  // Asks the TSA for a token over (seq, hash) and stores it; the stored row.
  absl::StatusOr<store::ExchangeLogTimestamp> Take(const store::ExchangeLogEnds& ends,
                                                   int64_t lease_token)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  void Fail(const absl::Status& status, const char* reason, int64_t head_seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);

  store::Store* const store_;
  const TimestampingOptions options_;
  const TsaTrust trust_;
  const std::string replica_;
  const absl::Time started_ = absl::Now();
  absl::Mutex* chain_mu_ = nullptr;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  // Held through RunOnce: consecutive failures and when the next attempt may be made.
  absl::Mutex run_mu_;
  int failures_ ABSL_GUARDED_BY(run_mu_) = 0;
  absl::Time next_attempt_ ABSL_GUARDED_BY(run_mu_) = absl::InfinitePast();

  prometheus::Family<prometheus::Counter>* failures_family_ = nullptr;
  prometheus::Counter* taken_ = nullptr;
  prometheus::Gauge* last_seq_ = nullptr;
  prometheus::Gauge* age_ = nullptr;
};

}  // namespace lienthong::admin

// The exchange-log pruning thread.
#include "services/admin/exchange_log_retention.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"
#include "services/store/write_and_wait.h"

namespace lienthong::admin {

absl::Duration ExchangeLogMaxAge(const config::v1::GatewayConfig& config) {
  const auto& age = config.retention().exchange_log_max_age();
  const absl::Duration configured = FromProtoDuration(age);
  if (!config.retention().has_exchange_log_max_age() || configured <= absl::ZeroDuration()) {
    return absl::Hours(24 * 1826);  // 5 years
  }
  return configured;
}

ExchangeLogRetention::~ExchangeLogRetention() { Stop(); }

void ExchangeLogRetention::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ExchangeLogRetention::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ExchangeLogRetention::SetMaxAge(absl::Duration max_age) {
  absl::MutexLock lock(&mu_);
  max_age_ = max_age;
}

absl::Duration ExchangeLogRetention::Interval() const {
  return std::clamp(max_age_ / 10, absl::Seconds(1), absl::Hours(1));
}

void ExchangeLogRetention::Loop() {
  for (;;) {
    auto pruned = RunOnce();
    if (!pruned.ok()) {
      LogLine(LogLevel::kError, "exchange-log pruning failed").Str("error", pruned.status().message());
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), Interval())) return;
  }
}

absl::StatusOr<int64_t> ExchangeLogRetention::RunOnce() {
  absl::MutexLock chain(&chain_mu_);
  absl::Duration max_age;
  absl::Duration interval;
  {
    absl::MutexLock lock(&mu_);
    max_age = max_age_;
    interval = Interval();
  }
  // Several replicas share one log: one of them prunes it. The lease outlives two runs, so its
  // holder keeps it while it lives.
  auto lease = store_->AcquireLease("retention/exchange_log", replica_,
                                    std::max(2 * interval, absl::Minutes(1)));
  if (!lease.ok()) {
    if (lease.status().code() == absl::StatusCode::kFailedPrecondition) return 0;
    return lease.status();
  }
  const absl::Time before = absl::Now() - max_age;
  ASSIGN_OR_RETURN(store::Store::ExchangeLogEnds ends, store_->GetExchangeLogEnds());
  ASSIGN_OR_RETURN(auto oldest, store_->ReadExchangeLog(ends.anchor_seq, 1));
  int64_t removed = 0;
  if (!oldest.empty() && oldest.front().time < before) {
    store::ExchangeLogEntry entry;
    entry.time = absl::Now();
    entry.member = kMaintenanceMember;
    entry.method = kPruneMethod;
    entry.request_digest =
        store::Sha256(absl::StrCat("before=", absl::ToUnixMicros(before)));
    RETURN_IF_ERROR(store::WriteAndWait(
        store_, std::move(entry),
        [&removed, before, this, token = lease->token](store::WriteTransaction& txn)
            -> absl::Status {
          RETURN_IF_ERROR(txn.CheckLease("retention/exchange_log", replica_, token));
          ASSIGN_OR_RETURN(removed, txn.PruneExchangeLogBefore(before));
          return absl::OkStatus();
        }));
    ASSIGN_OR_RETURN(ends, store_->GetExchangeLogEnds());
  }
  // The head, logged as a witness kept outside the database.
  LogLine(LogLevel::kInfo, "exchange log retention")
      .Int("removed", removed).Int("anchor_seq", ends.anchor_seq).Int("head_seq", ends.head_seq)
      .Str("head_hash", absl::BytesToHexString(ends.head_hash))
      .Str("max_age", absl::FormatDuration(max_age));
  return removed;
}

}  // namespace lienthong::admin

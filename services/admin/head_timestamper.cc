// The head-timestamping thread.
#include "services/admin/head_timestamper.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/tsa_http.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/exchange_log.h"
#include "services/store/write_and_wait.h"

namespace lienthong::admin {
namespace {

// Longest wait between attempts while the TSA keeps failing.
constexpr absl::Duration kMaxBackoff = absl::Minutes(5);

}  // namespace

TimestampingOptions TimestampingOptionsOf(const config::v1::GatewayConfig& config) {
  const auto& ts = config.exchange_log().timestamping();
  TimestampingOptions options;
  options.tsa_url = ts.tsa_url();
  options.tsa_ca_file = ts.tsa_ca_file();
  if (ts.has_every()) options.every = FromProtoDuration(ts.every());
  if (ts.every_entries() > 0) options.every_entries = ts.every_entries();
  options.policy_oid = ts.policy_oid();
  if (ts.has_timeout()) options.timeout = FromProtoDuration(ts.timeout());
  return options;
}

HeadTimestamper::HeadTimestamper(store::Store* store, TimestampingOptions options, TsaTrust trust,
                                 std::string replica, prometheus::Registry* metrics)
    : store_(store),
      options_(std::move(options)),
      trust_(std::move(trust)),
      replica_(std::move(replica)) {
  if (metrics == nullptr) return;
  taken_ = &prometheus::BuildCounter()
                .Name("lienthong_exchange_log_timestamps_total")
                .Help("RFC 3161 timestamp tokens of the exchange log's head, verified and stored")
                .Register(*metrics)
                .Add({});
  failures_family_ = &prometheus::BuildCounter()
                          .Name("lienthong_exchange_log_timestamp_failures_total")
                          .Help("Failed attempts to timestamp the exchange log's head, by "
                                "reason: unreachable (no answer from the TSA), refused (the TSA "
                                "said no), invalid (the answer did not verify), store")
                          .Register(*metrics);
  for (const char* reason : {"unreachable", "refused", "invalid", "store"}) {
    failures_family_->Add({{"reason", reason}});
  }
  last_seq_ = &prometheus::BuildGauge()
                   .Name("lienthong_exchange_log_timestamp_last_seq")
                   .Help("The exchange-log entry the newest timestamp token stamps (0: none)")
                   .Register(*metrics)
                   .Add({});
  age_ = &prometheus::BuildGauge()
              .Name("lienthong_exchange_log_timestamp_age_seconds")
              .Help("Seconds since the newest timestamp token's TSA time (since start while "
                    "there is none)")
              .Register(*metrics)
              .Add({});
}

HeadTimestamper::~HeadTimestamper() { Stop(); }

void HeadTimestamper::Start() {
  thread_ = std::thread([this] {
    NameCurrentThread("timestamp");
    Loop();
  });
}

void HeadTimestamper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Duration HeadTimestamper::Tick() const {
  return std::clamp(options_.every / 10, absl::Seconds(1), absl::Seconds(30));
}

void HeadTimestamper::Loop() {
  for (;;) {
    (void)RunOnce();  // failures are logged and counted there
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), Tick())) return;
  }
}

void HeadTimestamper::Fail(const absl::Status& status, const char* reason, int64_t head_seq) {
  ++failures_;
  const absl::Duration backoff =
      std::min(Tick() * (int64_t{1} << std::min(failures_ - 1, 20)), kMaxBackoff);
  next_attempt_ = absl::Now() + backoff;
  if (failures_family_ != nullptr) failures_family_->Add({{"reason", reason}}).Increment();
  LogLine(LogLevel::kWarning, "exchange-log timestamp not taken; exchanges go on, retrying")
      .Str("tsa_url", options_.tsa_url).Str("reason", reason).Str("error", status.message())
      .Int("head_seq", head_seq).Int("consecutive_failures", failures_)
      .Str("retry_in", absl::FormatDuration(backoff));
}

absl::StatusOr<bool> HeadTimestamper::RunOnce(bool force) {
  absl::MutexLock run(&run_mu_);
  std::optional<absl::MutexLock> no_pruning;
  if (chain_mu_ != nullptr) no_pruning.emplace(chain_mu_);
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(const store::ExchangeLogEnds ends, store_->GetExchangeLogEnds());
  ASSIGN_OR_RETURN(const std::optional<store::ExchangeLogTimestamp> latest,
                   store_->LatestExchangeLogTimestamp());
  if (latest.has_value()) {
    if (last_seq_ != nullptr) last_seq_->Set(static_cast<double>(latest->seq));
    if (age_ != nullptr) age_->Set(absl::ToDoubleSeconds(now - latest->gen_time));
  } else if (age_ != nullptr) {
    age_->Set(absl::ToDoubleSeconds(now - started_));
  }
  // Entries since the newest token, not counting the entry that recorded it.
  const int64_t since = latest.has_value() ? ends.head_seq - latest->seq - 1 : ends.head_seq;
  if (since <= 0) return false;
  const bool due = force || !latest.has_value() || now - latest->gen_time >= options_.every ||
                   since >= options_.every_entries;
  if (!due || (!force && now < next_attempt_)) return false;

  // One replica at a time; the lease outlives a few ticks so its holder keeps it.
  auto lease = store_->AcquireLease(kTimestampLease, replica_,
                                    std::max(4 * Tick() + options_.timeout, absl::Minutes(1)));
  if (!lease.ok()) {
    if (lease.status().code() == absl::StatusCode::kFailedPrecondition) return false;
    Fail(lease.status(), "store", ends.head_seq);
    return lease.status();
  }
  absl::StatusOr<store::ExchangeLogTimestamp> stored = Take(ends, lease->token);
  if (!stored.ok()) return stored.status();
  failures_ = 0;
  next_attempt_ = absl::InfinitePast();
  if (taken_ != nullptr) taken_->Increment();
  if (last_seq_ != nullptr) last_seq_->Set(static_cast<double>(stored->seq));
  if (age_ != nullptr) age_->Set(absl::ToDoubleSeconds(absl::Now() - stored->gen_time));
  return true;
}

absl::StatusOr<store::ExchangeLogTimestamp> HeadTimestamper::Take(
    const store::ExchangeLogEnds& ends, int64_t lease_token) {
  auto query = MakeTimestampQuery(HeadImprint(ends.head_seq, ends.head_hash),
                                  options_.policy_oid);
  if (!query.ok()) {
    Fail(query.status(), "invalid", ends.head_seq);
    return query.status();
  }
  auto reply = PostTimestampQuery(options_.tsa_url, query->der, options_.timeout);
  if (!reply.ok()) {
    Fail(reply.status(), "unreachable", ends.head_seq);
    return reply.status();
  }
  auto token = VerifyTimestampReply(*query, *reply, trust_);
  if (!token.ok()) {
    Fail(token.status(),
         token.status().code() == absl::StatusCode::kFailedPrecondition ? "refused" : "invalid",
         ends.head_seq);
    return token.status();
  }
  store::ExchangeLogTimestamp row;
  row.seq = ends.head_seq;
  row.head_hash = ends.head_hash;
  row.gen_time = token->gen_time;
  row.token = token->der;
  row.tsa_url = options_.tsa_url;

  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = kMaintenanceMember;
  entry.method = kTimestampMethod;
  entry.request_digest = store::Sha256(row.token);
  entry.records.push_back(absl::StrCat(kTimestampRecordPrefix, row.seq));
  const absl::Status written = store::WriteAndWait(
      store_, std::move(entry),
      [this, &row, lease_token](store::WriteTransaction& txn) -> absl::Status {
        RETURN_IF_ERROR(txn.CheckLease(kTimestampLease, replica_, lease_token));
        ASSIGN_OR_RETURN(row.id, txn.AddExchangeLogTimestamp(row));
        return absl::OkStatus();
      });
  if (!written.ok()) {
    Fail(written, "store", ends.head_seq);
    return written;
  }
  // A witness outside the database: the journal keeps what was stamped.
  LogLine(LogLevel::kInfo, "exchange log head timestamped")
      .Int("seq", row.seq).Str("head_hash", absl::BytesToHexString(row.head_hash))
      .Int("token_id", row.id)
      .Str("gen_time", absl::FormatTime(absl::RFC3339_sec, row.gen_time, absl::UTCTimeZone()))
      .Str("serial", token->serial_hex).Str("tsa", token->tsa_name)
      .Str("token_sha256", absl::BytesToHexString(store::Sha256(row.token)));
  return row;
}

}  // namespace lienthong::admin

// AdapterWorker: one adapter instance's lease, checkpoint, batches, filters, retries, dead
// letters and admin controls.
#include "services/sync/adapter_worker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/record_type_names.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/change_event.h"
#include "services/store/write_and_wait.h"
#include "services/sync/resync_records.h"

namespace lienthong::sync {
namespace {

constexpr uint32_t kDefaultBatchSize = 256;
constexpr absl::Duration kDefaultLinger = absl::Milliseconds(50);
// Dead letters resolved per store write during a replay.
constexpr size_t kResolveChunk = 64;
// Page size when the engine walks the dead-letter store.
constexpr int kDeadLetterPage = 500;
// Longest a seek waits for a paused worker to finish the batch it had under way.
constexpr absl::Duration kSeekParkWait = absl::Seconds(30);

// The exchange-log entry of the engine's own writes (checkpoint, dead letter, replay).
store::ExchangeLogEntry EngineLogEntry(const std::string& adapter, absl::string_view what) {
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = "lienthongd";
  entry.method = absl::StrCat("sync/", adapter, "/", what);
  return entry;
}

void Count(prometheus::Counter* counter, double n = 1) {
  if (counter != nullptr) counter->Increment(n);
}

}  // namespace

AdapterCounters AdapterCounters::For(prometheus::Registry* registry, const std::string& adapter) {
  AdapterCounters counters;
  if (registry == nullptr) return counters;
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(*registry).Add(
        {{"adapter", adapter}});
  };
  counters.applied = counter("lienthong_sync_applied_total",
                             "Changes an adapter's destination accepted.");
  counters.filtered = counter("lienthong_sync_filtered_total",
                              "Changes an adapter's record-type and agency filters passed over.");
  counters.dead_lettered = counter("lienthong_sync_dead_lettered_total",
                                   "Changes written to the dead-letter store.");
  counters.failures = counter("lienthong_sync_failures_total",
                              "Failed attempts to apply or checkpoint (outages and refusals).");
  return counters;
}

AdapterWorker::AdapterWorker(store::Store* store, config::v1::Adapter config, std::string kind,
                             std::unique_ptr<adapters::Adapter> adapter,
                             std::set<v1::RecordType> types, SyncEngineOptions options)
    : store_(store),
      config_(std::move(config)),
      kind_(std::move(kind)),
      adapter_(std::move(adapter)),
      types_(std::move(types)),
      agencies_(config_.agencies().begin(), config_.agencies().end()),
      retry_(RetryPolicyFromConfig(config_.retry())),
      batch_size_(static_cast<int>(config_.batch_size() > 0 ? config_.batch_size()
                                                             : kDefaultBatchSize)),
      linger_(config_.has_linger() ? FromProtoDuration(config_.linger()) : kDefaultLinger),
      options_(options),
      counters_(AdapterCounters::For(options.metrics.get(), config_.name())),
      lease_name_(absl::StrCat("adapter/", config_.name())) {}

void AdapterWorker::Start(bool paused) {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  paused_ = paused;
  thread_ = StartNamedThread("lt-sync-worker", [this] { Run(); });
}

void AdapterWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool AdapterWorker::paused() {
  absl::MutexLock lock(&mu_);
  return paused_;
}

void AdapterWorker::RenewLease() {
  int64_t token;
  {
    absl::MutexLock lock(&mu_);
    if (lease_token_ == 0 || stop_) return;
    token = lease_token_;
  }
  auto lease = store_->AcquireLease(lease_name_, options_.replica_name, options_.lease_ttl);
  // The database cannot be reached: nobody can take the lease through it either, and the
  // fencing check stops a checkpoint if somebody did.
  if (!lease.ok() && lease.status().code() == absl::StatusCode::kUnavailable) return;
  if (lease.ok() && lease->token == token) return;
  absl::MutexLock lock(&mu_);
  if (lease_token_ != token) return;
  lease_token_ = 0;
  lease_lost_ = true;
  LogLine(LogLevel::kWarning, "adapter lease lost")
      .Str("adapter", name())
      .Str("replica", options_.replica_name)
      .Str("why", lease.ok() ? "it lapsed before renewal" : lease.status().message());
}

void AdapterWorker::OnCommit(store::ChangeCursor head) {
  absl::MutexLock lock(&mu_);
  head_ = std::max(head_, head.seq);
}

absl::Status AdapterWorker::Pause() {
  RETURN_IF_ERROR(RunsHere());
  absl::MutexLock lock(&mu_);
  paused_ = true;
  return absl::OkStatus();
}

absl::Status AdapterWorker::Resume() {
  RETURN_IF_ERROR(RunsHere());
  absl::MutexLock lock(&mu_);
  paused_ = false;
  if (stopped_on_error_) resume_requested_ = true;
  return absl::OkStatus();
}

absl::Status AdapterWorker::RunsHere() {
  {
    absl::MutexLock lock(&mu_);
    if (lease_token_ != 0) return absl::OkStatus();
  }
  // Nobody runs it yet (this replica may be about to): the steering applies here.
  std::string holder;
  ASSIGN_OR_RETURN(auto leases, store_->ListLeases());
  for (const auto& lease : leases) {
    if (lease.name == lease_name_ && lease.expires_at > absl::Now()) holder = lease.holder;
  }
  if (holder.empty() || holder == options_.replica_name) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "adapter ", name(), " runs on ", holder, ", not on this replica (",
      options_.replica_name, "): ask that replica (lienthongctl status shows the holder)"));
}

v1::AdapterStatus AdapterWorker::Status() {
  v1::AdapterStatus status;
  store::ChangeCursor checkpoint;
  {
    absl::MutexLock lock(&mu_);
    status.set_name(name());
    status.set_kind(kind_);
    status.set_state(StateLocked());
    if (lease_token_ != 0) status.set_holder(options_.replica_name);
    // A gap left by pruning stays visible after later batches succeed.
    status.set_last_error(last_error_.empty() ? missed_changes_ : last_error_);
    status.set_dead_letters(dead_letters_);
    checkpoint = checkpoint_;
  }
  if (status.holder().empty()) {
    // Another replica runs it: its checkpoint is the stored one.
    auto leases = store_->ListLeases();
    if (leases.ok()) {
      for (const auto& lease : *leases) {
        if (lease.name == lease_name_ && lease.expires_at > absl::Now()) {
          status.set_holder(lease.holder);
        }
      }
    }
    auto stored = store_->GetCheckpoint(name());
    if (stored.ok() && stored->has_value()) checkpoint = **stored;
  }
  status.set_checkpoint(store::EncodeCursor(checkpoint));
  auto lag = store_->CountChangesAfter(checkpoint);
  status.set_lag_events(lag.ok() ? *lag : -1);
  return status;
}

absl::Status AdapterWorker::Replay(const std::vector<int64_t>& ids,
                                   const std::function<void(const v1::ReplayProgress&)>& progress) {
  ASSIGN_OR_RETURN(const int64_t token, TokenForAdminWork());
  const std::set<int64_t> wanted(ids.begin(), ids.end());
  std::vector<store::DeadLetterRow> letters;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(auto page, store_->ListDeadLetters(name(), after, kDeadLetterPage));
    if (page.empty()) break;
    after = page.back().id;
    for (auto& letter : page) {
      if (wanted.empty() || wanted.count(letter.id) > 0) letters.push_back(std::move(letter));
    }
  }
  v1::ReplayProgress state;
  state.set_total(static_cast<int64_t>(letters.size()));
  if (progress) progress(state);
  std::vector<int64_t> resolved;
  auto flush = [&]() -> absl::Status {
    if (resolved.empty()) return absl::OkStatus();
    std::vector<int64_t> chunk;
    chunk.swap(resolved);
    auto resolve = [this, chunk, token](store::WriteTransaction& txn) -> absl::Status {
      RETURN_IF_ERROR(txn.CheckLease(lease_name_, options_.replica_name, token));
      for (int64_t id : chunk) {
        RETURN_IF_ERROR(txn.ResolveDeadLetter(id));
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(
        store::WriteAndWait(store_, EngineLogEntry(name(), "replay"), std::move(resolve)));
    absl::MutexLock lock(&mu_);
    dead_letters_ = std::max<int64_t>(0, dead_letters_ - static_cast<int64_t>(chunk.size()));
    return absl::OkStatus();
  };
  for (const auto& letter : letters) {
    v1::ChangeEvent event;
    absl::Status applied =
        event.ParseFromString(letter.payload)
            ? ApplyExclusive({event})
            : absl::DataLossError(absl::StrCat("dead letter ", letter.id, " does not parse"));
    if (applied.ok()) {
      resolved.push_back(letter.id);
      state.set_applied(state.applied() + 1);
    } else {
      state.set_failed(state.failed() + 1);
      LogLine(LogLevel::kWarning, "dead letter replay failed")
          .Str("adapter", name())
          .Int("id", letter.id)
          .Str("error", applied.message());
    }
    if (resolved.size() >= kResolveChunk) RETURN_IF_ERROR(flush());
    if (progress) progress(state);
  }
  RETURN_IF_ERROR(flush());
  LogLine(LogLevel::kInfo, "dead letters replayed")
      .Str("adapter", name())
      .Int("total", state.total())
      .Int("applied", state.applied())
      .Int("failed", state.failed());
  return absl::OkStatus();
}

absl::StatusOr<int64_t> AdapterWorker::TokenForAdminWork() {
  {
    absl::MutexLock lock(&mu_);
    if (lease_token_ != 0) return lease_token_;
  }
  RETURN_IF_ERROR(RunsHere());
  return absl::FailedPreconditionError(absl::StrCat(
      "adapter ", name(), " is starting on this replica: try again when it runs (status)"));
}

absl::Status AdapterWorker::ResyncBatch(const std::vector<v1::ChangeEvent>& events,
                                        v1::ResyncProgress* state) {
  absl::BitGen gen;  // gen_ is the worker thread's
  absl::Status status;
  for (int outages = 0;;) {
    status = ApplyExclusive(events);
    if (status.ok()) {
      state->set_sent(state->sent() + static_cast<int64_t>(events.size()));
      return absl::OkStatus();
    }
    if (!adapters::IsTransientFailure(status)) break;
    if (++outages >= retry_.max_attempts || Stopping()) {
      return absl::UnavailableError(absl::StrCat("adapter ", name(), ": ", status.message(),
                                                 "; resync again when it is reachable"));
    }
    absl::SleepFor(BackoffDelay(retry_, outages, gen));
  }
  if (events.size() == 1) {
    state->set_failed(state->failed() + 1);
    LogLine(LogLevel::kWarning, "resync refused")
        .Str("adapter", name())
        .Str("record", events.front().key().key())
        .Str("error", status.message());
    return absl::OkStatus();
  }
  // Refused content: one event at a time, so that the others land.
  for (const v1::ChangeEvent& event : events) RETURN_IF_ERROR(ResyncBatch({event}, state));
  return absl::OkStatus();
}

absl::Status AdapterWorker::Resync(absl::Time from, absl::Time to,
                                   const std::function<void(const v1::ResyncProgress&)>& progress) {
  RETURN_IF_ERROR(TokenForAdminWork().status());
  ResyncScope scope{from, to, types_, agencies_};
  ASSIGN_OR_RETURN(const std::vector<ResyncKey> keys, ListResyncKeys(store_, scope));
  absl::BitGen gen;
  const std::string run_id = absl::StrCat(absl::ToUnixMillis(absl::Now()), "-",
                                          absl::Uniform<uint32_t>(gen));
  v1::ResyncProgress state;
  state.set_total(static_cast<int64_t>(keys.size()));
  if (progress) progress(state);
  for (size_t begin = 0; begin < keys.size(); begin += static_cast<size_t>(batch_size_)) {
    if (Stopping()) return absl::UnavailableError("the gateway is stopping");
    const size_t end = std::min(keys.size(), begin + static_cast<size_t>(batch_size_));
    std::vector<v1::ChangeEvent> events;
    for (size_t i = begin; i < end; ++i) {
      auto event = ResyncEventOf(store_, keys[i], run_id);
      if (event.ok()) {
        events.push_back(*std::move(event));
      } else if (event.status().code() == absl::StatusCode::kNotFound) {
        state.set_total(state.total() - 1);  // gone since it was listed
      } else {
        return event.status();
      }
    }
    if (!events.empty()) RETURN_IF_ERROR(ResyncBatch(events, &state));
    if (progress) progress(state);
  }
  LogLine(LogLevel::kInfo, "adapter resynced")
      .Str("adapter", name())
      .Str("from", absl::FormatTime(from))
      .Str("to", absl::FormatTime(to))
      .Int("total", state.total())
      .Int("sent", state.sent())
      .Int("failed", state.failed());
  return absl::OkStatus();
}

absl::StatusOr<store::ChangeCursor> AdapterWorker::SeekCursor(const SeekTarget& target) {
  ASSIGN_OR_RETURN(const store::ChangeBounds bounds, store_->GetChangeBounds());
  FieldViolations violations;
  if (target.cursor.has_value()) {
    const store::ChangeCursor cursor = *target.cursor;
    if (bounds.head < cursor) {
      violations.Add("cursor", absl::StrCat("is ahead of the newest change this gateway has "
                                            "committed (", store::EncodeCursor(bounds.head), ")"));
    } else if (cursor < bounds.pruned_through) {
      violations.Add("cursor",
                     absl::StrCat("the changes after it up to ",
                                  store::EncodeCursor(bounds.pruned_through),
                                  " were removed by retention; the oldest checkpoint to seek to is ",
                                  store::EncodeCursor(bounds.pruned_through)));
    }
    RETURN_IF_ERROR(violations.ToStatus());
    return cursor;
  }
  if (!target.time.has_value()) {
    violations.Add("to", "required: a cursor or a time");
    return violations.ToStatus();
  }
  if (*target.time > absl::Now()) {
    violations.Add("time", "must not be in the future");
    return violations.ToStatus();
  }
  ASSIGN_OR_RETURN(const std::optional<store::ChangeCursor> first,
                   store_->FirstChangeAtOrAfter(*target.time));
  // No change that new yet: every later change is newer, so the checkpoint is the newest one.
  if (!first.has_value()) return bounds.head;
  return store::ChangeCursor{std::max(first->seq - 1, bounds.pruned_through.seq)};
}

absl::Status AdapterWorker::HoldParked() {
  absl::MutexLock lock(&mu_);
  auto refuse = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "adapter ", name(), " is ", StateLocked(),
        ": a seek needs it paused first (lienthongctl adapters pause ", name(), ")"));
  };
  if (lease_token_ == 0 || (!paused_ && !stopped_on_error_)) return refuse();
  if (seeking_) {
    return absl::FailedPreconditionError(
        absl::StrCat("adapter ", name(), " is being moved by another seek"));
  }
  // A pause lets the batch under way finish first.
  auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return parked_ || stop_ || lease_lost_ || (!paused_ && !stopped_on_error_);
  };
  mu_.AwaitWithTimeout(absl::Condition(&settled), kSeekParkWait);
  if (stop_ || lease_lost_) {
    return absl::UnavailableError(absl::StrCat("adapter ", name(), " is stopping"));
  }
  if (!paused_ && !stopped_on_error_) return refuse();  // resumed meanwhile
  if (!parked_) {
    return absl::UnavailableError(absl::StrCat(
        "adapter ", name(), " is still finishing the batch it had under way; try again"));
  }
  seeking_ = true;
  return absl::OkStatus();
}

absl::StatusOr<SeekOutcome> AdapterWorker::Seek(const SeekTarget& target,
                                                store::ExchangeLogEntry entry) {
  // Every refusal is written to the exchange log too, with its outcome.
  auto refused = [&](absl::Status status) -> absl::Status {
    (void)store::WriteAndWait(store_, std::move(entry),
                              [status](store::WriteTransaction&) { return status; });
    return status;
  };
  if (absl::Status here = RunsHere(); !here.ok()) return refused(here);
  auto to = SeekCursor(target);
  if (!to.ok()) return refused(to.status());
  if (absl::Status parked = HoldParked(); !parked.ok()) return refused(parked);
  SeekOutcome outcome;
  int64_t token;
  {
    absl::MutexLock lock(&mu_);
    outcome.from = checkpoint_;
    token = lease_token_;
  }
  outcome.to = *to;
  entry.records.push_back(absl::StrCat("checkpoint_from:", store::EncodeCursor(outcome.from)));
  entry.records.push_back(absl::StrCat("checkpoint_to:", store::EncodeCursor(outcome.to)));
  const absl::Status written = store::WriteAndWait(
      store_, std::move(entry),
      [this, token, cursor = outcome.to](store::WriteTransaction& txn) -> absl::Status {
        RETURN_IF_ERROR(txn.CheckLease(lease_name_, options_.replica_name, token));
        return txn.PutCheckpoint(name(), cursor);
      });
  {
    absl::MutexLock lock(&mu_);
    seeking_ = false;
    if (written.ok()) {
      checkpoint_ = outcome.to;
      // The batch the worker held (stopped on error, or backing off when paused) is dropped;
      // it stays paused until resumed.
      abandon_ = true;
      paused_ = true;
      stopped_on_error_ = false;
      resume_requested_ = false;
      backing_off_ = false;
      last_error_.clear();
    }
  }
  if (!written.ok()) {
    if (store::IsLeaseLost(written)) (void)LoseLease(written);
    return written;
  }
  LogLine(LogLevel::kInfo, "adapter checkpoint moved")
      .Str("adapter", name())
      .Str("from", store::EncodeCursor(outcome.from))
      .Str("to", store::EncodeCursor(outcome.to));
  outcome.status = Status();
  outcome.lag_events = outcome.status.lag_events();
  return outcome;
}

bool AdapterWorker::TakeAbandoned() {
  absl::MutexLock lock(&mu_);
  if (!abandon_ || stop_ || lease_lost_) return false;
  abandon_ = false;
  return true;
}

std::string AdapterWorker::StateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
  if (lease_token_ == 0) return "standby";
  if (stopped_on_error_) return "stopped_on_error";
  if (paused_) return "paused";
  if (backing_off_) return "backing_off";
  return "running";
}

bool AdapterWorker::Stopping() {
  absl::MutexLock lock(&mu_);
  return stop_;
}

bool AdapterWorker::WaitWhilePaused() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (!paused_ && !seeking_) || stop_ || lease_lost_;
  };
  parked_ = true;
  mu_.Await(absl::Condition(&ready));
  parked_ = false;
  return !stop_ && !lease_lost_ && !abandon_;
}

bool AdapterWorker::PausedOrStopping() {
  absl::MutexLock lock(&mu_);
  return paused_ || stop_ || abandon_;
}

bool AdapterWorker::Sleep(absl::Duration delay) {
  {
    absl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || paused_ || lease_lost_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), delay);
    if (stop_ || lease_lost_) return false;
  }
  return WaitWhilePaused();
}

void AdapterWorker::WaitForHead(int64_t seq, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto woken = [this, seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return head_ > seq || stop_ || paused_ || lease_lost_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&woken), timeout);
}

void AdapterWorker::SetProblem(const absl::Status& status, bool backing_off) {
  Count(counters_.failures);
  absl::MutexLock lock(&mu_);
  if (backing_off && !backing_off_) {
    LogLine(LogLevel::kWarning, "adapter backing off")
        .Str("adapter", name())
        .Str("error", status.message());
  }
  backing_off_ = backing_off;
  last_error_ = std::string(status.message());
}

void AdapterWorker::ClearProblem() {
  absl::MutexLock lock(&mu_);
  if (backing_off_) LogLine(LogLevel::kInfo, "adapter recovered").Str("adapter", name());
  backing_off_ = false;
  last_error_.clear();
}

absl::Status AdapterWorker::ApplyExclusive(absl::Span<const v1::ChangeEvent> events) {
  absl::MutexLock lock(&apply_mu_);
  return adapter_->Apply(events);
}

bool AdapterWorker::WriteCheckpoint(store::ChangeCursor cursor) {
  for (int attempt = 1;; ++attempt) {
    absl::Status written = store::WriteAndWait(
        store_, EngineLogEntry(name(), "checkpoint"),
        [this, cursor, token = LeaseToken()](store::WriteTransaction& txn) -> absl::Status {
          RETURN_IF_ERROR(txn.CheckLease(lease_name_, options_.replica_name, token));
          return txn.PutCheckpoint(name(), cursor);
        });
    if (written.ok()) {
      absl::MutexLock lock(&mu_);
      checkpoint_ = cursor;
      return true;
    }
    if (store::IsLeaseLost(written)) return LoseLease(written);
    SetProblem(written, true);
    if (!Sleep(BackoffDelay(retry_, attempt, gen_))) return false;
  }
}

bool AdapterWorker::Advance(store::ChangeCursor cursor) {
  {
    absl::MutexLock lock(&mu_);
    if (cursor <= checkpoint_) return true;
  }
  return WriteCheckpoint(cursor);
}

bool AdapterWorker::DeadLetter(const Pending& pending, int attempts, const absl::Status& error) {
  store::DeadLetterRow row;
  row.adapter = name();
  row.cursor = pending.cursor;
  row.event_id = pending.event.event_id();
  row.attempts = attempts;
  row.last_error = std::string(error.message());
  row.dead_lettered_at = absl::Now();
  row.payload = pending.event.SerializeAsString();
  store::ExchangeLogEntry entry = EngineLogEntry(name(), "dead_letter");
  entry.records.push_back(absl::StrCat(RecordTypeName(pending.event.key().type()),
                                       ":", pending.event.key().key()));
  for (int attempt = 1;; ++attempt) {
    absl::Status written = store::WriteAndWait(
        store_, entry,
        [this, row, token = LeaseToken()](store::WriteTransaction& txn) -> absl::Status {
          RETURN_IF_ERROR(txn.CheckLease(lease_name_, options_.replica_name, token));
          RETURN_IF_ERROR(txn.AddDeadLetter(row).status());
          return txn.PutCheckpoint(name(), row.cursor);
        });
    if (written.ok()) break;
    if (store::IsLeaseLost(written)) return LoseLease(written);
    SetProblem(written, true);
    if (!Sleep(BackoffDelay(retry_, attempt, gen_))) return false;
  }
  LogLine(LogLevel::kWarning, "change dead-lettered")
      .Str("adapter", name())
      .Str("cursor", store::EncodeCursor(pending.cursor))
      .Str("event_id", pending.event.event_id())
      .Int("attempts", attempts)
      .Str("error", error.message());
  Count(counters_.dead_lettered);
  absl::MutexLock lock(&mu_);
  checkpoint_ = pending.cursor;
  ++dead_letters_;
  return true;
}

bool AdapterWorker::HaltOnError(const Pending& pending, const absl::Status& error) {
  if (!Advance(store::ChangeCursor{pending.cursor.seq - 1})) return false;
  absl::MutexLock lock(&mu_);
  stopped_on_error_ = true;
  resume_requested_ = false;
  backing_off_ = false;
  last_error_ = absl::StrCat("stopped at ", store::EncodeCursor(pending.cursor), " (event ",
                             pending.event.event_id(), "): ", error.message());
  LogLine(LogLevel::kError, "adapter stopped on error")
      .Str("adapter", name())
      .Str("error", last_error_);
  auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (resume_requested_ && !seeking_) || abandon_ || stop_ || lease_lost_;
  };
  parked_ = true;
  mu_.Await(absl::Condition(&woken));
  parked_ = false;
  stopped_on_error_ = false;
  resume_requested_ = false;
  return !stop_ && !lease_lost_ && !abandon_;
}

bool AdapterWorker::ApplyOne(const Pending& pending) {
  int attempts = 0;
  int outages = 0;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Another replica runs it now, it is stopping, or a seek moved the checkpoint.
      if (lease_lost_ || stop_ || abandon_) return false;
    }
    absl::Status status = pending.broken.ok() ? ApplyExclusive({pending.event}) : pending.broken;
    if (status.ok()) {
      Count(counters_.applied);
      return true;
    }
    if (adapters::IsTransientFailure(status)) {
      SetProblem(status, true);
      if (!Sleep(BackoffDelay(retry_, ++outages, gen_))) return false;
      continue;
    }
    outages = 0;
    ++attempts;
    SetProblem(status, true);
    // A change that cannot even be read from the log will not get better by retrying.
    if (attempts >= retry_.max_attempts || !pending.broken.ok()) {
      if (!config_.stop_on_error()) return DeadLetter(pending, attempts, status);
      if (!HaltOnError(pending, status)) return false;
      attempts = 0;
      continue;
    }
    if (!Sleep(BackoffDelay(retry_, attempts, gen_))) return false;
  }
}

bool AdapterWorker::Deliver(const std::vector<Pending>& batch, store::ChangeCursor end) {
  bool whole = !batch.empty();
  std::vector<v1::ChangeEvent> events;
  events.reserve(batch.size());
  for (const auto& pending : batch) {
    if (!pending.broken.ok()) whole = false;
    events.push_back(pending.event);
  }
  if (whole) {
    for (int outages = 0;;) {
      absl::Status status = ApplyExclusive(events);
      if (status.ok()) {
        Count(counters_.applied, static_cast<double>(events.size()));
        ClearProblem();
        return Advance(end);
      }
      if (!adapters::IsTransientFailure(status)) break;
      SetProblem(status, true);
      if (!Sleep(BackoffDelay(retry_, ++outages, gen_))) return false;
    }
  }
  // The destination refused something: find it one event at a time while the rest land.
  store::ChangeCursor landed;  // the last event applied or dead-lettered
  for (const auto& pending : batch) {
    if (!ApplyOne(pending)) {
      // Stopped (a drain) in the middle: what landed is checkpointed, so that it is not sent
      // again. Not after a seek (the checkpoint moved) or a lost lease (the fence refuses).
      bool drained;
      {
        absl::MutexLock lock(&mu_);
        drained = stop_ && !abandon_ && !lease_lost_;
      }
      if (landed.seq > 0 && drained) (void)Advance(landed);
      return false;
    }
    landed = pending.cursor;
  }
  ClearProblem();
  return Advance(end);
}

bool AdapterWorker::Takes(const store::ChangeRow& row) const {
  if (types_.count(row.type) == 0) return false;
  // Records without an agency (students) are not held back by an agency filter.
  if (!agencies_.empty() && !row.agency.empty() && agencies_.count(row.agency) == 0) {
    return false;
  }
  return true;
}

bool AdapterWorker::LoadCheckpoint() {
  for (int attempt = 1;; ++attempt) {
    auto start = [&]() -> absl::StatusOr<std::pair<store::ChangeCursor, bool>> {
      ASSIGN_OR_RETURN(auto stored, store_->GetCheckpoint(name()));
      if (stored.has_value()) return std::make_pair(*stored, false);
      ASSIGN_OR_RETURN(store::ChangeBounds bounds, store_->GetChangeBounds());
      if (!config_.start_from_oldest()) return std::make_pair(bounds.head, true);
      return std::make_pair(store::ChangeCursor{std::max<int64_t>(0, bounds.oldest.seq - 1)},
                            true);
    }();
    if (start.ok()) {
      {
        absl::MutexLock lock(&mu_);
        checkpoint_ = start->first;
      }
      if (start->second && !WriteCheckpoint(start->first)) return false;
      break;
    }
    SetProblem(start.status(), true);
    if (!Sleep(BackoffDelay(retry_, attempt, gen_))) return false;
  }
  int64_t count = 0;
  for (int64_t after = 0;;) {
    auto page = store_->ListDeadLetters(name(), after, kDeadLetterPage);
    if (!page.ok() || page->empty()) break;
    count += static_cast<int64_t>(page->size());
    after = page->back().id;
  }
  absl::MutexLock lock(&mu_);
  dead_letters_ = count;
  LogLine(LogLevel::kInfo, "adapter started")
      .Str("adapter", name())
      .Str("kind", kind_)
      .Str("checkpoint", store::EncodeCursor(checkpoint_));
  return true;
}

void AdapterWorker::WarnIfPruned(store::ChangeCursor from) {
  auto bounds = store_->GetChangeBounds();
  if (!bounds.ok() || from.seq >= bounds->pruned_through.seq) return;
  const std::string problem =
      absl::StrCat("changes after ", store::EncodeCursor(from), " and before ",
                   store::EncodeCursor(bounds->oldest),
                   " were pruned before this adapter applied them; re-sync the sector "
                   "database from a snapshot");
  LogLine(LogLevel::kError, "adapter missed pruned changes")
      .Str("adapter", name())
      .Str("error", problem);
  absl::MutexLock lock(&mu_);
  missed_changes_ = problem;
}

int64_t AdapterWorker::LeaseToken() {
  absl::MutexLock lock(&mu_);
  return lease_token_;
}

bool AdapterWorker::LoseLease(const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (lease_token_ != 0) {
    LogLine(LogLevel::kWarning, "adapter lease lost")
        .Str("adapter", name())
        .Str("replica", options_.replica_name)
        .Str("why", why.message());
  }
  lease_token_ = 0;
  lease_lost_ = true;
  return false;
}

bool AdapterWorker::TakeLease() {
  const absl::Duration retry = std::min(options_.lease_ttl / 3, absl::Seconds(1));
  for (bool said = false;;) {
    auto lease = store_->AcquireLease(lease_name_, options_.replica_name, options_.lease_ttl);
    absl::MutexLock lock(&mu_);
    if (stop_) {
      if (lease.ok()) {
        (void)store_->ReleaseLease(lease_name_, options_.replica_name, lease->token);
      }
      return false;
    }
    if (lease.ok()) {
      lease_token_ = lease->token;
      lease_lost_ = false;
      LogLine(LogLevel::kInfo, "adapter lease taken")
          .Str("adapter", name())
          .Str("replica", options_.replica_name)
          .Int("token", lease->token);
      return true;
    }
    if (!said) {
      LogLine(LogLevel::kInfo, "adapter in standby")
          .Str("adapter", name())
          .Str("why", lease.status().message());
      said = true;
    }
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), retry);
  }
}

void AdapterWorker::Run() {
  for (;;) {
    if (!TakeLease()) return;
    if (LoadCheckpoint()) RunWhileHolding();
    int64_t token;
    {
      absl::MutexLock lock(&mu_);
      token = lease_token_;
      if (stop_) {
        lease_token_ = 0;
      }
    }
    if (Stopping()) {
      // Another replica may take over at once instead of waiting for the lease to lapse.
      if (token != 0) (void)store_->ReleaseLease(lease_name_, options_.replica_name, token);
      return;
    }
  }
}

void AdapterWorker::RunWhileHolding() {
  for (int read_failures = 0;;) {
    // A seek while the worker waited (or held a batch) sends it back here, to read from the
    // checkpoint it moved.
    if (!WaitWhilePaused()) {
      if (TakeAbandoned()) continue;
      return;
    }
    store::ChangeCursor from;
    {
      absl::MutexLock lock(&mu_);
      from = checkpoint_;
    }
    auto rows = store_->ReadChanges(from, batch_size_);
    if (rows.ok() && !rows->empty() && static_cast<int>(rows->size()) < batch_size_ &&
        linger_ > absl::ZeroDuration()) {
      // A partial batch waits a little for company: fewer, larger transactions downstream.
      const int missing = batch_size_ - static_cast<int>(rows->size());
      WaitForHead(rows->back().cursor.seq + missing - 1, linger_);
      auto more = store_->ReadChanges(rows->back().cursor, missing);
      if (more.ok()) rows->insert(rows->end(), more->begin(), more->end());
    }
    if (!rows.ok()) {
      SetProblem(rows.status(), true);
      if (!Sleep(BackoffDelay(retry_, ++read_failures, gen_)) && !TakeAbandoned()) return;
      continue;
    }
    read_failures = 0;
    if (rows->empty()) {
      WaitForHead(from.seq, options_.poll_interval);
      continue;
    }
    // A pause that came while these rows were read holds them back: nothing read after Pause()
    // returned is delivered (only a delivery already under way finishes).
    if (PausedOrStopping()) continue;
    if (rows->front().cursor.seq > from.seq + 1) WarnIfPruned(from);
    std::vector<Pending> batch;
    for (const store::ChangeRow& row : *rows) {
      if (!Takes(row)) {  // filtered out: still passed by the checkpoint below
        Count(counters_.filtered);
        continue;
      }
      Pending pending;
      pending.cursor = row.cursor;
      pending.broken = store::ToChangeEvent(row, &pending.event);
      batch.push_back(std::move(pending));
    }
    if (!Deliver(batch, rows->back().cursor) && !TakeAbandoned()) return;
  }
}

}  // namespace lienthong::sync

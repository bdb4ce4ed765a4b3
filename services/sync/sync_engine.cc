// SyncEngine: the adapter workers (checkpoint, batch, filter, apply, retry, dead letter) and the
// admin controls (status, pause, resume, replay).
#include "services/sync/sync_engine.h"

#include <algorithm>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "prometheus/counter.h"
#include "services/common/log.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/change_event.h"
#include "services/sync/retry_backoff.h"

namespace lienthong::sync {
namespace {

constexpr uint32_t kDefaultBatchSize = 256;
constexpr uint32_t kMaxBatchSize = 10000;
constexpr absl::Duration kDefaultLinger = absl::Milliseconds(50);
// Dead letters resolved per store write during a replay.
constexpr size_t kResolveChunk = 64;
// Page size when the engine walks the dead-letter store.
constexpr int kDeadLetterPage = 500;

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// The exchange-log entry of the engine's own writes (checkpoint, dead letter, replay).
store::ExchangeLogEntry EngineLogEntry(const std::string& adapter, absl::string_view what) {
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = "lienthongd";
  entry.method = absl::StrCat("sync/", adapter, "/", what);
  return entry;
}

// Runs one store write and waits until it is durable (or failed).
absl::Status WriteAndWait(store::Store* store, store::ExchangeLogEntry entry, store::WriteFn fn) {
  absl::Notification done;
  absl::Status outcome;
  store->Write(std::move(entry), std::move(fn), [&](absl::Status status) {
    outcome = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return outcome;
}

// The counters of one adapter instance; every pointer is null when the engine has no registry.
struct AdapterCounters {
  prometheus::Counter* applied = nullptr;        // changes the destination accepted
  prometheus::Counter* filtered = nullptr;       // changes passed over by the filters
  prometheus::Counter* dead_lettered = nullptr;  // changes written to the dead-letter store
  prometheus::Counter* failures = nullptr;       // failed attempts (outages and refusals)

  static AdapterCounters For(prometheus::Registry* registry, const std::string& adapter) {
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
};

void Count(prometheus::Counter* counter, double n = 1) {
  if (counter != nullptr) counter->Increment(n);
}

// One change as the worker carries it: the event, or why it could not be made from the log.
struct Pending {
  store::ChangeCursor cursor;
  v1::ChangeEvent event;
  absl::Status broken;
};

}  // namespace

// Everything about one adapter instance. Its thread runs Run(); admin calls come from RPC threads.
class AdapterWorker {
 public:
  AdapterWorker(store::Store* store, config::v1::Adapter config, std::string kind,
                std::unique_ptr<adapters::Adapter> adapter, std::set<v1::RecordType> types,
                SyncEngineOptions options)
      : store_(store),
        config_(std::move(config)),
        kind_(std::move(kind)),
        adapter_(std::move(adapter)),
        types_(std::move(types)),
        agencies_(config_.agencies().begin(), config_.agencies().end()),
        retry_(RetryPolicyFromConfig(config_.retry())),
        batch_size_(static_cast<int>(config_.batch_size() > 0 ? config_.batch_size()
                                                               : kDefaultBatchSize)),
        linger_(config_.has_linger() ? ToDuration(config_.linger()) : kDefaultLinger),
        options_(options),
        counters_(AdapterCounters::For(options.metrics.get(), config_.name())),
        lease_name_(absl::StrCat("adapter/", config_.name())) {}

  ~AdapterWorker() { Stop(); }

  const std::string& name() const { return config_.name(); }

  void Start() {
    absl::MutexLock lock(&mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = StartNamedThread("lt-sync-worker", [this] { Run(); });
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  // Renews the lease the worker holds (from the engine's renewal thread). A lease that is
  // another replica's now, or lapsed meanwhile, is lost: the worker goes back to standby.
  void RenewLease() {
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

  // Called on the store's writer thread: only records the head and wakes the worker.
  void OnCommit(store::ChangeCursor head) {
    absl::MutexLock lock(&mu_);
    head_ = std::max(head_, head.seq);
  }

  // Pause and resume steer the worker of this replica: refused while another replica runs
  // the adapter (the pause would not reach it), naming that replica. Replay likewise.
  absl::Status Pause() {
    RETURN_IF_ERROR(RunsHere());
    absl::MutexLock lock(&mu_);
    paused_ = true;
    return absl::OkStatus();
  }

  absl::Status Resume() {
    RETURN_IF_ERROR(RunsHere());
    absl::MutexLock lock(&mu_);
    paused_ = false;
    if (stopped_on_error_) resume_requested_ = true;
    return absl::OkStatus();
  }

  absl::Status RunsHere() {
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

  v1::AdapterStatus Status() {
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

  absl::Status Replay(const std::vector<int64_t>& ids,
                      const std::function<void(const v1::ReplayProgress&)>& progress) {
    int64_t token;
    {
      absl::MutexLock lock(&mu_);
      token = lease_token_;
    }
    if (token == 0) {
      RETURN_IF_ERROR(RunsHere());
      return absl::FailedPreconditionError(absl::StrCat(
          "adapter ", name(), " is starting on this replica: replay when it runs (status)"));
    }
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
      RETURN_IF_ERROR(WriteAndWait(store_, EngineLogEntry(name(), "replay"),
                                   [this, chunk, token](store::WriteTransaction& txn) -> absl::Status {
                                     RETURN_IF_ERROR(txn.CheckLease(
                                         lease_name_, options_.replica_name, token));
                                     for (int64_t id : chunk) {
                                       RETURN_IF_ERROR(txn.ResolveDeadLetter(id));
                                     }
                                     return absl::OkStatus();
                                   }));
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

 private:
  std::string StateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (lease_token_ == 0) return "standby";
    if (stopped_on_error_) return "stopped_on_error";
    if (paused_) return "paused";
    if (backing_off_) return "backing_off";
    return "running";
  }

  bool Stopping() {
    absl::MutexLock lock(&mu_);
    return stop_;
  }

  // Waits while paused; false when the worker must stop.
  bool WaitWhilePaused() {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !paused_ || stop_ || lease_lost_;
    };
    mu_.Await(absl::Condition(&ready));
    return !stop_ && !lease_lost_;
  }

  bool PausedOrStopping() {
    absl::MutexLock lock(&mu_);
    return paused_ || stop_;
  }

  // Sleeps `delay` (a pause in the middle holds the worker until resumed); false on stop.
  bool Sleep(absl::Duration delay) {
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

  // Waits until the store reports a head beyond `seq`, or `timeout`, pause or stop.
  void WaitForHead(int64_t seq, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto woken = [this, seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return head_ > seq || stop_ || paused_ || lease_lost_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), timeout);
  }

  void SetProblem(const absl::Status& status, bool backing_off) {
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

  void ClearProblem() {
    absl::MutexLock lock(&mu_);
    if (backing_off_) LogLine(LogLevel::kInfo, "adapter recovered").Str("adapter", name());
    backing_off_ = false;
    last_error_.clear();
  }

  absl::Status ApplyExclusive(absl::Span<const v1::ChangeEvent> events) {
    absl::MutexLock lock(&apply_mu_);
    return adapter_->Apply(events);
  }

  // Writes the checkpoint, retrying a failing store until it works or the worker stops.
  bool WriteCheckpoint(store::ChangeCursor cursor) {
    for (int attempt = 1;; ++attempt) {
      absl::Status written = WriteAndWait(
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

  bool Advance(store::ChangeCursor cursor) {
    {
      absl::MutexLock lock(&mu_);
      if (cursor <= checkpoint_) return true;
    }
    return WriteCheckpoint(cursor);
  }

  // Dead-letters `pending` and moves the checkpoint to it, in one transaction.
  bool DeadLetter(const Pending& pending, int attempts, const absl::Status& error) {
    store::DeadLetterRow row;
    row.adapter = name();
    row.cursor = pending.cursor;
    row.event_id = pending.event.event_id();
    row.attempts = attempts;
    row.last_error = std::string(error.message());
    row.dead_lettered_at = absl::Now();
    row.payload = pending.event.SerializeAsString();
    store::ExchangeLogEntry entry = EngineLogEntry(name(), "dead_letter");
    entry.records.push_back(absl::StrCat(adapters::RecordTypeName(pending.event.key().type()),
                                         ":", pending.event.key().key()));
    for (int attempt = 1;; ++attempt) {
      absl::Status written = WriteAndWait(
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

  // Halts at a failing change until resumed; false on stop.
  bool HaltOnError(const Pending& pending, const absl::Status& error) {
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
      return resume_requested_ || stop_ || lease_lost_;
    };
    mu_.Await(absl::Condition(&woken));
    stopped_on_error_ = false;
    resume_requested_ = false;
    return !stop_ && !lease_lost_;
  }

  // Applies one event until it lands, is dead-lettered, or the worker stops (false).
  bool ApplyOne(const Pending& pending) {
    int attempts = 0;
    int outages = 0;
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (lease_lost_ || stop_) return false;  // another replica runs it now
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

  // Applies a batch and moves the checkpoint to `end`; false on stop.
  bool Deliver(const std::vector<Pending>& batch, store::ChangeCursor end) {
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
    for (const auto& pending : batch) {
      if (!ApplyOne(pending)) return false;
    }
    ClearProblem();
    return Advance(end);
  }

  bool Takes(const store::ChangeRow& row) const {
    if (types_.count(row.type) == 0) return false;
    // Records without an agency (students) are not held back by an agency filter.
    if (!agencies_.empty() && !row.agency.empty() && agencies_.count(row.agency) == 0) {
      return false;
    }
    return true;
  }

  // The checkpoint a worker starts from: the stored one, or now / the oldest change for a new
  // adapter (stored at once, so a restart does not move it).
  bool LoadCheckpoint() {
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

  // Retention may have removed changes this adapter never applied; that must not pass silently.
  void WarnIfPruned(store::ChangeCursor from) {
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

  int64_t LeaseToken() {
    absl::MutexLock lock(&mu_);
    return lease_token_;
  }

  // A fenced write was refused: the lease went to another replica. Always false (stop work).
  bool LoseLease(const absl::Status& why) {
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

  // Waits in standby until this replica holds the adapter's lease; false on stop.
  bool TakeLease() {
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

  void Run() {
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

  void RunWhileHolding() {
    for (int read_failures = 0; WaitWhilePaused();) {
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
        if (!Sleep(BackoffDelay(retry_, ++read_failures, gen_))) return;
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
      if (!Deliver(batch, rows->back().cursor)) return;
    }
  }

  store::Store* const store_;
  const config::v1::Adapter config_;
  const std::string kind_;
  const std::unique_ptr<adapters::Adapter> adapter_;
  const std::set<v1::RecordType> types_;
  const std::set<std::string> agencies_;
  const RetryPolicy retry_;
  const int batch_size_;
  const absl::Duration linger_;
  const SyncEngineOptions options_;
  const AdapterCounters counters_;
  absl::BitGen gen_;  // worker thread only

  absl::Mutex apply_mu_;  // one adapter call at a time: the worker's or a replay's
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_on_error_ ABSL_GUARDED_BY(mu_) = false;
  bool resume_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool backing_off_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::string missed_changes_ ABSL_GUARDED_BY(mu_);
  store::ChangeCursor checkpoint_ ABSL_GUARDED_BY(mu_);
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dead_letters_ ABSL_GUARDED_BY(mu_) = 0;
  const std::string lease_name_;
  int64_t lease_token_ ABSL_GUARDED_BY(mu_) = 0;  // 0 while in standby
  bool lease_lost_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

namespace {

// The engine's own checks of entry `path` (the fields every adapter has).
void CheckCommonFields(const std::string& path, const config::v1::Adapter& config,
                       std::set<std::string>* names, FieldViolations* violations) {
  if (config.name().empty()) violations->Add(path + ".name", "required");
  if (!names->insert(config.name()).second) {
    violations->Add(path + ".name",
                    absl::StrCat("adapter name '", config.name(), "' is used twice"));
  }
  if (config.batch_size() > kMaxBatchSize) {
    violations->Add(path + ".batch_size", absl::StrCat("at most ", kMaxBatchSize));
  }
  if (config.has_linger() && ToDuration(config.linger()) < absl::ZeroDuration()) {
    violations->Add(path + ".linger", "must not be negative");
  }
}

// A refusal of entry `path` by the registry, its fields put under the entry's path.
void AddEntryRefusal(const std::string& path, const absl::Status& refusal,
                     FieldViolations* violations) {
  google::rpc::BadRequest bad;
  if (GetBadRequest(refusal, &bad)) {
    for (const auto& v : bad.field_violations()) {
      violations->Add(absl::StrCat(path, ".", v.field()), v.description());
    }
  } else {
    violations->Add(path, std::string(refusal.message()));
  }
}

}  // namespace

absl::Status CheckAdapterConfigs(
    const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters,
    const adapters::AdapterRegistry& registry) {
  FieldViolations violations;
  std::set<std::string> names;
  for (int i = 0; i < adapters.size(); ++i) {
    const std::string path = absl::StrCat("adapters[", i, "]");
    CheckCommonFields(path, adapters.Get(i), &names, &violations);
    if (absl::Status checked = registry.Check(adapters.Get(i)); !checked.ok()) {
      AddEntryRefusal(path, checked, &violations);
    }
  }
  return violations.ToStatus();
}

absl::StatusOr<std::unique_ptr<SyncEngine>> SyncEngine::Create(
    store::Store* store, const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters,
    const adapters::AdapterRegistry& registry, SyncEngineOptions options) {
  std::unique_ptr<SyncEngine> engine(new SyncEngine());
  engine->options_ = options;
  FieldViolations violations;
  std::set<std::string> names;
  for (int i = 0; i < adapters.size(); ++i) {
    const config::v1::Adapter& config = adapters.Get(i);
    const std::string path = absl::StrCat("adapters[", i, "]");
    CheckCommonFields(path, config, &names, &violations);
    auto built = registry.Create(config);
    if (!built.ok()) {
      AddEntryRefusal(path, built.status(), &violations);
      continue;
    }
    std::set<v1::RecordType> types;
    for (const auto& name : config.record_types()) {
      if (auto type = adapters::RecordTypeFromName(name); type.ok()) types.insert(*type);
    }
    if (types.empty()) {
      const adapters::AdapterFactory* factory = registry.Find(adapters::AdapterKindOf(config));
      for (v1::RecordType type : factory->record_types()) types.insert(type);
    }
    engine->workers_.push_back(std::make_unique<AdapterWorker>(
        store, config, adapters::AdapterKindOf(config), *std::move(built), std::move(types),
        options));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  // The listener outlives the engine inside the store, so it holds the workers only weakly:
  // through a shared list that the engine empties when it stops.
  struct Listeners {
    absl::Mutex mu;
    std::vector<AdapterWorker*> workers ABSL_GUARDED_BY(mu);
  };
  auto listeners = std::make_shared<Listeners>();
  {
    absl::MutexLock lock(&listeners->mu);
    for (auto& worker : engine->workers_) listeners->workers.push_back(worker.get());
  }
  store->AddCommitListener([listeners](store::ChangeCursor head) {
    absl::MutexLock lock(&listeners->mu);
    for (AdapterWorker* worker : listeners->workers) worker->OnCommit(head);
  });
  engine->detach_listener_ = [listeners] {
    absl::MutexLock lock(&listeners->mu);
    listeners->workers.clear();
  };
  return engine;
}

SyncEngine::~SyncEngine() {
  Stop();
  if (detach_listener_) detach_listener_();
}

void SyncEngine::Start() {
  if (started_) return;
  started_ = true;
  for (auto& worker : workers_) worker->Start();
  renew_thread_ = StartNamedThread("lt-sync-lease", [this] { RenewLoop(); });
}

void SyncEngine::RenewLoop() {
  const absl::Duration every = options_.lease_ttl / 3;
  for (;;) {
    {
      absl::MutexLock lock(&renew_mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(renew_mu_) { return renew_stop_; };
      if (renew_mu_.AwaitWithTimeout(absl::Condition(&stopping), every)) return;
    }
    for (auto& worker : workers_) worker->RenewLease();
  }
}

void SyncEngine::Stop() {
  {
    absl::MutexLock lock(&renew_mu_);
    renew_stop_ = true;
  }
  if (renew_thread_.joinable()) renew_thread_.join();
  for (auto& worker : workers_) worker->Stop();
}

absl::StatusOr<AdapterWorker*> SyncEngine::Find(const std::string& adapter) {
  for (auto& worker : workers_) {
    if (worker->name() == adapter) return worker.get();
  }
  return absl::NotFoundError(absl::StrCat("no adapter named '", adapter, "'"));
}

std::vector<v1::AdapterStatus> SyncEngine::AdapterStatuses() {
  std::vector<v1::AdapterStatus> statuses;
  for (auto& worker : workers_) statuses.push_back(worker->Status());
  return statuses;
}

absl::Status SyncEngine::Pause(const std::string& adapter) {
  ASSIGN_OR_RETURN(AdapterWorker * worker, Find(adapter));
  return worker->Pause();
}

absl::Status SyncEngine::Resume(const std::string& adapter) {
  ASSIGN_OR_RETURN(AdapterWorker * worker, Find(adapter));
  return worker->Resume();
}

absl::Status SyncEngine::ReplayDeadLetters(
    const std::string& adapter, const std::vector<int64_t>& ids,
    const std::function<void(const v1::ReplayProgress&)>& progress) {
  ASSIGN_OR_RETURN(AdapterWorker * worker, Find(adapter));
  return worker->Replay(ids, progress);
}

}  // namespace lienthong::sync

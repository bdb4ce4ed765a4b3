// AdapterWorker: one configured adapter instance of the sync engine (sync_engine.h), on a thread
// of its own: takes the adapter's lease, reads the change log after its checkpoint in batches,
// filters, applies through the adapter, retries with backoff, dead-letters, and moves the
// checkpoint with a fencing check. Admin calls (status, pause, resume, replay, resync, seek)
// come from RPC threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "adapters/adapter.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/admin_service.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/store/store.h"
#include "services/sync/retry_backoff.h"
#include "services/sync/sync_engine.h"

namespace lienthong::sync {

// The counters of one adapter instance; every pointer is null when the engine has no registry.
struct AdapterCounters {
  prometheus::Counter* applied = nullptr;        // changes the destination accepted
  prometheus::Counter* filtered = nullptr;       // changes passed over by the filters
  prometheus::Counter* dead_lettered = nullptr;  // changes written to the dead-letter store
  prometheus::Counter* failures = nullptr;       // failed attempts (outages and refusals)

  static AdapterCounters For(prometheus::Registry* registry, const std::string& adapter);
};

// One change as the worker carries it: the event, or why it could not be made from the log.
struct Pending {
  store::ChangeCursor cursor;
  v1::ChangeEvent event;
  absl::Status broken;
};

// Everything about one adapter instance. Its thread runs Run(); admin calls come from RPC threads.
class AdapterWorker {
 public:
  AdapterWorker(store::Store* store, config::v1::Adapter config, std::string kind,
                std::unique_ptr<adapters::Adapter> adapter, std::set<v1::RecordType> types,
                SyncEngineOptions options);

  ~AdapterWorker() { Stop(); }

  const std::string& name() const { return config_.name(); }
  const config::v1::Adapter& config() const { return config_; }

  // Starts the thread; `paused`: held paused from the start (a reload keeps a pause).
  void Start(bool paused = false);
  // Drains the worker: a batch already handed to the adapter finishes and is checkpointed (one
  // event at a time too: what landed is checkpointed), nothing more is read; then its thread
  // ends and it releases its lease. A worker waiting out an outage or a backoff stops at once
  // (its batch was not applied). Idempotent.
  void Stop();
  bool paused();

  // Renews the lease the worker holds (from the engine's renewal thread). A lease that is
  // another replica's now, or lapsed meanwhile, is lost: the worker goes back to standby.
  void RenewLease();

  // Called on the store's writer thread: only records the head and wakes the worker.
  void OnCommit(store::ChangeCursor head);

  // Pause and resume steer the worker of this replica: refused while another replica runs
  // the adapter (the pause would not reach it), naming that replica. Replay likewise.
  absl::Status Pause();
  absl::Status Resume();
  absl::Status RunsHere();
  v1::AdapterStatus Status();
  absl::Status Replay(const std::vector<int64_t>& ids,
                      const std::function<void(const v1::ReplayProgress&)>& progress);
  // SyncControl::Resync for this adapter, on the calling thread.
  absl::Status Resync(absl::Time from, absl::Time to,
                      const std::function<void(const v1::ResyncProgress&)>& progress);
  // SyncControl::Seek for this adapter.
  absl::StatusOr<SeekOutcome> Seek(const SeekTarget& target, store::ExchangeLogEntry entry);

 private:
  std::string StateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Stopping();
  // Seek's steps: the new checkpoint, checked against the change log; the worker parked (not in
  // the middle of an adapter call or a checkpoint write) and held there.
  absl::StatusOr<store::ChangeCursor> SeekCursor(const SeekTarget& target);
  absl::Status HoldParked();
  // After a seek: true (once) when the worker must drop what it held and read from the new
  // checkpoint; false when it must stop.
  bool TakeAbandoned();

  // Waits while paused; false when the worker must stop.
  bool WaitWhilePaused();
  bool PausedOrStopping();

  // Sleeps `delay` (a pause in the middle holds the worker until resumed); false on stop.
  bool Sleep(absl::Duration delay);

  // Waits until the store reports a head beyond `seq`, or `timeout`, pause or stop.
  void WaitForHead(int64_t seq, absl::Duration timeout);
  void SetProblem(const absl::Status& status, bool backing_off);
  void ClearProblem();
  absl::Status ApplyExclusive(absl::Span<const v1::ChangeEvent> events);
  // Lease token of this replica's run of the adapter; FAILED_PRECONDITION when it does not run
  // here (yet), naming the replica that does. For admin work done through the adapter.
  absl::StatusOr<int64_t> TokenForAdminWork();
  // ApplyExclusive for a resync's batch: an outage is retried with backoff up to
  // retry.max_attempts times; a refused batch is sent one event at a time. Counts into `state`.
  absl::Status ResyncBatch(const std::vector<v1::ChangeEvent>& events, v1::ResyncProgress* state);

  // Writes the checkpoint, retrying a failing store until it works or the worker stops.
  bool WriteCheckpoint(store::ChangeCursor cursor);
  bool Advance(store::ChangeCursor cursor);

  // Dead-letters `pending` and moves the checkpoint to it, in one transaction.
  bool DeadLetter(const Pending& pending, int attempts, const absl::Status& error);

  // Halts at a failing change until resumed; false on stop.
  bool HaltOnError(const Pending& pending, const absl::Status& error);

  // Applies one event until it lands, is dead-lettered, or the worker stops (false).
  bool ApplyOne(const Pending& pending);

  // Applies a batch and moves the checkpoint to `end`; false on stop.
  bool Deliver(const std::vector<Pending>& batch, store::ChangeCursor end);
  bool Takes(const store::ChangeRow& row) const;

  // The checkpoint a worker starts from: the stored one, or now / the oldest change for a new
  // adapter (stored at once, so a restart does not move it).
  bool LoadCheckpoint();

  // Retention may have removed changes this adapter never applied; that must not pass silently.
  void WarnIfPruned(store::ChangeCursor from);
  int64_t LeaseToken();

  // A fenced write was refused: the lease went to another replica. Always false (stop work).
  bool LoseLease(const absl::Status& why);

  // Waits in standby until this replica holds the adapter's lease; false on stop.
  bool TakeLease();
  void Run();
  void RunWhileHolding();

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
  // Seek: parked_ while the worker waits paused or stopped on error (it holds no adapter call
  // and writes nothing); seeking_ holds it there while a seek writes; abandon_ tells it to drop
  // the batch it held (the checkpoint moved under it).
  bool parked_ ABSL_GUARDED_BY(mu_) = false;
  bool seeking_ ABSL_GUARDED_BY(mu_) = false;
  bool abandon_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lienthong::sync

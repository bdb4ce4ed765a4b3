// SyncEngine: one worker per configured adapter instance, carrying committed changes from the
// store to sector databases (docs/architecture.md, guarantee 7).
//
// A worker runs only while its replica holds the adapter's lease; it writes every checkpoint
// with a fencing check, so a replica that lost the lease cannot move the checkpoint. A worker
// without the lease waits in "standby" and takes the lease when it lapses.
//
// A worker reads the change log after its stored checkpoint in batches (batch_size, linger),
// drops the events its record types and agencies do not take, applies the rest through its
// adapter, and only then moves its checkpoint. A failing batch is retried with exponential
// backoff, jitter and a cap: without limit while the destination is unreachable (the adapter
// says so by its status code, see adapters/adapter.h); when the destination refuses content, the
// batch is applied one event at a time and an event that still fails after retry.max_attempts
// is written to the dead-letter store with its context in the same transaction that moves the
// checkpoint past it (or, with stop_on_error, the worker halts visibly at it). Workers wake when
// the store commits changes (a commit listener) and also poll, in case a commit is missed.
//
// The adapter set can change while the engine runs (a config reload: PrepareAdapters): workers
// are added, drained and replaced one by one; admin calls hold the worker they act on.
#pragma once

#include <functional>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/adapter_registry.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "lienthong/config/v1/config.pb.h"
#include "prometheus/registry.h"
#include "services/store/store.h"
#include "services/sync/sync_control.h"

namespace lienthong::sync {

struct SyncEngineOptions {
  // Longest a worker sleeps on a quiet log before it looks again without a commit wake-up.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // Where the per-adapter counters go (lienthong_sync_*_total{adapter}); none when null.
  std::shared_ptr<prometheus::Registry> metrics;
  // This replica's name. Each adapter runs on one replica at a time: the holder of its lease
  // "adapter/<name>" (services/store/leases.h), renewed every third of lease_ttl; when its
  // holder dies, another replica takes it over within about lease_ttl.
  std::string replica_name = "local";
  absl::Duration lease_ttl = absl::Seconds(10);
};

class AdapterWorker;

class SyncEngine final : public SyncControl {
 public:
  // Builds every adapter of `adapters` through `registry` (nothing connects yet) and registers a
  // commit listener on `store`, so it must be made before the store takes writes. Every bad
  // field of every entry is reported at once: INVALID_ARGUMENT with a BadRequest naming
  // "adapters[i].<field>". `registry` must outlive the engine (reloads build through it).
  static absl::StatusOr<std::unique_ptr<SyncEngine>> Create(
      store::Store* store, const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters,
      const adapters::AdapterRegistry& registry, SyncEngineOptions options = {});
  // Stops the workers.
  ~SyncEngine() override;

  // Starts one worker thread per adapter.
  void Start();
  // Stops every worker after its current step (an adapter call in flight finishes first) and
  // waits for them. Checkpoints stay where they are. Idempotent.
  void Stop();

  std::vector<v1::AdapterStatus> AdapterStatuses() override;
  absl::Status Pause(const std::string& adapter) override;
  absl::Status Resume(const std::string& adapter) override;
  absl::Status ReplayDeadLetters(
      const std::string& adapter, const std::vector<int64_t>& ids,
      const std::function<void(const v1::ReplayProgress&)>& progress) override;
  absl::Status Resync(const std::string& adapter, absl::Time from, absl::Time to,
                      const std::function<void(const v1::ResyncProgress&)>& progress) override;
  absl::StatusOr<SeekOutcome> Seek(const std::string& adapter, const SeekTarget& target,
                                   store::ExchangeLogEntry entry) override;
  absl::StatusOr<ApplyAdapters> PrepareAdapters(
      const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters) override;

  // How many adapters are configured now.
  int adapter_count();

 private:
  struct Listeners;
  SyncEngine() = default;
  // The worker of `adapter`, kept alive for the caller even if a reload removes it meanwhile.
  absl::StatusOr<std::shared_ptr<AdapterWorker>> Find(const std::string& adapter);
  absl::StatusOr<std::shared_ptr<AdapterWorker>> Build(const config::v1::Adapter& config) const;
  std::vector<std::shared_ptr<AdapterWorker>> Workers();
  // Puts `next` in force (PrepareAdapters' second step).
  AdapterSetChanges Replace(std::vector<std::shared_ptr<AdapterWorker>> next,
                            AdapterSetChanges changes);
  void SetListened(const std::vector<std::shared_ptr<AdapterWorker>>& workers);

  void RenewLoop();

  store::Store* store_ = nullptr;
  const adapters::AdapterRegistry* registry_ = nullptr;
  absl::Mutex reconfigure_mu_;  // one adapter-set change at a time
  absl::Mutex workers_mu_;
  std::vector<std::shared_ptr<AdapterWorker>> workers_ ABSL_GUARDED_BY(workers_mu_);
  std::shared_ptr<Listeners> listeners_;
  SyncEngineOptions options_;
  absl::Mutex renew_mu_;
  bool renew_stop_ ABSL_GUARDED_BY(renew_mu_) = false;
  std::thread renew_thread_;
  // Unhooks the workers from the store's commit listener (which the store keeps).
  std::function<void()> detach_listener_;
  bool started_ ABSL_GUARDED_BY(reconfigure_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(reconfigure_mu_) = false;
};

}  // namespace lienthong::sync

// SyncEngine: builds one AdapterWorker per configured adapter (adapter_worker.h holds what a
// worker does), renews their leases, and routes the admin controls (status, pause, resume,
// replay) to them.
#include "services/sync/sync_engine.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/sync/adapter_worker.h"

namespace lienthong::sync {
absl::StatusOr<std::unique_ptr<SyncEngine>> SyncEngine::Create(
    store::Store* store, const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters,
    const adapters::AdapterRegistry& registry, SyncEngineOptions options) {
  std::unique_ptr<SyncEngine> engine(new SyncEngine());
  engine->options_ = options;
  RETURN_IF_ERROR(registry.CheckEntries(adapters));
  for (const config::v1::Adapter& config : adapters) {
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::Adapter> built, registry.Create(config));
    std::set<v1::RecordType> types;
    for (const auto& name : config.record_types()) {
      if (auto type = adapters::RecordTypeFromName(name); type.ok()) types.insert(*type);
    }
    if (types.empty()) {
      const adapters::AdapterFactory* factory = registry.Find(adapters::AdapterKindOf(config));
      for (v1::RecordType type : factory->record_types()) types.insert(type);
    }
    engine->workers_.push_back(std::make_unique<AdapterWorker>(
        store, config, adapters::AdapterKindOf(config), std::move(built), std::move(types),
        options));
  }
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

absl::Status SyncEngine::Resync(const std::string& adapter, absl::Time from, absl::Time to,
                                const std::function<void(const v1::ResyncProgress&)>& progress) {
  ASSIGN_OR_RETURN(AdapterWorker * worker, Find(adapter));
  return worker->Resync(from, to, progress);
}

}  // namespace lienthong::sync

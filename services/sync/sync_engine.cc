// SyncEngine: builds one AdapterWorker per configured adapter (adapter_worker.h holds what a
// worker does), renews their leases, routes the admin controls (status, pause, resume, replay,
// resync, seek) to them, and replaces them when a config reload changes the adapter set.
#include "services/sync/sync_engine.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/write_and_wait.h"
#include "services/sync/adapter_worker.h"

namespace lienthong::sync {

// The store keeps the commit listener for its whole life, so the listener reaches the workers
// only through this list, which the engine keeps current and empties when it goes.
struct SyncEngine::Listeners {
  absl::Mutex mu;
  std::vector<std::shared_ptr<AdapterWorker>> workers ABSL_GUARDED_BY(mu);
};

absl::StatusOr<std::unique_ptr<SyncEngine>> SyncEngine::Create(
    store::Store* store, const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters,
    const adapters::AdapterRegistry& registry, SyncEngineOptions options) {
  std::unique_ptr<SyncEngine> engine(new SyncEngine());
  engine->store_ = store;
  engine->registry_ = &registry;
  engine->options_ = options;
  RETURN_IF_ERROR(registry.CheckEntries(adapters));
  std::vector<std::shared_ptr<AdapterWorker>> workers;
  for (const config::v1::Adapter& config : adapters) {
    ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, engine->Build(config));
    workers.push_back(std::move(worker));
  }
  engine->listeners_ = std::make_shared<Listeners>();
  engine->SetListened(workers);
  {
    absl::MutexLock lock(&engine->workers_mu_);
    engine->workers_ = std::move(workers);
  }
  store->AddCommitListener([listeners = engine->listeners_](store::ChangeCursor head) {
    absl::MutexLock lock(&listeners->mu);
    for (const auto& worker : listeners->workers) worker->OnCommit(head);
  });
  engine->detach_listener_ = [listeners = engine->listeners_] {
    absl::MutexLock lock(&listeners->mu);
    listeners->workers.clear();
  };
  return engine;
}

absl::StatusOr<std::shared_ptr<AdapterWorker>> SyncEngine::Build(
    const config::v1::Adapter& config) const {
  ASSIGN_OR_RETURN(std::unique_ptr<adapters::Adapter> built, registry_->Create(config));
  std::set<v1::RecordType> types;
  for (const auto& name : config.record_types()) {
    if (auto type = adapters::RecordTypeFromName(name); type.ok()) types.insert(*type);
  }
  if (types.empty()) {
    const adapters::AdapterFactory* factory = registry_->Find(adapters::AdapterKindOf(config));
    for (v1::RecordType type : factory->record_types()) types.insert(type);
  }
  return std::make_shared<AdapterWorker>(store_, config, adapters::AdapterKindOf(config),
                                         std::move(built), std::move(types), options_);
}

void SyncEngine::SetListened(const std::vector<std::shared_ptr<AdapterWorker>>& workers) {
  absl::MutexLock lock(&listeners_->mu);
  listeners_->workers = workers;
}

std::vector<std::shared_ptr<AdapterWorker>> SyncEngine::Workers() {
  absl::MutexLock lock(&workers_mu_);
  return workers_;
}

int SyncEngine::adapter_count() {
  absl::MutexLock lock(&workers_mu_);
  return static_cast<int>(workers_.size());
}

SyncEngine::~SyncEngine() {
  Stop();
  if (detach_listener_) detach_listener_();
}

void SyncEngine::Start() {
  absl::MutexLock one_change(&reconfigure_mu_);
  if (started_) return;
  started_ = true;
  for (auto& worker : Workers()) worker->Start();
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
    for (auto& worker : Workers()) worker->RenewLease();
  }
}

void SyncEngine::Stop() {
  absl::MutexLock one_change(&reconfigure_mu_);
  {
    absl::MutexLock lock(&renew_mu_);
    renew_stop_ = true;
  }
  if (renew_thread_.joinable()) renew_thread_.join();
  for (auto& worker : Workers()) worker->Stop();
  stopped_ = true;
}

absl::StatusOr<SyncControl::ApplyAdapters> SyncEngine::PrepareAdapters(
    const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters) {
  RETURN_IF_ERROR(registry_->CheckEntries(adapters));
  std::map<std::string, std::shared_ptr<AdapterWorker>> running;
  for (auto& worker : Workers()) running[worker->name()] = worker;
  AdapterSetChanges changes;
  std::vector<std::shared_ptr<AdapterWorker>> next;
  for (const config::v1::Adapter& config : adapters) {
    auto found = running.find(config.name());
    if (found != running.end() &&
        google::protobuf::util::MessageDifferencer::Equals(found->second->config(), config)) {
      next.push_back(found->second);  // unchanged: keeps running
      running.erase(found);
      continue;
    }
    // New or changed: built now (nothing connects until it starts), so that a failure here
    // leaves every running worker as it is.
    ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, Build(config));
    if (found != running.end()) {
      changes.changed.push_back(config.name());
    } else {
      changes.added.push_back(config.name());
    }
    next.push_back(std::move(worker));
  }
  for (const auto& [name, worker] : running) changes.removed.push_back(name);
  return ApplyAdapters(
      [this, next = std::move(next), changes = std::move(changes)]() mutable {
        return Replace(std::move(next), std::move(changes));
      });
}

AdapterSetChanges SyncEngine::Replace(std::vector<std::shared_ptr<AdapterWorker>> next,
                                      AdapterSetChanges changes) {
  absl::MutexLock one_change(&reconfigure_mu_);
  if (stopped_) return AdapterSetChanges{};  // the gateway is going down: nothing changes
  std::map<std::string, std::shared_ptr<AdapterWorker>> incoming;
  for (const auto& worker : next) incoming[worker->name()] = worker;
  std::map<std::string, bool> was_paused;
  // Drain first: a removed or changed adapter's worker finishes and checkpoints the batch it
  // has under way, then stops and releases its lease, before its successor reads anything.
  for (const auto& worker : Workers()) {
    auto successor = incoming.find(worker->name());
    if (successor != incoming.end() && successor->second == worker) continue;  // unchanged
    worker->Stop();
    was_paused[worker->name()] = worker->paused();
    LogLine(LogLevel::kInfo, "adapter drained")
        .Str("adapter", worker->name())
        .Str("why", successor == incoming.end() ? "removed from the config" : "its entry changed");
  }
  {
    absl::MutexLock lock(&workers_mu_);
    workers_ = next;
  }
  SetListened(next);
  if (started_) {
    for (const auto& worker : next) {
      auto paused = was_paused.find(worker->name());
      worker->Start(paused != was_paused.end() && paused->second);
    }
  }
  LogLine(LogLevel::kInfo, "adapters reconfigured")
      .Int("added", static_cast<int64_t>(changes.added.size()))
      .Int("changed", static_cast<int64_t>(changes.changed.size()))
      .Int("removed", static_cast<int64_t>(changes.removed.size()));
  return changes;
}

absl::StatusOr<std::shared_ptr<AdapterWorker>> SyncEngine::Find(const std::string& adapter) {
  for (auto& worker : Workers()) {
    if (worker->name() == adapter) return worker;
  }
  return absl::NotFoundError(absl::StrCat("no adapter named '", adapter, "'"));
}

std::vector<v1::AdapterStatus> SyncEngine::AdapterStatuses() {
  std::vector<v1::AdapterStatus> statuses;
  for (auto& worker : Workers()) statuses.push_back(worker->Status());
  return statuses;
}

absl::Status SyncEngine::Pause(const std::string& adapter) {
  ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, Find(adapter));
  return worker->Pause();
}

absl::Status SyncEngine::Resume(const std::string& adapter) {
  ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, Find(adapter));
  return worker->Resume();
}

absl::Status SyncEngine::ReplayDeadLetters(
    const std::string& adapter, const std::vector<int64_t>& ids,
    const std::function<void(const v1::ReplayProgress&)>& progress) {
  ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, Find(adapter));
  return worker->Replay(ids, progress);
}

absl::Status SyncEngine::Resync(const std::string& adapter, absl::Time from, absl::Time to,
                                const std::function<void(const v1::ResyncProgress&)>& progress) {
  ASSIGN_OR_RETURN(std::shared_ptr<AdapterWorker> worker, Find(adapter));
  return worker->Resync(from, to, progress);
}

absl::StatusOr<SeekOutcome> SyncEngine::Seek(const std::string& adapter,
                                             const SeekTarget& target,
                                             store::ExchangeLogEntry entry) {
  auto worker = Find(adapter);
  if (!worker.ok()) {
    // Logged with its outcome like every refusal.
    const absl::Status status = worker.status();
    (void)store::WriteAndWait(store_, std::move(entry),
                              [status](store::WriteTransaction&) { return status; });
    return status;
  }
  return (*worker)->Seek(target, std::move(entry));
}

}  // namespace lienthong::sync

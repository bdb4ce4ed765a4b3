// SqliteStore: the embedded default Store. One file, WAL, synchronous=FULL, one writer thread
// that commits concurrent writes in one transaction (GroupCommitter), a pool of readers.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/store/group_commit.h"
#include "services/store/local_leases.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/wal_checkpointer.h"
#include "services/store/store.h"

namespace lienthong::store::sqlite {

struct SqliteOptions {
  std::string path;
  // Longest a write waits for others to join its transaction (0: commit as soon as the writer
  // is free; writes arriving during an fsync still share the next one).
  absl::Duration group_commit_linger = absl::ZeroDuration();
  int group_commit_max_batch = 512;
  int reader_connections = 4;
};

// The schema version this build writes; a database from a newer build is refused.
inline constexpr int kSchemaVersion = 7;

class SqliteStore final : public Store {
 public:
  // Opens or creates the database, runs pending migrations, starts the writer.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  using StoreWrites::Write;
  void Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done, ReadAhead read_ahead) override;
  void LogExchange(ExchangeLogEntry entry) override;
  void AddCommitListener(CommitListener listener) override;

  absl::StatusOr<std::optional<DossierRow>> GetDossier(const std::string& code) override;
  absl::StatusOr<std::vector<DossierRow>> ListDossiers(const DossierQuery& query) override;
  absl::Status ScanDossierStats(absl::Time from, absl::Time to, absl::Time overdue_before,
                                const std::string& agency, const std::string& procedure_code,
                                const std::function<void(const DossierStatsRow&)>& fn) override;
  absl::Status SumKpiBuckets(KpiGrain grain, int64_t from, int64_t to, const std::string& agency,
                             const std::string& procedure_code, KpiSumsByKey* sums) override;
  absl::Status ListKpiPairs(absl::Time before, const std::string& agency,
                            const std::string& procedure_code,
                            const std::function<void(const KpiPair&)>& fn) override;
  absl::Status CountInProcessOverdue(absl::Time as_of, const std::string& agency,
                                     const std::string& procedure_code,
                                     KpiCountsByKey* counts) override;
  absl::Status ScanKpiChangesSince(absl::Time since, const std::string& agency,
                                   const std::string& procedure_code,
                                   const std::function<void(const DossierRow&)>& fn) override;
  absl::Status ScanFinishedBeforeReceived(
      absl::Time from, absl::Time to, const std::string& agency,
      const std::string& procedure_code,
      const std::function<void(const DossierRow&)>& fn) override;
  absl::StatusOr<std::optional<RecordRow>> GetRecord(v1::RecordType type,
                                                     const std::string& key) override;
  absl::StatusOr<std::vector<RecordRow>> ListRecords(const RecordQuery& query) override;
  absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) override;
  absl::StatusOr<std::vector<ChangeRow>> ReadChanges(ChangeCursor after, int limit) override;
  absl::StatusOr<ChangeBounds> GetChangeBounds() override;
  absl::StatusOr<std::vector<ExchangeLogEntry>> ReadExchangeLog(int64_t after,
                                                                int limit) override;
  absl::StatusOr<ExchangeLogEnds> GetExchangeLogEnds() override;
  absl::StatusOr<std::vector<ExchangeLogTimestamp>> ReadExchangeLogTimestamps(
      int64_t after_seq, int64_t after_id, int limit) override;
  absl::StatusOr<std::optional<ExchangeLogTimestamp>> LatestExchangeLogTimestamp() override;
  absl::StatusOr<std::optional<SubscriptionRow>> GetSubscription(const std::string& member,
                                                                 const std::string& name) override;
  absl::StatusOr<std::vector<SubscriptionRow>> ListSubscriptions() override;
  absl::StatusOr<std::optional<ChangeCursor>> GetCheckpoint(const std::string& adapter) override;
  absl::StatusOr<std::vector<DeadLetterRow>> ListDeadLetters(const std::string& adapter,
                                                             int64_t after_id, int limit) override;
  absl::StatusOr<int64_t> CountChangesAfter(ChangeCursor after) override;
  absl::StatusOr<std::optional<ChangeCursor>> FirstChangeAtOrAfter(absl::Time time) override;
  // One process uses a SQLite file: its leases live in memory (local_leases.h).
  absl::StatusOr<LeaseRow> AcquireLease(const std::string& name, const std::string& holder,
                                        absl::Duration ttl) override {
    return leases_.Acquire(name, holder, ttl, absl::Now());
  }
  absl::Status ReleaseLease(const std::string& name, const std::string& holder,
                            int64_t token) override {
    return leases_.Release(name, holder, token, absl::Now());
  }
  absl::StatusOr<std::vector<LeaseRow>> ListLeases() override { return leases_.List(); }
  void Close() override;

 private:
  class Transaction;
  class ReaderLease;

  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {}
  absl::Status CheckCommitsSyncTheLog();
  absl::Status Migrate();
  absl::Status LoadChainHead();
  // Runs one batch in one transaction, then tells the commit listeners; each write's outcome.
  std::vector<absl::Status> CommitAndNotify(std::vector<PendingWrite>& batch);
  std::vector<absl::Status> CommitBatch(std::vector<PendingWrite>& batch);
  absl::Status AppendLogEntry(ExchangeLogEntry& entry);

  ReaderLease LeaseReader();

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_db_;  // touched only by the writer thread after Open
  std::unique_ptr<WalCheckpointer> checkpointer_;  // WAL checkpoints off the writer's commits
  absl::Mutex listeners_mu_;
  std::vector<CommitListener> commit_listeners_ ABSL_GUARDED_BY(listeners_mu_);
  int64_t last_notified_seq_ = 0;                 // writer thread only
  int64_t committed_head_seq_ = 0;                // writer thread only
  std::string chain_head_hash_;            // writer thread only
  int64_t chain_head_seq_ = 0;             // writer thread only
  std::unique_ptr<GroupCommitter> committer_;
  LocalLeases leases_;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace lienthong::store::sqlite

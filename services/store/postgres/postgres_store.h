// PostgresStore: the Store on one PostgreSQL database shared by several active replicas of
// lienthongd (docs/store.md).
//
// - Writes go through the GroupCommitter on `writer_connections` connections, each committing
//   its batch in one transaction; acknowledged means committed (synchronous_commit is set on
//   for lienthong's sessions).
// - Cursors follow the order of transaction ids: a change's seq is
//   ((xid - xid_base) << kSeqIndexBits) | its index in the transaction, and readers see only
//   changes of transactions below the oldest one still running (pg_snapshot_xmin), all of them
//   finished; so a reader never skips a change that commits late, on any replica.
// - The exchange log is one chain, serialized in the database: each batch takes the chain
//   head's row lock just before it commits.
// - Other replicas' commits arrive by LISTEN/NOTIFY, with a poll as a safety net.
// - PostgreSQL unreachable: writes fail at once with UNAVAILABLE, Health() says so, and the
//   connections are made again when it is back.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/postgres/pg_connection.h"
#include "services/store/group_commit.h"
#include "services/store/store.h"

namespace lienthong::store::postgres {

struct PostgresOptions {
  // libpq keywords or a postgresql:// URI, without the password. The tables live in the
  // connection's current schema (set search_path through `options` to use another one).
  std::string conninfo;
  // File whose first line is the password (optional).
  std::string password_file;
  // Group commit: transactions in flight at once (one connection each), and what each gathers.
  // Two: commits take turns on the chain head (one at a time), so a second connection overlaps
  // one batch's statements with the other's commit, and more only make batches smaller.
  int writer_connections = 2;
  absl::Duration group_commit_linger = absl::ZeroDuration();
  int group_commit_max_batch = 512;
  int reader_connections = 4;
  // Safety-net poll for commits of other replicas (LISTEN/NOTIFY is the fast path), and how
  // often a lost connection is tried again.
  absl::Duration poll_interval = absl::Milliseconds(250);
  absl::Duration reconnect_interval = absl::Seconds(1);
};

// The schema version this build writes; a database from a newer build is refused.
inline constexpr int kPostgresSchemaVersion = 6;
// Bits of a seq that number the changes within one transaction.
inline constexpr int kSeqIndexBits = 20;

class PostgresStore final : public Store {
 public:
  // Connects, creates or migrates the schema (one replica at a time), starts the writers.
  // UNAVAILABLE when the server cannot be reached; FAILED_PRECONDITION for a newer schema.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);
  ~PostgresStore() override;

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
  absl::StatusOr<int64_t> CountChangesAfter(ChangeCursor after) override;
  absl::StatusOr<std::optional<ChangeCursor>> FirstChangeAtOrAfter(absl::Time time) override;
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
  absl::StatusOr<LeaseRow> AcquireLease(const std::string& name, const std::string& holder,
                                        absl::Duration ttl) override;
  absl::Status ReleaseLease(const std::string& name, const std::string& holder,
                            int64_t token) override;
  absl::StatusOr<std::vector<LeaseRow>> ListLeases() override;
  absl::Status Health() override;
  void Close() override;

 private:
  class Transaction;
  class ReaderLease;

  explicit PostgresStore(PostgresOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::unique_ptr<pg::PgConnection>> Connect();
  absl::Status Migrate(pg::PgConnection& db);
  std::vector<absl::Status> CommitBatch(int writer, std::vector<PendingWrite>& batch);
  // One batch's transaction: per-write results, or a failure of the whole (fatal).
  struct BatchOutcome {
    std::vector<absl::Status> results;
    absl::Status fatal;
    bool appended = false;   // it added change events (tell the other replicas)
    bool fall_back = false;  // the pipelined path gave up: run the batch on the careful one
  };
  // The fast path: the writes' statements pipelined, no savepoints, a round trip per read.
  BatchOutcome CommitPipelined(pg::PgConnection& db, std::vector<PendingWrite>& batch,
                               absl::BitGen& gen);
  // The careful path: a savepoint around each write, so that one write's failure (or conflict,
  // sent to a later batch) undoes only that write.
  BatchOutcome CommitCareful(pg::PgConnection& db, std::vector<PendingWrite>& batch,
                             absl::BitGen& gen);
  // The exchange-log statements of a batch: its entries, chained from the head (seq, hash).
  static std::vector<std::string> ChainStatements(std::vector<PendingWrite>& batch,
                                                  const std::vector<absl::Status>& results,
                                                  int64_t seq, std::string hash);
  // The notifier thread: LISTEN, poll, and tell the commit listeners of new readable heads.
  void NotifierLoop();
  void WakeNotifier();
  ReaderLease LeaseReader();
  // Runs a read on a pooled connection; once more on a new one if that connection was lost.
  absl::StatusOr<pg::PgResult> Read(const std::string& sql, const pg::PgArgs& args);
  void SetUnavailable(const absl::Status& why);

  const PostgresOptions options_;
  std::string password_;
  std::string notify_channel_;
  int64_t xid_base_ = 0;

  std::unique_ptr<GroupCommitter> committer_;
  std::vector<std::unique_ptr<pg::PgConnection>> writer_dbs_;  // [i] touched by writer i only

  absl::Mutex listeners_mu_;
  std::vector<CommitListener> commit_listeners_ ABSL_GUARDED_BY(listeners_mu_);

  absl::Mutex notifier_mu_;
  bool notifier_stopping_ ABSL_GUARDED_BY(notifier_mu_) = false;
  int wake_fd_ = -1;  // eventfd: a local commit wakes the notifier
  std::thread notifier_thread_;

  absl::Mutex health_mu_;
  absl::Status health_ ABSL_GUARDED_BY(health_mu_);

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<pg::PgConnection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace lienthong::store::postgres

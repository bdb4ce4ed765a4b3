// The write side of a store: units of work (WriteFn) that run in one transaction together with
// the exchange-log entry of their call (docs/architecture.md, "The store").
//
// Every engine runs a write the same way: the record, its change event and the exchange-log
// entry commit together or not at all; concurrent writes share a transaction and its durable
// commit (group_commit.h). A write's `done` runs only after the commit is durable, on a
// completion thread, so a gRPC callback reactor can Finish() from there.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/change_log.h"
#include "services/store/delivery_state.h"
#include "services/store/dossier_reads.h"
#include "services/store/exchange_log_reads.h"
#include "services/store/exchange_log_timestamps.h"
#include "services/store/record_reads.h"

namespace lienthong::store {

// A previously answered request id (idempotent retries by request id).
struct StoredRequest {
  std::string request_digest;
  std::string response;  // serialized response message
};

// What a WriteFn may do. Valid only during the WriteFn, on the store's writer thread.
//
// An engine may run a WriteFn more than once within its transaction when another writer of the
// same database (another replica) got to the same row first: the first run's effects are rolled
// back, and the second run sees the other writer's commit. A WriteFn must therefore decide only
// from what it reads here, and keep no effect outside the transaction but its result.
class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;

  virtual absl::StatusOr<std::optional<DossierRow>> FindDossier(const std::string& code) = 0;
  // Inserts (row.version == 1) or replaces the version FindDossier returned (row.version > 1).
  virtual absl::Status PutDossier(const DossierRow& row) = 0;

  virtual absl::StatusOr<std::optional<RecordRow>> FindRecord(v1::RecordType type,
                                                              const std::string& key) = 0;
  // Inserts (row.version == 1) or replaces by (type, key); row.last_change is taken as given.
  virtual absl::Status PutRecord(const RecordRow& row) = 0;
  // Keys of the records of `type` whose secondary key is `value` (normally at most one).
  virtual absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) = 0;

  virtual absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& member,
                                                                   const std::string& request_id) = 0;
  virtual absl::Status PutRequest(const std::string& member, const std::string& request_id,
                                  const StoredRequest& request) = 0;

  // Appends a change event; assigns and returns its cursor, event id and commit time.
  virtual absl::StatusOr<ChangeCursor> AppendChange(ChangeRow& row) = 0;

  // Durable subscriptions: create or move (callers decide whether a move backwards is allowed).
  virtual absl::StatusOr<std::optional<SubscriptionRow>> FindSubscription(
      const std::string& member, const std::string& name) = 0;
  virtual absl::Status PutSubscription(const SubscriptionRow& row) = 0;

  // Sync engine: checkpoint and dead letters, written together so a checkpoint never moves past
  // a change that is neither applied nor dead-lettered.
  virtual absl::Status PutCheckpoint(const std::string& adapter, ChangeCursor cursor) = 0;
  virtual absl::StatusOr<int64_t> AddDeadLetter(const DeadLetterRow& row) = 0;
  virtual absl::Status ResolveDeadLetter(int64_t id) = 0;

  // Fencing: OK when `holder` still has lease `name` with `token` (leases.h); otherwise
  // FAILED_PRECONDITION "lease lost: ...", and the WriteFn must fail so that nothing it wrote
  // (a checkpoint) lands. On PostgreSQL it also holds off a takeover until this commit.
  virtual absl::Status CheckLease(const std::string& name, const std::string& holder,
                                  int64_t token) = 0;

  // Retention: removes change events with seq <= `upto` (never the newest one).
  virtual absl::StatusOr<int64_t> PruneChangesUpTo(ChangeCursor upto) = 0;
  // Removes exchange-log entries older than `before`, keeping the chain verifiable through the
  // anchor (the last removed entry's seq and hash). Returns the number removed.
  virtual absl::StatusOr<int64_t> PruneExchangeLogBefore(absl::Time before) = 0;
  // Removes exchange-log entries with seq <= `through` (those an archive now holds), moving the
  // anchor likewise. Returns the number removed; 0 when `through` is not past the anchor.
  // Both prunes remove the timestamp tokens of the entries they remove (an archive holds them).
  virtual absl::StatusOr<int64_t> PruneExchangeLogThrough(int64_t through) = 0;

  // Stores a timestamp token of the exchange log's head (exchange_log_timestamps.h); its id.
  virtual absl::StatusOr<int64_t> AddExchangeLogTimestamp(const ExchangeLogTimestamp& row) = 0;

  // The time stamped on this transaction's changes.
  virtual absl::Time now() const = 0;

  // The exchange-log entry of the call this write belongs to; the WriteFn may complete it
  // (records touched, response size). It is written even when the WriteFn fails.
  virtual ExchangeLogEntry& log_entry() = 0;
};

// A unit of work. Returning an error rolls back everything it did (and only that).
using WriteFn = absl::AnyInvocable<absl::Status(WriteTransaction&)>;
// Called once with the outcome, after the commit is durable (or failed).
using DoneFn = absl::AnyInvocable<void(absl::Status)>;

// The keys a WriteFn is going to look up, given with the write so that an engine that pays a
// round trip per read (PostgreSQL) can fetch them for its whole batch at once. A hint changes
// no outcome: a key not hinted is read when asked, a key the batch wrote is read again, and a
// write that follows a stale hint fails its version check and runs again.
struct ReadAhead {
  std::vector<std::string> dossier_codes;
  std::vector<std::pair<std::string, std::string>> requests;  // (member, request_id)
  std::vector<std::pair<v1::RecordType, std::string>> records;  // (type, key)
};

// What callers write through.
class StoreWrites {
 public:
  virtual ~StoreWrites() = default;
  // Queues `fn`; it runs in the next group-committed transaction with `log_entry`.
  void Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done) {
    Write(std::move(log_entry), std::move(fn), std::move(done), ReadAhead{});
  }
  // The same, with the keys `fn` will look up.
  virtual void Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done,
                     ReadAhead read_ahead) = 0;
  // Queues an exchange-log entry of a call that wrote nothing (reads, refusals).
  virtual void LogExchange(ExchangeLogEntry entry) = 0;
};

}  // namespace lienthong::store

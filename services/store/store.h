// Store: where records, their change events and the exchange log live (ARCHITECTURE.md,
// "Storage"). One interface; SQLite (the embedded default) implements it. The PostgreSQL store
// for several replicas (commit-ordered cursors, LISTEN/NOTIFY) is still to be written.
//
// Writes are units of work (WriteFn) that the store runs in one transaction together with the
// exchange-log entry of their call; concurrent writes share a transaction and its fsync (group
// commit). A write's `done` runs only after the transaction is durable, on the store's
// completion thread (a reply's send must not delay the next commit), so a gRPC callback reactor
// can Finish() from there: no thread waits per call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/v1/common.pb.h"
#include "services/store/change_cursor.h"

namespace lienthong::store {

// A dossier as stored: indexed columns beside the serialized v1.Dossier.
struct DossierRow {
  std::string code;
  std::string receiving_agency;
  std::string handling_agency;
  std::string procedure_code;
  int status = 0;
  int channel = 0;
  int result_delivery = 0;
  bool paid_online = false;
  bool digitised = false;
  absl::Time received_at;
  std::optional<absl::Time> due_at;
  std::optional<absl::Time> finished_at;
  int64_t version = 0;
  ChangeCursor created_change;  // cursor of the change that created it
  std::string request_digest;  // SHA-256 of the dossier as submitted (idempotency)
  std::string payload;         // serialized lienthong.v1.Dossier
};

// An education record as stored.
struct RecordRow {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;          // natural key (see v1.RecordKey)
  std::string agency;       // managing / issuing agency; empty for students
  std::string school_code;  // students: their school; schools: their own code
  // Secondary key, unique per type when not empty: a diploma's serial number (số hiệu), a
  // student's personal ID number.
  std::string secondary_key;
  int64_t version = 0;
  ChangeCursor last_change;  // cursor of the change that wrote this version
  std::string payload;       // serialized lienthong.v1.EducationRecord
  // Set by ListRecords on a record read back from the change log as it was at the query's
  // cursor: agency and school_code above are the newest version's, and the query's agency and
  // school_code filters were NOT applied to it; the caller filters it by its payload.
  bool from_change_log = false;
};

// One committed change (the source of ChangeEvent).
struct ChangeRow {
  ChangeCursor cursor;  // assigned by the store
  std::string event_id;  // assigned by the store (UUID)
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;
  v1::Operation operation = v1::OPERATION_UNSPECIFIED;
  int64_t version = 0;
  absl::Time commit_time;  // assigned by the store
  std::string origin_member;
  std::string agency;
  std::string payload;  // serialized record after the change (v1.Dossier or v1.EducationRecord)
  // Set on a dossier's CREATE event whose payload is exactly the DossierRow.payload that the same
  // write puts (PutDossier): the store may keep those bytes once, in the dossier row, until the
  // dossier first changes. `payload` may then be left empty; ReadChanges returns it in full.
  bool payload_is_dossier_row = false;
};

// One call, as the exchange log keeps it (Decree 47/2020 Art. 45; ARCHITECTURE.md guarantee 10).
struct ExchangeLogEntry {
  int64_t seq = 0;  // assigned by the store
  absl::Time time;
  std::string member;
  std::string method;
  std::string request_digest;  // SHA-256 of the serialized request
  int status_code = 0;
  int64_t request_bytes = 0;
  int64_t response_bytes = 0;
  std::vector<std::string> records;  // "<type>:<key>" of each record touched
  std::string prev_hash;  // assigned by the store: hash of the previous entry
  std::string hash;       // assigned by the store: SHA-256 over prev_hash and this entry
};

// A durable change-feed subscription's position.
struct SubscriptionRow {
  std::string member;
  std::string name;
  ChangeCursor acked;
  absl::Time acked_at;
  absl::Time created_at;
};

// A change an adapter gave up on, with its context.
struct DeadLetterRow {
  int64_t id = 0;  // assigned by the store
  std::string adapter;
  ChangeCursor cursor;
  std::string event_id;
  int attempts = 0;
  std::string last_error;
  absl::Time dead_lettered_at;
  std::string payload;  // serialized lienthong.v1.ChangeEvent
  std::optional<absl::Time> resolved_at;
};

// A previously answered request id (idempotent retries by request id).
struct StoredRequest {
  std::string request_digest;
  std::string response;  // serialized response message
};

// What a WriteFn may do. Valid only during the WriteFn, on the store's writer thread.
class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;

  virtual absl::StatusOr<std::optional<DossierRow>> FindDossier(const std::string& code) = 0;
  // Inserts or replaces by code.
  virtual absl::Status PutDossier(const DossierRow& row) = 0;

  virtual absl::StatusOr<std::optional<RecordRow>> FindRecord(v1::RecordType type,
                                                              const std::string& key) = 0;
  // Inserts or replaces by (type, key); row.last_change is taken as given.
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

  // Retention: removes change events with seq <= `upto` (never the newest one).
  virtual absl::StatusOr<int64_t> PruneChangesUpTo(ChangeCursor upto) = 0;
  // Removes exchange-log entries older than `before`, keeping the chain verifiable through the
  // anchor (the last removed entry's seq and hash). Returns the number removed.
  virtual absl::StatusOr<int64_t> PruneExchangeLogBefore(absl::Time before) = 0;

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

struct DossierQuery {
  std::string agency;  // receiving or handling agency
  std::string procedure_code;
  std::vector<int> statuses;
  int channel = 0;
  std::optional<absl::Time> received_from;
  std::optional<absl::Time> received_to;
  std::optional<absl::Time> overdue_at;  // status 2 or 4 with due_at < this
  // Keyset pagination: rows strictly after (after_received_at, after_code).
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 100;
};

struct RecordQuery {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string agency;
  std::string school_code;
  std::string after_key;  // keyset pagination
  // The snapshot: records as they were at this cursor (the newest state when unset). Records
  // changed after it come back as they were then, marked from_change_log and not filtered by
  // agency or school_code (see RecordRow::from_change_log).
  std::optional<ChangeCursor> at;
  int limit = 100;
};

// The facts KPI statistics need about one dossier.
struct DossierStatsRow {
  std::string receiving_agency;
  std::string procedure_code;
  int status = 0;
  int channel = 0;
  int result_delivery = 0;
  bool paid_online = false;
  bool digitised = false;
  absl::Time received_at;
  std::optional<absl::Time> due_at;
  std::optional<absl::Time> finished_at;
};

struct ChangeBounds {
  ChangeCursor oldest;  // oldest retained change (0 when none)
  ChangeCursor head;    // newest committed change (0 when none)
  absl::Time head_commit_time;
};

class Store {
 public:
  virtual ~Store() = default;

  // Queues `fn`; it runs in the next group-committed transaction with `log_entry`.
  virtual void Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done) = 0;
  // Queues an exchange-log entry of a call that wrote nothing (reads, refusals).
  virtual void LogExchange(ExchangeLogEntry entry) = 0;

  // Called on the store's writer thread after each durable commit that appended changes, with
  // the newest cursor. Listeners (change feed, sync engine) must only wake their own threads:
  // anything slow here delays every writer. Add listeners before the first write.
  using CommitListener = std::function<void(ChangeCursor head)>;
  virtual void AddCommitListener(CommitListener listener) = 0;

  virtual absl::StatusOr<std::optional<DossierRow>> GetDossier(const std::string& code) = 0;
  virtual absl::StatusOr<std::vector<DossierRow>> ListDossiers(const DossierQuery& query) = 0;
  // Every dossier that can count in a period [from, to): received in it, finished in it, or
  // still in process with a due time before `overdue_before`.
  virtual absl::Status ScanDossierStats(absl::Time from, absl::Time to, absl::Time overdue_before,
                                        const std::string& agency,
                                        const std::string& procedure_code,
                                        const std::function<void(const DossierStatsRow&)>& fn) = 0;

  virtual absl::StatusOr<std::optional<RecordRow>> GetRecord(v1::RecordType type,
                                                             const std::string& key) = 0;
  virtual absl::StatusOr<std::vector<RecordRow>> ListRecords(const RecordQuery& query) = 0;
  virtual absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) = 0;

  // Changes after `after`, in commit order, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangeRow>> ReadChanges(ChangeCursor after, int limit) = 0;
  virtual absl::StatusOr<ChangeBounds> GetChangeBounds() = 0;

  // Exchange-log entries with seq > after, in order, at most `limit` (for verification).
  virtual absl::StatusOr<std::vector<ExchangeLogEntry>> ReadExchangeLog(int64_t after,
                                                                        int limit) = 0;
  // The stored head (newest seq and hash) and anchor (last pruned seq and hash, or 0 and the
  // genesis hash) of the exchange-log chain.
  struct ExchangeLogEnds {
    int64_t head_seq = 0;
    std::string head_hash;
    int64_t anchor_seq = 0;
    std::string anchor_hash;
  };
  virtual absl::StatusOr<ExchangeLogEnds> GetExchangeLogEnds() = 0;

  virtual absl::StatusOr<std::optional<SubscriptionRow>> GetSubscription(
      const std::string& member, const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<SubscriptionRow>> ListSubscriptions() = 0;

  // The adapter's checkpoint; 0 (before every change) when it has none yet.
  virtual absl::StatusOr<std::optional<ChangeCursor>> GetCheckpoint(const std::string& adapter) = 0;
  // Unresolved dead letters of `adapter` (all adapters when empty) with id > after_id.
  virtual absl::StatusOr<std::vector<DeadLetterRow>> ListDeadLetters(const std::string& adapter,
                                                                     int64_t after_id,
                                                                     int limit) = 0;
  // Counts changes with seq > after (lag).
  virtual absl::StatusOr<int64_t> CountChangesAfter(ChangeCursor after) = 0;

  // Stops accepting writes, commits what is queued, and closes. Idempotent.
  virtual void Close() = 0;
};

}  // namespace lienthong::store

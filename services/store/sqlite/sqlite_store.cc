// SqliteStore: group commit on one writer thread, reads on a pool of read-only connections.
#include "services/store/sqlite/sqlite_store.h"

#include <limits>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/store/exchange_log.h"
#include "services/store/sqlite/sqlite_kpi_counts.h"
#include "services/store/sqlite/sqlite_schema.h"
#include "services/store/sqlite/wal_write_buffer.h"

namespace lienthong::store::sqlite {
namespace {

constexpr char kDossierColumns[] =
    "code, receiving_agency, handling_agency, procedure_code, status, channel, result_delivery, "
    "paid_online, digitised, received_at, due_at, finished_at, version, created_seq, request_digest, "
    "payload, kpi_flags";

DossierRow ReadDossier(const Statement& s) {
  DossierRow row;
  row.code = s.Text(0);
  row.receiving_agency = s.Text(1);
  row.handling_agency = s.Text(2);
  row.procedure_code = s.Text(3);
  row.status = static_cast<int>(s.Int(4));
  row.channel = static_cast<int>(s.Int(5));
  row.result_delivery = static_cast<int>(s.Int(6));
  row.paid_online = s.Int(7) != 0;
  row.digitised = s.Int(8) != 0;
  row.received_at = s.Time(9);
  row.due_at = s.OptionalTime(10);
  row.finished_at = s.OptionalTime(11);
  row.version = s.Int(12);
  row.created_change = ChangeCursor{s.Int(13)};
  row.request_digest = s.Blob(14);
  row.payload = s.Blob(15);
  row.kpi_flags = static_cast<int>(s.Int(16));
  return row;
}

constexpr char kRecordColumns[] =
    "type, key, agency, school_code, secondary_key, version, last_seq, payload";

RecordRow ReadRecord(const Statement& s) {
  RecordRow row;
  row.type = static_cast<v1::RecordType>(s.Int(0));
  row.key = s.Text(1);
  row.agency = s.Text(2);
  row.school_code = s.Text(3);
  row.secondary_key = s.Text(4);
  row.version = s.Int(5);
  row.last_change = ChangeCursor{s.Int(6)};
  row.payload = s.Blob(7);
  return row;
}

// A dossier's CREATE event with an empty payload shares it with the dossier row (a dossier's
// key is its code); PutDossier copies it into the event before the row first changes. Schema
// version 2 on.
constexpr char kDossierCreationPayload[] =
    "CASE WHEN length(e.payload) = 0 AND e.record_type = ?3 AND e.operation = ?4 "
    "THEN (SELECT d.payload FROM dossiers d WHERE d.code = e.record_key) ELSE e.payload END";

// ReadChanges: ?1 after this seq, ?2 at most this many, ?3 RECORD_TYPE_DOSSIER,
// ?4 OPERATION_CREATE.
const char* ReadChangesSql() {
  static const std::string sql = absl::StrCat(
      "SELECT e.seq, e.event_id, e.record_type, e.record_key, e.operation, e.version, "
      "e.commit_time, e.origin_member, e.agency, ", kDossierCreationPayload,
      " FROM change_events e WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2");
  return sql.c_str();
}

// The first column of a statement's one row (a PRAGMA read); `if_no_row` when there is none.
template <typename T>
absl::StatusOr<T> ReadOne(Connection& db, const char* sql, T (Statement::*column)(int) const,
                          T if_no_row) {
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql));
  ASSIGN_OR_RETURN(bool has_row, s->Step());
  T value = has_row ? (s->*column)(0) : std::move(if_no_row);
  s->Reset();
  return value;
}

ChangeRow ReadChange(const Statement& s) {
  ChangeRow row;
  row.cursor = ChangeCursor{s.Int(0)};
  row.event_id = s.Text(1);
  row.type = static_cast<v1::RecordType>(s.Int(2));
  row.key = s.Text(3);
  row.operation = static_cast<v1::Operation>(s.Int(4));
  row.version = s.Int(5);
  row.commit_time = s.Time(6);
  row.origin_member = s.Text(7);
  row.agency = s.Text(8);
  row.payload = s.Blob(9);
  return row;
}

// Random (version 4) UUID text.
std::string NewUuid(absl::BitGen& gen) {
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (absl::Uniform<uint64_t>(gen) & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace

static_assert(kSchemaVersion == kMigrationCount, "kSchemaVersion counts the migrations");

// The WriteTransaction handed to WriteFns: statements on the writer connection.
class SqliteStore::Transaction final : public WriteTransaction {
 public:
  Transaction(Connection* db, absl::Time now, absl::BitGen* gen, LocalLeases* leases)
      : db_(db), now_(now), gen_(gen), leases_(leases) {}

  void Begin(ExchangeLogEntry* entry) {
    entry_ = entry;
    last_appended_ = 0;
  }
  // The newest change this write appended (0 when none).
  int64_t last_appended() const { return last_appended_; }

  absl::StatusOr<std::optional<DossierRow>> FindDossier(const std::string& code) override {
    static const std::string sql =
        absl::StrCat("SELECT ", kDossierColumns, " FROM dossiers WHERE code = ?1");
    ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql.c_str()));
    s->Bind(1, code);
    ASSIGN_OR_RETURN(bool found, s->Step());
    std::optional<DossierRow> row;
    if (found) row = ReadDossier(*s);
    s->Reset();
    return row;
  }

  absl::Status PutDossier(const DossierRow& row) override {
    // The KPI counts lose the stored version's contribution and gain this one's.
    ASSIGN_OR_RETURN(std::optional<DossierRow> stored, FindDossier(row.code));
    const KpiWrite kpi_write = PlanKpiWrite(stored, row);
    if (row.version > 1) {
      // The dossier changes: its creation event gets the payload it shared with the row.
      ASSIGN_OR_RETURN(
          Statement * keep,
          db_->Prepare("UPDATE change_events SET payload = "
                       "(SELECT payload FROM dossiers WHERE code = ?1) "
                       "WHERE seq = (SELECT created_seq FROM dossiers WHERE code = ?1) "
                       "AND length(payload) = 0"));
      keep->Bind(1, row.code);
      RETURN_IF_ERROR(keep->Run());
    }
    static const std::string sql = absl::StrCat(
        "INSERT INTO dossiers (", kDossierColumns,
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
        "ON CONFLICT(code) DO UPDATE SET receiving_agency = ?2, handling_agency = ?3, "
        "procedure_code = ?4, status = ?5, channel = ?6, result_delivery = ?7, paid_online = ?8, "
        "digitised = ?9, received_at = ?10, due_at = ?11, finished_at = ?12, version = ?13, "
        "created_seq = ?14, request_digest = ?15, payload = ?16, kpi_flags = ?17");
    ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql.c_str()));
    s->Bind(1, row.code).Bind(2, row.receiving_agency).Bind(3, row.handling_agency)
        .Bind(4, row.procedure_code).Bind(5, int64_t{row.status}).Bind(6, int64_t{row.channel})
        .Bind(7, int64_t{row.result_delivery}).Bind(8, int64_t{row.paid_online})
        .Bind(9, int64_t{row.digitised}).Bind(10, row.received_at).Bind(11, row.due_at)
        .Bind(12, row.finished_at).Bind(13, row.version).Bind(14, row.created_change.seq)
        .BindBlob(15, row.request_digest).BindBlob(16, row.payload)
        .Bind(17, int64_t{row.kpi_flags});
    RETURN_IF_ERROR(s->Run());
    return ApplyKpiWrite(*db_, kpi_write);
  }

  absl::StatusOr<std::optional<RecordRow>> FindRecord(v1::RecordType type,
                                                      const std::string& key) override {
    static const std::string sql =
        absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE type = ?1 AND key = ?2");
    ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql.c_str()));
    s->Bind(1, int64_t{type}).Bind(2, key);
    ASSIGN_OR_RETURN(bool found, s->Step());
    std::optional<RecordRow> row;
    if (found) row = ReadRecord(*s);
    s->Reset();
    return row;
  }

  absl::Status PutRecord(const RecordRow& row) override {
    static const std::string sql = absl::StrCat(
        "INSERT OR REPLACE INTO records (", kRecordColumns, ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql.c_str()));
    s->Bind(1, int64_t{row.type}).Bind(2, row.key).Bind(3, row.agency).Bind(4, row.school_code)
        .Bind(5, row.secondary_key).Bind(6, row.version).Bind(7, row.last_change.seq)
        .BindBlob(8, row.payload);
    return s->Run();
  }

  absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) override {
    return KeysBySecondaryKey(db_, type, value);
  }

  absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& member,
                                                           const std::string& request_id) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("SELECT request_digest, response FROM requests "
                                  "WHERE member = ?1 AND request_id = ?2"));
    s->Bind(1, member).Bind(2, request_id);
    ASSIGN_OR_RETURN(bool found, s->Step());
    std::optional<StoredRequest> row;
    if (found) row = StoredRequest{s->Blob(0), s->Blob(1)};
    s->Reset();
    return row;
  }

  absl::Status PutRequest(const std::string& member, const std::string& request_id,
                          const StoredRequest& request) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("INSERT INTO requests (member, request_id, request_digest, "
                                  "response) VALUES (?1, ?2, ?3, ?4)"));
    s->Bind(1, member).Bind(2, request_id).BindBlob(3, request.request_digest)
        .BindBlob(4, request.response);
    return s->Run();
  }

  absl::StatusOr<ChangeCursor> AppendChange(ChangeRow& row) override {
    ASSIGN_OR_RETURN(
        Statement * s,
        db_->Prepare("INSERT INTO change_events (event_id, record_type, record_key, operation, "
                     "version, commit_time, origin_member, agency, payload) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    row.event_id = NewUuid(*gen_);
    row.commit_time = now_;
    // A dossier's creation keeps its payload once, in the dossier row: the event's stays empty
    // (see kDossierCreationPayload) until PutDossier first changes the dossier.
    const bool payload_in_row = row.payload_is_dossier_row &&
                                row.type == v1::RECORD_TYPE_DOSSIER &&
                                row.operation == v1::OPERATION_CREATE;
    s->Bind(1, row.event_id).Bind(2, int64_t{row.type}).Bind(3, row.key)
        .Bind(4, int64_t{row.operation}).Bind(5, row.version).Bind(6, row.commit_time)
        .Bind(7, row.origin_member).Bind(8, row.agency)
        .BindBlob(9, payload_in_row ? absl::string_view("", 0) : absl::string_view(row.payload));
    RETURN_IF_ERROR(s->Run());
    row.cursor = ChangeCursor{sqlite3_last_insert_rowid(db_->handle())};
    last_appended_ = row.cursor.seq;
    entry_->records.push_back(absl::StrCat(static_cast<int>(row.type), ":", row.key));
    return row.cursor;
  }

  absl::StatusOr<std::optional<SubscriptionRow>> FindSubscription(
      const std::string& member, const std::string& name) override {
    return SubscriptionOf(db_, member, name);
  }

  absl::Status PutSubscription(const SubscriptionRow& row) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("INSERT INTO subscriptions (member, name, acked_seq, acked_at, "
                                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(member, "
                                  "name) DO UPDATE SET acked_seq = ?3, acked_at = ?4"));
    s->Bind(1, row.member).Bind(2, row.name).Bind(3, row.acked.seq).Bind(4, row.acked_at)
        .Bind(5, row.created_at);
    return s->Run();
  }

  absl::Status PutCheckpoint(const std::string& adapter, ChangeCursor cursor) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("INSERT INTO adapter_checkpoints (adapter, seq, updated_at) "
                                  "VALUES (?1, ?2, ?3) ON CONFLICT(adapter) DO UPDATE SET "
                                  "seq = ?2, updated_at = ?3"));
    s->Bind(1, adapter).Bind(2, cursor.seq).Bind(3, now_);
    return s->Run();
  }

  absl::StatusOr<int64_t> AddDeadLetter(const DeadLetterRow& row) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("INSERT INTO dead_letters (adapter, seq, event_id, attempts, "
                                  "last_error, dead_lettered_at, payload) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s->Bind(1, row.adapter).Bind(2, row.cursor.seq).Bind(3, row.event_id)
        .Bind(4, int64_t{row.attempts}).Bind(5, row.last_error).Bind(6, now_)
        .BindBlob(7, row.payload);
    RETURN_IF_ERROR(s->Run());
    return sqlite3_last_insert_rowid(db_->handle());
  }

  absl::Status ResolveDeadLetter(int64_t id) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("UPDATE dead_letters SET resolved_at = ?2 WHERE id = ?1"));
    s->Bind(1, id).Bind(2, now_);
    return s->Run();
  }

  absl::Status CheckLease(const std::string& name, const std::string& holder,
                          int64_t token) override {
    return leases_->Check(name, holder, token);
  }

  absl::StatusOr<int64_t> PruneChangesUpTo(ChangeCursor upto) override {
    // The newest event stays so the head's commit time is always known.
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("DELETE FROM change_events WHERE seq <= ?1 AND "
                                  "seq < (SELECT MAX(seq) FROM change_events)"));
    s->Bind(1, upto.seq);
    RETURN_IF_ERROR(s->Run());
    return sqlite3_changes(db_->handle());
  }

  absl::StatusOr<int64_t> PruneExchangeLogBefore(absl::Time before) override {
    ASSIGN_OR_RETURN(Statement * last,
                     db_->Prepare("SELECT seq, hash FROM exchange_log WHERE time < ?1 "
                                  "ORDER BY seq DESC LIMIT 1"));
    last->Bind(1, before);
    return PruneExchangeLogToFound(*last);
  }

  absl::StatusOr<int64_t> PruneExchangeLogThrough(int64_t through) override {
    ASSIGN_OR_RETURN(Statement * last,
                     db_->Prepare("SELECT seq, hash FROM exchange_log WHERE seq <= ?1 "
                                  "ORDER BY seq DESC LIMIT 1"));
    last->Bind(1, through);
    return PruneExchangeLogToFound(*last);
  }

  // Prunes up to the entry (seq, hash) `last` selects, if it selects one; 0 removed otherwise.
  absl::StatusOr<int64_t> PruneExchangeLogToFound(Statement& last) {
    ASSIGN_OR_RETURN(bool found, last.Step());
    if (!found) return int64_t{0};
    const int64_t anchor_seq = last.Int(0);
    const std::string anchor_hash = last.Blob(1);
    last.Reset();
    return PruneExchangeLogTo(anchor_seq, anchor_hash);
  }

  // Removes the entries up to `anchor_seq` (and their timestamp tokens) and makes it the anchor.
  absl::StatusOr<int64_t> PruneExchangeLogTo(int64_t anchor_seq, const std::string& anchor_hash) {
    ASSIGN_OR_RETURN(Statement * del, db_->Prepare("DELETE FROM exchange_log WHERE seq <= ?1"));
    del->Bind(1, anchor_seq);
    RETURN_IF_ERROR(del->Run());
    const int64_t removed = sqlite3_changes(db_->handle());
    ASSIGN_OR_RETURN(Statement * tokens,
                     db_->Prepare("DELETE FROM exchange_log_timestamps WHERE seq <= ?1"));
    tokens->Bind(1, anchor_seq);
    RETURN_IF_ERROR(tokens->Run());
    ASSIGN_OR_RETURN(Statement * anchor,
                     db_->Prepare("UPDATE exchange_log_head SET anchor_seq = ?1, anchor_hash = ?2 "
                                  "WHERE id = 1"));
    anchor->Bind(1, anchor_seq).BindBlob(2, anchor_hash);
    RETURN_IF_ERROR(anchor->Run());
    return removed;
  }

  absl::StatusOr<int64_t> AddExchangeLogTimestamp(const ExchangeLogTimestamp& row) override {
    ASSIGN_OR_RETURN(Statement * s,
                     db_->Prepare("INSERT INTO exchange_log_timestamps (seq, head_hash, gen_time, "
                                  "token, tsa_url) VALUES (?1, ?2, ?3, ?4, ?5)"));
    s->Bind(1, row.seq).BindBlob(2, row.head_hash).Bind(3, row.gen_time).BindBlob(4, row.token)
        .Bind(5, row.tsa_url);
    RETURN_IF_ERROR(s->Run());
    return sqlite3_last_insert_rowid(db_->handle());
  }

  absl::Time now() const override { return now_; }
  ExchangeLogEntry& log_entry() override { return *entry_; }

  static absl::StatusOr<std::optional<SubscriptionRow>> SubscriptionOf(Connection* db,
                                                                       const std::string& member,
                                                                       const std::string& name) {
    ASSIGN_OR_RETURN(Statement * s,
                     db->Prepare("SELECT member, name, acked_seq, acked_at, created_at FROM "
                                 "subscriptions WHERE member = ?1 AND name = ?2"));
    s->Bind(1, member).Bind(2, name);
    ASSIGN_OR_RETURN(bool found, s->Step());
    std::optional<SubscriptionRow> row;
    if (found) {
      row = SubscriptionRow{s->Text(0), s->Text(1), ChangeCursor{s->Int(2)}, s->Time(3), s->Time(4)};
    }
    s->Reset();
    return row;
  }

  static absl::StatusOr<std::vector<std::string>> KeysBySecondaryKey(Connection* db,
                                                                     v1::RecordType type,
                                                                     const std::string& value) {
    ASSIGN_OR_RETURN(Statement * s, db->Prepare("SELECT key FROM records WHERE type = ?1 AND "
                                                "secondary_key = ?2 AND secondary_key != ''"));
    s->Bind(1, int64_t{type}).Bind(2, value);
    std::vector<std::string> keys;
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      keys.push_back(s->Text(0));
    }
    s->Reset();
    return keys;
  }

 private:
  Connection* db_;
  absl::Time now_;
  absl::BitGen* gen_;
  LocalLeases* leases_;
  ExchangeLogEntry* entry_ = nullptr;
  int64_t last_appended_ = 0;
};

// A reader connection borrowed from the pool for one read.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<Connection> db) : store_(store), db_(std::move(db)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (db_ == nullptr) return;
    absl::MutexLock lock(&store_->readers_mu_);
    store_->idle_readers_.push_back(std::move(db_));
  }
  Connection* get() { return db_.get(); }
  bool ok() const { return db_ != nullptr; }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> db_;
};

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  // The writer goes through the WAL write-gathering VFS: one pwrite per commit instead of two
  // per page (wal_write_buffer.h).
  ASSIGN_OR_RETURN(const char* writer_vfs, WalWriteBufferVfsName());
  ASSIGN_OR_RETURN(store->writer_db_,
                   Connection::Open(options.path, /*read_only=*/false, writer_vfs));
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable
  // (docs/architecture.md, guarantee 1: acknowledged means on disk).
  RETURN_IF_ERROR(store->writer_db_->Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;"
      "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;"));
  RETURN_IF_ERROR(store->CheckCommitsSyncTheLog());
  RETURN_IF_ERROR(store->Migrate());
  RETURN_IF_ERROR(store->LoadChainHead());
  ASSIGN_OR_RETURN(store->checkpointer_, WalCheckpointer::Start(*store->writer_db_, options.path));
  {
    absl::MutexLock lock(&store->readers_mu_);
    for (int i = 0; i < options.reader_connections; ++i) {
      ASSIGN_OR_RETURN(auto reader, Connection::Open(options.path, /*read_only=*/true));
      store->idle_readers_.push_back(std::move(reader));
    }
  }
  GroupCommitOptions group_commit;
  group_commit.linger = options.group_commit_linger;
  group_commit.max_batch = options.group_commit_max_batch;
  group_commit.writers = 1;  // SQLite has one writer at a time
  store->committer_ = std::make_unique<GroupCommitter>(
      group_commit, [s = store.get()](int, std::vector<PendingWrite>& batch) {
        return s->CommitAndNotify(batch);
      });
  store->committer_->Start();
  LogLine(LogLevel::kInfo, "store open").Str("kind", "sqlite").Str("path", options.path)
      .Int("schema_version", kSchemaVersion);
  return store;
}

SqliteStore::~SqliteStore() { Close(); }

absl::Status SqliteStore::CheckCommitsSyncTheLog() {
  // Both durability and the write-gathering VFS rest on every commit syncing the WAL: the VFS
  // writes a commit's frames out at that sync, before SQLite shows them to readers.
  ASSIGN_OR_RETURN(const std::string journal_mode,
                   ReadOne(*writer_db_, "PRAGMA journal_mode", &Statement::Text, std::string()));
  ASSIGN_OR_RETURN(const int64_t synchronous,
                   ReadOne(*writer_db_, "PRAGMA synchronous", &Statement::Int, int64_t{0}));
  if (journal_mode != "wal" || synchronous < 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        "SQLite database ", options_.path, " is in journal_mode=", journal_mode,
        " synchronous=", synchronous, "; lienthongd needs journal_mode=wal and synchronous=FULL "
        "(2) or EXTRA (3): is the file on a file system without shared memory support?"));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Migrate() {
  ASSIGN_OR_RETURN(const int64_t version,
                   ReadOne(*writer_db_, "PRAGMA user_version", &Statement::Int, int64_t{0}));
  if (version > kMigrationCount) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", options_.path, " has schema version ", version,
        ", newer than this lienthongd supports (", kMigrationCount,
        "): it was written by a newer release; run that release or restore a backup"));
  }
  for (int v = static_cast<int>(version); v < kMigrationCount; ++v) {
    RETURN_IF_ERROR(writer_db_->Exec("BEGIN IMMEDIATE"));
    absl::Status applied = writer_db_->Exec(kMigrations[v]);
    // A migration whose data SQL cannot compute (from the payloads) completes in C++.
    if (applied.ok() && kMigrations[v] == kKpiCountsRebuildMigration) {
      applied = BackfillKpiCounts(*writer_db_);
    }
    if (applied.ok()) {
      applied = writer_db_->Exec(absl::StrCat("PRAGMA user_version = ", v + 1).c_str());
    }
    if (!applied.ok()) {
      (void)writer_db_->Exec("ROLLBACK");
      return absl::InternalError(
          absl::StrCat("migration to schema version ", v + 1, " failed: ", applied.message()));
    }
    RETURN_IF_ERROR(writer_db_->Exec("COMMIT"));
    LogLine(LogLevel::kInfo, "schema migrated").Int("to_version", v + 1);
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::LoadChainHead() {
  ASSIGN_OR_RETURN(Statement * s,
                   writer_db_->Prepare("SELECT seq, hash FROM exchange_log_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool found, s->Step());
  if (found) {
    chain_head_seq_ = s->Int(0);
    chain_head_hash_ = s->Blob(1);
  } else {
    chain_head_seq_ = 0;
    chain_head_hash_ = GenesisHash();
  }
  s->Reset();
  return absl::OkStatus();
}

// Reads are local and cheap here: the read-ahead hints are not needed.
void SqliteStore::Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done, ReadAhead) {
  committer_->Enqueue(PendingWrite{std::move(log_entry), std::move(fn), std::move(done)});
}

void SqliteStore::LogExchange(ExchangeLogEntry entry) {
  committer_->Enqueue(PendingWrite{std::move(entry), nullptr, nullptr});
}

void SqliteStore::AddCommitListener(CommitListener listener) {
  absl::MutexLock lock(&listeners_mu_);
  commit_listeners_.push_back(std::move(listener));
}

std::vector<absl::Status> SqliteStore::CommitAndNotify(std::vector<PendingWrite>& batch) {
  std::vector<absl::Status> results = CommitBatch(batch);
  // Listeners first: a subscriber should see a change no later than its writer's reply.
  if (committed_head_seq_ > last_notified_seq_) {
    last_notified_seq_ = committed_head_seq_;
    absl::MutexLock lock(&listeners_mu_);
    for (const auto& listener : commit_listeners_) listener(ChangeCursor{committed_head_seq_});
  }
  return results;
}

std::vector<absl::Status> SqliteStore::CommitBatch(std::vector<PendingWrite>& batch) {
  static absl::BitGen gen;  // writer thread only
  std::vector<absl::Status> results(batch.size());
  auto fail_all = [&](const absl::Status& why) {
    for (auto& r : results) r = why;
    return results;
  };
  absl::Status begun = writer_db_->ExecCached("BEGIN IMMEDIATE");
  if (!begun.ok()) return fail_all(absl::UnavailableError(begun.message()));

  Transaction txn(writer_db_.get(), absl::Now(), &gen, &leases_);
  int64_t batch_head = 0;
  const int64_t head_seq_before = chain_head_seq_;
  const std::string head_hash_before = chain_head_hash_;
  absl::Status fatal;
  for (size_t i = 0; i < batch.size() && fatal.ok(); ++i) {
    PendingWrite& write = batch[i];
    txn.Begin(&write.log);
    if (write.fn) {
      fatal = writer_db_->ExecCached("SAVEPOINT write");
      if (!fatal.ok()) break;
      results[i] = write.fn(txn);
      if (results[i].ok()) batch_head = std::max(batch_head, txn.last_appended());
      if (!results[i].ok()) {
        // Only this write's own changes go; the others in the batch stay.
        write.log.records.clear();
        fatal = writer_db_->ExecCached("ROLLBACK TO write");
      }
      if (fatal.ok()) fatal = writer_db_->ExecCached("RELEASE write");
      write.log.status_code = static_cast<int>(results[i].code());
    }
    if (fatal.ok()) fatal = AppendLogEntry(write.log);
  }
  if (fatal.ok()) {
    auto head = writer_db_->Prepare(
        "INSERT INTO exchange_log_head (id, seq, hash) VALUES (1, ?1, ?2) "
        "ON CONFLICT(id) DO UPDATE SET seq = ?1, hash = ?2");
    if (!head.ok()) {
      fatal = head.status();
    } else {
      (*head)->Bind(1, chain_head_seq_).BindBlob(2, chain_head_hash_);
      fatal = (*head)->Run();
    }
  }
  if (fatal.ok()) fatal = writer_db_->ExecCached("COMMIT");
  if (!fatal.ok()) {
    (void)writer_db_->Exec("ROLLBACK");
    chain_head_seq_ = head_seq_before;
    chain_head_hash_ = head_hash_before;
    LogLine(LogLevel::kError, "store commit failed").Str("error", fatal.message())
        .Int("writes", static_cast<int64_t>(batch.size()));
    return fail_all(absl::UnavailableError(absl::StrCat("store commit failed: ", fatal.message())));
  }
  committed_head_seq_ = std::max(committed_head_seq_, batch_head);
  return results;
}

absl::Status SqliteStore::AppendLogEntry(ExchangeLogEntry& entry) {
  entry.seq = chain_head_seq_ + 1;
  entry.prev_hash = chain_head_hash_;
  entry.hash_format = kCurrentEntryHashFormat;
  entry.hash = ComputeEntryHash(entry, entry.prev_hash);
  ASSIGN_OR_RETURN(
      Statement * s,
      writer_db_->Prepare("INSERT INTO exchange_log (seq, time, member, method, request_digest, "
                          "status, request_bytes, response_bytes, records, prev_hash, hash, "
                          "hash_format, response_digest, end_user, correlation_id) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                          "?15)"));
  const std::string records = absl::StrJoin(entry.records, "\n");
  s->Bind(1, entry.seq).Bind(2, entry.time).Bind(3, entry.member).Bind(4, entry.method)
      .BindBlob(5, entry.request_digest).Bind(6, int64_t{entry.status_code})
      .Bind(7, entry.request_bytes).Bind(8, entry.response_bytes).Bind(9, records)
      .BindBlob(10, entry.prev_hash).BindBlob(11, entry.hash)
      .Bind(12, int64_t{entry.hash_format}).BindBlob(13, entry.response_digest)
      .Bind(14, entry.end_user).Bind(15, entry.correlation_id);
  RETURN_IF_ERROR(s->Run());
  chain_head_seq_ = entry.seq;
  chain_head_hash_ = entry.hash;
  return absl::OkStatus();
}

void SqliteStore::Close() {
  if (committer_ != nullptr) committer_->Close();
  // After the writer's last commit: the hook is removed from its connection.
  if (checkpointer_ != nullptr) checkpointer_->Stop();
}

SqliteStore::ReaderLease SqliteStore::LeaseReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  // More concurrent readers than the pool: open one more; it joins the pool afterwards.
  auto db = Connection::Open(options_.path, /*read_only=*/true);
  return ReaderLease(this, db.ok() ? std::move(*db) : nullptr);
}

#define LT_LEASE_OR_RETURN(lease)                                                   \
  ReaderLease lease = LeaseReader();                                                \
  if (!lease.ok()) return absl::UnavailableError("cannot open a SQLite reader connection")

absl::StatusOr<std::optional<DossierRow>> SqliteStore::GetDossier(const std::string& code) {
  LT_LEASE_OR_RETURN(lease);
  static const std::string sql =
      absl::StrCat("SELECT ", kDossierColumns, " FROM dossiers WHERE code = ?1");
  ASSIGN_OR_RETURN(Statement * s, lease.get()->Prepare(sql.c_str()));
  s->Bind(1, code);
  ASSIGN_OR_RETURN(bool found, s->Step());
  std::optional<DossierRow> row;
  if (found) row = ReadDossier(*s);
  s->Reset();
  return row;
}

namespace {

// Runs a dossier listing: `sql` takes the query as ?1 agency, ?2 procedure, ?3 channel, ?4 and
// ?5 the received_at range, ?6 due_before, ?7 and ?8 the cursor (before every row when there is
// none), ?9 the status mask, ?10 the limit.
absl::StatusOr<std::vector<DossierRow>> RunDossierListing(Connection& db, const std::string& sql,
                                                          const DossierQuery& q) {
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
  int64_t status_mask = 0;
  for (int status : q.statuses) status_mask |= int64_t{1} << status;
  s->Bind(1, q.agency).Bind(2, q.procedure_code).Bind(3, int64_t{q.channel})
      .Bind(4, q.received_from).Bind(5, q.received_to).Bind(6, q.overdue_at)
      .Bind(9, status_mask).Bind(10, int64_t{q.limit});
  if (q.after.has_value()) {
    s->Bind(7, q.after->first).Bind(8, q.after->second);
  } else {
    s->Bind(7, std::numeric_limits<int64_t>::min()).Bind(8, std::string());
  }
  std::vector<DossierRow> rows;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    rows.push_back(ReadDossier(*s));
  }
  s->Reset();
  return rows;
}

// The listing's filters after the status and due time, and its order (RunDossierListing's
// parameters).
constexpr char kDossierListingFilters[] =
    "AND (received_at, code) > (?7, ?8) "
    "AND (?1 = '' OR receiving_agency = ?1 OR handling_agency = ?1) "
    "AND (?2 = '' OR procedure_code = ?2) AND (?3 = 0 OR channel = ?3) "
    "AND (?4 IS NULL OR received_at >= ?4) AND (?5 IS NULL OR received_at < ?5) "
    "AND (?9 = 0 OR ((?9 >> status) & 1) = 1) ORDER BY received_at, code LIMIT ?10";

}  // namespace

absl::StatusOr<std::vector<DossierRow>> SqliteStore::ListDossiers(const DossierQuery& q) {
  LT_LEASE_OR_RETURN(lease);
  // With due_before: the page's ids come from dossiers_in_process_by_received alone (every
  // column named there is in it), so a page costs its own rows, not a walk of the whole table
  // by received_at; only then are that page's rows (with their payloads) read.
  static const std::string in_process_sql = absl::StrCat(
      "SELECT ", kDossierColumns, " FROM dossiers WHERE id IN ("
      "SELECT id FROM dossiers INDEXED BY dossiers_in_process_by_received "
      "WHERE status IN (2, 4) AND due_at IS NOT NULL AND due_at < ?6 ",
      kDossierListingFilters, ") ORDER BY received_at, code");
  // Without: in received_at order (dossiers_by_received), ?6 unset.
  static const std::string sql = absl::StrCat("SELECT ", kDossierColumns,
                                              " FROM dossiers WHERE ?6 IS NULL ",
                                              kDossierListingFilters);
  return RunDossierListing(*lease.get(), q.overdue_at.has_value() ? in_process_sql : sql, q);
}

absl::Status SqliteStore::ScanDossierStats(absl::Time from, absl::Time to,
                                           absl::Time overdue_before, const std::string& agency,
                                           const std::string& procedure_code,
                                           const std::function<void(const DossierStatsRow&)>& fn) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(
      Statement * s,
      lease.get()->Prepare(
          "SELECT receiving_agency, procedure_code, status, channel, result_delivery, "
          "paid_online, digitised, received_at, due_at, finished_at FROM dossiers WHERE "
          "((received_at >= ?1 AND received_at < ?2) OR (finished_at >= ?1 AND finished_at < ?2) "
          " OR (status IN (2, 4) AND due_at < ?3 AND received_at < ?2)) "
          "AND (?4 = '' OR receiving_agency = ?4 OR handling_agency = ?4) "
          "AND (?5 = '' OR procedure_code = ?5)"));
  s->Bind(1, from).Bind(2, to).Bind(3, overdue_before).Bind(4, agency).Bind(5, procedure_code);
  DossierStatsRow row;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    row.receiving_agency = s->Text(0);
    row.procedure_code = s->Text(1);
    row.status = static_cast<int>(s->Int(2));
    row.channel = static_cast<int>(s->Int(3));
    row.result_delivery = static_cast<int>(s->Int(4));
    row.paid_online = s->Int(5) != 0;
    row.digitised = s->Int(6) != 0;
    row.received_at = s->Time(7);
    row.due_at = s->OptionalTime(8);
    row.finished_at = s->OptionalTime(9);
    fn(row);
  }
  s->Reset();
  return absl::OkStatus();
}

absl::Status SqliteStore::SumKpiBuckets(KpiGrain grain, int64_t from, int64_t to,
                                        const std::string& agency,
                                        const std::string& procedure_code, KpiSumsByKey* sums) {
  LT_LEASE_OR_RETURN(lease);
  return sqlite::SumKpiBuckets(*lease.get(), grain, from, to, agency, procedure_code, sums);
}

absl::Status SqliteStore::ListKpiPairs(absl::Time before, const std::string& agency,
                                       const std::string& procedure_code,
                                       const std::function<void(const KpiPair&)>& fn) {
  LT_LEASE_OR_RETURN(lease);
  return sqlite::ListKpiPairs(*lease.get(), before, agency, procedure_code, fn);
}

absl::Status SqliteStore::CountInProcessOverdue(absl::Time as_of, const std::string& agency,
                                                const std::string& procedure_code,
                                                KpiCountsByKey* counts) {
  LT_LEASE_OR_RETURN(lease);
  return sqlite::CountInProcessOverdue(*lease.get(), as_of, agency, procedure_code, counts);
}

absl::Status SqliteStore::ScanKpiChangesSince(absl::Time since, const std::string& agency,
                                              const std::string& procedure_code,
                                              const std::function<void(const DossierRow&)>& fn) {
  LT_LEASE_OR_RETURN(lease);
  return sqlite::ScanKpiChangesSince(*lease.get(), since, agency, procedure_code, fn);
}

absl::Status SqliteStore::ScanFinishedBeforeReceived(
    absl::Time from, absl::Time to, const std::string& agency, const std::string& procedure_code,
    const std::function<void(const DossierRow&)>& fn) {
  LT_LEASE_OR_RETURN(lease);
  return sqlite::ScanFinishedBeforeReceived(*lease.get(), from, to, agency, procedure_code, fn);
}

absl::StatusOr<std::optional<RecordRow>> SqliteStore::GetRecord(v1::RecordType type,
                                                                const std::string& key) {
  LT_LEASE_OR_RETURN(lease);
  static const std::string sql =
      absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE type = ?1 AND key = ?2");
  ASSIGN_OR_RETURN(Statement * s, lease.get()->Prepare(sql.c_str()));
  s->Bind(1, int64_t{type}).Bind(2, key);
  ASSIGN_OR_RETURN(bool found, s->Step());
  std::optional<RecordRow> row;
  if (found) row = ReadRecord(*s);
  s->Reset();
  return row;
}

absl::StatusOr<std::vector<RecordRow>> SqliteStore::ListRecords(const RecordQuery& q) {
  LT_LEASE_OR_RETURN(lease);
  // At a cursor, a record changed after it is read back from the change log as it was then
  // (and left to the caller to filter: its old agency and school are in its payload only);
  // a record created after it is left out.
  static const char kSql[] =
      "SELECT r.type, r.key, r.agency, r.school_code, r.secondary_key, "
      "  CASE WHEN r.last_seq <= ?6 THEN r.version ELSE e.version END, "
      "  CASE WHEN r.last_seq <= ?6 THEN r.last_seq ELSE e.seq END, "
      "  CASE WHEN r.last_seq <= ?6 THEN r.payload ELSE e.payload END, "
      "  r.last_seq > ?6 "
      "FROM records r LEFT JOIN change_events e ON r.last_seq > ?6 AND e.seq = "
      "  (SELECT MAX(c.seq) FROM change_events c WHERE c.record_type = r.type "
      "   AND c.record_key = r.key AND c.seq <= ?6) "
      "WHERE r.type = ?1 AND r.key > ?2 "
      "AND (r.last_seq > ?6 OR ((?3 = '' OR r.agency = ?3) AND (?4 = '' OR r.school_code = ?4))) "
      "AND (r.last_seq <= ?6 OR e.seq IS NOT NULL) "
      "ORDER BY r.key LIMIT ?5";
  ASSIGN_OR_RETURN(Statement * s, lease.get()->Prepare(kSql));
  s->Bind(1, int64_t{q.type}).Bind(2, q.after_key).Bind(3, q.agency).Bind(4, q.school_code)
      .Bind(5, int64_t{q.limit})
      .Bind(6, q.at.has_value() ? q.at->seq : std::numeric_limits<int64_t>::max());
  std::vector<RecordRow> rows;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    rows.push_back(ReadRecord(*s));
    rows.back().from_change_log = s->Int(8) != 0;
  }
  s->Reset();
  return rows;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::FindKeysBySecondaryKey(
    v1::RecordType type, const std::string& value) {
  LT_LEASE_OR_RETURN(lease);
  auto keys = Transaction::KeysBySecondaryKey(lease.get(), type, value);
  return keys;
}

absl::StatusOr<std::vector<ChangeRow>> SqliteStore::ReadChanges(ChangeCursor after, int limit) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(
      Statement * s,
      lease.get()->Prepare(ReadChangesSql()));
  s->Bind(1, after.seq).Bind(2, int64_t{limit}).Bind(3, int64_t{v1::RECORD_TYPE_DOSSIER})
      .Bind(4, int64_t{v1::OPERATION_CREATE});
  std::vector<ChangeRow> rows;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    rows.push_back(ReadChange(*s));
  }
  s->Reset();
  return rows;
}

absl::StatusOr<ChangeBounds> SqliteStore::GetChangeBounds() {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(
      Statement * s,
      lease.get()->Prepare(
          "SELECT (SELECT MIN(seq) FROM change_events), "
          "(SELECT seq FROM sqlite_sequence WHERE name = 'change_events'), "
          "(SELECT commit_time FROM change_events ORDER BY seq DESC LIMIT 1)"));
  ASSIGN_OR_RETURN(bool found, s->Step());
  ChangeBounds bounds;
  if (found) {
    bounds.oldest = ChangeCursor{s->IsNull(0) ? 0 : s->Int(0)};
    bounds.head = ChangeCursor{s->IsNull(1) ? 0 : s->Int(1)};
    bounds.head_commit_time = s->IsNull(2) ? absl::UnixEpoch() : s->Time(2);
    // Numbers are consecutive and never reused here: all before the oldest were pruned.
    bounds.pruned_through = ChangeCursor{bounds.oldest.seq > 0 ? bounds.oldest.seq - 1 : 0};
    bounds.newest = bounds.head;
  }
  s->Reset();
  return bounds;
}

absl::StatusOr<Store::ExchangeLogEnds> SqliteStore::GetExchangeLogEnds() {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(Statement * s,
                   lease.get()->Prepare("SELECT seq, hash, anchor_seq, anchor_hash FROM "
                                        "exchange_log_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool found, s->Step());
  ExchangeLogEnds ends;
  ends.head_hash = GenesisHash();
  ends.anchor_hash = GenesisHash();
  if (found) {
    ends.head_seq = s->Int(0);
    ends.head_hash = s->Blob(1);
    ends.anchor_seq = s->Int(2);
    if (!s->IsNull(3)) ends.anchor_hash = s->Blob(3);
  }
  s->Reset();
  return ends;
}

namespace {

constexpr char kTimestampColumns[] = "id, seq, head_hash, gen_time, token, tsa_url";

// The rows of a statement over kTimestampColumns.
absl::StatusOr<std::vector<ExchangeLogTimestamp>> ReadTimestamps(Statement& s) {
  std::vector<ExchangeLogTimestamp> rows;
  for (;;) {
    auto has_row = s.Step();
    if (!has_row.ok()) { s.Reset(); return has_row.status(); }
    if (!*has_row) break;
    ExchangeLogTimestamp row;
    row.id = s.Int(0);
    row.seq = s.Int(1);
    row.head_hash = s.Blob(2);
    row.gen_time = s.Time(3);
    row.token = s.Blob(4);
    row.tsa_url = s.Text(5);
    rows.push_back(std::move(row));
  }
  s.Reset();
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<ExchangeLogTimestamp>> SqliteStore::ReadExchangeLogTimestamps(
    int64_t after_seq, int64_t after_id, int limit) {
  LT_LEASE_OR_RETURN(lease);
  static const std::string sql =
      absl::StrCat("SELECT ", kTimestampColumns, " FROM exchange_log_timestamps WHERE "
                   "(seq, id) > (?1, ?2) ORDER BY seq, id LIMIT ?3");
  ASSIGN_OR_RETURN(Statement * s, lease.get()->Prepare(sql.c_str()));
  s->Bind(1, after_seq).Bind(2, after_id).Bind(3, int64_t{limit});
  return ReadTimestamps(*s);
}

absl::StatusOr<std::optional<ExchangeLogTimestamp>> SqliteStore::LatestExchangeLogTimestamp() {
  LT_LEASE_OR_RETURN(lease);
  static const std::string sql = absl::StrCat("SELECT ", kTimestampColumns,
                                              " FROM exchange_log_timestamps ORDER BY seq DESC, "
                                              "id DESC LIMIT 1");
  ASSIGN_OR_RETURN(Statement * s, lease.get()->Prepare(sql.c_str()));
  ASSIGN_OR_RETURN(std::vector<ExchangeLogTimestamp> rows, ReadTimestamps(*s));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

absl::StatusOr<std::optional<SubscriptionRow>> SqliteStore::GetSubscription(
    const std::string& member, const std::string& name) {
  LT_LEASE_OR_RETURN(lease);
  auto row = Transaction::SubscriptionOf(lease.get(), member, name);
  return row;
}

absl::StatusOr<std::vector<SubscriptionRow>> SqliteStore::ListSubscriptions() {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(Statement * s,
                   lease.get()->Prepare("SELECT member, name, acked_seq, acked_at, created_at "
                                        "FROM subscriptions ORDER BY member, name"));
  std::vector<SubscriptionRow> rows;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    rows.push_back(
        SubscriptionRow{s->Text(0), s->Text(1), ChangeCursor{s->Int(2)}, s->Time(3), s->Time(4)});
  }
  s->Reset();
  return rows;
}

absl::StatusOr<std::optional<ChangeCursor>> SqliteStore::GetCheckpoint(const std::string& adapter) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(Statement * s,
                   lease.get()->Prepare("SELECT seq FROM adapter_checkpoints WHERE adapter = ?1"));
  s->Bind(1, adapter);
  ASSIGN_OR_RETURN(bool found, s->Step());
  std::optional<ChangeCursor> cursor;
  if (found) cursor = ChangeCursor{s->Int(0)};
  s->Reset();
  return cursor;
}

absl::StatusOr<std::vector<DeadLetterRow>> SqliteStore::ListDeadLetters(const std::string& adapter,
                                                                        int64_t after_id,
                                                                        int limit) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(
      Statement * s,
      lease.get()->Prepare("SELECT id, adapter, seq, event_id, attempts, last_error, "
                           "dead_lettered_at, payload, resolved_at FROM dead_letters "
                           "WHERE resolved_at IS NULL AND (?1 = '' OR adapter = ?1) AND id > ?2 "
                           "ORDER BY id LIMIT ?3"));
  s->Bind(1, adapter).Bind(2, after_id).Bind(3, int64_t{limit});
  std::vector<DeadLetterRow> rows;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    DeadLetterRow row;
    row.id = s->Int(0);
    row.adapter = s->Text(1);
    row.cursor = ChangeCursor{s->Int(2)};
    row.event_id = s->Text(3);
    row.attempts = static_cast<int>(s->Int(4));
    row.last_error = s->Text(5);
    row.dead_lettered_at = s->Time(6);
    row.payload = s->Blob(7);
    row.resolved_at = s->OptionalTime(8);
    rows.push_back(std::move(row));
  }
  s->Reset();
  return rows;
}

absl::StatusOr<int64_t> SqliteStore::CountChangesAfter(ChangeCursor after) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(Statement * s,
                   lease.get()->Prepare("SELECT COUNT(*) FROM change_events WHERE seq > ?1"));
  s->Bind(1, after.seq);
  ASSIGN_OR_RETURN(bool found, s->Step());
  const int64_t count = found ? s->Int(0) : 0;
  s->Reset();
  return count;
}

absl::StatusOr<std::optional<ChangeCursor>> SqliteStore::FirstChangeAtOrAfter(absl::Time time) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(Statement * s,
                   lease.get()->Prepare("SELECT seq FROM change_events WHERE commit_time >= ?1 "
                                        "ORDER BY seq LIMIT 1"));
  s->Bind(1, time);
  auto found = s->Step();
  std::optional<ChangeCursor> first;
  if (found.ok() && *found) first = ChangeCursor{s->Int(0)};
  s->Reset();
  if (!found.ok()) return found.status();
  return first;
}

absl::StatusOr<std::vector<ExchangeLogEntry>> SqliteStore::ReadExchangeLog(int64_t after,
                                                                           int limit) {
  LT_LEASE_OR_RETURN(lease);
  ASSIGN_OR_RETURN(
      Statement * s,
      lease.get()->Prepare("SELECT seq, time, member, method, request_digest, status, "
                           "request_bytes, response_bytes, records, prev_hash, hash, "
                           "hash_format, response_digest, end_user, correlation_id "
                           "FROM exchange_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
  s->Bind(1, after).Bind(2, int64_t{limit});
  std::vector<ExchangeLogEntry> entries;
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) { s->Reset(); return has_row.status(); }
    if (!*has_row) break;
    ExchangeLogEntry e;
    e.seq = s->Int(0);
    e.time = s->Time(1);
    e.member = s->Text(2);
    e.method = s->Text(3);
    e.request_digest = s->Blob(4);
    e.status_code = static_cast<int>(s->Int(5));
    e.request_bytes = s->Int(6);
    e.response_bytes = s->Int(7);
    const std::string records = s->Text(8);
    if (!records.empty()) e.records = absl::StrSplit(records, '\n');
    e.prev_hash = s->Blob(9);
    e.hash = s->Blob(10);
    e.hash_format = static_cast<int>(s->Int(11));
    e.response_digest = s->Blob(12);
    e.end_user = s->Text(13);
    e.correlation_id = s->Text(14);
    entries.push_back(std::move(e));
  }
  s->Reset();
  return entries;
}

}  // namespace lienthong::store::sqlite

// PostgresStore: group commit on several connections, transaction-id-ordered cursors, one
// exchange-log chain serialized by its head row, LISTEN/NOTIFY between replicas.
#include "services/store/postgres/postgres_store.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/exchange_log.h"
#include "services/store/local_leases.h"
#include "services/store/postgres/postgres_schema.h"

namespace lienthong::store::postgres {
namespace {

using pg::PgArgs;
using pg::PgConnection;
using pg::PgResult;

static_assert(kPostgresSchemaVersion == kPgMigrationCount, "the version counts the migrations");

// Serializes schema creation and migration among replicas starting at once.
constexpr int64_t kMigrationLockKey = 0x6c69656e74686f6e;  // "lienthon"
// Warn when transaction ids have used this much of the cursor's room (2^43 after the base).
constexpr int64_t kXidRoomWarning = int64_t{1} << 42;

// SQLSTATEs that mean "another transaction got there first": run the write again.
bool IsConflict(const std::string& state) {
  return state == "23505" /* unique_violation */ || state == "40001" /* serialization */ ||
         state == "40P01" /* deadlock */;
}

constexpr char kDossierColumns[] =
    "code, receiving_agency, handling_agency, procedure_code, status, channel, result_delivery, "
    "paid_online, digitised, received_at, due_at, finished_at, version, created_seq, "
    "request_digest, payload, kpi_flags";

DossierRow ReadDossier(const PgResult& r, int i) {
  DossierRow row;
  row.code = r.Get(i, 0);
  row.receiving_agency = r.Get(i, 1);
  row.handling_agency = r.Get(i, 2);
  row.procedure_code = r.Get(i, 3);
  row.status = static_cast<int>(r.Int(i, 4));
  row.channel = static_cast<int>(r.Int(i, 5));
  row.result_delivery = static_cast<int>(r.Int(i, 6));
  row.paid_online = r.Int(i, 7) != 0;
  row.digitised = r.Int(i, 8) != 0;
  row.received_at = r.Time(i, 9);
  row.due_at = r.OptionalTime(i, 10);
  row.finished_at = r.OptionalTime(i, 11);
  row.version = r.Int(i, 12);
  row.created_change = ChangeCursor{r.Int(i, 13)};
  row.request_digest = r.Bytes(i, 14);
  row.payload = r.Bytes(i, 15);
  row.kpi_flags = static_cast<int>(r.Int(i, 16));
  return row;
}

constexpr char kRecordColumns[] =
    "type, key, agency, school_code, secondary_key, version, last_seq, payload";

RecordRow ReadRecord(const PgResult& r, int i) {
  RecordRow row;
  row.type = static_cast<v1::RecordType>(r.Int(i, 0));
  row.key = r.Get(i, 1);
  row.agency = r.Get(i, 2);
  row.school_code = r.Get(i, 3);
  row.secondary_key = r.Get(i, 4);
  row.version = r.Int(i, 5);
  row.last_change = ChangeCursor{r.Int(i, 6)};
  row.payload = r.Bytes(i, 7);
  return row;
}

ChangeRow ReadChange(const PgResult& r, int i) {
  ChangeRow row;
  row.cursor = ChangeCursor{r.Int(i, 0)};
  row.event_id = r.Get(i, 1);
  row.type = static_cast<v1::RecordType>(r.Int(i, 2));
  row.key = r.Get(i, 3);
  row.operation = static_cast<v1::Operation>(r.Int(i, 4));
  row.version = r.Int(i, 5);
  row.commit_time = r.Time(i, 6);
  row.origin_member = r.Get(i, 7);
  row.agency = r.Get(i, 8);
  row.payload = r.Bytes(i, 9);
  return row;
}

SubscriptionRow ReadSubscription(const PgResult& r, int i) {
  return SubscriptionRow{r.Get(i, 0), r.Get(i, 1), ChangeCursor{r.Int(i, 2)}, r.Time(i, 3),
                         r.Time(i, 4)};
}

constexpr char kSubscriptionSql[] =
    "SELECT member, name, acked_seq, acked_at, created_at FROM subscriptions "
    "WHERE member = $1 AND name = $2";
std::optional<SubscriptionRow> FirstSubscription(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return ReadSubscription(r, 0);
}

constexpr char kKeysBySecondaryKeySql[] =
    "SELECT key FROM records WHERE type = $1 AND secondary_key = $2 AND secondary_key <> '' "
    "ORDER BY key";
std::vector<std::string> FirstColumn(const PgResult& r) {
  std::vector<std::string> values;
  for (int i = 0; i < r.rows(); ++i) values.push_back(r.Get(i, 0));
  return values;
}

// Random (version 4) UUID text.
std::string NewUuid(absl::BitGen& gen) {
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (absl::Uniform<uint64_t>(gen) & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

std::string HexLiteral(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'\\x";
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out.push_back('\'');
  return out;
}

// A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1).
std::string TextLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

// The WriteTransaction handed to WriteFns: statements on one writer connection, inside the
// batch's transaction. On a pipelined connection, statements whose rows are not needed (the
// writes) are sent without waiting and checked when the next read or the commit reads their
// replies.
class PostgresStore::Transaction final : public WriteTransaction {
 public:
  Transaction(PgConnection* db, absl::Time now, int64_t xid_base, absl::BitGen* gen)
      : db_(db), now_(now), xid_base_(xid_base), gen_(gen) {}

  // The batch transaction's id, which the cursors are made of (pipelined: when its reply is read).
  void SetXid(int64_t xid) {
    seq_prefix_ = (xid - xid_base_) << kSeqIndexBits;
    have_xid_ = true;
  }

  void Begin(ExchangeLogEntry* entry) {
    entry_ = entry;
    last_appended_ = 0;
    conflict_ = false;
    writes_sent_ = 0;
    pending_creation_.reset();
  }
  // Writes of the current WriteFn sent down the pipeline (undone only by rolling back).
  int writes_sent() const { return writes_sent_; }
  int64_t last_appended() const { return last_appended_; }
  bool appended_any() const { return next_index_ > 0; }
  // Whether a statement of the current write met another writer's row (run it again).
  bool conflict() const { return conflict_; }

  // Sends the queries that fetch the keys the batch's WriteFns said they will look up (one
  // round trip with BEGIN instead of one a read); their replies are read at the first lookup.
  void SendReadAhead(const std::vector<PendingWrite>& batch) {
    std::vector<std::string> codes, members, request_ids, record_keys;
    std::vector<std::string> record_types;
    for (const PendingWrite& write : batch) {
      for (const std::string& code : write.read_ahead.dossier_codes) {
        if (read_ahead_dossiers_.try_emplace(code).second) codes.push_back(code);
      }
      for (const auto& request : write.read_ahead.requests) {
        if (read_ahead_requests_.try_emplace(request).second) {
          members.push_back(request.first);
          request_ids.push_back(request.second);
        }
      }
      for (const auto& [type, key] : write.read_ahead.records) {
        if (read_ahead_records_.try_emplace(std::make_pair(static_cast<int>(type), key)).second) {
          record_types.push_back(absl::StrCat(static_cast<int>(type)));
          record_keys.push_back(key);
        }
      }
    }
    if (!codes.empty()) {
      static const std::string sql = absl::StrCat("SELECT ", kDossierColumns,
                                                  " FROM dossiers WHERE code = ANY($1::text[])");
      (void)db_->Send(sql, PgArgs().Text(pg::PgTextArray(codes)), [this](const PgResult& r) {
        for (int i = 0; i < r.rows(); ++i) {
          DossierRow row = ReadDossier(r, i);
          std::string code = row.code;
          read_ahead_dossiers_[code] = std::move(row);
        }
        return absl::OkStatus();
      });
    }
    if (!members.empty()) {
      (void)db_->Send("SELECT member, request_id, request_digest, response FROM requests "
                      "WHERE (member, request_id) IN "
                      "(SELECT * FROM unnest($1::text[], $2::text[]))",
                      PgArgs().Text(pg::PgTextArray(members)).Text(pg::PgTextArray(request_ids)),
                      [this](const PgResult& r) {
                        for (int i = 0; i < r.rows(); ++i) {
                          read_ahead_requests_[std::make_pair(r.Get(i, 0), r.Get(i, 1))] =
                              StoredRequest{r.Bytes(i, 2), r.Bytes(i, 3)};
                        }
                        return absl::OkStatus();
                      });
    }
    if (!record_keys.empty()) {
      static const std::string sql = absl::StrCat(
          "SELECT ", kRecordColumns, " FROM records WHERE (type, key) IN "
          "(SELECT * FROM unnest($1::integer[], $2::text[]))");
      (void)db_->Send(sql,
                      PgArgs().Text(absl::StrCat("{", absl::StrJoin(record_types, ","), "}"))
                          .Text(pg::PgTextArray(record_keys)),
                      [this](const PgResult& r) {
                        for (int i = 0; i < r.rows(); ++i) {
                          RecordRow row = ReadRecord(r, i);
                          auto key = std::make_pair(static_cast<int>(row.type), row.key);
                          read_ahead_records_[key] = std::move(row);
                        }
                        return absl::OkStatus();
                      });
    }
    read_ahead_owed_ = !codes.empty() || !members.empty() || !record_keys.empty();
  }

  absl::StatusOr<std::optional<DossierRow>> FindDossier(const std::string& code) override {
    if (!read_ahead_dossiers_.empty()) {
      RETURN_IF_ERROR(ReadAheadReady());
      if (auto hit = read_ahead_dossiers_.find(code); hit != read_ahead_dossiers_.end()) {
        found_dossiers_[code] = hit->second;
        return hit->second;
      }
    }
    static const std::string sql =
        absl::StrCat("SELECT ", kDossierColumns, " FROM dossiers WHERE code = $1");
    ASSIGN_OR_RETURN(PgResult r, Checked(db_->Run(sql, PgArgs().Text(code))));
    std::optional<DossierRow> row;
    if (r.rows() > 0) row = ReadDossier(r, 0);
    found_dossiers_[code] = row;
    return row;
  }

  absl::Status PutDossier(const DossierRow& row) override {
    // last_seq: the cursor of the dossier's newest change (its creation's at first).
    static const std::string insert = absl::StrCat(
        "INSERT INTO dossiers (", kDossierColumns,
        ", last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
        "$16, $17, $14)");
    // A creation whose event waits for the dossier's payload (AppendChange): both rows in one
    // statement, one round trip.
    static const std::string insert_with_event = absl::StrCat(
        "WITH event AS (INSERT INTO change_events (seq, event_id, record_type, record_key, "
        "operation, version, commit_time, origin_member, agency, payload) "
        "VALUES ($18, $19, $20, $1, $21, $22, $23, $24, $25, $16)) ", insert);
    // Replaces only the version the WriteFn read, and only when a transaction older than this
    // one wrote it: otherwise another writer's newer version, or a younger transaction's
    // change this one may not follow in cursor order, is a conflict (a later batch).
    static const std::string update =
        "UPDATE dossiers SET receiving_agency = $2, handling_agency = $3, procedure_code = $4, "
        "status = $5, channel = $6, result_delivery = $7, paid_online = $8, digitised = $9, "
        "received_at = $10, due_at = $11, finished_at = $12, version = $13, created_seq = $14, "
        "request_digest = $15, payload = $16, kpi_flags = $17, last_seq = $18 "
        "WHERE code = $1 AND version = $13 - 1 AND last_seq < $19";
    PgArgs args;
    args.Text(row.code).Text(row.receiving_agency).Text(row.handling_agency)
        .Text(row.procedure_code).Int(row.status).Int(row.channel).Int(row.result_delivery)
        .Int(row.paid_online).Int(row.digitised).Time(row.received_at).Time(row.due_at)
        .Time(row.finished_at).Int(row.version).Int(row.created_change.seq)
        .Bytes(row.request_digest).Bytes(row.payload).Int(row.kpi_flags);
    const std::string* sql = row.version <= 1 ? &insert : &update;
    if (row.version > 1) {
      ASSIGN_OR_RETURN(const int64_t prefix, SeqPrefix());
      auto last = last_dossier_change_.find(row.code);
      args.Int(last != last_dossier_change_.end() ? last->second : prefix).Int(prefix);
    }
    ASSIGN_OR_RETURN(const KpiWrite kpi_write, PlanKpiCounts(row));
    read_ahead_dossiers_.erase(row.code);  // later lookups must see this write
    const bool with_event = pending_creation_.has_value() && pending_creation_->key == row.code &&
                            row.version <= 1;
    if (with_event) {
      const ChangeRow& e = *pending_creation_;
      args.Int(e.cursor.seq).Text(e.event_id).Int(e.type).Int(e.operation).Int(e.version)
          .Time(e.commit_time).Text(e.origin_member).Text(e.agency);
      sql = &insert_with_event;
    }
    RETURN_IF_ERROR(Write(*sql, args, [this, code = row.code](const PgResult& r) {
      return ExpectOneRow(r, "dossier", code);
    }));
    if (with_event) pending_creation_.reset();
    return PutKpiCounts(kpi_write);
  }

  // The KPI counts lose the contribution of the version FindDossier returned (read now if the
  // WriteFn did not look) and gain this one's: pipelined upserts, in bucket order.
  absl::StatusOr<KpiWrite> PlanKpiCounts(const DossierRow& row) {
    auto found = found_dossiers_.find(row.code);
    if (found == found_dossiers_.end()) {
      RETURN_IF_ERROR(FindDossier(row.code).status());
      found = found_dossiers_.find(row.code);
    }
    KpiWrite write = PlanKpiWrite(found->second, row);
    found->second = row;  // a second put in this transaction replaces this one
    return write;
  }
  // After the dossier row's statement (a recomputed pair reads the dossiers).
  absl::Status PutKpiCounts(const KpiWrite& write) {
    for (const auto& [key, delta] : write.deltas) {
      RETURN_IF_ERROR(Write(postgres::KpiUpsertSql(), postgres::KpiUpsertArgs(key, delta)));
    }
    RETURN_IF_ERROR(Write(postgres::LowerFirstReceivedSql(),
                          postgres::LowerFirstReceivedArgs(write.first_received.first,
                                                           write.first_received.second)));
    if (write.recompute.has_value()) {
      const PgArgs pair = PgArgs().Text(write.recompute->first).Text(write.recompute->second);
      RETURN_IF_ERROR(Write(postgres::ForgetPairSql(), pair));
      RETURN_IF_ERROR(Write(postgres::RecomputeFirstReceivedSql(), pair));
    }
    return absl::OkStatus();
  }

  // After a WriteFn succeeded: a creation event whose dossier row never came is written as it
  // is (the WriteFn broke the payload_is_dossier_row promise; the event keeps what it had).
  absl::Status FlushPending() {
    if (!pending_creation_.has_value()) return absl::OkStatus();
    ChangeRow e = std::move(*pending_creation_);
    pending_creation_.reset();
    return InsertChange(e);
  }

  absl::StatusOr<std::optional<RecordRow>> FindRecord(v1::RecordType type,
                                                      const std::string& key) override {
    if (!read_ahead_records_.empty()) {
      RETURN_IF_ERROR(ReadAheadReady());
      auto hit = read_ahead_records_.find(std::make_pair(static_cast<int>(type), key));
      if (hit != read_ahead_records_.end()) return hit->second;
    }
    static const std::string sql =
        absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE type = $1 AND key = $2");
    ASSIGN_OR_RETURN(PgResult r, Checked(db_->Run(sql, PgArgs().Int(type).Text(key))));
    if (r.rows() == 0) return std::optional<RecordRow>();
    return std::optional<RecordRow>(ReadRecord(r, 0));
  }

  absl::Status PutRecord(const RecordRow& row) override {
    static const std::string insert = absl::StrCat(
        "INSERT INTO records (", kRecordColumns, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    // As PutDossier: only the version read, and only one an older transaction wrote.
    static const std::string update =
        "UPDATE records SET agency = $3, school_code = $4, secondary_key = $5, version = $6, "
        "last_seq = $7, payload = $8 WHERE type = $1 AND key = $2 AND version = $6 - 1 "
        "AND last_seq < $9";
    read_ahead_records_.erase(std::make_pair(static_cast<int>(row.type), row.key));
    PgArgs args;
    args.Int(row.type).Text(row.key).Text(row.agency).Text(row.school_code)
        .Text(row.secondary_key).Int(row.version).Int(row.last_change.seq).Bytes(row.payload);
    if (row.version > 1) {
      ASSIGN_OR_RETURN(const int64_t prefix, SeqPrefix());
      args.Int(prefix);
    }
    return Write(row.version <= 1 ? insert : update, args, [this, key = row.key](const PgResult& r) {
      return ExpectOneRow(r, "record", key);
    });
  }

  absl::StatusOr<std::vector<std::string>> FindKeysBySecondaryKey(
      v1::RecordType type, const std::string& value) override {
    // Two replicas checking the same secondary key at once would both find it free: the first
    // holds this lock until it commits, and the second then sees its record.
    ASSIGN_OR_RETURN(
        PgResult locked,
        Checked(db_->Run("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                         PgArgs().Text(absl::StrCat("lienthong secondary key ", type, ":", value)))));
    (void)locked;
    return KeysBySecondaryKey(*db_, type, value);
  }

  absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& member,
                                                           const std::string& request_id) override {
    if (!read_ahead_requests_.empty()) {
      RETURN_IF_ERROR(ReadAheadReady());
      auto hit = read_ahead_requests_.find(std::make_pair(member, request_id));
      if (hit != read_ahead_requests_.end()) return hit->second;
    }
    ASSIGN_OR_RETURN(PgResult r,
                     Checked(db_->Run("SELECT request_digest, response FROM requests "
                                      "WHERE member = $1 AND request_id = $2",
                                      PgArgs().Text(member).Text(request_id))));
    if (r.rows() == 0) return std::optional<StoredRequest>();
    return std::optional<StoredRequest>(StoredRequest{r.Bytes(0, 0), r.Bytes(0, 1)});
  }

  absl::Status PutRequest(const std::string& member, const std::string& request_id,
                          const StoredRequest& request) override {
    read_ahead_requests_.erase(std::make_pair(member, request_id));
    return Write("INSERT INTO requests (member, request_id, request_digest, response) "
                 "VALUES ($1, $2, $3, $4)",
                 PgArgs().Text(member).Text(request_id).Bytes(request.request_digest)
                     .Bytes(request.response));
  }

  absl::StatusOr<ChangeCursor> AppendChange(ChangeRow& row) override {
    if (next_index_ >= (int64_t{1} << kSeqIndexBits)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "one transaction can hold at most ", int64_t{1} << kSeqIndexBits, " changes"));
    }
    RETURN_IF_ERROR(FlushPending());
    ASSIGN_OR_RETURN(const int64_t prefix, SeqPrefix());
    row.cursor = ChangeCursor{prefix | next_index_++};
    row.event_id = NewUuid(*gen_);
    row.commit_time = now_;
    if (row.payload_is_dossier_row && row.payload.empty() &&
        row.type == v1::RECORD_TYPE_DOSSIER && row.operation == v1::OPERATION_CREATE) {
      // Its payload is the dossier row's: written with it by PutDossier.
      pending_creation_ = row;
    } else {
      RETURN_IF_ERROR(InsertChange(row));
    }
    last_appended_ = row.cursor.seq;
    if (row.type == v1::RECORD_TYPE_DOSSIER) last_dossier_change_[row.key] = row.cursor.seq;
    entry_->records.push_back(absl::StrCat(static_cast<int>(row.type), ":", row.key));
    return row.cursor;
  }

  absl::StatusOr<std::optional<SubscriptionRow>> FindSubscription(
      const std::string& member, const std::string& name) override {
    return SubscriptionOf(*db_, member, name);
  }

  absl::Status PutSubscription(const SubscriptionRow& row) override {
    return Write("INSERT INTO subscriptions (member, name, acked_seq, acked_at, created_at) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member, name) "
                 "DO UPDATE SET acked_seq = $3, acked_at = $4",
                 PgArgs().Text(row.member).Text(row.name).Int(row.acked.seq).Time(row.acked_at)
                     .Time(row.created_at));
  }

  absl::Status PutCheckpoint(const std::string& adapter, ChangeCursor cursor) override {
    return Write("INSERT INTO adapter_checkpoints (adapter, seq, updated_at) "
                 "VALUES ($1, $2, $3) ON CONFLICT (adapter) DO UPDATE SET "
                 "seq = $2, updated_at = $3",
                 PgArgs().Text(adapter).Int(cursor.seq).Time(now_));
  }

  absl::StatusOr<int64_t> AddDeadLetter(const DeadLetterRow& row) override {
    ASSIGN_OR_RETURN(PgResult r,
                     Checked(db_->Run("INSERT INTO dead_letters (adapter, seq, event_id, "
                                      "attempts, last_error, dead_lettered_at, payload) "
                                      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                      PgArgs().Text(row.adapter).Int(row.cursor.seq)
                                          .Text(row.event_id).Int(row.attempts)
                                          .Text(row.last_error).Time(now_).Bytes(row.payload))));
    return r.Int(0, 0);
  }

  absl::Status ResolveDeadLetter(int64_t id) override {
    return Write("UPDATE dead_letters SET resolved_at = $2 WHERE id = $1",
                 PgArgs().Int(id).Time(now_));
  }

  absl::Status CheckLease(const std::string& name, const std::string& holder,
                          int64_t token) override {
    // FOR SHARE: a replica taking the lease over waits for this transaction, then reads the
    // checkpoint it wrote.
    ASSIGN_OR_RETURN(PgResult r,
                     Checked(db_->Run("SELECT 1 FROM leases WHERE name = $1 AND holder = $2 "
                                      "AND token = $3 FOR SHARE",
                                      PgArgs().Text(name).Text(holder).Int(token))));
    if (r.rows() == 0) return LeaseLostError(name, holder, token);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> PruneChangesUpTo(ChangeCursor upto) override {
    // The newest event stays so the head's commit time is always known; the newest removed is
    // remembered (cursors are not consecutive, so the oldest left does not tell it).
    ASSIGN_OR_RETURN(
        PgResult r,
        Checked(db_->Run("WITH removed AS (DELETE FROM change_events WHERE seq <= $1 AND "
                         "seq < (SELECT max(seq) FROM change_events) RETURNING seq), "
                         "mark AS (INSERT INTO lienthong_meta (key, value) SELECT "
                         "'pruned_through', max(seq) FROM removed HAVING count(*) > 0 "
                         "ON CONFLICT (key) DO UPDATE SET value = "
                         "greatest(lienthong_meta.value, excluded.value)) "
                         "SELECT count(*) FROM removed",
                         PgArgs().Int(upto.seq))));
    return r.Int(0, 0);
  }

  absl::StatusOr<int64_t> PruneExchangeLogBefore(absl::Time before) override {
    ASSIGN_OR_RETURN(PgResult last,
                     Checked(db_->Run("SELECT seq, hash FROM exchange_log WHERE time < $1 "
                                      "ORDER BY seq DESC LIMIT 1",
                                      PgArgs().Time(before))));
    if (last.rows() == 0) return int64_t{0};
    return PruneExchangeLogTo(last.Int(0, 0), last.Bytes(0, 1));
  }

  absl::StatusOr<int64_t> PruneExchangeLogThrough(int64_t through) override {
    ASSIGN_OR_RETURN(PgResult last,
                     Checked(db_->Run("SELECT seq, hash FROM exchange_log WHERE seq <= $1 "
                                      "ORDER BY seq DESC LIMIT 1",
                                      PgArgs().Int(through))));
    if (last.rows() == 0) return int64_t{0};
    return PruneExchangeLogTo(last.Int(0, 0), last.Bytes(0, 1));
  }

  // Removes the entries up to `anchor_seq` (and their timestamp tokens) and makes it the anchor.
  absl::StatusOr<int64_t> PruneExchangeLogTo(int64_t anchor_seq, const std::string& anchor_hash) {
    ASSIGN_OR_RETURN(PgResult removed, Checked(db_->Run("DELETE FROM exchange_log WHERE seq <= $1",
                                                        PgArgs().Int(anchor_seq))));
    RETURN_IF_ERROR(Checked(db_->Run("DELETE FROM exchange_log_timestamps WHERE seq <= $1",
                                     PgArgs().Int(anchor_seq)))
                        .status());
    // Never backwards, should two prunes overlap.
    RETURN_IF_ERROR(Checked(db_->Run("UPDATE exchange_log_head SET anchor_seq = $1, "
                                     "anchor_hash = $2 WHERE id = 1 AND anchor_seq < $1",
                                     PgArgs().Int(anchor_seq).Bytes(anchor_hash)))
                        .status());
    return removed.affected();
  }

  absl::StatusOr<int64_t> AddExchangeLogTimestamp(const ExchangeLogTimestamp& row) override {
    // Counted as a write sent: should the WriteFn fail after it, the batch takes the careful
    // path, whose savepoint undoes it (the fast path cannot undo one write).
    if (db_->in_pipeline()) ++writes_sent_;
    ASSIGN_OR_RETURN(PgResult r,
                     Checked(db_->Run("INSERT INTO exchange_log_timestamps (seq, head_hash, "
                                      "gen_time, token, tsa_url) VALUES ($1, $2, $3, $4, $5) "
                                      "RETURNING id",
                                      PgArgs().Int(row.seq).Bytes(row.head_hash)
                                          .Time(row.gen_time).Bytes(row.token)
                                          .Text(row.tsa_url))));
    return r.Int(0, 0);
  }

  absl::Time now() const override { return now_; }
  ExchangeLogEntry& log_entry() override { return *entry_; }

  static absl::StatusOr<std::optional<SubscriptionRow>> SubscriptionOf(PgConnection& db,
                                                                       const std::string& member,
                                                                       const std::string& name) {
    ASSIGN_OR_RETURN(PgResult r, db.Run(kSubscriptionSql, PgArgs().Text(member).Text(name)));
    return FirstSubscription(r);
  }

  static absl::StatusOr<std::vector<std::string>> KeysBySecondaryKey(PgConnection& db,
                                                                     v1::RecordType type,
                                                                     const std::string& value) {
    ASSIGN_OR_RETURN(PgResult r, db.Run(kKeysBySecondaryKeySql, PgArgs().Int(type).Text(value)));
    return FirstColumn(r);
  }

 private:
  absl::Status InsertChange(const ChangeRow& row) {
    return Write("INSERT INTO change_events (seq, event_id, record_type, record_key, "
                 "operation, version, commit_time, origin_member, agency, payload) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                 PgArgs().Int(row.cursor.seq).Text(row.event_id).Int(row.type).Text(row.key)
                     .Int(row.operation).Int(row.version).Time(row.commit_time)
                     .Text(row.origin_member).Text(row.agency).Bytes(row.payload));
  }

  // A statement whose rows are not needed. Pipelined: sent now, and `check` sees its reply when
  // the replies are next read (a failure then fails the batch's fast path). Otherwise run now.
  absl::Status Write(const std::string& sql, const PgArgs& args,
                     PgConnection::Check check = nullptr) {
    if (db_->in_pipeline()) {
      ++writes_sent_;
      return db_->Send(sql, args, std::move(check));
    }
    ASSIGN_OR_RETURN(PgResult r, Checked(db_->Run(sql, args)));
    return check ? check(r) : absl::OkStatus();
  }

  // Reads the read-ahead replies when they are still owed.
  absl::Status ReadAheadReady() {
    if (!read_ahead_owed_) return absl::OkStatus();
    read_ahead_owed_ = false;
    return db_->Drain();
  }

  // The cursor prefix of this transaction; pipelined, its id's reply may still be owed.
  absl::StatusOr<int64_t> SeqPrefix() {
    if (!have_xid_) RETURN_IF_ERROR(db_->Drain());
    if (!have_xid_) return absl::InternalError("the batch's transaction id is unknown");
    return seq_prefix_;
  }

  // Notes a failed statement that met another writer's row.
  template <typename T>
  T Checked(T result) {
    if (!result.ok() && IsConflict(db_->last_sqlstate())) conflict_ = true;
    return result;
  }
  // An UPDATE of the version the WriteFn read that changed nothing: another writer moved it.
  absl::Status ExpectOneRow(const PgResult& r, const char* what, const std::string& key) {
    if (r.affected() == 1) return absl::OkStatus();
    conflict_ = true;
    return absl::AbortedError(absl::StrCat(what, " ", key, " was changed by another writer"));
  }

  PgConnection* db_;
  absl::Time now_;
  int64_t xid_base_;
  int64_t seq_prefix_ = 0;
  bool have_xid_ = false;
  int writes_sent_ = 0;
  absl::BitGen* gen_;
  ExchangeLogEntry* entry_ = nullptr;
  int64_t next_index_ = 0;
  int64_t last_appended_ = 0;
  bool conflict_ = false;
  // The rows FindDossier returned (none: no such dossier), as the KPI counts last saw them.
  absl::flat_hash_map<std::string, std::optional<DossierRow>> found_dossiers_;
  std::optional<ChangeRow> pending_creation_;  // a dossier creation awaiting its PutDossier
  // Read-ahead: each hinted key's row as the batch began (nullopt: absent), until written.
  bool read_ahead_owed_ = false;
  absl::flat_hash_map<std::string, std::optional<DossierRow>> read_ahead_dossiers_;
  absl::flat_hash_map<std::pair<std::string, std::string>, std::optional<StoredRequest>>
      read_ahead_requests_;
  absl::flat_hash_map<std::pair<int, std::string>, std::optional<RecordRow>> read_ahead_records_;
  absl::flat_hash_map<std::string, int64_t> last_dossier_change_;  // code -> its newest change
};

// A reader connection borrowed from the pool for one read; a broken one is dropped.
class PostgresStore::ReaderLease {
 public:
  ReaderLease(PostgresStore* store, std::unique_ptr<PgConnection> db, absl::Status error)
      : store_(store), db_(std::move(db)), error_(std::move(error)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (db_ == nullptr || !db_->healthy()) return;
    absl::MutexLock lock(&store_->readers_mu_);
    store_->idle_readers_.push_back(std::move(db_));
  }
  PgConnection& db() { return *db_; }
  bool ok() const { return db_ != nullptr; }
  const absl::Status& error() const { return error_; }

 private:
  PostgresStore* store_;
  std::unique_ptr<PgConnection> db_;
  absl::Status error_;
};

absl::StatusOr<std::unique_ptr<PgConnection>> PostgresStore::Connect() {
  ASSIGN_OR_RETURN(auto db, PgConnection::Connect(options_.conninfo, password_));
  // Acknowledged means committed: whatever the server's default, lienthong's commits wait for
  // the WAL flush (and for synchronous standbys when synchronous_standby_names names any).
  RETURN_IF_ERROR(db->Exec("SET default_transaction_isolation = 'read committed'; "
                           "SET bytea_output = 'hex'; SET standard_conforming_strings = on"));
  // Only raised, never lowered: a role set to remote_apply keeps it.
  ASSIGN_OR_RETURN(PgResult sync, db->QueryAll("SHOW synchronous_commit"));
  const std::string level = sync.Get(0, 0);
  if (level == "off" || level == "local" || level == "remote_write") {
    RETURN_IF_ERROR(db->Exec("SET synchronous_commit = on"));
  }
  return db;
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  if (!options.password_file.empty()) {
    ASSIGN_OR_RETURN(store->password_, pg::ReadPasswordFile(options.password_file));
  }
  ASSIGN_OR_RETURN(auto setup, store->Connect());
  RETURN_IF_ERROR(store->Migrate(*setup));
  ASSIGN_OR_RETURN(PgResult schema, setup->QueryAll("SELECT current_schema()"));
  store->notify_channel_ = absl::StrCat("lienthong_changes_", schema.Get(0, 0));
  store->notify_channel_.resize(std::min<size_t>(store->notify_channel_.size(), 63));

  const int writers = std::max(1, options.writer_connections);
  for (int i = 0; i < writers; ++i) {
    ASSIGN_OR_RETURN(auto db, store->Connect());
    store->writer_dbs_.push_back(std::move(db));
  }
  {
    absl::MutexLock lock(&store->readers_mu_);
    store->idle_readers_.push_back(std::move(setup));
    for (int i = 1; i < options.reader_connections; ++i) {
      ASSIGN_OR_RETURN(auto db, store->Connect());
      store->idle_readers_.push_back(std::move(db));
    }
  }
  store->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (store->wake_fd_ < 0) return absl::InternalError("eventfd failed");
  store->notifier_thread_ = StartNamedThread("lt-store-notify", [s = store.get()] {
    s->NotifierLoop();
  });

  GroupCommitOptions group_commit;
  group_commit.linger = options.group_commit_linger;
  group_commit.max_batch = options.group_commit_max_batch;
  group_commit.writers = writers;
  store->committer_ = std::make_unique<GroupCommitter>(
      group_commit, [s = store.get()](int writer, std::vector<PendingWrite>& batch) {
        return s->CommitBatch(writer, batch);
      });
  store->committer_->Start();
  LogLine(LogLevel::kInfo, "store open").Str("kind", "postgres")
      .Int("schema_version", kPostgresSchemaVersion).Int("writer_connections", writers)
      .Str("notify_channel", store->notify_channel_);
  return store;
}

PostgresStore::~PostgresStore() { Close(); }

absl::Status PostgresStore::Migrate(PgConnection& db) {
  RETURN_IF_ERROR(db.Exec("BEGIN"));
  auto migrate = [&]() -> absl::Status {
    RETURN_IF_ERROR(db.Exec(absl::StrCat("SELECT pg_advisory_xact_lock(", kMigrationLockKey, ")")));
    ASSIGN_OR_RETURN(PgResult schema,
                     db.QueryAll("SELECT current_schema(), EXISTS (SELECT 1 FROM pg_tables "
                                 "WHERE schemaname = current_schema() AND "
                                 "tablename = 'lienthong_meta')"));
    if (schema.IsNull(0, 0)) {
      return absl::FailedPreconditionError(
          "PostgreSQL: no schema to create lienthong's tables in: the connection's search_path "
          "names no existing schema (create it, or set options='-c search_path=...' in "
          "store.postgres.conninfo)");
    }
    if (!schema.Bool(0, 1)) {
      RETURN_IF_ERROR(db.Exec(
          "CREATE TABLE lienthong_meta (key text PRIMARY KEY, value bigint NOT NULL); "
          "INSERT INTO lienthong_meta VALUES ('schema_version', 0), "
          "('xid_base', pg_current_xact_id()::text::bigint)"));
    }
    ASSIGN_OR_RETURN(PgResult meta, db.QueryAll("SELECT (SELECT value FROM lienthong_meta WHERE "
                                                "key = 'schema_version'), (SELECT value FROM "
                                                "lienthong_meta WHERE key = 'xid_base')"));
    const int64_t version = meta.Int(0, 0);
    int64_t xid_base = meta.Int(0, 1);
    if (version > kPgMigrationCount) {
      return absl::FailedPreconditionError(absl::StrCat(
          "PostgreSQL schema ", schema.Get(0, 0), " has schema version ", version,
          ", newer than this lienthongd supports (", kPgMigrationCount,
          "): it was written by a newer release; run that release or restore a backup"));
    }
    for (int v = static_cast<int>(version); v < kPgMigrationCount; ++v) {
      absl::Status applied = db.Exec(kPgMigrations[v]);
      // A migration whose data SQL cannot compute (from the payloads) completes in C++.
      if (applied.ok() && kPgMigrations[v] == kPgKpiCountsRebuildMigration) {
        applied = BackfillPgKpiCounts(db);
      }
      if (!applied.ok()) {
        return absl::InternalError(
            absl::StrCat("migration to schema version ", v + 1, " failed: ", applied.message()));
      }
      RETURN_IF_ERROR(db.Exec(absl::StrCat(
          "UPDATE lienthong_meta SET value = ", v + 1, " WHERE key = 'schema_version'")));
      LogLine(LogLevel::kInfo, "schema migrated").Str("kind", "postgres").Int("to_version", v + 1);
    }
    // Cursors are transaction ids counted from xid_base. A database restored from a dump into a
    // new cluster counts transaction ids from low again: move the base so that new cursors still
    // follow the stored ones.
    ASSIGN_OR_RETURN(PgResult now,
                     db.QueryAll("SELECT pg_current_xact_id()::text::bigint, "
                                 "(SELECT max(seq) FROM change_events)"));
    const int64_t xid = now.Int(0, 0);
    {
      // Even an empty log needs positive cursors (0 is "before every change").
      const int64_t needed = now.IsNull(0, 1) ? 1 : (now.Int(0, 1) >> kSeqIndexBits) + 1;
      if (xid - xid_base < needed) {
        xid_base = xid - needed;
        RETURN_IF_ERROR(db.Exec(absl::StrCat("UPDATE lienthong_meta SET value = ", xid_base,
                                             " WHERE key = 'xid_base'")));
        LogLine(LogLevel::kWarning, "transaction ids restarted below the stored cursors "
                                    "(restored into a new cluster?): cursor base moved")
            .Int("xid_base", xid_base);
      }
    }
    if (xid - xid_base > kXidRoomWarning) {
      LogLine(LogLevel::kWarning, "half of the cursor's room for transaction ids is used: plan "
                                  "a re-base (docs/store.md)")
          .Int("xid", xid).Int("xid_base", xid_base);
    }
    xid_base_ = xid_base;
    return absl::OkStatus();
  };
  absl::Status migrated = migrate();
  if (!migrated.ok()) {
    (void)db.Exec("ROLLBACK");
    return migrated;
  }
  return db.Exec("COMMIT");
}

// The SQL value below which every seq belongs to a finished transaction: changes of
// transactions still running, and of any that will start, all sort after it.
static std::string ReadableBound(int64_t xid_base) {
  return absl::StrCat("((pg_snapshot_xmin(pg_current_snapshot())::text::bigint - ", xid_base,
                      ") << ", kSeqIndexBits, ")");
}

void PostgresStore::Write(ExchangeLogEntry log_entry, WriteFn fn, DoneFn done,
                          ReadAhead read_ahead) {
  committer_->Enqueue(PendingWrite{std::move(log_entry), std::move(fn), std::move(done),
                                   std::move(read_ahead)});
}

void PostgresStore::LogExchange(ExchangeLogEntry entry) {
  committer_->Enqueue(PendingWrite{std::move(entry), nullptr, nullptr});
}

void PostgresStore::AddCommitListener(CommitListener listener) {
  absl::MutexLock lock(&listeners_mu_);
  commit_listeners_.push_back(std::move(listener));
}

void PostgresStore::SetUnavailable(const absl::Status& why) {
  absl::MutexLock lock(&health_mu_);
  if (health_.ok()) {
    LogLine(LogLevel::kError, "PostgreSQL unreachable").Str("error", why.message());
  }
  health_ = absl::UnavailableError(absl::StrCat("PostgreSQL unreachable: ", why.message()));
}

absl::Status PostgresStore::Health() {
  absl::MutexLock lock(&health_mu_);
  return health_;
}

namespace {

// Ends the connection's transaction after a failure, if one is still open.
void RollbackIfOpen(PgConnection& db) {
  const PGTransactionStatusType state = PQtransactionStatus(db.handle());
  if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) (void)db.Exec("ROLLBACK");
}

}  // namespace

std::vector<std::string> PostgresStore::ChainStatements(std::vector<PendingWrite>& batch,
                                                        const std::vector<absl::Status>& results,
                                                        int64_t seq, std::string hash) {
  // Entries as SQL literals: one multi-row INSERT whatever the batch's size.
  std::string insert = "INSERT INTO exchange_log (seq, time, member, method, request_digest, "
                       "status, request_bytes, response_bytes, records, prev_hash, hash, "
                       "hash_format, response_digest, end_user, correlation_id) VALUES ";
  bool first = true;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (IsRetryInLaterBatch(results[i])) continue;  // logged when it runs
    ExchangeLogEntry& entry = batch[i].log;
    entry.seq = ++seq;
    entry.prev_hash = hash;
    entry.hash_format = kCurrentEntryHashFormat;
    entry.hash = ComputeEntryHash(entry, entry.prev_hash);
    hash = entry.hash;
    absl::StrAppend(&insert, first ? "(" : ", (", entry.seq, ", ",
                    absl::ToUnixMicros(entry.time), ", ", TextLiteral(entry.member), ", ",
                    TextLiteral(entry.method), ", ", HexLiteral(entry.request_digest), ", ",
                    entry.status_code, ", ", entry.request_bytes, ", ", entry.response_bytes, ", ",
                    TextLiteral(absl::StrJoin(entry.records, "\n")), ", ",
                    HexLiteral(entry.prev_hash), ", ", HexLiteral(entry.hash), ", ",
                    entry.hash_format, ", ", HexLiteral(entry.response_digest), ", ",
                    TextLiteral(entry.end_user), ", ", TextLiteral(entry.correlation_id), ")");
    first = false;
  }
  std::vector<std::string> statements;
  if (!first) statements.push_back(std::move(insert));  // else every write went to a later batch
  statements.push_back(absl::StrCat("UPDATE exchange_log_head SET seq = ", seq,
                                    ", hash = ", HexLiteral(hash), " WHERE id = 1"));
  return statements;
}

// The chain's head, locked: its row lock orders this batch's entries after every other writer's.
constexpr char kLockChainHeadSql[] = "SELECT seq, hash FROM exchange_log_head WHERE id = 1 FOR UPDATE";
constexpr char kBeginSql[] = "BEGIN";
constexpr char kTransactionIdSql[] = "SELECT pg_current_xact_id()::text::bigint";
constexpr char kNotifySql[] = "SELECT pg_notify($1, '')";
constexpr char kCommitSql[] = "COMMIT";

PostgresStore::BatchOutcome PostgresStore::CommitPipelined(PgConnection& db,
                                                           std::vector<PendingWrite>& batch,
                                                           absl::BitGen& gen) {
  BatchOutcome out;
  out.results.resize(batch.size());
  Transaction txn(&db, absl::Now(), xid_base_, &gen);
  // Leaves the pipeline and the transaction; the careful path runs the batch again.
  auto fall_back = [&]() {
    (void)db.ExitPipeline();
    if (db.healthy()) RollbackIfOpen(db);
    out.fall_back = true;
    return std::move(out);
  };
  if (!db.EnterPipeline().ok()) return fall_back();
  (void)db.Send(kBeginSql, PgArgs());
  (void)db.Send(kTransactionIdSql, PgArgs(), [&txn](const PgResult& r) {
    txn.SetXid(r.Int(0, 0));
    return absl::OkStatus();
  });
  txn.SendReadAhead(batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingWrite& write = batch[i];
    txn.Begin(&write.log);
    if (!write.fn) continue;
    const size_t records_before = write.log.records.size();
    out.results[i] = write.fn(txn);
    if (out.results[i].ok()) out.results[i] = txn.FlushPending();
    // A failed statement aborts the whole transaction, and a WriteFn that failed after sending
    // writes leaves them in it: only the careful path (a savepoint a write) can undo one write.
    if (!db.pipeline_failure().ok() || (!out.results[i].ok() && txn.writes_sent() > 0)) {
      return fall_back();
    }
    if (!out.results[i].ok()) write.log.records.resize(records_before);
    write.log.status_code = static_cast<int>(out.results[i].code());
  }
  // Reads every reply still owed: a write that failed (a conflict) shows here.
  auto head = db.Run(kLockChainHeadSql, PgArgs());
  if (!head.ok() || !db.pipeline_failure().ok()) return fall_back();
  for (std::string& statement :
       ChainStatements(batch, out.results, head->Int(0, 0), head->Bytes(0, 1))) {
    (void)db.Send(statement, PgArgs(), nullptr, /*prepare=*/false);
  }
  out.appended = txn.appended_any();
  if (out.appended) (void)db.Send(kNotifySql, PgArgs().Text(notify_channel_));
  (void)db.Send(kCommitSql, PgArgs());
  out.fatal = db.ExitPipeline();
  return out;
}

PostgresStore::BatchOutcome PostgresStore::CommitCareful(PgConnection& db,
                                                         std::vector<PendingWrite>& batch,
                                                         absl::BitGen& gen) {
  BatchOutcome out;
  out.results.resize(batch.size());
  auto begun = db.QueryAll("BEGIN; SELECT pg_current_xact_id()::text::bigint");
  if (!begun.ok()) {
    out.fatal = begun.status();
    return out;
  }
  Transaction txn(&db, absl::Now(), xid_base_, &gen);
  txn.SetXid(begun->Int(0, 0));
  absl::Status& fatal = out.fatal;
  for (size_t i = 0; i < batch.size() && fatal.ok(); ++i) {
    PendingWrite& write = batch[i];
    txn.Begin(&write.log);
    if (!write.fn) continue;
    const size_t records_before = write.log.records.size();
    fatal = db.Exec("SAVEPOINT w");
    if (!fatal.ok()) break;
    out.results[i] = write.fn(txn);
    if (out.results[i].ok()) out.results[i] = txn.FlushPending();
    if (out.results[i].ok()) {
      fatal = db.Exec("RELEASE w");
    } else {
      // Only this write's own changes go; the others in the batch stay.
      write.log.records.resize(records_before);
      fatal = db.Exec("ROLLBACK TO w");
      if (fatal.ok()) fatal = db.Exec("RELEASE w");
      // Another writer got to its rows first. Run again here, it would follow that writer's
      // commit with cursors of an older transaction (a newer version before an older one in
      // the feed): it goes to a later batch, whose transaction is younger.
      if (txn.conflict()) out.results[i] = RetryInLaterBatch(out.results[i].message());
    }
    write.log.status_code = static_cast<int>(out.results[i].code());
  }
  if (fatal.ok()) {
    auto head = db.QueryAll(kLockChainHeadSql);
    if (!head.ok()) {
      fatal = head.status();
    } else {
      std::string sql = absl::StrJoin(
          ChainStatements(batch, out.results, head->Int(0, 0), head->Bytes(0, 1)), "; ");
      out.appended = txn.appended_any();
      if (out.appended) {
        absl::StrAppend(&sql, "; SELECT pg_notify(", TextLiteral(notify_channel_), ", '')");
      }
      fatal = db.Exec(sql);
    }
  }
  if (fatal.ok() && PQtransactionStatus(db.handle()) != PQTRANS_INTRANS) {
    fatal = absl::InternalError("the batch's transaction was aborted");
  }
  if (fatal.ok()) fatal = db.Exec("COMMIT");
  return out;
}

std::vector<absl::Status> PostgresStore::CommitBatch(int writer, std::vector<PendingWrite>& batch) {
  thread_local absl::BitGen gen;
  auto fail_all = [&](const absl::Status& why) {
    return std::vector<absl::Status>(batch.size(), why);
  };
  std::unique_ptr<PgConnection>& db = writer_dbs_[static_cast<size_t>(writer)];
  if (db != nullptr) (void)PQconsumeInput(db->handle());  // notices a connection the server closed
  if (db == nullptr || !db->healthy()) {
    // While the database is known to be down, answer at once instead of waiting on a connect.
    if (!Health().ok() && db == nullptr) {
      static thread_local absl::Time last_try = absl::InfinitePast();
      if (absl::Now() - last_try < options_.reconnect_interval) return fail_all(Health());
      last_try = absl::Now();
    }
    db.reset();
    auto connected = Connect();
    if (!connected.ok()) {
      SetUnavailable(connected.status());
      return fail_all(absl::UnavailableError(
          absl::StrCat("PostgreSQL unreachable: ", connected.status().message())));
    }
    db = std::move(*connected);
  }

  // What the WriteFns add to their log entries is undone before the careful path runs them again.
  std::vector<size_t> records_before(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) records_before[i] = batch[i].log.records.size();
  BatchOutcome outcome = CommitPipelined(*db, batch, gen);
  if (outcome.fall_back && db->healthy()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].log.records.resize(records_before[i]);
      batch[i].log.status_code = 0;
    }
    outcome = CommitCareful(*db, batch, gen);
  } else if (outcome.fall_back) {
    outcome.fatal = absl::UnavailableError("the connection was lost");
  }
  if (!outcome.fatal.ok()) {
    if (!db->healthy()) {
      SetUnavailable(outcome.fatal);
      db.reset();
      return fail_all(
          absl::UnavailableError(absl::StrCat("store commit failed: ", outcome.fatal.message())));
    }
    RollbackIfOpen(*db);
    LogLine(LogLevel::kError, "store commit failed").Str("error", outcome.fatal.message())
        .Int("writes", static_cast<int64_t>(batch.size()));
    return fail_all(
        absl::UnavailableError(absl::StrCat("store commit failed: ", outcome.fatal.message())));
  }
  // The notifier reads the newest readable head and tells the commit listeners, on its own
  // thread: a subscriber may see a change a little after its writer's reply.
  if (outcome.appended) WakeNotifier();
  return std::move(outcome.results);
}

void PostgresStore::WakeNotifier() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
}

void PostgresStore::NotifierLoop() {
  std::unique_ptr<PgConnection> db;
  int64_t heard_head = 0;
  const std::string head_sql = absl::StrCat(
      "SELECT coalesce(max(seq), 0) FROM change_events WHERE seq < ", ReadableBound(xid_base_));
  for (;;) {
    {
      absl::MutexLock lock(&notifier_mu_);
      if (notifier_stopping_) return;
    }
    if (db == nullptr || !db->healthy()) {
      db.reset();
      auto connected = Connect();
      if (connected.ok()) {
        db = std::move(*connected);
        char* channel = PQescapeIdentifier(db->handle(), notify_channel_.c_str(),
                                           notify_channel_.size());
        absl::Status listening = db->Exec(absl::StrCat("LISTEN ", channel));
        PQfreemem(channel);
        if (!listening.ok()) db.reset();
      }
      if (db == nullptr) {
        SetUnavailable(connected.ok() ? absl::UnavailableError("LISTEN failed") : connected.status());
        absl::MutexLock lock(&notifier_mu_);
        auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(notifier_mu_) {
          return notifier_stopping_;
        };
        notifier_mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.reconnect_interval);
        continue;
      }
    }
    // Drain notifications, then read the head: one read covers any number of commits.
    (void)PQconsumeInput(db->handle());
    while (PGnotify* notify = PQnotifies(db->handle())) PQfreemem(notify);
    auto head = db->QueryAll(head_sql);
    if (head.ok()) {
      {
        absl::MutexLock lock(&health_mu_);
        if (!health_.ok()) LogLine(LogLevel::kInfo, "PostgreSQL reachable again");
        health_ = absl::OkStatus();
      }
      const int64_t seq = head->Int(0, 0);
      if (seq > heard_head) {
        heard_head = seq;
        absl::MutexLock lock(&listeners_mu_);
        for (const auto& listener : commit_listeners_) listener(ChangeCursor{seq});
      }
    } else if (!db->healthy()) {
      SetUnavailable(head.status());
      continue;
    }
    // Sleep until a local commit, another replica's NOTIFY, or the poll interval.
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {PQsocket(db->handle()), POLLIN, 0}};
    const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.poll_interval));
    if (::poll(fds, 2, std::max(1, timeout_ms)) > 0 && (fds[0].revents & POLLIN) != 0) {
      uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof(count));
    }
  }
}

void PostgresStore::Close() {
  if (committer_ != nullptr) committer_->Close();
  {
    absl::MutexLock lock(&notifier_mu_);
    notifier_stopping_ = true;
  }
  if (wake_fd_ >= 0) WakeNotifier();
  if (notifier_thread_.joinable()) notifier_thread_.join();
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
    wake_fd_ = -1;
  }
}

PostgresStore::ReaderLease PostgresStore::LeaseReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    while (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      // A connection the server closed (a restart) reads EOF here and turns unhealthy.
      (void)PQconsumeInput(db->handle());
      if (db->healthy()) return ReaderLease(this, std::move(db), absl::OkStatus());
    }
  }
  // More concurrent readers than the pool, or the pool's connections were lost: one more.
  auto db = Connect();
  if (!db.ok()) {
    SetUnavailable(db.status());
    return ReaderLease(this, nullptr, db.status());
  }
  return ReaderLease(this, std::move(*db), absl::OkStatus());
}

absl::StatusOr<PgResult> PostgresStore::Read(const std::string& sql, const PgArgs& args) {
  for (int attempt = 0;; ++attempt) {
    ReaderLease lease = LeaseReader();
    if (!lease.ok()) return absl::UnavailableError(lease.error().message());
    auto result = lease.db().Run(sql, args);
    if (result.ok() || lease.db().healthy() || attempt > 0) return result;
    // The connection was lost (a server restart closes them all): the pool is stale, and a
    // read can be run again on a new connection.
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.clear();
  }
}

absl::StatusOr<std::optional<DossierRow>> PostgresStore::GetDossier(const std::string& code) {
  static const std::string sql =
      absl::StrCat("SELECT ", kDossierColumns, " FROM dossiers WHERE code = $1");
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs().Text(code)));
  if (r.rows() == 0) return std::optional<DossierRow>();
  return std::optional<DossierRow>(ReadDossier(r, 0));
}

namespace {

// The listing's filters after the status and due time, and its order: $1 agency, $2 procedure,
// $3 channel, $4 and $5 the received_at range, $7 and $8 the cursor, $9 the status mask, $10
// the limit.
constexpr char kDossierListingFilters[] =
    "AND (received_at, code) > ($7, $8::text) "
    "AND ($1 = '' OR receiving_agency = $1 OR handling_agency = $1) "
    "AND ($2 = '' OR procedure_code = $2) AND ($3 = 0 OR channel = $3) "
    "AND ($4::bigint IS NULL OR received_at >= $4) AND ($5::bigint IS NULL OR received_at < $5) "
    "AND ($9::bigint = 0 OR (($9::bigint >> status) & 1) = 1) "
    "ORDER BY received_at, code LIMIT $10";

}  // namespace

absl::StatusOr<std::vector<DossierRow>> PostgresStore::ListDossiers(const DossierQuery& q) {
  // With due_before ($6): a statement whose WHERE names the partial index
  // dossiers_in_process_by_received (status IN (2, 4)) and its keyset, so that the planner walks
  // the dossiers in process in order instead of every dossier by received_at.
  static const std::string in_process_sql =
      absl::StrCat("SELECT ", kDossierColumns, " FROM dossiers WHERE status IN (2, 4) "
                   "AND due_at IS NOT NULL AND due_at < $6 ", kDossierListingFilters);
  static const std::string sql = absl::StrCat(
      "SELECT ", kDossierColumns, " FROM dossiers WHERE $6::bigint IS NULL ",
      kDossierListingFilters);
  int64_t status_mask = 0;
  for (int status : q.statuses) status_mask |= int64_t{1} << status;
  PgArgs args;
  args.Text(q.agency).Text(q.procedure_code).Int(q.channel).Time(q.received_from)
      .Time(q.received_to).Time(q.overdue_at);
  // No cursor: before every row.
  if (q.after.has_value()) {
    args.Time(q.after->first).Text(q.after->second);
  } else {
    args.Int(std::numeric_limits<int64_t>::min()).Text("");
  }
  args.Int(status_mask).Int(q.limit);
  ASSIGN_OR_RETURN(PgResult r, Read(q.overdue_at.has_value() ? in_process_sql : sql, args));
  std::vector<DossierRow> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadDossier(r, i));
  return rows;
}

absl::Status PostgresStore::ScanDossierStats(
    absl::Time from, absl::Time to, absl::Time overdue_before, const std::string& agency,
    const std::string& procedure_code, const std::function<void(const DossierStatsRow&)>& fn) {
  ASSIGN_OR_RETURN(
      PgResult r,
      Read(
          "SELECT receiving_agency, procedure_code, status, channel, result_delivery, "
          "paid_online, digitised, received_at, due_at, finished_at FROM dossiers WHERE "
          "((received_at >= $1 AND received_at < $2) OR (finished_at >= $1 AND finished_at < $2) "
          " OR (status IN (2, 4) AND due_at < $3 AND received_at < $2)) "
          "AND ($4 = '' OR receiving_agency = $4 OR handling_agency = $4) "
          "AND ($5 = '' OR procedure_code = $5)",
          PgArgs().Time(from).Time(to).Time(overdue_before).Text(agency).Text(procedure_code)));
  DossierStatsRow row;
  for (int i = 0; i < r.rows(); ++i) {
    row.receiving_agency = r.Get(i, 0);
    row.procedure_code = r.Get(i, 1);
    row.status = static_cast<int>(r.Int(i, 2));
    row.channel = static_cast<int>(r.Int(i, 3));
    row.result_delivery = static_cast<int>(r.Int(i, 4));
    row.paid_online = r.Int(i, 5) != 0;
    row.digitised = r.Int(i, 6) != 0;
    row.received_at = r.Time(i, 7);
    row.due_at = r.OptionalTime(i, 8);
    row.finished_at = r.OptionalTime(i, 9);
    fn(row);
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::SumKpiBuckets(KpiGrain grain, int64_t from, int64_t to,
                                          const std::string& agency,
                                          const std::string& procedure_code, KpiSumsByKey* sums) {
  ASSIGN_OR_RETURN(PgResult r, Read(postgres::KpiSumSql(),
                                    PgArgs().Int(static_cast<int>(grain)).Int(from).Int(to)
                                        .Text(agency).Text(procedure_code)));
  postgres::ReadKpiSums(r, sums);
  return absl::OkStatus();
}

absl::Status PostgresStore::ListKpiPairs(absl::Time before, const std::string& agency,
                                         const std::string& procedure_code,
                                         const std::function<void(const KpiPair&)>& fn) {
  ASSIGN_OR_RETURN(PgResult r, Read(postgres::KpiPairsSql(),
                                    PgArgs().Time(before).Text(agency).Text(procedure_code)));
  for (int i = 0; i < r.rows(); ++i) fn(KpiPair{r.Get(i, 0), r.Get(i, 1)});
  return absl::OkStatus();
}

absl::Status PostgresStore::CountInProcessOverdue(absl::Time as_of, const std::string& agency,
                                                  const std::string& procedure_code,
                                                  KpiCountsByKey* counts) {
  ASSIGN_OR_RETURN(PgResult r, Read(postgres::InProcessOverdueCountSql(),
                                    PgArgs().Time(as_of).Text(agency).Text(procedure_code)));
  for (int i = 0; i < r.rows(); ++i) {
    (*counts)[KpiPair{r.Get(i, 0), r.Get(i, 1)}].overdue_in_process += r.Int(i, 2);
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::ScanKpiChangesSince(absl::Time since, const std::string& agency,
                                                const std::string& procedure_code,
                                                const std::function<void(const DossierRow&)>& fn) {
  ASSIGN_OR_RETURN(PgResult r, Read(postgres::KpiChangesSinceSql(),
                                    PgArgs().Time(since).Text(agency).Text(procedure_code)));
  postgres::ReadKpiRows(r, fn);
  return absl::OkStatus();
}

absl::Status PostgresStore::ScanFinishedBeforeReceived(
    absl::Time from, absl::Time to, const std::string& agency, const std::string& procedure_code,
    const std::function<void(const DossierRow&)>& fn) {
  ASSIGN_OR_RETURN(PgResult r, Read(postgres::FinishedBeforeReceivedSql(),
                                    PgArgs().Time(from).Time(to).Text(agency).Text(procedure_code)));
  postgres::ReadKpiRows(r, fn);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RecordRow>> PostgresStore::GetRecord(v1::RecordType type,
                                                                  const std::string& key) {
  static const std::string sql =
      absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE type = $1 AND key = $2");
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs().Int(type).Text(key)));
  if (r.rows() == 0) return std::optional<RecordRow>();
  return std::optional<RecordRow>(ReadRecord(r, 0));
}

absl::StatusOr<std::vector<RecordRow>> PostgresStore::ListRecords(const RecordQuery& q) {
  // As the SQLite store: at a cursor, a record changed after it is read back from the change
  // log as it was then (unfiltered, see RecordRow::from_change_log); one created after it is
  // left out.
  static const char kSql[] =
      "SELECT r.type, r.key, r.agency, r.school_code, r.secondary_key, "
      "  CASE WHEN r.last_seq <= $6 THEN r.version ELSE e.version END, "
      "  CASE WHEN r.last_seq <= $6 THEN r.last_seq ELSE e.seq END, "
      "  CASE WHEN r.last_seq <= $6 THEN r.payload ELSE e.payload END, "
      "  r.last_seq > $6 "
      "FROM records r LEFT JOIN change_events e ON r.last_seq > $6 AND e.seq = "
      "  (SELECT max(c.seq) FROM change_events c WHERE c.record_type = r.type "
      "   AND c.record_key = r.key AND c.seq <= $6) "
      "WHERE r.type = $1 AND r.key > $2 "
      "AND (r.last_seq > $6 OR (($3 = '' OR r.agency = $3) AND ($4 = '' OR r.school_code = $4))) "
      "AND (r.last_seq <= $6 OR e.seq IS NOT NULL) "
      "ORDER BY r.key LIMIT $5";
  ASSIGN_OR_RETURN(
      PgResult r,
      Read(kSql, PgArgs().Int(q.type).Text(q.after_key).Text(q.agency)
                               .Text(q.school_code).Int(q.limit)
                               .Int(q.at.has_value() ? q.at->seq
                                                     : std::numeric_limits<int64_t>::max())));
  std::vector<RecordRow> rows;
  for (int i = 0; i < r.rows(); ++i) {
    rows.push_back(ReadRecord(r, i));
    rows.back().from_change_log = r.Bool(i, 8);
  }
  return rows;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::FindKeysBySecondaryKey(
    v1::RecordType type, const std::string& value) {
  ASSIGN_OR_RETURN(PgResult r, Read(kKeysBySecondaryKeySql, PgArgs().Int(type).Text(value)));
  return FirstColumn(r);
}

absl::StatusOr<std::vector<ChangeRow>> PostgresStore::ReadChanges(ChangeCursor after, int limit) {
  const std::string sql = absl::StrCat(
      "SELECT seq, event_id, record_type, record_key, operation, version, commit_time, "
      "origin_member, agency, payload FROM change_events WHERE seq > $1 AND seq < ",
      ReadableBound(xid_base_), " ORDER BY seq LIMIT $2");
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs().Int(after.seq).Int(limit)));
  std::vector<ChangeRow> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadChange(r, i));
  return rows;
}

absl::StatusOr<ChangeBounds> PostgresStore::GetChangeBounds() {
  const std::string bound = ReadableBound(xid_base_);
  const std::string sql = absl::StrCat(
      "WITH b AS (SELECT ", bound, " AS below) SELECT "
      "(SELECT min(seq) FROM change_events, b WHERE seq < b.below), "
      "(SELECT max(seq) FROM change_events, b WHERE seq < b.below), "
      "(SELECT commit_time FROM change_events, b WHERE seq < b.below ORDER BY seq DESC LIMIT 1), "
      "(SELECT value FROM lienthong_meta WHERE key = 'pruned_through'), "
      "(SELECT max(seq) FROM change_events)");
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs()));
  ChangeBounds bounds;
  bounds.oldest = ChangeCursor{r.IsNull(0, 0) ? 0 : r.Int(0, 0)};
  bounds.head = ChangeCursor{r.IsNull(0, 1) ? 0 : r.Int(0, 1)};
  bounds.head_commit_time = r.IsNull(0, 2) ? absl::UnixEpoch() : r.Time(0, 2);
  bounds.pruned_through = ChangeCursor{r.IsNull(0, 3) ? 0 : r.Int(0, 3)};
  bounds.newest = ChangeCursor{r.IsNull(0, 4) ? 0 : r.Int(0, 4)};
  return bounds;
}

absl::StatusOr<int64_t> PostgresStore::CountChangesAfter(ChangeCursor after) {
  const std::string sql = absl::StrCat("SELECT count(*) FROM change_events WHERE seq > $1 AND seq < ",
                                       ReadableBound(xid_base_));
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs().Int(after.seq)));
  return r.Int(0, 0);
}

absl::StatusOr<std::optional<ChangeCursor>> PostgresStore::FirstChangeAtOrAfter(absl::Time time) {
  const std::string sql =
      absl::StrCat("SELECT seq FROM change_events WHERE commit_time >= $1 AND seq < ",
                   ReadableBound(xid_base_), " ORDER BY seq LIMIT 1");
  ASSIGN_OR_RETURN(PgResult r, Read(sql, PgArgs().Time(time)));
  if (r.rows() == 0) return std::nullopt;
  return ChangeCursor{r.Int(0, 0)};
}

absl::StatusOr<std::vector<ExchangeLogEntry>> PostgresStore::ReadExchangeLog(int64_t after,
                                                                             int limit) {
  ASSIGN_OR_RETURN(PgResult r,
                   Read("SELECT seq, time, member, method, request_digest, status, "
                                  "request_bytes, response_bytes, records, prev_hash, hash, "
                                  "hash_format, response_digest, end_user, correlation_id "
                                  "FROM exchange_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                  PgArgs().Int(after).Int(limit)));
  std::vector<ExchangeLogEntry> entries;
  entries.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    ExchangeLogEntry e;
    e.seq = r.Int(i, 0);
    e.time = r.Time(i, 1);
    e.member = r.Get(i, 2);
    e.method = r.Get(i, 3);
    e.request_digest = r.Bytes(i, 4);
    e.status_code = static_cast<int>(r.Int(i, 5));
    e.request_bytes = r.Int(i, 6);
    e.response_bytes = r.Int(i, 7);
    const std::string records = r.Get(i, 8);
    if (!records.empty()) e.records = absl::StrSplit(records, '\n');
    e.prev_hash = r.Bytes(i, 9);
    e.hash = r.Bytes(i, 10);
    e.hash_format = static_cast<int>(r.Int(i, 11));
    e.response_digest = r.Bytes(i, 12);
    e.end_user = r.Get(i, 13);
    e.correlation_id = r.Get(i, 14);
    entries.push_back(std::move(e));
  }
  return entries;
}

absl::StatusOr<ExchangeLogEnds> PostgresStore::GetExchangeLogEnds() {
  ASSIGN_OR_RETURN(PgResult r, Read("SELECT seq, hash, anchor_seq, anchor_hash FROM "
                                              "exchange_log_head WHERE id = 1",
                                              PgArgs()));
  ExchangeLogEnds ends;
  ends.head_hash = GenesisHash();
  ends.anchor_hash = GenesisHash();
  if (r.rows() == 1) {
    ends.head_seq = r.Int(0, 0);
    ends.head_hash = r.Bytes(0, 1);
    ends.anchor_seq = r.Int(0, 2);
    if (!r.IsNull(0, 3)) ends.anchor_hash = r.Bytes(0, 3);
  }
  return ends;
}

namespace {

constexpr char kTimestampColumns[] = "id, seq, head_hash, gen_time, token, tsa_url";

std::vector<ExchangeLogTimestamp> TimestampRows(const PgResult& r) {
  std::vector<ExchangeLogTimestamp> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    ExchangeLogTimestamp row;
    row.id = r.Int(i, 0);
    row.seq = r.Int(i, 1);
    row.head_hash = r.Bytes(i, 2);
    row.gen_time = r.Time(i, 3);
    row.token = r.Bytes(i, 4);
    row.tsa_url = r.Get(i, 5);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<ExchangeLogTimestamp>> PostgresStore::ReadExchangeLogTimestamps(
    int64_t after_seq, int64_t after_id, int limit) {
  ASSIGN_OR_RETURN(PgResult r,
                   Read(absl::StrCat("SELECT ", kTimestampColumns, " FROM exchange_log_timestamps "
                                     "WHERE seq > $1::bigint OR (seq = $1::bigint AND id > $2::bigint) "
                                     "ORDER BY seq, id LIMIT $3::bigint"),
                        PgArgs().Int(after_seq).Int(after_id).Int(limit)));
  return TimestampRows(r);
}

absl::StatusOr<std::optional<ExchangeLogTimestamp>> PostgresStore::LatestExchangeLogTimestamp() {
  ASSIGN_OR_RETURN(PgResult r,
                   Read(absl::StrCat("SELECT ", kTimestampColumns, " FROM exchange_log_timestamps "
                                     "ORDER BY seq DESC, id DESC LIMIT 1"),
                        PgArgs()));
  std::vector<ExchangeLogTimestamp> rows = TimestampRows(r);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

absl::StatusOr<std::optional<SubscriptionRow>> PostgresStore::GetSubscription(
    const std::string& member, const std::string& name) {
  ASSIGN_OR_RETURN(PgResult r, Read(kSubscriptionSql, PgArgs().Text(member).Text(name)));
  return FirstSubscription(r);
}

absl::StatusOr<std::vector<SubscriptionRow>> PostgresStore::ListSubscriptions() {
  ASSIGN_OR_RETURN(PgResult r, Read("SELECT member, name, acked_seq, acked_at, "
                                              "created_at FROM subscriptions ORDER BY member, name",
                                              PgArgs()));
  std::vector<SubscriptionRow> rows;
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadSubscription(r, i));
  return rows;
}

absl::StatusOr<std::optional<ChangeCursor>> PostgresStore::GetCheckpoint(
    const std::string& adapter) {
  ASSIGN_OR_RETURN(PgResult r, Read("SELECT seq FROM adapter_checkpoints WHERE "
                                              "adapter = $1",
                                              PgArgs().Text(adapter)));
  if (r.rows() == 0) return std::optional<ChangeCursor>();
  return std::optional<ChangeCursor>(ChangeCursor{r.Int(0, 0)});
}

absl::StatusOr<LeaseRow> PostgresStore::AcquireLease(const std::string& name,
                                                     const std::string& holder,
                                                     absl::Duration ttl) {
  // One statement: taken when free or lapsed (the token grows), renewed when already held.
  static constexpr char kAcquire[] =
      "INSERT INTO leases AS l (name, holder, token, expires_at) "
      "VALUES ($1, $2, 1, clock_timestamp() + make_interval(secs => $3::float8 / 1e6)) "
      "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
      "token = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() "
      "THEN l.token ELSE l.token + 1 END, expires_at = excluded.expires_at "
      "WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp() "
      "RETURNING token, (extract(epoch FROM expires_at) * 1000000)::bigint";
  ASSIGN_OR_RETURN(PgResult r, Read(kAcquire, PgArgs().Text(name).Text(holder)
                                                  .Int(absl::ToInt64Microseconds(ttl))));
  if (r.rows() == 1) {
    return LeaseRow{name, holder, r.Int(0, 0), absl::FromUnixMicros(r.Int(0, 1))};
  }
  ASSIGN_OR_RETURN(PgResult held,
                   Read("SELECT holder, (extract(epoch FROM expires_at) * 1000000)::bigint "
                        "FROM leases WHERE name = $1",
                        PgArgs().Text(name)));
  if (held.rows() == 0) return absl::AbortedError(absl::StrCat("lease ", name, ": try again"));
  return LeaseHeldError(name, held.Get(0, 0), absl::FromUnixMicros(held.Int(0, 1)));
}

absl::Status PostgresStore::ReleaseLease(const std::string& name, const std::string& holder,
                                         int64_t token) {
  return Read("UPDATE leases SET expires_at = clock_timestamp() WHERE name = $1 AND "
              "holder = $2 AND token = $3",
              PgArgs().Text(name).Text(holder).Int(token))
      .status();
}

absl::StatusOr<std::vector<LeaseRow>> PostgresStore::ListLeases() {
  ASSIGN_OR_RETURN(PgResult r,
                   Read("SELECT name, holder, token, "
                        "(extract(epoch FROM expires_at) * 1000000)::bigint FROM leases "
                        "ORDER BY name",
                        PgArgs()));
  std::vector<LeaseRow> rows;
  for (int i = 0; i < r.rows(); ++i) {
    rows.push_back(LeaseRow{r.Get(i, 0), r.Get(i, 1), r.Int(i, 2),
                            absl::FromUnixMicros(r.Int(i, 3))});
  }
  return rows;
}

absl::StatusOr<std::vector<DeadLetterRow>> PostgresStore::ListDeadLetters(
    const std::string& adapter, int64_t after_id, int limit) {
  ASSIGN_OR_RETURN(
      PgResult r,
      Read("SELECT id, adapter, seq, event_id, attempts, last_error, dead_lettered_at, "
                     "payload, resolved_at FROM dead_letters WHERE resolved_at IS NULL AND "
                     "($1 = '' OR adapter = $1) AND id > $2 ORDER BY id LIMIT $3",
                     PgArgs().Text(adapter).Int(after_id).Int(limit)));
  std::vector<DeadLetterRow> rows;
  for (int i = 0; i < r.rows(); ++i) {
    DeadLetterRow row;
    row.id = r.Int(i, 0);
    row.adapter = r.Get(i, 1);
    row.cursor = ChangeCursor{r.Int(i, 2)};
    row.event_id = r.Get(i, 3);
    row.attempts = static_cast<int>(r.Int(i, 4));
    row.last_error = r.Get(i, 5);
    row.dead_lettered_at = r.Time(i, 6);
    row.payload = r.Bytes(i, 7);
    row.resolved_at = r.OptionalTime(i, 8);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace lienthong::store::postgres

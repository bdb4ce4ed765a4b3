// PostgresAdapter: connection handling and the per-batch transaction.
#include "adapters/postgres/postgres_adapter.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/postgres/sector_schema.h"
#include "services/common/record_type_names.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::postgres {
namespace {

// Keeps the last row per natural key (events come in commit order, so the last is the newest):
// one INSERT ... ON CONFLICT may not touch the same row twice.
std::vector<SectorRow> LastPerKey(std::vector<SectorRow> rows, size_t key_columns) {
  absl::flat_hash_map<std::string, size_t> last;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string key;
    for (size_t c = 0; c < key_columns; ++c) absl::StrAppend(&key, rows[i][c].value_or(""), "\x1f");
    last[key] = i;
  }
  if (last.size() == rows.size()) return rows;
  std::vector<size_t> keep;
  for (const auto& [key, index] : last) keep.push_back(index);
  std::sort(keep.begin(), keep.end());
  std::vector<SectorRow> out;
  for (size_t index : keep) out.push_back(std::move(rows[index]));
  return out;
}

}  // namespace

absl::Status PostgresAdapter::ConnectLocked() {
  std::string password;
  if (!options_.password_file.empty()) {
    auto read = ReadPasswordFile(options_.password_file);
    // An unreadable password file is an outage of the destination, not a record's fault.
    if (!read.ok()) return absl::UnavailableError(read.status().message());
    password = *std::move(read);
  }
  ASSIGN_OR_RETURN(auto connection, PgConnection::Connect(options_.conninfo, password));
  // First use: the schema this adapter writes. The advisory lock keeps two gateways that start
  // together from racing on CREATE.
  RETURN_IF_ERROR(connection->Exec(
      absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(hashtext('lienthong_sync_schema')); ",
                   SectorSchemaDdl(options_.schema), "COMMIT;")));
  connection_ = std::move(connection);
  return absl::OkStatus();
}

absl::Status PostgresAdapter::Apply(absl::Span<const v1::ChangeEvent> events) {
  absl::MutexLock lock(&mu_);
  for (int attempt = 0;; ++attempt) {
    const bool had_connection = connection_ != nullptr;
    absl::Status status = connection_ == nullptr ? ConnectLocked() : absl::OkStatus();
    if (status.ok()) status = ApplyInTransactionLocked(events);
    if (status.ok()) return status;
    // After an outage start afresh: a new connection also re-creates a schema that was dropped.
    if (connection_ != nullptr && (!connection_->healthy() ||
                                   status.code() == absl::StatusCode::kUnavailable)) {
      connection_.reset();
    }
    // A connection that broke while idle (server restarted) is replaced at once, once.
    if (attempt == 0 && had_connection && connection_ == nullptr) continue;
    return status;
  }
}

absl::Status PostgresAdapter::ApplyInTransactionLocked(absl::Span<const v1::ChangeEvent> events) {
  const std::string& schema = options_.schema;
  RETURN_IF_ERROR(connection_->Exec("BEGIN"));
  auto work = [&]() -> absl::Status {
    std::vector<std::string> ids;
    ids.reserve(events.size());
    for (const auto& event : events) ids.push_back(event.event_id());
    ASSIGN_OR_RETURN(PgResult applied,
                     connection_->Query(absl::StrCat("SELECT event_id FROM ", schema,
                                                     ".applied_events WHERE event_id = ANY($1::text[])"),
                                        {PgTextArray(ids)}));
    absl::flat_hash_set<std::string> already;
    for (int r = 0; r < applied.rows(); ++r) already.insert(applied.Get(r, 0));

    SectorRows rows;
    std::vector<PgParam> applied_params;
    size_t fresh = 0;
    for (const auto& event : events) {
      if (!already.insert(event.event_id()).second) continue;  // applied before, or twice here
      RETURN_IF_ERROR(AppendSectorRows(event, &rows));
      applied_params.insert(applied_params.end(),
                            {event.event_id(), event.cursor(),
                             std::string(RecordTypeName(event.key().type())),
                             event.key().key()});
      ++fresh;
    }
    if (fresh == 0) return absl::OkStatus();
    for (int t = 0; t < kSectorTableCount; ++t) {
      const auto id = static_cast<SectorTableId>(t);
      const SectorTable& table = SectorTableOf(id);
      std::vector<SectorRow> table_rows = LastPerKey(std::move(rows[t]), table.key.size());
      const size_t per_statement = MaxRowsPerStatement(id);
      for (size_t begin = 0; begin < table_rows.size(); begin += per_statement) {
        const size_t end = std::min(table_rows.size(), begin + per_statement);
        std::vector<PgParam> params;
        params.reserve((end - begin) * table.columns.size());
        for (size_t r = begin; r < end; ++r) {
          params.insert(params.end(), table_rows[r].begin(), table_rows[r].end());
        }
        RETURN_IF_ERROR(
            connection_->Query(SectorInsertSql(schema, id, end - begin, /*upsert=*/true), params)
                .status());
      }
    }
    std::string insert_applied = absl::StrCat(
        "INSERT INTO ", schema, ".applied_events (event_id, change_cursor, record_type, "
        "record_key) VALUES ");
    for (size_t i = 0; i < fresh; ++i) {
      absl::StrAppend(&insert_applied, i == 0 ? "" : ", ", "($", 4 * i + 1, ", $", 4 * i + 2,
                      ", $", 4 * i + 3, ", $", 4 * i + 4, ")");
    }
    return connection_->Query(insert_applied, applied_params).status();
  };
  absl::Status status = work();
  if (status.ok()) return connection_->Exec("COMMIT");
  // The connection stays usable after a refused statement; a broken one is dropped by Apply.
  if (connection_->healthy()) (void)connection_->Exec("ROLLBACK");
  return status;
}

}  // namespace lienthong::adapters::postgres

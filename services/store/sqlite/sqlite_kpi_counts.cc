// KPI counts on SQLite: one row per (grain, bucket, agency, procedure), added to in the dossier's
// write transaction.
#include "services/store/sqlite/sqlite_kpi_counts.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lienthong/v1/dossier.pb.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lienthong::store::sqlite {

const char kKpiCountsMigration[] = R"sql(
ALTER TABLE dossiers ADD COLUMN kpi_flags INTEGER NOT NULL DEFAULT 0;
CREATE TABLE kpi_counts (
  grain INTEGER NOT NULL,                -- 0 local day, 1 local month (store/kpi_counts.h)
  bucket INTEGER NOT NULL,
  agency TEXT NOT NULL,                  -- receiving agency
  procedure_code TEXT NOT NULL,
  received INTEGER NOT NULL,
  received_online INTEGER NOT NULL,
  received_or_returned_postal INTEGER NOT NULL,
  finished INTEGER NOT NULL,
  finished_early INTEGER NOT NULL,
  finished_on_time INTEGER NOT NULL,
  finished_late INTEGER NOT NULL,
  overdue_in_process INTEGER NOT NULL,   -- day: edges of closed spans; month: their coverage
  digitised INTEGER NOT NULL,
  carrying_fees INTEGER NOT NULL,
  paid_online INTEGER NOT NULL,
  finished_with_result INTEGER NOT NULL,
  electronic_results INTEGER NOT NULL,
  reused_data INTEGER NOT NULL,
  received_offered_online INTEGER NOT NULL,
  received_online_of_offered INTEGER NOT NULL,
  PRIMARY KEY (grain, bucket, agency, procedure_code)
) WITHOUT ROWID;
-- Every (agency, procedure) pair with a dossier, and its earliest received_at.
CREATE TABLE kpi_keys (
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  first_received_at INTEGER NOT NULL,
  PRIMARY KEY (agency, procedure_code)
) WITHOUT ROWID;
CREATE INDEX dossiers_finished_before_received ON dossiers(finished_at)
  WHERE finished_at < received_at;
)sql";

const char kKpiCountsRebuildMigration[] = R"sql(
ALTER TABLE kpi_counts ADD COLUMN inter_agency INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_counts ADD COLUMN exchanged_electronically INTEGER NOT NULL DEFAULT 0;
DELETE FROM kpi_counts;
DELETE FROM kpi_keys;
-- Covers CountInProcessOverdue (status too: a column the query names that the index lacks
-- would send each entry to the table).
CREATE INDEX dossiers_in_process_kpi ON dossiers(due_at, received_at, receiving_agency,
  procedure_code, status) WHERE status IN (2, 4);
)sql";

namespace {

constexpr char kKpiRowColumns[] =
    "code, receiving_agency, procedure_code, status, channel, result_delivery, paid_online, "
    "digitised, received_at, due_at, finished_at, kpi_flags";

DossierRow ReadKpiRow(const Statement& s) {
  DossierRow row;
  row.code = s.Text(0);
  row.receiving_agency = s.Text(1);
  row.procedure_code = s.Text(2);
  row.status = static_cast<int>(s.Int(3));
  row.channel = static_cast<int>(s.Int(4));
  row.result_delivery = static_cast<int>(s.Int(5));
  row.paid_online = s.Int(6) != 0;
  row.digitised = s.Int(7) != 0;
  row.received_at = s.Time(8);
  row.due_at = s.OptionalTime(9);
  row.finished_at = s.OptionalTime(10);
  row.kpi_flags = static_cast<int>(s.Int(11));
  return row;
}

// Steps `s` to its end, `fn` on each row; reset after.
absl::Status EachRow(Statement* s, const std::function<void(const Statement&)>& fn) {
  for (;;) {
    auto has_row = s->Step();
    if (!has_row.ok()) {
      s->Reset();
      return has_row.status();
    }
    if (!*has_row) break;
    fn(*s);
  }
  s->Reset();
  return absl::OkStatus();
}

absl::Status ForEachRow(Statement* s, const std::function<void(const DossierRow&)>& fn) {
  return EachRow(s, [&](const Statement& row) { fn(ReadKpiRow(row)); });
}

// "AND (?a = '' OR receiving_agency = ?a) AND (?p = '' OR procedure_code = ?p)"
std::string Filters(const char* agency_column, int agency_param, int procedure_param) {
  return absl::StrCat(" AND (?", agency_param, " = '' OR ", agency_column, " = ?", agency_param,
                      ") AND (?", procedure_param, " = '' OR procedure_code = ?", procedure_param,
                      ")");
}

}  // namespace

absl::Status ApplyKpiDeltas(Connection& db, const KpiDeltas& deltas) {
  static const std::string sql = [] {
    std::vector<std::string> names, params, sets;
    for (int i = 0; i < kKpiCountColumnCount; ++i) {
      names.push_back(kKpiCountColumns[i]);
      params.push_back(absl::StrCat("?", i + 5));
      sets.push_back(absl::StrCat(kKpiCountColumns[i], " = ", kKpiCountColumns[i], " + excluded.",
                                  kKpiCountColumns[i]));
    }
    return absl::StrCat("INSERT INTO kpi_counts (grain, bucket, agency, procedure_code, ",
                        absl::StrJoin(names, ", "), ") VALUES (?1, ?2, ?3, ?4, ",
                        absl::StrJoin(params, ", "),
                        ") ON CONFLICT (grain, bucket, agency, procedure_code) DO UPDATE SET ",
                        absl::StrJoin(sets, ", "));
  }();
  for (const auto& [key, counts] : deltas) {
    ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
    s->Bind(1, int64_t{static_cast<int>(key.grain)})
        .Bind(2, key.bucket)
        .Bind(3, key.agency)
        .Bind(4, key.procedure_code);
    int64_t values[kKpiCountColumnCount];
    KpiCountersToArray(counts, values);
    for (int i = 0; i < kKpiCountColumnCount; ++i) s->Bind(i + 5, values[i]);
    RETURN_IF_ERROR(s->Run());
  }
  return absl::OkStatus();
}

namespace {
absl::Status LowerFirstReceived(Connection& db, const KpiPair& pair, absl::Time received_at) {
  ASSIGN_OR_RETURN(Statement * s,
                   db.Prepare("INSERT INTO kpi_keys (agency, procedure_code, first_received_at) "
                              "VALUES (?1, ?2, ?3) ON CONFLICT (agency, procedure_code) DO UPDATE "
                              "SET first_received_at = MIN(first_received_at, ?3)"));
  s->Bind(1, pair.first).Bind(2, pair.second).Bind(3, received_at);
  return s->Run();
}
}  // namespace

absl::Status ApplyKpiWrite(Connection& db, const KpiWrite& write) {
  RETURN_IF_ERROR(ApplyKpiDeltas(db, write.deltas));
  RETURN_IF_ERROR(LowerFirstReceived(db, write.first_received.first, write.first_received.second));
  if (!write.recompute.has_value()) return absl::OkStatus();
  // Only a writer that moves a dossier to another pair or receipt time comes here (the
  // register never does): one look at the dossiers.
  ASSIGN_OR_RETURN(Statement * remove,
                   db.Prepare("DELETE FROM kpi_keys WHERE agency = ?1 AND procedure_code = ?2"));
  remove->Bind(1, write.recompute->first).Bind(2, write.recompute->second);
  RETURN_IF_ERROR(remove->Run());
  ASSIGN_OR_RETURN(
      Statement * insert,
      db.Prepare("INSERT INTO kpi_keys (agency, procedure_code, first_received_at) "
                 "SELECT receiving_agency, procedure_code, MIN(received_at) FROM dossiers "
                 "WHERE receiving_agency = ?1 AND procedure_code = ?2 "
                 "GROUP BY receiving_agency, procedure_code"));
  insert->Bind(1, write.recompute->first).Bind(2, write.recompute->second);
  return insert->Run();
}

absl::Status BackfillKpiCounts(Connection& db) {
  static const std::string select =
      absl::StrCat("SELECT ", kKpiRowColumns, ", id, payload FROM dossiers ORDER BY id");
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(select.c_str()));
  KpiDeltas deltas;
  absl::flat_hash_map<KpiPair, absl::Time> firsts;
  std::vector<std::pair<int64_t, int>> flags;  // (id, kpi_flags) of the rows with facts
  RETURN_IF_ERROR(EachRow(s, [&](const Statement& r) {
    DossierRow row = ReadKpiRow(r);
    const int stored_flags = row.kpi_flags;
    v1::Dossier dossier;
    row.kpi_flags = 0;  // computed here from the payload
    if (dossier.ParseFromString(r.Blob(13))) {
      row.kpi_flags = DossierKpiFlagsOf(dossier);
    } else {
      // GetDossierStats refuses with DATA_LOSS while the scan meets it; the counts take it
      // without the payload's facts rather than keep the gateway from starting.
      LogLine(LogLevel::kWarning, "stored dossier is corrupt: KPI counts without its payload facts")
          .Str("code", row.code);
    }
    if (row.kpi_flags != stored_flags) flags.emplace_back(r.Int(12), row.kpi_flags);
    AddKpiContribution(row, +1, &deltas);
    auto [first, added] =
        firsts.try_emplace(KpiPair{row.receiving_agency, row.procedure_code}, row.received_at);
    if (!added) first->second = std::min(first->second, row.received_at);
  }));
  for (const auto& [id, value] : flags) {
    ASSIGN_OR_RETURN(Statement * u, db.Prepare("UPDATE dossiers SET kpi_flags = ?1 WHERE id = ?2"));
    u->Bind(1, int64_t{value}).Bind(2, id);
    RETURN_IF_ERROR(u->Run());
  }
  for (const auto& [pair, first] : firsts) RETURN_IF_ERROR(LowerFirstReceived(db, pair, first));
  return ApplyKpiDeltas(db, deltas);
}

absl::Status SumKpiBuckets(Connection& db, KpiGrain grain, int64_t from, int64_t to,
                           const std::string& agency, const std::string& procedure_code,
                           KpiSumsByKey* sums) {
  // Summed here rather than by GROUP BY, which would sort: the rows come in bucket order.
  static const std::string sql =
      absl::StrCat("SELECT agency, procedure_code, ", absl::StrJoin(kKpiCountColumns, ", "),
                   " FROM kpi_counts WHERE grain = ?1 AND bucket >= ?2 AND bucket < ?3",
                   Filters("agency", 4, 5));
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
  s->Bind(1, int64_t{static_cast<int>(grain)})
      .Bind(2, from)
      .Bind(3, to)
      .Bind(4, agency)
      .Bind(5, procedure_code);
  KpiPair pair;
  domain::KpiCounters* slot = nullptr;
  return EachRow(s, [&](const Statement& r) {
    std::string row_agency = r.Text(0), row_procedure = r.Text(1);
    if (slot == nullptr || row_agency != pair.first || row_procedure != pair.second) {
      pair = {std::move(row_agency), std::move(row_procedure)};
      slot = &(*sums)[pair];
    }
    int64_t values[kKpiCountColumnCount];
    for (int i = 0; i < kKpiCountColumnCount; ++i) values[i] = r.Int(i + 2);
    domain::KpiCounters counts;
    KpiCountersFromArray(values, &counts);
    *slot += counts;
  });
}

absl::Status ListKpiPairs(Connection& db, absl::Time before, const std::string& agency,
                          const std::string& procedure_code,
                          const std::function<void(const KpiPair&)>& fn) {
  static const std::string sql =
      absl::StrCat("SELECT agency, procedure_code FROM kpi_keys WHERE first_received_at < ?1",
                   Filters("agency", 2, 3));
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
  s->Bind(1, before).Bind(2, agency).Bind(3, procedure_code);
  return EachRow(s, [&](const Statement& r) { fn(KpiPair{r.Text(0), r.Text(1)}); });
}

absl::Status CountInProcessOverdue(Connection& db, absl::Time as_of, const std::string& agency,
                                   const std::string& procedure_code, KpiCountsByKey* counts) {
  // Answered from the index dossiers_in_process_kpi alone (it covers every column named here),
  // counted here rather than by GROUP BY, which would sort the rows (in due_at order) by pair
  // first: a third of the time for a backlog of tens of thousands.
  static const std::string sql = absl::StrCat(
      "SELECT receiving_agency, procedure_code FROM dossiers "
      "WHERE status IN (2, 4) AND due_at < ?1 AND received_at < ?1",
      Filters("receiving_agency", 2, 3));
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
  s->Bind(1, as_of).Bind(2, agency).Bind(3, procedure_code);
  absl::flat_hash_map<KpiPair, int64_t> overdue;
  RETURN_IF_ERROR(EachRow(s, [&](const Statement& r) { ++overdue[KpiPair{r.Text(0), r.Text(1)}]; }));
  for (const auto& [pair, count] : overdue) (*counts)[pair].overdue_in_process += count;
  return absl::OkStatus();
}

absl::Status ScanKpiChangesSince(Connection& db, absl::Time since, const std::string& agency,
                                 const std::string& procedure_code,
                                 const std::function<void(const DossierRow&)>& fn) {
  // Two index ranges (received, finished), not one OR; the second leaves out what the first
  // read (received_at >= since), so no row comes twice and no UNION sorts the rows to find out.
  static const std::string received_sql = absl::StrCat(
      "SELECT ", kKpiRowColumns, " FROM dossiers WHERE received_at >= ?1",
      Filters("receiving_agency", 2, 3));
  static const std::string finished_sql = absl::StrCat(
      "SELECT ", kKpiRowColumns, " FROM dossiers WHERE finished_at >= ?1 AND received_at < ?1",
      Filters("receiving_agency", 2, 3));
  for (const std::string* sql : {&received_sql, &finished_sql}) {
    ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql->c_str()));
    s->Bind(1, since).Bind(2, agency).Bind(3, procedure_code);
    RETURN_IF_ERROR(ForEachRow(s, fn));
  }
  return absl::OkStatus();
}

absl::Status ScanFinishedBeforeReceived(Connection& db, absl::Time from, absl::Time to,
                                        const std::string& agency,
                                        const std::string& procedure_code,
                                        const std::function<void(const DossierRow&)>& fn) {
  static const std::string sql = absl::StrCat("SELECT ", kKpiRowColumns,
                                              " FROM dossiers WHERE finished_at < received_at "
                                              "AND finished_at >= ?1 AND finished_at < ?2",
                                              Filters("receiving_agency", 3, 4));
  ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql.c_str()));
  s->Bind(1, from).Bind(2, to).Bind(3, agency).Bind(4, procedure_code);
  return ForEachRow(s, fn);
}

}  // namespace lienthong::store::sqlite

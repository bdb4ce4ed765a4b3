// KPI counts on PostgreSQL: one row per (grain, bucket, agency, procedure), added to in the
// dossier's write transaction.
#include "services/store/postgres/postgres_kpi_counts.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lienthong/v1/dossier.pb.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lienthong::store::postgres {

const char kPgKpiCountsMigration[] = R"sql(
ALTER TABLE dossiers ADD COLUMN kpi_flags integer NOT NULL DEFAULT 0;
CREATE TABLE kpi_counts (
  grain integer NOT NULL,                -- 0 local day, 1 local month (store/kpi_counts.h)
  bucket bigint NOT NULL,
  agency text NOT NULL,                  -- receiving agency
  procedure_code text NOT NULL,
  received bigint NOT NULL,
  received_online bigint NOT NULL,
  received_or_returned_postal bigint NOT NULL,
  finished bigint NOT NULL,
  finished_early bigint NOT NULL,
  finished_on_time bigint NOT NULL,
  finished_late bigint NOT NULL,
  overdue_in_process bigint NOT NULL,    -- day: edges of closed spans; month: their coverage
  digitised bigint NOT NULL,
  carrying_fees bigint NOT NULL,
  paid_online bigint NOT NULL,
  finished_with_result bigint NOT NULL,
  electronic_results bigint NOT NULL,
  reused_data bigint NOT NULL,
  received_offered_online bigint NOT NULL,
  received_online_of_offered bigint NOT NULL,
  PRIMARY KEY (grain, bucket, agency, procedure_code)
);
-- Every (agency, procedure) pair with a dossier, and its earliest received_at.
CREATE TABLE kpi_keys (
  agency text NOT NULL,
  procedure_code text NOT NULL,
  first_received_at bigint NOT NULL,
  PRIMARY KEY (agency, procedure_code)
);
CREATE INDEX dossiers_finished_before_received ON dossiers(finished_at)
  WHERE finished_at < received_at;
)sql";

const char kPgKpiCountsRebuildMigration[] = R"sql(
ALTER TABLE kpi_counts ADD COLUMN inter_agency bigint NOT NULL DEFAULT 0;
ALTER TABLE kpi_counts ADD COLUMN exchanged_electronically bigint NOT NULL DEFAULT 0;
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

DossierRow ReadKpiRow(const pg::PgResult& r, int i) {
  DossierRow row;
  row.code = r.Get(i, 0);
  row.receiving_agency = r.Get(i, 1);
  row.procedure_code = r.Get(i, 2);
  row.status = static_cast<int>(r.Int(i, 3));
  row.channel = static_cast<int>(r.Int(i, 4));
  row.result_delivery = static_cast<int>(r.Int(i, 5));
  row.paid_online = r.Int(i, 6) != 0;
  row.digitised = r.Int(i, 7) != 0;
  row.received_at = r.Time(i, 8);
  row.due_at = r.OptionalTime(i, 9);
  row.finished_at = r.OptionalTime(i, 10);
  row.kpi_flags = static_cast<int>(r.Int(i, 11));
  return row;
}

std::string Filters(const char* agency_column, int agency_param, int procedure_param) {
  return absl::StrCat(" AND ($", agency_param, " = '' OR ", agency_column, " = $", agency_param,
                      ") AND ($", procedure_param, " = '' OR procedure_code = $", procedure_param,
                      ")");
}

}  // namespace

const std::string& KpiUpsertSql() {
  static const std::string sql = [] {
    std::vector<std::string> names, params, sets;
    for (int i = 0; i < kKpiCountColumnCount; ++i) {
      names.push_back(kKpiCountColumns[i]);
      params.push_back(absl::StrCat("$", i + 5));
      sets.push_back(absl::StrCat(kKpiCountColumns[i], " = kpi_counts.", kKpiCountColumns[i],
                                  " + excluded.", kKpiCountColumns[i]));
    }
    return absl::StrCat("INSERT INTO kpi_counts (grain, bucket, agency, procedure_code, ",
                        absl::StrJoin(names, ", "), ") VALUES ($1, $2, $3, $4, ",
                        absl::StrJoin(params, ", "),
                        ") ON CONFLICT (grain, bucket, agency, procedure_code) DO UPDATE SET ",
                        absl::StrJoin(sets, ", "));
  }();
  return sql;
}

pg::PgArgs KpiUpsertArgs(const KpiBucketKey& key, const domain::KpiCounters& delta) {
  pg::PgArgs args;
  args.Int(static_cast<int>(key.grain)).Int(key.bucket).Text(key.agency).Text(key.procedure_code);
  int64_t values[kKpiCountColumnCount];
  KpiCountersToArray(delta, values);
  for (int64_t v : values) args.Int(v);
  return args;
}

absl::Status BackfillPgKpiCounts(pg::PgConnection& db) {
  static const std::string select =
      absl::StrCat("SELECT ", kKpiRowColumns,
                   ", payload FROM dossiers WHERE code > $1 ORDER BY code LIMIT 2000");
  KpiDeltas deltas;
  absl::flat_hash_map<KpiPair, absl::Time> firsts;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(pg::PgResult r, db.Run(select, pg::PgArgs().Text(after)));
    for (int i = 0; i < r.rows(); ++i) {
      DossierRow row = ReadKpiRow(r, i);
      const int stored_flags = row.kpi_flags;
      row.kpi_flags = 0;  // computed here from the payload
      v1::Dossier dossier;
      if (dossier.ParseFromString(r.Bytes(i, 12))) {
        row.kpi_flags = DossierKpiFlagsOf(dossier);
      } else {
        // As on SQLite (sqlite_kpi_counts.cc): counted without the payload's facts.
        LogLine(LogLevel::kWarning,
                "stored dossier is corrupt: KPI counts without its payload facts")
            .Str("code", row.code);
      }
      if (row.kpi_flags != stored_flags) {
        RETURN_IF_ERROR(db.Run("UPDATE dossiers SET kpi_flags = $1 WHERE code = $2",
                               pg::PgArgs().Int(row.kpi_flags).Text(row.code))
                            .status());
      }
      AddKpiContribution(row, +1, &deltas);
      auto [first, added] =
          firsts.try_emplace(KpiPair{row.receiving_agency, row.procedure_code}, row.received_at);
      if (!added) first->second = std::min(first->second, row.received_at);
      after = row.code;
    }
    if (r.rows() < 2000) break;
  }
  for (const auto& [pair, first] : firsts) {
    RETURN_IF_ERROR(db.Run(LowerFirstReceivedSql(), LowerFirstReceivedArgs(pair, first)).status());
  }
  for (const auto& [key, delta] : deltas) {
    RETURN_IF_ERROR(db.Run(KpiUpsertSql(), KpiUpsertArgs(key, delta)).status());
  }
  return absl::OkStatus();
}

const std::string& LowerFirstReceivedSql() {
  static const std::string sql =
      "INSERT INTO kpi_keys (agency, procedure_code, first_received_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (agency, procedure_code) DO UPDATE SET first_received_at = "
      "LEAST(kpi_keys.first_received_at, excluded.first_received_at)";
  return sql;
}

pg::PgArgs LowerFirstReceivedArgs(const KpiPair& pair, absl::Time received_at) {
  pg::PgArgs args;
  args.Text(pair.first).Text(pair.second).Time(received_at);
  return args;
}

const std::string& ForgetPairSql() {
  static const std::string sql = "DELETE FROM kpi_keys WHERE agency = $1 AND procedure_code = $2";
  return sql;
}

const std::string& RecomputeFirstReceivedSql() {
  static const std::string sql =
      "INSERT INTO kpi_keys (agency, procedure_code, first_received_at) "
      "SELECT receiving_agency, procedure_code, MIN(received_at) FROM dossiers "
      "WHERE receiving_agency = $1 AND procedure_code = $2 "
      "GROUP BY receiving_agency, procedure_code";
  return sql;
}

const std::string& KpiSumSql() {
  // Summed by the caller rather than by GROUP BY: rows in bucket order.
  static const std::string sql =
      absl::StrCat("SELECT agency, procedure_code, ", absl::StrJoin(kKpiCountColumns, ", "),
                   " FROM kpi_counts WHERE grain = $1 AND bucket >= $2 AND bucket < $3",
                   Filters("agency", 4, 5));
  return sql;
}

void ReadKpiSums(const pg::PgResult& r, KpiSumsByKey* sums) {
  for (int i = 0; i < r.rows(); ++i) {
    int64_t values[kKpiCountColumnCount];
    for (int c = 0; c < kKpiCountColumnCount; ++c) values[c] = r.Int(i, c + 2);
    domain::KpiCounters counts;
    KpiCountersFromArray(values, &counts);
    (*sums)[{r.Get(i, 0), r.Get(i, 1)}] += counts;
  }
}

const std::string& KpiPairsSql() {
  static const std::string sql =
      absl::StrCat("SELECT agency, procedure_code FROM kpi_keys WHERE first_received_at < $1",
                   Filters("agency", 2, 3));
  return sql;
}

const std::string& InProcessOverdueCountSql() {
  // An index-only scan of dossiers_in_process_kpi.
  static const std::string sql = absl::StrCat(
      "SELECT receiving_agency, procedure_code, count(*) FROM dossiers "
      "WHERE status IN (2, 4) AND due_at < $1 AND received_at < $1",
      Filters("receiving_agency", 2, 3), " GROUP BY receiving_agency, procedure_code");
  return sql;
}

const std::string& KpiChangesSinceSql() {
  static const std::string sql = absl::StrCat(
      "SELECT ", kKpiRowColumns, " FROM dossiers WHERE received_at >= $1",
      Filters("receiving_agency", 2, 3), " UNION SELECT ", kKpiRowColumns,
      " FROM dossiers WHERE finished_at >= $1", Filters("receiving_agency", 2, 3));
  return sql;
}

const std::string& FinishedBeforeReceivedSql() {
  static const std::string sql = absl::StrCat("SELECT ", kKpiRowColumns,
                                              " FROM dossiers WHERE finished_at < received_at "
                                              "AND finished_at >= $1 AND finished_at < $2",
                                              Filters("receiving_agency", 3, 4));
  return sql;
}

void ReadKpiRows(const pg::PgResult& r, const std::function<void(const DossierRow&)>& fn) {
  for (int i = 0; i < r.rows(); ++i) fn(ReadKpiRow(r, i));
}

}  // namespace lienthong::store::postgres

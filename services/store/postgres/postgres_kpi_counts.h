// The PostgreSQL side of the KPI counts (store/kpi_counts.h): the kpi_counts table, the
// statement that adds a delta to a bucket row, its sums, and the migration that creates and
// backfills it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/postgres/pg_connection.h"
#include "services/store/kpi_counts.h"

namespace lienthong::store::postgres {

// The migration's SQL (schema 3): dossiers.kpi_flags, the kpi_counts and kpi_keys tables, and an
// index of the dossiers finished before they were received. The tables are filled by the next one.
extern const char kPgKpiCountsMigration[];
// Schema 4: the electronic-exchange counters added, and the counts emptied for
// BackfillPgKpiCounts to fill again from every dossier in the same transaction.
extern const char kPgKpiCountsRebuildMigration[];
// Fills kpi_flags from each dossier's payload and kpi_counts and kpi_keys (empty before) from
// every dossier.
absl::Status BackfillPgKpiCounts(pg::PgConnection& db);

// The upsert adding one bucket's delta ($1 grain, $2 bucket, $3 agency, $4 procedure, then the
// kKpiCountColumns), and its arguments.
const std::string& KpiUpsertSql();
pg::PgArgs KpiUpsertArgs(const KpiBucketKey& key, const domain::KpiCounters& delta);
// Lowers a pair's earliest received_at ($1 agency, $2 procedure, $3 received_at).
const std::string& LowerFirstReceivedSql();
pg::PgArgs LowerFirstReceivedArgs(const KpiPair& pair, absl::Time received_at);
// Recomputes a pair's earliest received_at from the dossiers ($1 agency, $2 procedure): the
// first statement forgets the pair, the second inserts it again when it still has a dossier.
const std::string& ForgetPairSql();
const std::string& RecomputeFirstReceivedSql();

// KpiCountReads' statements, with their arguments, and the reading of their rows.
const std::string& KpiSumSql();  // $1 grain, $2 from, $3 to, $4 agency, $5 procedure
void ReadKpiSums(const pg::PgResult& r, KpiSumsByKey* sums);
const std::string& KpiPairsSql();                // $1 before, $2 agency, $3 procedure
// Per (agency, procedure): the dossiers in 2 or 4 overdue as of $1 ($2 agency, $3 procedure).
const std::string& InProcessOverdueCountSql();
const std::string& KpiChangesSinceSql();         // $1 since, $2 agency, $3 procedure
const std::string& FinishedBeforeReceivedSql();  // $1 from, $2 to, $3 agency, $4 procedure
void ReadKpiRows(const pg::PgResult& r, const std::function<void(const DossierRow&)>& fn);

}  // namespace lienthong::store::postgres

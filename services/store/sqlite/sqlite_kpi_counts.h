// The SQLite side of the KPI counts (store/kpi_counts.h): the kpi_counts table, its upkeep in
// the write transaction, its sums, and the migration that creates and backfills it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/store/kpi_counts.h"
#include "services/store/sqlite/sqlite_db.h"

namespace lienthong::store::sqlite {

// The migration's SQL (schema 4): dossiers.kpi_flags, the kpi_counts and kpi_keys tables, and an
// index of the dossiers finished before they were received. The tables are filled by the next one.
extern const char kKpiCountsMigration[];
// Schema 5: the electronic-exchange counters added, and the counts emptied for
// BackfillKpiCounts to fill again from every dossier in the same transaction. A later migration
// that adds counters does the same.
extern const char kKpiCountsRebuildMigration[];
// Fills kpi_flags from each dossier's payload and kpi_counts and kpi_keys (empty before) from
// every dossier.
absl::Status BackfillKpiCounts(Connection& db);

// Adds the deltas to their bucket rows.
absl::Status ApplyKpiDeltas(Connection& db, const KpiDeltas& deltas);
// Applies what PlanKpiWrite planned (after the dossier row is written).
absl::Status ApplyKpiWrite(Connection& db, const KpiWrite& write);

// KpiCountReads on one connection.
absl::Status SumKpiBuckets(Connection& db, KpiGrain grain, int64_t from, int64_t to,
                           const std::string& agency, const std::string& procedure_code,
                           KpiSumsByKey* sums);
absl::Status ListKpiPairs(Connection& db, absl::Time before, const std::string& agency,
                          const std::string& procedure_code,
                          const std::function<void(const KpiPair&)>& fn);
absl::Status CountInProcessOverdue(Connection& db, absl::Time as_of, const std::string& agency,
                                   const std::string& procedure_code, KpiCountsByKey* counts);
absl::Status ScanKpiChangesSince(Connection& db, absl::Time since, const std::string& agency,
                                 const std::string& procedure_code,
                                 const std::function<void(const DossierRow&)>& fn);
absl::Status ScanFinishedBeforeReceived(Connection& db, absl::Time from, absl::Time to,
                                        const std::string& agency,
                                        const std::string& procedure_code,
                                        const std::function<void(const DossierRow&)>& fn);

}  // namespace lienthong::store::sqlite

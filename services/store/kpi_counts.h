// KPI counts kept beside the dossiers (docs/architecture.md, "KPI counts"): what each dossier
// contributes to GetDossierStats, summed per (local day or month, receiving agency, procedure)
// in the same transaction as the dossier, so that a period whose bounds are local (UTC+7)
// midnights is answered from a few hundred sums instead of a scan of every dossier.
//
// A dossier contributes, in the day and the month buckets:
//   - ReceivedKpis (domain/kpi.h) at the buckets of received_at;
//   - FinishedKpis at the buckets of finished_at (a dossier finished on an earlier local day than
//     it was received is left out: ReadKpiCounts reads those few from the dossiers, since the
//     statistics count only dossiers received before the period's end);
//   - when its OverdueSpan is closed (it is finished, late), in overdue_in_process: +1 at the
//     day bucket of the span's start and -1 at the day bucket of its end, and +1 at every month
//     bucket whose first midnight the span covers. So the dossiers of closed spans overdue as of
//     a local midnight M are the month bucket of M plus the day buckets of M's month before M.
//     Open spans (in 2 or 4 now) are few and read from the dossiers by index;
//   - its (agency, procedure) pair in kpi_keys with the earliest received_at of the pair: the
//     statistics list a pair (with zeros) when it has a dossier received before the period's end.
// A write subtracts the dossier's old contribution and adds the new one (PlanKpiWrite).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/v1/dossier.pb.h"
#include "services/domain/kpi.h"
#include "services/store/dossier_reads.h"

namespace lienthong::store {

// DossierRow::kpi_flags: the facts the indicators need that only the payload holds.
inline constexpr int kKpiCarriesFees = 1;       // a fee of more than 0 đồng
inline constexpr int kKpiElectronicResult = 2;  // a Result.electronic
inline constexpr int kKpiReusedData = 4;        // an Attachment.reused
inline constexpr int kKpiOfferedOnline = 8;     // online level partial or end to end
inline constexpr int kKpiHandedBetweenUnits = 16;  // a step from one unit to a different one
inline constexpr int kKpiPaperTransfer = 32;       // a ProcessingStep.paper_transfer
int DossierKpiFlagsOf(const v1::Dossier& dossier);
// Sets the facts that kpi_flags holds (carries_fees ... paper_transfer).
void ApplyKpiFlags(int kpi_flags, domain::DossierKpiFacts* facts);

// The dossier's KPI facts from its columns and kpi_flags.
domain::DossierKpiFacts KpiFactsOfRow(const DossierRow& row);

enum class KpiGrain : int { kDay = 0, kMonth = 1 };
// Day buckets count local (UTC+7) days since 1970-01-01; month buckets year * 12 + month - 1.
int64_t KpiBucketOf(KpiGrain grain, absl::Time t);
// The local midnight a day bucket starts at.
absl::Time KpiDayStart(int64_t day);
// Whether t is a local midnight.
bool IsLocalMidnight(absl::Time t);

struct KpiBucketKey {
  KpiGrain grain = KpiGrain::kDay;
  int64_t bucket = 0;
  std::string agency;  // receiving agency
  std::string procedure_code;

  friend bool operator<(const KpiBucketKey& a, const KpiBucketKey& b) {
    return std::tie(a.grain, a.bucket, a.agency, a.procedure_code) <
           std::tie(b.grain, b.bucket, b.agency, b.procedure_code);
  }
};
// What a bucket holds: the counters (overdue_in_process: edges or coverage, see above).
using KpiDeltas = absl::btree_map<KpiBucketKey, domain::KpiCounters>;  // in bucket order

// A bucket's values as an array in the store's column order (kKpiCountColumns), and back.
inline constexpr int kKpiCountColumnCount = 18;
extern const char* const kKpiCountColumns[kKpiCountColumnCount];
void KpiCountersToArray(const domain::KpiCounters& c, int64_t out[kKpiCountColumnCount]);
void KpiCountersFromArray(const int64_t in[kKpiCountColumnCount], domain::KpiCounters* c);
bool IsZero(const domain::KpiCounters& c);

// Adds `sign` (+1 or -1) times the row's contribution to `deltas`; entries that cancel out are
// removed.
void AddKpiContribution(const DossierRow& row, int sign, KpiDeltas* deltas);

using KpiPair = std::pair<std::string, std::string>;  // (receiving agency, procedure)

// What PutDossier does to the counts when `row` replaces `stored` (none: a new dossier), in the
// same transaction: add `deltas` to their buckets (in this order: several writers touch bucket
// rows in one order), lower the pair's earliest received_at to the row's (`first_received`),
// and, when the dossier left a pair or was received later than before, recompute that pair's
// earliest received_at from the dossiers once the row is written (`recompute`).
struct KpiWrite {
  KpiDeltas deltas;
  std::pair<KpiPair, absl::Time> first_received;
  std::optional<KpiPair> recompute;
};
KpiWrite PlanKpiWrite(const std::optional<DossierRow>& stored, const DossierRow& row);

// (receiving agency, procedure) -> counters.
using KpiCountsByKey = absl::flat_hash_map<KpiPair, domain::KpiCounters>;
using KpiSumsByKey = KpiCountsByKey;

// What an engine reads for ReadKpiCounts.
class KpiCountReads {
 public:
  virtual ~KpiCountReads() = default;
  // Adds the buckets of `grain` in [from, to) to `sums`, per pair; an empty agency or
  // procedure_code means any.
  virtual absl::Status SumKpiBuckets(KpiGrain grain, int64_t from, int64_t to,
                                     const std::string& agency, const std::string& procedure_code,
                                     KpiSumsByKey* sums) = 0;
  // The pairs with a dossier received before `before`.
  virtual absl::Status ListKpiPairs(absl::Time before, const std::string& agency,
                                    const std::string& procedure_code,
                                    const std::function<void(const KpiPair&)>& fn) = 0;
  // Adds to `counts[pair].overdue_in_process` the dossiers in 2 or 4 overdue as of `as_of` (open
  // spans: received_at < as_of and due_at < as_of), counted by the store from a covering index
  // rather than read one by one (a backlog of tens of thousands on a store of a million).
  virtual absl::Status CountInProcessOverdue(absl::Time as_of, const std::string& agency,
                                             const std::string& procedure_code,
                                             KpiCountsByKey* counts) = 0;
  // Dossiers (columns only) whose closed overdue span may contain `since` and not a later time
  // of the same day or the other way round: received_at >= since, or finished_at >= since. (The
  // dossiers in 2 or 4, whose spans are open, are CountInProcessOverdue's.)
  virtual absl::Status ScanKpiChangesSince(absl::Time since, const std::string& agency,
                                           const std::string& procedure_code,
                                           const std::function<void(const DossierRow&)>& fn) = 0;
  // Dossiers (columns only) finished before they were received (finished_at < received_at) with
  // finished_at in [from, to).
  virtual absl::Status ScanFinishedBeforeReceived(
      absl::Time from, absl::Time to, const std::string& agency, const std::string& procedure_code,
      const std::function<void(const DossierRow&)>& fn) = 0;
};

// Whether ReadKpiCounts answers for a period: both bounds local midnights, from < to.
bool KpiCountsAnswer(const domain::KpiPeriod& period);

// The counters per (receiving agency, procedure) for `period` as ClassifyDossier summed over
// the dossiers received before period.to would give them (with an entry, zeros or not, for
// every pair that has such a dossier), from the buckets. Requires KpiCountsAnswer(period).
absl::StatusOr<KpiCountsByKey> ReadKpiCounts(KpiCountReads& reads, const domain::KpiPeriod& period,
                                             absl::Time now, const std::string& agency,
                                             const std::string& procedure_code);

}  // namespace lienthong::store

// KPI counts per (day or month, receiving agency, procedure): contributions and their reading.
#include "services/store/kpi_counts.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/time/civil_time.h"
#include "services/common/status_macros.h"
#include "services/domain/working_day_calendar.h"

namespace lienthong::store {
namespace {

constexpr absl::CivilDay kEpochDay(1970, 1, 1);

absl::CivilDay DayOfBucket(int64_t day) { return kEpochDay + day; }

int64_t MonthBucketOf(absl::CivilMonth month) { return month.year() * 12 + month.month() - 1; }

// The first day bucket of a month bucket.
int64_t FirstDayOfMonth(int64_t month) {
  const absl::CivilDay first(month / 12, month % 12 + 1, 1);
  return first - kEpochDay;
}

int64_t MonthOfDay(int64_t day) { return MonthBucketOf(absl::CivilMonth(DayOfBucket(day))); }

domain::KpiCounters Signed(const domain::KpiCounters& counters, int sign) {
  int64_t values[kKpiCountColumnCount];
  KpiCountersToArray(counters, values);
  for (int64_t& v : values) v *= sign;
  domain::KpiCounters out;
  KpiCountersFromArray(values, &out);
  return out;
}

void AddAt(KpiDeltas* deltas, KpiGrain grain, int64_t bucket, const DossierRow& row,
           const domain::KpiCounters& counters) {
  KpiBucketKey key{grain, bucket, row.receiving_agency, row.procedure_code};
  domain::KpiCounters& slot = (*deltas)[key];
  slot += counters;
  if (IsZero(slot)) deltas->erase(key);
}

// At the day and the month buckets of `at`.
void AddDayAndMonth(KpiDeltas* deltas, absl::Time at, const DossierRow& row,
                    const domain::KpiCounters& counters) {
  AddAt(deltas, KpiGrain::kDay, KpiBucketOf(KpiGrain::kDay, at), row, counters);
  AddAt(deltas, KpiGrain::kMonth, KpiBucketOf(KpiGrain::kMonth, at), row, counters);
}

// Finished on an earlier local day than received: left out of the buckets (see the header).
bool FinishedOnAnEarlierDay(const DossierRow& row) {
  return row.finished_at.has_value() && KpiBucketOf(KpiGrain::kDay, *row.finished_at) <
                                            KpiBucketOf(KpiGrain::kDay, row.received_at);
}

// One SumKpiBuckets call, none for an empty range.
absl::Status Sum(KpiCountReads& reads, KpiGrain grain, int64_t from, int64_t to,
                 const std::string& agency, const std::string& procedure, KpiSumsByKey* sums) {
  if (from >= to) return absl::OkStatus();
  return reads.SumKpiBuckets(grain, from, to, agency, procedure, sums);
}

// Sums the buckets of days [from_day, to_day) into `sums`, whole months as month buckets.
absl::Status SumDays(KpiCountReads& reads, int64_t from_day, int64_t to_day,
                     const std::string& agency, const std::string& procedure, KpiSumsByKey* sums) {
  if (from_day >= to_day) return absl::OkStatus();
  const int64_t first_month = MonthOfDay(from_day);
  const int64_t first_full =
      FirstDayOfMonth(first_month) == from_day ? first_month : first_month + 1;
  const int64_t end_month = MonthOfDay(to_day);  // months before it end on or before to_day
  if (first_full >= end_month) {
    return Sum(reads, KpiGrain::kDay, from_day, to_day, agency, procedure, sums);
  }
  RETURN_IF_ERROR(
      Sum(reads, KpiGrain::kDay, from_day, FirstDayOfMonth(first_full), agency, procedure, sums));
  RETURN_IF_ERROR(Sum(reads, KpiGrain::kMonth, first_full, end_month, agency, procedure, sums));
  return Sum(reads, KpiGrain::kDay, FirstDayOfMonth(end_month), to_day, agency, procedure, sums);
}

}  // namespace

const char* const kKpiCountColumns[kKpiCountColumnCount] = {"received",
                                                            "received_online",
                                                            "received_or_returned_postal",
                                                            "finished",
                                                            "finished_early",
                                                            "finished_on_time",
                                                            "finished_late",
                                                            "overdue_in_process",
                                                            "digitised",
                                                            "carrying_fees",
                                                            "paid_online",
                                                            "finished_with_result",
                                                            "electronic_results",
                                                            "reused_data",
                                                            "received_offered_online",
                                                            "received_online_of_offered",
                                                            "inter_agency",
                                                            "exchanged_electronically"};

void KpiCountersToArray(const domain::KpiCounters& c, int64_t out[kKpiCountColumnCount]) {
  const int64_t values[kKpiCountColumnCount] = {c.received,
                                                c.received_online,
                                                c.received_or_returned_postal,
                                                c.finished,
                                                c.finished_early,
                                                c.finished_on_time,
                                                c.finished_late,
                                                c.overdue_in_process,
                                                c.digitised,
                                                c.carrying_fees,
                                                c.paid_online,
                                                c.finished_with_result,
                                                c.electronic_results,
                                                c.reused_data,
                                                c.received_offered_online,
                                                c.received_online_of_offered,
                                                c.inter_agency,
                                                c.exchanged_electronically};
  std::copy(values, values + kKpiCountColumnCount, out);
}

void KpiCountersFromArray(const int64_t in[kKpiCountColumnCount], domain::KpiCounters* c) {
  int64_t* fields[kKpiCountColumnCount] = {&c->received,
                                           &c->received_online,
                                           &c->received_or_returned_postal,
                                           &c->finished,
                                           &c->finished_early,
                                           &c->finished_on_time,
                                           &c->finished_late,
                                           &c->overdue_in_process,
                                           &c->digitised,
                                           &c->carrying_fees,
                                           &c->paid_online,
                                           &c->finished_with_result,
                                           &c->electronic_results,
                                           &c->reused_data,
                                           &c->received_offered_online,
                                           &c->received_online_of_offered,
                                           &c->inter_agency,
                                           &c->exchanged_electronically};
  for (int i = 0; i < kKpiCountColumnCount; ++i) *fields[i] = in[i];
}

bool IsZero(const domain::KpiCounters& c) {
  int64_t values[kKpiCountColumnCount];
  KpiCountersToArray(c, values);
  return std::all_of(values, values + kKpiCountColumnCount, [](int64_t v) { return v == 0; });
}

int DossierKpiFlagsOf(const v1::Dossier& d) {
  int flags = 0;
  for (const auto& fee : d.fees()) {
    if (fee.amount().amount_vnd() > 0) flags |= kKpiCarriesFees;
  }
  for (const auto& result : d.results()) {
    if (result.electronic()) flags |= kKpiElectronicResult;
  }
  for (const auto& attachment : d.attachments()) {
    if (attachment.reused()) flags |= kKpiReusedData;
  }
  if (d.online_level() == v1::ONLINE_LEVEL_PARTIAL ||
      d.online_level() == v1::ONLINE_LEVEL_END_TO_END) {
    flags |= kKpiOfferedOnline;
  }
  for (const auto& step : d.history()) {
    if (step.from_unit().empty() || step.to_unit().empty() || step.from_unit() == step.to_unit()) {
      continue;
    }
    flags |= kKpiHandedBetweenUnits;
    if (step.paper_transfer()) flags |= kKpiPaperTransfer;
  }
  return flags;
}

void ApplyKpiFlags(int kpi_flags, domain::DossierKpiFacts* facts) {
  facts->carries_fees = (kpi_flags & kKpiCarriesFees) != 0;
  facts->has_electronic_result = (kpi_flags & kKpiElectronicResult) != 0;
  facts->reused_data = (kpi_flags & kKpiReusedData) != 0;
  facts->procedure_offered_online = (kpi_flags & kKpiOfferedOnline) != 0;
  facts->handed_between_units = (kpi_flags & kKpiHandedBetweenUnits) != 0;
  facts->paper_transfer = (kpi_flags & kKpiPaperTransfer) != 0;
}

domain::DossierKpiFacts KpiFactsOfRow(const DossierRow& row) {
  domain::DossierKpiFacts facts;
  facts.received_at = row.received_at;
  facts.channel = static_cast<domain::Channel>(row.channel);
  facts.result_returned_by_post = row.result_delivery == v1::RESULT_DELIVERY_POSTAL;
  facts.status = static_cast<domain::DossierStatus>(row.status);
  facts.finished_at = row.finished_at;
  facts.due_at = row.due_at;  // the rule's due time (original_due_at when extended)
  facts.has_digitised_components = row.digitised;
  facts.paid_online = row.paid_online;
  ApplyKpiFlags(row.kpi_flags, &facts);
  return facts;
}

int64_t KpiBucketOf(KpiGrain grain, absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, domain::VietnamTimeZone());
  return grain == KpiGrain::kDay ? day - kEpochDay : MonthBucketOf(absl::CivilMonth(day));
}

absl::Time KpiDayStart(int64_t day) {
  return absl::FromCivil(DayOfBucket(day), domain::VietnamTimeZone());
}

bool IsLocalMidnight(absl::Time t) { return KpiDayStart(KpiBucketOf(KpiGrain::kDay, t)) == t; }

void AddKpiContribution(const DossierRow& row, int sign, KpiDeltas* deltas) {
  const domain::DossierKpiFacts facts = KpiFactsOfRow(row);
  const domain::KpiCounters received = domain::ReceivedKpis(facts);
  if (!IsZero(received)) AddDayAndMonth(deltas, row.received_at, row, Signed(received, sign));
  const domain::KpiCounters finished = domain::FinishedKpis(facts);
  if (!IsZero(finished) && !FinishedOnAnEarlierDay(row)) {
    AddDayAndMonth(deltas, *row.finished_at, row, Signed(finished, sign));
  }
  const std::optional<domain::OverdueSpan> span = domain::OverdueSpanOf(facts);
  if (span.has_value() && span->until.has_value() && span->after < *span->until) {
    const int64_t start = KpiBucketOf(KpiGrain::kDay, span->after);
    const int64_t end = KpiBucketOf(KpiGrain::kDay, *span->until);
    domain::KpiCounters edge;
    edge.overdue_in_process = sign;
    AddAt(deltas, KpiGrain::kDay, start, row, edge);
    edge.overdue_in_process = -sign;
    AddAt(deltas, KpiGrain::kDay, end, row, edge);
    // The months whose first midnight the span covers: first day in (start, end].
    edge.overdue_in_process = sign;
    for (int64_t m = MonthOfDay(start) + 1; m <= MonthOfDay(end); ++m) {
      AddAt(deltas, KpiGrain::kMonth, m, row, edge);
    }
  }
}

KpiWrite PlanKpiWrite(const std::optional<DossierRow>& stored, const DossierRow& row) {
  KpiWrite write;
  const KpiPair pair{row.receiving_agency, row.procedure_code};
  if (stored.has_value()) {
    AddKpiContribution(*stored, -1, &write.deltas);
    const KpiPair old_pair{stored->receiving_agency, stored->procedure_code};
    if (old_pair != pair || stored->received_at < row.received_at) write.recompute = old_pair;
  }
  AddKpiContribution(row, +1, &write.deltas);
  write.first_received = {pair, row.received_at};
  return write;
}

bool KpiCountsAnswer(const domain::KpiPeriod& period) {
  return period.from < period.to && IsLocalMidnight(period.from) && IsLocalMidnight(period.to);
}

absl::StatusOr<KpiCountsByKey> ReadKpiCounts(KpiCountReads& reads, const domain::KpiPeriod& period,
                                             absl::Time now, const std::string& agency,
                                             const std::string& procedure_code) {
  if (!KpiCountsAnswer(period)) {
    return absl::InvalidArgumentError("KPI counts answer only periods between local midnights");
  }
  // Every pair with a dossier received before the period's end has an entry.
  KpiCountsByKey counts;
  RETURN_IF_ERROR(reads.ListKpiPairs(period.to, agency, procedure_code,
                                     [&](const KpiPair& pair) { counts[pair]; }));
  const int64_t from_day = KpiBucketOf(KpiGrain::kDay, period.from);
  const int64_t to_day = KpiBucketOf(KpiGrain::kDay, period.to);
  KpiSumsByKey in_period;
  RETURN_IF_ERROR(SumDays(reads, from_day, to_day, agency, procedure_code, &in_period));
  for (auto& [pair, sums] : in_period) {
    sums.overdue_in_process = 0;  // edges and coverage, not the period's count
    counts[pair] += sums;
  }

  // Finished in the period but received on a later day: counted when received before its end.
  RETURN_IF_ERROR(reads.ScanFinishedBeforeReceived(
      period.from, period.to, agency, procedure_code, [&](const DossierRow& row) {
        if (FinishedOnAnEarlierDay(row) && row.received_at < period.to) {
          counts[{row.receiving_agency, row.procedure_code}] +=
              domain::FinishedKpis(KpiFactsOfRow(row));
        }
      }));

  // Overdue as of T = min(period end, now). Closed spans as of the midnight M of T's day: the
  // coverage of M's month plus the edges of its days before M; then, for a T after M (now), the
  // dossiers whose standing changed since M. Open spans (in 2 or 4) at T, read by index.
  const absl::Time as_of = domain::OverdueAsOf(period, now);
  const int64_t as_of_day = KpiBucketOf(KpiGrain::kDay, as_of);
  const absl::Time midnight = KpiDayStart(as_of_day);
  const int64_t month = MonthOfDay(as_of_day);
  KpiSumsByKey closed;
  RETURN_IF_ERROR(Sum(reads, KpiGrain::kMonth, month, month + 1, agency, procedure_code, &closed));
  RETURN_IF_ERROR(Sum(reads, KpiGrain::kDay, FirstDayOfMonth(month), as_of_day, agency,
                      procedure_code, &closed));
  for (const auto& [pair, sums] : closed) {
    if (sums.overdue_in_process != 0) counts[pair].overdue_in_process += sums.overdue_in_process;
  }
  if (as_of != midnight) {
    RETURN_IF_ERROR(
        reads.ScanKpiChangesSince(midnight, agency, procedure_code, [&](const DossierRow& row) {
          const std::optional<domain::OverdueSpan> span = domain::OverdueSpanOf(KpiFactsOfRow(row));
          if (!span.has_value() || !span->until.has_value()) return;  // open: counted below
          const int change = (span->Contains(as_of) ? 1 : 0) - (span->Contains(midnight) ? 1 : 0);
          if (change != 0) {
            counts[{row.receiving_agency, row.procedure_code}].overdue_in_process += change;
          }
        }));
  }
  // An open span (in 2 or 4, due) contains T when it starts before T: received and due before T.
  RETURN_IF_ERROR(reads.CountInProcessOverdue(as_of, agency, procedure_code, &counts));
  return counts;
}

}  // namespace lienthong::store

// Classification of dossiers into KPI counters, and the rates derived from them.
#include "services/domain/kpi.h"

#include <algorithm>

#include "absl/time/civil_time.h"
#include "services/domain/working_day_calendar.h"

namespace lienthong::domain {
namespace {

double Rate(std::int64_t numerator, std::int64_t denominator) {
  return denominator == 0 ? 0.0
                          : static_cast<double>(numerator) / static_cast<double>(denominator);
}

bool PassedIntake(DossierStatus status) {
  return status != DossierStatus::kNewlyRegistered && status != DossierStatus::kRefusedAtIntake;
}

}  // namespace

KpiCounters& KpiCounters::operator+=(const KpiCounters& other) {
  received += other.received;
  received_online += other.received_online;
  received_or_returned_postal += other.received_or_returned_postal;
  finished += other.finished;
  finished_early += other.finished_early;
  finished_on_time += other.finished_on_time;
  finished_late += other.finished_late;
  overdue_in_process += other.overdue_in_process;
  paid_online += other.paid_online;
  digitised += other.digitised;
  carrying_fees += other.carrying_fees;
  finished_with_result += other.finished_with_result;
  electronic_results += other.electronic_results;
  reused_data += other.reused_data;
  received_offered_online += other.received_offered_online;
  received_online_of_offered += other.received_online_of_offered;
  inter_agency += other.inter_agency;
  exchanged_electronically += other.exchanged_electronically;
  return *this;
}

KpiCounters ReceivedKpis(const DossierKpiFacts& dossier) {
  KpiCounters counters;
  if (!PassedIntake(dossier.status)) return counters;
  counters.received = 1;
  counters.received_online = dossier.channel == Channel::kOnline ? 1 : 0;
  counters.received_or_returned_postal =
      dossier.channel == Channel::kPostal || dossier.result_returned_by_post ? 1 : 0;
  counters.digitised = dossier.has_digitised_components ? 1 : 0;
  counters.carrying_fees = dossier.carries_fees ? 1 : 0;
  counters.paid_online = dossier.carries_fees && dossier.paid_online ? 1 : 0;
  counters.reused_data = dossier.reused_data ? 1 : 0;
  counters.received_offered_online = dossier.procedure_offered_online ? 1 : 0;
  counters.received_online_of_offered =
      dossier.procedure_offered_online && dossier.channel == Channel::kOnline ? 1 : 0;
  counters.inter_agency = dossier.handed_between_units ? 1 : 0;
  counters.exchanged_electronically =
      dossier.handed_between_units && !dossier.paper_transfer ? 1 : 0;
  return counters;
}

KpiCounters FinishedKpis(const DossierKpiFacts& dossier) {
  KpiCounters counters;
  if (!IsFinishedForKpi(dossier.status) || !dossier.finished_at.has_value()) return counters;
  counters.finished = 1;
  const absl::Time finished_at = *dossier.finished_at;
  if (!dossier.due_at.has_value()) {
    counters.finished_on_time = 1;
  } else if (finished_at > *dossier.due_at) {
    counters.finished_late = 1;
  } else {
    const absl::TimeZone zone = VietnamTimeZone();
    const bool earlier_day =
        absl::ToCivilDay(finished_at, zone) < absl::ToCivilDay(*dossier.due_at, zone);
    (earlier_day ? counters.finished_early : counters.finished_on_time) = 1;
  }
  if (dossier.status != DossierStatus::kWithdrawn) {
    counters.finished_with_result = 1;
    counters.electronic_results = dossier.has_electronic_result ? 1 : 0;
  }
  return counters;
}

std::optional<OverdueSpan> OverdueSpanOf(const DossierKpiFacts& dossier) {
  if (!dossier.due_at.has_value()) return std::nullopt;
  // In process as of T: in 2 or 4 (whenever), or finished only at or after T.
  OverdueSpan span{std::max(dossier.received_at, *dossier.due_at), std::nullopt};
  if (IsInProcessForKpi(dossier.status)) return span;
  if (IsFinishedForKpi(dossier.status) && dossier.finished_at.has_value()) {
    span.until = *dossier.finished_at;
    return span;
  }
  return std::nullopt;
}

KpiCounters ClassifyDossier(const DossierKpiFacts& dossier, const KpiPeriod& period,
                            absl::Time now) {
  KpiCounters counters;
  if (period.Contains(dossier.received_at)) counters += ReceivedKpis(dossier);
  if (dossier.finished_at.has_value() && period.Contains(*dossier.finished_at)) {
    counters += FinishedKpis(dossier);
  }
  const std::optional<OverdueSpan> overdue = OverdueSpanOf(dossier);
  if (overdue.has_value() && overdue->Contains(OverdueAsOf(period, now))) {
    counters.overdue_in_process = 1;
  }
  return counters;
}

absl::Time OverdueAsOf(const KpiPeriod& period, absl::Time now) {
  return std::min(period.to, now);
}

double Decision766OnlinePaymentRate(const KpiCounters& c) {
  return Rate(c.paid_online, c.carrying_fees);
}

double Decision766ElectronicResultRate(const KpiCounters& c) {
  return Rate(c.electronic_results, c.finished_with_result);
}

double Decision766ReusedDataRate(const KpiCounters& c) { return Rate(c.reused_data, c.received); }

double Decision766OnlineShareOfOfferedRate(const KpiCounters& c) {
  return Rate(c.received_online_of_offered, c.received_offered_online);
}

KpiRates ComputeKpiRates(const KpiCounters& c) {
  KpiRates rates;
  rates.online = Rate(c.received_online, c.received);
  rates.postal = Rate(c.received_or_returned_postal, c.received);
  rates.on_time = Rate(c.finished_early + c.finished_on_time, c.finished);
  rates.early = Rate(c.finished_early, c.finished);
  rates.late = Rate(c.finished_late, c.finished);
  rates.online_payment = Decision766OnlinePaymentRate(c);
  rates.digitisation = Rate(c.digitised, c.received);
  rates.electronic_result = Decision766ElectronicResultRate(c);
  rates.reused_data = Decision766ReusedDataRate(c);
  rates.online_of_offered = Decision766OnlineShareOfOfferedRate(c);
  rates.electronic_exchange = Rate(c.exchanged_electronically, c.inter_agency);
  return rates;
}

}  // namespace lienthong::domain

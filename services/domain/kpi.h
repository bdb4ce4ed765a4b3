// One-stop KPIs over a period: each dossier classified into counters, then the rates.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "services/domain/channel.h"
#include "services/domain/dossier_status.h"

namespace lienthong::domain {

// What the KPIs need to know about one dossier, as it stands at `now`.
struct DossierKpiFacts {
  absl::Time received_at;
  Channel channel = Channel::kInPerson;
  bool result_returned_by_post = false;
  DossierStatus status = DossierStatus::kNewlyRegistered;
  std::optional<absl::Time> finished_at;  // When it reached 7, 9 (or 10, via 9).
  // The rule's due time: the original one when an extension moved it (Dossier.original_due_at),
  // since an apology does not make a late dossier timely.
  std::optional<absl::Time> due_at;
  bool has_digitised_components = false;  // Digitised components or results.
  bool paid_online = false;
  bool carries_fees = false;          // At least one fee of more than 0 đồng.
  bool has_electronic_result = false;  // At least one Result.electronic.
  bool reused_data = false;           // At least one Attachment.reused.
  // The procedure is offered online (online level partial or end to end).
  bool procedure_offered_online = false;
  // A step of its history hands it from one unit to a different one (liên thông).
  bool handed_between_units = false;
  // One of those hand-offs moved the paper dossier (ProcessingStep.paper_transfer).
  bool paper_transfer = false;
};

// The half-open reporting period [from, to).
struct KpiPeriod {
  absl::Time from;
  absl::Time to;

  bool Contains(absl::Time t) const { return from <= t && t < to; }
};

// Raw counts; the gateway reports counts and rates, not the Decision 766/QĐ-TTg score. Each
// definition follows docs/domain.md "KPIs the one-stop reports".
struct KpiCounters {
  // Received in the period: received_at in the period and past intake, i.e. status neither 1
  // (still awaiting intake) nor 3 (refused at intake). Denominator of the received-based rates.
  std::int64_t received = 0;
  // Online rate numerator: received through channel 2.
  std::int64_t received_online = 0;
  // Postal rate numerator: received through channel 3 or result returned by post.
  std::int64_t received_or_returned_postal = 0;
  // On-time rate denominator: status 7, 9 or 10 with finished_at in the period. A dossier
  // without finished_at cannot be placed in a period and is not counted.
  std::int64_t finished = 0;
  // finished = early + on_time + late. Early: finished on an earlier local (UTC+7) calendar day
  // than the due day. On time: not early and finished_at <= due_at, or no due time at all
  // (nothing to be late against). Late: finished_at > due_at.
  std::int64_t finished_early = 0;
  std::int64_t finished_on_time = 0;
  std::int64_t finished_late = 0;
  // As of the period's end, or `now` when that is earlier (OverdueAsOf): received before then,
  // in process then (status 2 or 4, or finished only after then), and due_at before then. The
  // backlog from earlier periods counts too. A dossier finished after the period's end is
  // assumed to have been in 2 or 4 at the end (its intermediate statuses are not kept apart).
  std::int64_t overdue_in_process = 0;
  // Digitisation numerator, among the received dossiers.
  std::int64_t digitised = 0;
  // Online payment (Decision 766/QĐ-TTg, online payment): among the received dossiers that carry
  // fees, those paid online. Free dossiers are in neither count.
  std::int64_t carrying_fees = 0;
  std::int64_t paid_online = 0;
  // Electronic results (kết quả điện tử): among the finished dossiers with status 9 or 10
  // (withdrawn ones have no result), those with an electronic result.
  std::int64_t finished_with_result = 0;
  std::int64_t electronic_results = 0;
  // Reused data (tái sử dụng dữ liệu): received dossiers with a reused component.
  std::int64_t reused_data = 0;
  // Online share among procedures offered online: received dossiers of such procedures, and of
  // those the ones received online.
  std::int64_t received_offered_online = 0;
  std::int64_t received_online_of_offered = 0;
  // Electronic exchange (liên thông điện tử): received dossiers handed between two different
  // units, and of those the ones none of whose hand-offs moved paper.
  std::int64_t inter_agency = 0;
  std::int64_t exchanged_electronically = 0;

  KpiCounters& operator+=(const KpiCounters& other);
};

// The time overdue_in_process is judged at: the period's end, or `now` if that is earlier.
absl::Time OverdueAsOf(const KpiPeriod& period, absl::Time now);

// The counters one dossier contributes (each 0 or 1); sum them with +=. Made of the three parts
// below: ReceivedKpis when received_at is in the period, FinishedKpis when finished_at is, and
// overdue_in_process when OverdueAsOf(period, now) is in its OverdueSpan.
KpiCounters ClassifyDossier(const DossierKpiFacts& dossier, const KpiPeriod& period,
                            absl::Time now);

// The received-based counters (received ... received_online_of_offered) of a dossier received in
// the period: all 0 when it has not passed intake (status 1 or 3).
KpiCounters ReceivedKpis(const DossierKpiFacts& dossier);
// The finished-based counters (finished ... electronic_results) of a dossier finished in the
// period: all 0 unless its status is 7, 9 or 10 and finished_at is set.
KpiCounters FinishedKpis(const DossierKpiFacts& dossier);

// The times T at which a dossier counts as overdue in process (as of T): after < T <= until, or
// after < T when `until` is empty. `after` is the later of received_at and due_at; `until` is
// finished_at for a finished dossier (none while it is in 2 or 4). Empty when after >= until.
struct OverdueSpan {
  absl::Time after;
  std::optional<absl::Time> until;

  bool Contains(absl::Time t) const { return after < t && (!until.has_value() || t <= *until); }
};
// None when the dossier is never overdue in process (no due time, or neither in process nor
// finished with a finished_at).
std::optional<OverdueSpan> OverdueSpanOf(const DossierKpiFacts& dossier);

// Rates in [0, 1]; a rate whose denominator is 0 is 0.
struct KpiRates {
  double online = 0;          // received_online / received
  double postal = 0;          // received_or_returned_postal / received
  double on_time = 0;         // (finished_early + finished_on_time) / finished
  double early = 0;           // finished_early / finished
  double late = 0;            // finished_late / finished
  double online_payment = 0;  // Decision766OnlinePaymentRate: paid_online / carrying_fees
  double digitisation = 0;    // digitised / received
  double electronic_result = 0;  // Decision766ElectronicResultRate
  double reused_data = 0;        // Decision766ReusedDataRate
  double online_of_offered = 0;  // Decision766OnlineShareOfOfferedRate
  double electronic_exchange = 0;  // exchanged_electronically / inter_agency
};

// One formula per indicator, named after its source (Decision 766/QĐ-TTg and the national
// portal's scoring of it; docs/domain.md). Each is 0 when its denominator is 0.
double Decision766OnlinePaymentRate(const KpiCounters& c);       // paid_online / carrying_fees
double Decision766ElectronicResultRate(const KpiCounters& c);    // electronic / finished_with_result
double Decision766ReusedDataRate(const KpiCounters& c);          // reused_data / received
double Decision766OnlineShareOfOfferedRate(const KpiCounters& c);  // online / offered online

KpiRates ComputeKpiRates(const KpiCounters& counters);

}  // namespace lienthong::domain

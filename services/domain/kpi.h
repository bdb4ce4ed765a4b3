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
  std::optional<absl::Time> due_at;
  bool has_digitised_components = false;  // Digitised components or results.
  bool paid_online = false;
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
  // Snapshot at `now`: status 2 or 4, due_at < now, received before the period ends (the
  // backlog from earlier periods counts too).
  std::int64_t overdue_in_process = 0;
  // Online payment and digitisation rate numerators, among the received dossiers.
  std::int64_t paid_online = 0;
  std::int64_t digitised = 0;

  KpiCounters& operator+=(const KpiCounters& other);
};

// The counters one dossier contributes (each 0 or 1); sum them with +=.
KpiCounters ClassifyDossier(const DossierKpiFacts& dossier, const KpiPeriod& period,
                            absl::Time now);

// Rates in [0, 1]; a rate whose denominator is 0 is 0.
struct KpiRates {
  double online = 0;          // received_online / received
  double postal = 0;          // received_or_returned_postal / received
  double on_time = 0;         // (finished_early + finished_on_time) / finished
  double early = 0;           // finished_early / finished
  double late = 0;            // finished_late / finished
  double online_payment = 0;  // paid_online / received
  double digitisation = 0;    // digitised / received
};

KpiRates ComputeKpiRates(const KpiCounters& counters);

}  // namespace lienthong::domain

// Dossier status codes of the national public-service portal and the moves allowed between them.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lienthong::domain {

// Status codes (trạng thái hồ sơ) used when syncing with the national public-service portal.
enum class DossierStatus {
  kNewlyRegistered = 1,
  kAccepted = 2,
  kRefusedAtIntake = 3,
  kInProcess = 4,
  kSupplementRequested = 5,
  kFinancialObligation = 6,
  kWithdrawn = 7,
  kProcessingStopped = 8,
  kFinished = 9,
  kResultReturned = 10,
};

std::optional<DossierStatus> DossierStatusFromCode(int code);

// The allowed moves: ONE table, kStatusTable in dossier_status.cc. TransitionTableMarkdown()
// renders it; docs/domain.md carries that rendering and a test checks that the two agree, so
// the table is not written out again here. One-stop lifecycle of Decree 118/2025/NĐ-CP (in
// force 1 July 2025; it replaced Decree 61/2018/NĐ-CP, whose Arts. 17-20 held the same steps).
//
// Why: 1 -> 5 is a dossier found incomplete at intake (an online one is checked before it is
// accepted, as in Decree 61/2018 Art. 17.2(a)): the applicant is asked to supplement it before
// it is accepted; once supplemented it is accepted (5 -> 2) or, if it still falls short,
// refused (5 -> 3). A supplement asked for after acceptance (2/4 -> 5) ends in 5 -> 4, the
// supplement arriving, which restarts the processing clock (the caller computes a new due
// time). Which of 5 -> 2/3 or 5 -> 4 applies depends on where the dossier came from: see
// CheckTransitionFrom. 2 -> 9 covers procedures whose result is given at once. If a supplement
// never comes, processing stops (8) or the applicant withdraws (7). 6 -> 4 is the obligation
// paid with work left; 6 -> 9 when payment was the last step. A new appointment date for a
// dossier that will be late is not a status change (see MayGiveNewAppointment).
bool IsAllowedTransition(DossierStatus from, DossierStatus to);

// OK, or FAILED_PRECONDITION naming both statuses when the move is not allowed.
absl::Status CheckTransition(DossierStatus from, DossierStatus to);

// CheckTransition, plus the rule that depends on how the dossier reached status 5:
// `supplement_before_acceptance` is true when it moved to 5 from 1 (newly registered, never
// accepted). Such a dossier leaves 5 to 2 (accepted), 3 (refused at intake), 7 or 8, never
// straight to 4; one asked to supplement after acceptance leaves 5 to 4, 7 or 8, never to 2 or
// 3 (it was accepted already). Ignored unless `from` is 5.
absl::Status CheckTransitionFrom(DossierStatus from, DossierStatus to,
                                 bool supplement_before_acceptance);

// The allowed-move table as a Markdown table (rows: from, columns: to, "x" where allowed),
// generated from kStatusTable; docs/domain.md holds a copy that a test compares with this.
std::string TransitionTableMarkdown();

// No move leaves 3, 7, 8 or 10.
bool IsTerminal(DossierStatus status);

// KPI "finished" dossiers: status 7, 9 or 10 (the on-time rate's denominator).
bool IsFinishedForKpi(DossierStatus status);

// KPI "in process" dossiers: status 2 or 4 (the ones that can be overdue).
bool IsInProcessForKpi(DossierStatus status);

// English snake_case name, e.g. "supplement_requested".
absl::string_view StatusName(DossierStatus status);

// The portal's Vietnamese label, e.g. "Yêu cầu bổ sung" (UTF-8).
absl::string_view StatusLabelVi(DossierStatus status);

// Decree 118/2025/NĐ-CP (as in Decree 61/2018 Art. 19; the article number in Decree 118 is
// unconfirmed, see docs/domain.md): a dossier that will be late gets an apology and a new
// appointment date once.
inline constexpr int kDecree118MaxNewAppointments = 1;

// The apology and the new date must be given before the due date, at least this many calendar
// days before it (Decree 61/2018 Art. 19.9 as a secondary source reads it; the article in
// Decree 118 is unconfirmed, see docs/domain.md). A late extension is refused.
inline constexpr int kDecree118ExtensionMinDaysBeforeDue = 1;

// True while fewer than kDecree118MaxNewAppointments new dates have been given.
bool MayGiveNewAppointment(int new_appointments_given);

}  // namespace lienthong::domain

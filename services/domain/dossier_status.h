// Dossier status codes of the national public-service portal and the moves allowed between them.
#pragma once

#include <optional>

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

// The allowed moves (x), one-stop lifecycle of Decree 61/2018/NĐ-CP Arts. 17-20:
//
//   from \ to                 2  3  4  5  6  7  8  9  10
//   1  newly registered       x  x              x
//   2  accepted                     x  x  x  x  x  x
//   4  in process                      x  x  x  x  x
//   5  supplement requested         x        x  x
//   6  financial obligation         x        x  x  x
//   9  finished                                       x
//   3, 7, 8, 10: terminal.  No status moves to itself, and nothing returns to 1.
//
// Why: 2 -> 9 covers procedures whose result is given at once. 5 -> 4 is the supplement
// arriving, which restarts the processing clock (the caller computes a new due time). 5 -> 3 is
// refused: "refused at intake" means never accepted, and a dossier asking for a supplement was
// accepted; if the supplement never comes, processing stops (8) or the applicant withdraws (7).
// 6 -> 4 is the obligation paid with work left; 6 -> 9 when payment was the last step. A new
// appointment date for a late dossier is not a status change (see MayGiveNewAppointment).
bool IsAllowedTransition(DossierStatus from, DossierStatus to);

// OK, or FAILED_PRECONDITION naming both statuses when the move is not allowed.
absl::Status CheckTransition(DossierStatus from, DossierStatus to);

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

// Decree 61/2018/NĐ-CP: a late dossier may get a new appointment date (with an apology) once.
inline constexpr int kDecree61MaxNewAppointments = 1;

// True while fewer than kDecree61MaxNewAppointments new dates have been given.
bool MayGiveNewAppointment(int new_appointments_given);

}  // namespace lienthong::domain

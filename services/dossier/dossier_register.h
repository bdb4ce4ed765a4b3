// DossierRegister: the dossier tracking register (sổ theo dõi hồ sơ) behind DossierService.
// It turns validated requests into store writes: idempotent submission with computed due
// dates, status moves under the state machine and the Decree 118/2025 lifecycle rules, reads,
// pages and KPI statistics. It knows nothing of gRPC.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lienthong/v1/dossier_service.pb.h"
#include "services/domain/working_day_calendar.h"
#include "services/exchange/exchange_call.h"
#include "services/store/store.h"

namespace lienthong::dossier {

// Processing days per procedure code, from config (used when a dossier has neither due_at
// nor processing_days).
using ProcedureCatalog = absl::flat_hash_map<std::string, int>;

// Which dossiers a caller may see, by receiving and handling agency (its access policy); a null
// filter lets every dossier through.
using AgencyFilter =
    std::function<bool(absl::string_view receiving_agency, absl::string_view handling_agency)>;

class DossierRegister {
 public:
  DossierRegister(const exchange::GatewayContext* gateway, const domain::DueDateCalendar* calendar,
                  ProcedureCatalog procedures)
      : gateway_(gateway), calendar_(calendar), procedures_(std::move(procedures)) {}

  using Done = absl::AnyInvocable<void(absl::Status)>;

  // Stores a new dossier (already validated) or finds the same one stored; `done` runs after the
  // commit is durable. `response` must stay alive until then.
  void Submit(exchange::ExchangeCall call, const v1::SubmitDossierRequest& request,
              v1::SubmitDossierResponse* response, Done done);

  // Appends a processing step (request already validated for shape). The stored dossier must
  // be visible to the caller under call.policy (else PERMISSION_DENIED, nothing written).
  void UpdateStatus(exchange::ExchangeCall call, const v1::UpdateDossierStatusRequest& request,
                    v1::Dossier* response, Done done);

  absl::Status Get(const std::string& code, v1::Dossier* out);
  // A page of the dossiers that match the request and pass `visible`; a page may come back
  // short (with a next-page token) when many rows in a row are filtered out.
  absl::Status List(const v1::ListDossiersRequest& request, const AgencyFilter& visible,
                    v1::ListDossiersResponse* out);
  // Statistics over the dossiers that pass `visible` (judged by their receiving agency: the
  // store's statistics rows carry no handling agency).
  absl::Status Stats(const v1::GetDossierStatsRequest& request, const AgencyFilter& visible,
                     v1::GetDossierStatsResponse* out) {
    return StatsAt(request, visible, absl::Now(), out);
  }
  // As of `now` (overdue_in_process is judged at the earlier of the period's end and now). A
  // period between local midnights is answered from the KPI counts kept with the dossiers
  // (store/kpi_counts.h), any other by StatsByScan.
  absl::Status StatsAt(const v1::GetDossierStatsRequest& request, const AgencyFilter& visible,
                       absl::Time now, v1::GetDossierStatsResponse* out);
  // The same answer by reading every dossier received before the period's end: the reference
  // the KPI counts are tested and measured against.
  absl::Status StatsByScan(const v1::GetDossierStatsRequest& request, const AgencyFilter& visible,
                           absl::Time now, v1::GetDossierStatsResponse* out);

  // The due time a new dossier gets when the caller gives none.
  absl::StatusOr<absl::Time> ComputeDueTime(const v1::Dossier& dossier, absl::Time start,
                                            int* processing_days) const;
  // The dossier's own processing_days, else its procedure's configured time; nullopt when
  // neither is known.
  std::optional<int> ProcessingDaysOf(const v1::Dossier& dossier) const;

 private:
  const exchange::GatewayContext* gateway_;
  const domain::DueDateCalendar* calendar_;
  const ProcedureCatalog procedures_;
};

// The indexed columns of a dossier row, from the message.
store::DossierRow DossierRowOf(const v1::Dossier& dossier);

}  // namespace lienthong::dossier

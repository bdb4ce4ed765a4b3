// ConsoleBackend over the running gateway: each call is a local call (exchange/local_call.h) of
// the RPC of the same name, doing the same work as its gRPC handler.
#pragma once

#include "services/admin/admin_service.h"
#include "services/console/console_backend.h"
#include "services/domain/working_day_calendar.h"
#include "services/dossier/dossier_service.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::console {

class GatewayConsoleBackend final : public ConsoleBackend {
 public:
  // None owned; all outlive the backend.
  GatewayConsoleBackend(const exchange::GatewayContext* gateway,
                        dossier::DossierServiceImpl* dossiers, admin::AdminServiceImpl* admin,
                        const domain::DueDateCalendar* calendar)
      : gateway_(gateway), dossiers_(dossiers), admin_(admin), calendar_(calendar) {}

  bool MayCall(const std::string& member, const std::string& full_method) override;
  absl::StatusOr<v1::GetDossierStatsResponse> GetDossierStats(
      const std::string& member, const v1::GetDossierStatsRequest& request) override;
  absl::StatusOr<v1::ListDossiersResponse> ListDossiers(
      const std::string& member, const v1::ListDossiersRequest& request) override;
  absl::StatusOr<v1::Dossier> GetDossier(const std::string& member,
                                         const v1::GetDossierRequest& request) override;
  absl::StatusOr<v1::GetStatusResponse> GetStatus(const std::string& member) override;
  absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(const std::string& member) override;
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const std::string& member, const v1::ListDeadLettersRequest& request) override;
  absl::StatusOr<v1::AdapterStatus> PauseAdapter(const std::string& member,
                                                 const std::string& adapter) override;
  absl::StatusOr<v1::AdapterStatus> ResumeAdapter(const std::string& member,
                                                  const std::string& adapter) override;
  absl::StatusOr<int64_t> ReplayDeadLetters(const std::string& member,
                                            const v1::ReplayDeadLettersRequest& request) override;
  absl::StatusOr<v1::QueryExchangeLogResponse> QueryExchangeLog(
      const std::string& member, const v1::QueryExchangeLogRequest& request) override;
  absl::Time AddWorkingDays(absl::Time from, int working_days) override;

 private:
  const exchange::GatewayContext* gateway_;
  dossier::DossierServiceImpl* dossiers_;
  admin::AdminServiceImpl* admin_;
  const domain::DueDateCalendar* calendar_;
};

}  // namespace lienthong::console

// The console's calls, made locally as the RPCs they stand for.
#include "services/console/gateway_console_backend.h"

#include "services/common/log.h"
#include "services/exchange/local_call.h"

namespace lienthong::console {
namespace {

// Runs `work` as a local call of `method` and returns the response or the status.
template <typename Request, typename Response, typename Work>
absl::StatusOr<Response> Call(const exchange::GatewayContext* gateway, const std::string& member,
                              const char* method, const Request& request, Work work) {
  Response response;
  absl::Status status = exchange::RunLocalCall(
      *gateway, member, method, request, &response,
      [&](const exchange::ExchangeCall& call) { return work(call, &response); });
  if (!status.ok()) return status;
  return response;
}

}  // namespace

bool GatewayConsoleBackend::MayCall(const std::string& member, const std::string& full_method) {
  if (gateway_->access_policy == nullptr || member.empty()) return false;
  // A question, not a call: nothing is logged (AuthorizeMethod logs refusals, so ask quietly).
  return gateway_->access_policy->Get()->MayCallMethod(member, full_method);
}

absl::StatusOr<v1::GetDossierStatsResponse> GatewayConsoleBackend::GetDossierStats(
    const std::string& member, const v1::GetDossierStatsRequest& request) {
  return Call<v1::GetDossierStatsRequest, v1::GetDossierStatsResponse>(
      gateway_, member, kMethodGetDossierStats, request,
      [&](const exchange::ExchangeCall& call, v1::GetDossierStatsResponse* out) {
        return dossiers_->GetDossierStatsFor(call, request, out);
      });
}

absl::StatusOr<v1::ListDossiersResponse> GatewayConsoleBackend::ListDossiers(
    const std::string& member, const v1::ListDossiersRequest& request) {
  return Call<v1::ListDossiersRequest, v1::ListDossiersResponse>(
      gateway_, member, kMethodListDossiers, request,
      [&](const exchange::ExchangeCall& call, v1::ListDossiersResponse* out) {
        return dossiers_->ListDossiersFor(call, request, out);
      });
}

absl::StatusOr<v1::Dossier> GatewayConsoleBackend::GetDossier(const std::string& member,
                                                              const v1::GetDossierRequest& request) {
  return Call<v1::GetDossierRequest, v1::Dossier>(
      gateway_, member, kMethodGetDossier, request,
      [&](const exchange::ExchangeCall& call, v1::Dossier* out) {
        return dossiers_->GetDossierFor(call, request, out);
      });
}

absl::StatusOr<v1::GetStatusResponse> GatewayConsoleBackend::GetStatus(const std::string& member) {
  return Call<v1::GetStatusRequest, v1::GetStatusResponse>(
      gateway_, member, kMethodGetStatus, v1::GetStatusRequest(),
      [&](const exchange::ExchangeCall&, v1::GetStatusResponse* out) {
        return admin_->FillStatus(out);
      });
}

absl::StatusOr<v1::ListCertificatesResponse> GatewayConsoleBackend::ListCertificates(
    const std::string& member) {
  return Call<v1::ListCertificatesRequest, v1::ListCertificatesResponse>(
      gateway_, member, kMethodListCertificates, v1::ListCertificatesRequest(),
      [&](const exchange::ExchangeCall&, v1::ListCertificatesResponse* out) {
        return admin_->ListCertificatesFor(out);
      });
}

absl::StatusOr<v1::ListDeadLettersResponse> GatewayConsoleBackend::ListDeadLetters(
    const std::string& member, const v1::ListDeadLettersRequest& request) {
  return Call<v1::ListDeadLettersRequest, v1::ListDeadLettersResponse>(
      gateway_, member, kMethodListDeadLetters, request,
      [&](const exchange::ExchangeCall&, v1::ListDeadLettersResponse* out) {
        return admin_->ListDeadLettersFor(request, out);
      });
}

absl::StatusOr<v1::AdapterStatus> GatewayConsoleBackend::PauseAdapter(const std::string& member,
                                                                      const std::string& adapter) {
  v1::PauseAdapterRequest request;
  request.set_adapter(adapter);
  return Call<v1::PauseAdapterRequest, v1::AdapterStatus>(
      gateway_, member, kMethodPauseAdapter, request,
      [&](const exchange::ExchangeCall&, v1::AdapterStatus* out) {
        return admin_->SteerAdapter(adapter, /*pause=*/true, out);
      });
}

absl::StatusOr<v1::AdapterStatus> GatewayConsoleBackend::ResumeAdapter(const std::string& member,
                                                                       const std::string& adapter) {
  v1::ResumeAdapterRequest request;
  request.set_adapter(adapter);
  return Call<v1::ResumeAdapterRequest, v1::AdapterStatus>(
      gateway_, member, kMethodResumeAdapter, request,
      [&](const exchange::ExchangeCall&, v1::AdapterStatus* out) {
        return admin_->SteerAdapter(adapter, /*pause=*/false, out);
      });
}

absl::StatusOr<int64_t> GatewayConsoleBackend::ReplayDeadLetters(
    const std::string& member, const v1::ReplayDeadLettersRequest& request) {
  auto progress = Call<v1::ReplayDeadLettersRequest, v1::ReplayProgress>(
      gateway_, member, kMethodReplayDeadLetters, request,
      [&](const exchange::ExchangeCall&, v1::ReplayProgress* out) {
        return admin_->ReplayDeadLettersFor(request,
                                            [out](const v1::ReplayProgress& p) { *out = p; });
      });
  if (!progress.ok()) return progress.status();
  return progress->applied();
}

absl::StatusOr<v1::QueryExchangeLogResponse> GatewayConsoleBackend::QueryExchangeLog(
    const std::string& member, const v1::QueryExchangeLogRequest& request) {
  return Call<v1::QueryExchangeLogRequest, v1::QueryExchangeLogResponse>(
      gateway_, member, kMethodQueryExchangeLog, request,
      [&](const exchange::ExchangeCall&, v1::QueryExchangeLogResponse* out) {
        return admin_->QueryExchangeLogFor(request, out);
      });
}

absl::Time GatewayConsoleBackend::AddWorkingDays(absl::Time from, int working_days) {
  if (calendar_ != nullptr) {
    auto due = calendar_->DueTime(from, working_days, /*in_person=*/false);
    if (due.ok()) return *due;
    LogLine(LogLevel::kWarning, "console: working days outside the calendar, counting 7 per 5")
        .Str("why", due.status().message());
  }
  return from + absl::Hours(24) * (working_days * 7 / 5 + 1);
}

}  // namespace lienthong::console

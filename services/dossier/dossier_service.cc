// DossierService handlers.
#include "services/dossier/dossier_service.h"

#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/exchange/unary_call.h"
#include "services/exchange/validation_limits.h"
#include "services/validation/dossier_validation.h"

namespace lienthong::dossier {
namespace {

constexpr char kSubmit[] = "/lienthong.v1.DossierService/SubmitDossier";
constexpr char kGet[] = "/lienthong.v1.DossierService/GetDossier";
constexpr char kList[] = "/lienthong.v1.DossierService/ListDossiers";
constexpr char kUpdate[] = "/lienthong.v1.DossierService/UpdateDossierStatus";
constexpr char kStats[] = "/lienthong.v1.DossierService/GetDossierStats";

// The dossiers the caller may see (its access policy's agencies); null when it sees all.
AgencyFilter VisibleTo(const exchange::ExchangeCall& call) {
  if (call.policy->SeesAllAgencies(call.member)) return nullptr;
  return [policy = call.policy, member = call.member](absl::string_view receiving,
                                                      absl::string_view handling) {
    return policy->MaySeeDossier(member, receiving, handling);
  };
}

}  // namespace

grpc::ServerUnaryReactor* DossierServiceImpl::SubmitDossier(
    grpc::CallbackServerContext* context, const v1::SubmitDossierRequest* request,
    v1::SubmitDossierResponse* response) {
  return exchange::ServeWrite(
      *gateway_, context, kSubmit, *request,
      [&](const exchange::ExchangeCall& call) {
        RETURN_IF_ERROR(call.policy->CheckWrite(call.member, v1::RECORD_TYPE_DOSSIER));
        const v1::Dossier& dossier = request->dossier();
        RETURN_IF_ERROR(call.policy->CheckDossier(call.member, "submit", dossier.code(),
                                                  dossier.receiving_agency_code(),
                                                  dossier.handling_agency_code()));
        FieldViolations violations;
        validation::ValidateSubmitDossier(*request, exchange::ValidationContextOf(*gateway_),
                                          &violations);
        return violations.ToStatus();
      },
      [&](exchange::ExchangeCall call, exchange::WriteDone done) {
        dossiers_->Submit(std::move(call), *request, response, std::move(done));
      });
}

grpc::ServerUnaryReactor* DossierServiceImpl::UpdateDossierStatus(
    grpc::CallbackServerContext* context, const v1::UpdateDossierStatusRequest* request,
    v1::Dossier* response) {
  return exchange::ServeWrite(
      *gateway_, context, kUpdate, *request,
      [&](const exchange::ExchangeCall& call) {
        // The dossier's agencies are checked in the write, against the stored dossier.
        RETURN_IF_ERROR(call.policy->CheckWrite(call.member, v1::RECORD_TYPE_DOSSIER));
        FieldViolations violations;
        validation::ValidateUpdateDossierStatus(*request, exchange::ValidationContextOf(*gateway_),
                                                &violations);
        return violations.ToStatus();
      },
      [&](exchange::ExchangeCall call, exchange::WriteDone done) {
        dossiers_->UpdateStatus(std::move(call), *request, response, std::move(done));
      });
}

absl::Status DossierServiceImpl::GetDossierFor(const exchange::ExchangeCall& call,
                                               const v1::GetDossierRequest& request,
                                               v1::Dossier* response) {
  RETURN_IF_ERROR(call.policy->CheckRead(call.member, v1::RECORD_TYPE_DOSSIER));
  FieldViolations violations;
  validation::ValidateGetDossier(request, &violations);
  if (!violations.empty()) return violations.ToStatus();
  RETURN_IF_ERROR(dossiers_->Get(request.code(), response));
  absl::Status visible =
      call.policy->CheckDossier(call.member, "read", response->code(),
                                response->receiving_agency_code(), response->handling_agency_code());
  if (!visible.ok()) response->Clear();
  return visible;
}

absl::Status DossierServiceImpl::ListDossiersFor(const exchange::ExchangeCall& call,
                                                 const v1::ListDossiersRequest& request,
                                                 v1::ListDossiersResponse* response) {
  RETURN_IF_ERROR(call.policy->CheckRead(call.member, v1::RECORD_TYPE_DOSSIER));
  if (!request.agency_code().empty()) {
    RETURN_IF_ERROR(call.policy->CheckAgency(call.member, "list", request.agency_code()));
  }
  FieldViolations violations;
  validation::ValidateListDossiers(request, exchange::ValidationContextOf(*gateway_), &violations);
  if (!violations.empty()) return violations.ToStatus();
  return dossiers_->List(request, VisibleTo(call), response);
}

absl::Status DossierServiceImpl::GetDossierStatsFor(const exchange::ExchangeCall& call,
                                                    const v1::GetDossierStatsRequest& request,
                                                    v1::GetDossierStatsResponse* response) {
  RETURN_IF_ERROR(call.policy->CheckRead(call.member, v1::RECORD_TYPE_DOSSIER));
  if (!request.agency_code().empty()) {
    RETURN_IF_ERROR(
        call.policy->CheckAgency(call.member, "read statistics of", request.agency_code()));
  }
  FieldViolations violations;
  validation::ValidateGetDossierStats(request, &violations);
  if (!violations.empty()) return violations.ToStatus();
  return dossiers_->Stats(request, VisibleTo(call), response);
}

grpc::ServerUnaryReactor* DossierServiceImpl::GetDossier(grpc::CallbackServerContext* context,
                                                         const v1::GetDossierRequest* request,
                                                         v1::Dossier* response) {
  return exchange::ServeRead(
      *gateway_, context, kGet, *request, response,
      [&](const exchange::ExchangeCall& call) { return GetDossierFor(call, *request, response); });
}

grpc::ServerUnaryReactor* DossierServiceImpl::ListDossiers(
    grpc::CallbackServerContext* context, const v1::ListDossiersRequest* request,
    v1::ListDossiersResponse* response) {
  return exchange::ServeRead(
      *gateway_, context, kList, *request, response,
      [&](const exchange::ExchangeCall& call) { return ListDossiersFor(call, *request, response); });
}

grpc::ServerUnaryReactor* DossierServiceImpl::GetDossierStats(
    grpc::CallbackServerContext* context, const v1::GetDossierStatsRequest* request,
    v1::GetDossierStatsResponse* response) {
  return exchange::ServeRead(*gateway_, context, kStats, *request, response,
                             [&](const exchange::ExchangeCall& call) {
                               return GetDossierStatsFor(call, *request, response);
                             });
}

}  // namespace lienthong::dossier

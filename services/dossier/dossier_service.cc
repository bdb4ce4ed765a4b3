// DossierService handlers.
#include "services/dossier/dossier_service.h"

#include "absl/time/clock.h"
#include "services/common/rpc_status.h"
#include "services/exchange/unary_call.h"
#include "services/validation/dossier_validation.h"

namespace lienthong::dossier {
namespace {

constexpr char kSubmit[] = "/lienthong.v1.DossierService/SubmitDossier";
constexpr char kGet[] = "/lienthong.v1.DossierService/GetDossier";
constexpr char kList[] = "/lienthong.v1.DossierService/ListDossiers";
constexpr char kUpdate[] = "/lienthong.v1.DossierService/UpdateDossierStatus";
constexpr char kStats[] = "/lienthong.v1.DossierService/GetDossierStats";

validation::ValidationContext ContextOf(const exchange::GatewayContext& gateway) {
  validation::ValidationContext context;
  context.now = absl::Now();
  context.max_page_size = gateway.max_page_size;
  context.max_upsert_batch = gateway.max_upsert_batch;
  return context;
}

}  // namespace

grpc::ServerUnaryReactor* DossierServiceImpl::SubmitDossier(
    grpc::CallbackServerContext* context, const v1::SubmitDossierRequest* request,
    v1::SubmitDossierResponse* response) {
  return exchange::ServeWrite(
      *gateway_, context, kSubmit, *request,
      [&](const exchange::ExchangeCall&) {
        FieldViolations violations;
        validation::ValidateSubmitDossier(*request, ContextOf(*gateway_), &violations);
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
      [&](const exchange::ExchangeCall&) {
        FieldViolations violations;
        validation::ValidateUpdateDossierStatus(*request, ContextOf(*gateway_), &violations);
        return violations.ToStatus();
      },
      [&](exchange::ExchangeCall call, exchange::WriteDone done) {
        dossiers_->UpdateStatus(std::move(call), *request, response, std::move(done));
      });
}

grpc::ServerUnaryReactor* DossierServiceImpl::GetDossier(grpc::CallbackServerContext* context,
                                                         const v1::GetDossierRequest* request,
                                                         v1::Dossier* response) {
  return exchange::ServeRead(*gateway_, context, kGet, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateGetDossier(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return dossiers_->Get(request->code(), response);
                             });
}

grpc::ServerUnaryReactor* DossierServiceImpl::ListDossiers(
    grpc::CallbackServerContext* context, const v1::ListDossiersRequest* request,
    v1::ListDossiersResponse* response) {
  return exchange::ServeRead(*gateway_, context, kList, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateListDossiers(*request, ContextOf(*gateway_),
                                                                &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return dossiers_->List(*request, response);
                             });
}

grpc::ServerUnaryReactor* DossierServiceImpl::GetDossierStats(
    grpc::CallbackServerContext* context, const v1::GetDossierStatsRequest* request,
    v1::GetDossierStatsResponse* response) {
  return exchange::ServeRead(*gateway_, context, kStats, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               FieldViolations violations;
                               validation::ValidateGetDossierStats(*request, &violations);
                               if (!violations.empty()) return violations.ToStatus();
                               return dossiers_->Stats(*request, response);
                             });
}

}  // namespace lienthong::dossier

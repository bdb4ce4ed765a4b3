// DossierService over gRPC: each handler checks its request and hands the work to the
// DossierRegister; status mapping happens in services/common/rpc_status.
#pragma once

#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/dossier/dossier_register.h"
#include "services/exchange/arena_allocator.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::dossier {

class DossierServiceImpl final : public v1::DossierService::CallbackService {
 public:
  DossierServiceImpl(const exchange::GatewayContext* gateway, DossierRegister* dossiers)
      : gateway_(gateway), dossiers_(dossiers) {
    SetMessageAllocatorFor_SubmitDossier(&submit_messages_);
    SetMessageAllocatorFor_UpdateDossierStatus(&update_messages_);
  }

  grpc::ServerUnaryReactor* SubmitDossier(grpc::CallbackServerContext* context,
                                          const v1::SubmitDossierRequest* request,
                                          v1::SubmitDossierResponse* response) override;
  grpc::ServerUnaryReactor* GetDossier(grpc::CallbackServerContext* context,
                                       const v1::GetDossierRequest* request,
                                       v1::Dossier* response) override;
  grpc::ServerUnaryReactor* ListDossiers(grpc::CallbackServerContext* context,
                                         const v1::ListDossiersRequest* request,
                                         v1::ListDossiersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDossierStatus(grpc::CallbackServerContext* context,
                                                const v1::UpdateDossierStatusRequest* request,
                                                v1::Dossier* response) override;
  grpc::ServerUnaryReactor* GetDossierStats(grpc::CallbackServerContext* context,
                                            const v1::GetDossierStatsRequest* request,
                                            v1::GetDossierStatsResponse* response) override;

  // The reads' work once the call is begun (policy snapshot and member in `call`), shared by
  // the gRPC handlers above and the operator console (exchange/local_call.h).
  absl::Status GetDossierFor(const exchange::ExchangeCall& call, const v1::GetDossierRequest& request,
                             v1::Dossier* response);
  absl::Status ListDossiersFor(const exchange::ExchangeCall& call,
                               const v1::ListDossiersRequest& request,
                               v1::ListDossiersResponse* response);
  absl::Status GetDossierStatsFor(const exchange::ExchangeCall& call,
                                  const v1::GetDossierStatsRequest& request,
                                  v1::GetDossierStatsResponse* response);

 private:
  const exchange::GatewayContext* gateway_;
  DossierRegister* dossiers_;
  // The write paths' messages live on one arena per call (arena_allocator.h).
  exchange::ArenaMessageAllocator<v1::SubmitDossierRequest, v1::SubmitDossierResponse>
      submit_messages_;
  exchange::ArenaMessageAllocator<v1::UpdateDossierStatusRequest, v1::Dossier> update_messages_;
};

}  // namespace lienthong::dossier

// The null SubmitDossier: copy the request into the response and finish inline.
#include "bench/null_server/null_dossier_service.h"

namespace lienthong::bench {

grpc::ServerUnaryReactor* NullDossierService::SubmitDossier(
    grpc::CallbackServerContext* context, const v1::SubmitDossierRequest* request,
    v1::SubmitDossierResponse* response) {
  *response->mutable_dossier() = request->dossier();
  response->mutable_dossier()->set_version(1);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace lienthong::bench

// A DossierService that answers SubmitDossier at once: the floor a real SubmitDossier is
// measured against (same listener, same TLS, no validation, no storage, no fsync).
#pragma once

#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/exchange/arena_allocator.h"

namespace lienthong::bench {

class NullDossierService final : public v1::DossierService::CallbackService {
 public:
  // Messages on one arena per call, as the gateway's SubmitDossier has them: the baseline
  // allocates the way the gateway does.
  NullDossierService() { SetMessageAllocatorFor_SubmitDossier(&messages_); }

  // Echoes the dossier back as stored with version 1. Every other method stays UNIMPLEMENTED.
  grpc::ServerUnaryReactor* SubmitDossier(grpc::CallbackServerContext* context,
                                          const v1::SubmitDossierRequest* request,
                                          v1::SubmitDossierResponse* response) override;

 private:
  exchange::ArenaMessageAllocator<v1::SubmitDossierRequest, v1::SubmitDossierResponse> messages_;
};

}  // namespace lienthong::bench

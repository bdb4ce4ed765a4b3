// A DossierService that answers SubmitDossier at once: the floor a real SubmitDossier is
// measured against (same listener, same TLS, no validation, no storage, no fsync).
#pragma once

#include "lienthong/v1/dossier_service.grpc.pb.h"

namespace lienthong::bench {

class NullDossierService final : public v1::DossierService::CallbackService {
 public:
  // Echoes the dossier back as stored with version 1. Every other method stays UNIMPLEMENTED.
  grpc::ServerUnaryReactor* SubmitDossier(grpc::CallbackServerContext* context,
                                          const v1::SubmitDossierRequest* request,
                                          v1::SubmitDossierResponse* response) override;
};

}  // namespace lienthong::bench

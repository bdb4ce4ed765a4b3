// Fuzz target: bytes parsed as each DossierService request message, then its validation rules
// (services/validation/dossier_validation.h). The first byte picks the message.
#include "services/validation/dossier_validation.h"

#include "tests/fuzz/request_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong;  // NOLINT: a fuzz entry point
  if (size == 0) return 0;
  const auto context = fuzz::FixedContext();
  const uint8_t pick = data[0] % 5;
  ++data;
  --size;
  switch (pick) {
    case 0:
      fuzz::ValidateAs<v1::SubmitDossierRequest>(data, size, [&](const auto& r, auto* v) {
        validation::ValidateSubmitDossier(r, context, v);
      });
      break;
    case 1:
      fuzz::ValidateAs<v1::UpdateDossierStatusRequest>(data, size, [&](const auto& r, auto* v) {
        validation::ValidateUpdateDossierStatus(r, context, v);
      });
      break;
    case 2:
      fuzz::ValidateAs<v1::ListDossiersRequest>(data, size, [&](const auto& r, auto* v) {
        validation::ValidateListDossiers(r, context, v);
      });
      break;
    case 3:
      fuzz::ValidateAs<v1::GetDossierStatsRequest>(
          data, size, [](const auto& r, auto* v) { validation::ValidateGetDossierStats(r, v); });
      break;
    default:
      fuzz::ValidateAs<v1::GetDossierRequest>(
          data, size, [](const auto& r, auto* v) { validation::ValidateGetDossier(r, v); });
      break;
  }
  return 0;
}

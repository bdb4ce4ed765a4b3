// Fuzz target: bytes parsed as each EducationRecordService request message, then its validation
// rules (services/validation/record_validation.h). The first byte picks the message.
#include "services/validation/record_validation.h"

#include "tests/fuzz/request_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong;  // NOLINT: a fuzz entry point
  if (size == 0) return 0;
  const auto context = fuzz::FixedContext();
  const uint8_t pick = data[0] % 4;
  ++data;
  --size;
  switch (pick) {
    case 0:
      fuzz::ValidateAs<v1::UpsertRecordsRequest>(data, size, [&](const auto& r, auto* v) {
        validation::ValidateUpsertRecords(r, context, v);
      });
      break;
    case 1:
      fuzz::ValidateAs<v1::ListRecordsRequest>(data, size, [&](const auto& r, auto* v) {
        validation::ValidateListRecords(r, context, v);
      });
      break;
    case 2:
      fuzz::ValidateAs<v1::VerifyDiplomaRequest>(
          data, size, [](const auto& r, auto* v) { validation::ValidateVerifyDiploma(r, v); });
      break;
    default:
      fuzz::ValidateAs<v1::GetRecordRequest>(
          data, size, [](const auto& r, auto* v) { validation::ValidateGetRecord(r, v); });
      break;
  }
  return 0;
}

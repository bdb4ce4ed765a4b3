// Shared by the request-validation fuzz targets: the fuzz bytes parsed as a request message
// (as gRPC parses what a member sends), then the validation rule set over it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "services/common/rpc_status.h"
#include "services/validation/validation_context.h"
#include "tests/fuzz/fuzz_check.h"

namespace lienthong::fuzz {

// A fixed clock, so that a crash reproduces whatever the day.
inline validation::ValidationContext FixedContext() {
  validation::ValidationContext context;
  context.now = absl::FromUnixSeconds(1763607600);  // 2025-11-20T10:00+07, as the seed samples
  context.max_page_size = 1000;
  context.max_upsert_batch = 1000;
  return context;
}

// Parses `data` as a `Request`; when it parses, runs `validate(request, &violations)` and checks
// that the outcome is a status a client can read: OK, or INVALID_ARGUMENT listing each violation
// with a field and a description.
template <typename Request, typename Validate>
void ValidateAs(const uint8_t* data, size_t size, Validate validate) {
  // Protobuf logs every string field that is not UTF-8; at millions of inputs that is the run.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  FieldViolations violations;
  validate(request, &violations);
  const absl::Status status = violations.ToStatus();
  LIENTHONG_FUZZ_CHECK(status.ok() == violations.empty(), "violations decide the status");
  if (status.ok()) return;
  LIENTHONG_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                       "a refused request is INVALID_ARGUMENT");
  for (const auto& violation : violations.proto().field_violations()) {
    LIENTHONG_FUZZ_CHECK(!violation.field().empty(), "each violation names its field");
    LIENTHONG_FUZZ_CHECK(!violation.description().empty(), "each violation says what is wrong");
  }
}

}  // namespace lienthong::fuzz

// What request validation needs from outside the request: the clock and the configured limits.
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace lienthong::validation {

// How far in the future of the gateway's clock a client's timestamp may be: the clocks of two
// agencies' systems drift apart, a step recorded "now" must still pass.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

struct ValidationContext {
  // The gateway's clock at the start of the call; dates and times are judged against it.
  absl::Time now;
  // Largest page_size a list call may ask for.
  uint32_t max_page_size = 1000;
  // Most records one UpsertRecords call may carry.
  uint32_t max_upsert_batch = 1000;
};

}  // namespace lienthong::validation

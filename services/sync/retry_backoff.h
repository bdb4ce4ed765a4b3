// Exponential backoff with jitter and a cap (config::v1::Retry), for the sync engine's retries.
#pragma once

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"

namespace lienthong::sync {

struct RetryPolicy {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
};

// The policy a config entry describes, documented defaults for unset fields.
RetryPolicy RetryPolicyFromConfig(const config::v1::Retry& retry);

// The wait before retry number `attempt` (1 = after the first failure): initial * 2^(attempt-1)
// capped at max, then a uniformly random point in [half of it, all of it], so that workers that
// failed together do not retry in lockstep.
absl::Duration BackoffDelay(const RetryPolicy& policy, int attempt, absl::BitGenRef gen);

}  // namespace lienthong::sync

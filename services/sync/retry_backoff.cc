// Backoff delays.
#include "services/sync/retry_backoff.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "services/common/proto_time.h"

namespace lienthong::sync {

RetryPolicy RetryPolicyFromConfig(const config::v1::Retry& retry) {
  RetryPolicy policy;
  if (retry.max_attempts() > 0) policy.max_attempts = static_cast<int>(retry.max_attempts());
  if (retry.has_initial_backoff()) {
    policy.initial_backoff = FromProtoDuration(retry.initial_backoff());
  }
  if (retry.has_max_backoff()) policy.max_backoff = FromProtoDuration(retry.max_backoff());
  policy.max_backoff = std::max(policy.max_backoff, policy.initial_backoff);
  return policy;
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int attempt, absl::BitGenRef gen) {
  absl::Duration delay = policy.initial_backoff;
  for (int i = 1; i < attempt && delay < policy.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, policy.max_backoff);
  const double fraction = absl::Uniform(gen, 0.5, 1.0);
  return delay * fraction;
}

}  // namespace lienthong::sync

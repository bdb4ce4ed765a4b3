// Backoff: doubles from the initial delay, never above the cap, jittered within [half, all].
#include "services/sync/retry_backoff.h"

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace lienthong::sync {
namespace {

TEST(RetryBackoffTest, DoublesUpToTheCapWithJitter) {
  RetryPolicy policy{5, absl::Milliseconds(100), absl::Seconds(1)};
  absl::BitGen gen;
  const absl::Duration expected[] = {absl::Milliseconds(100), absl::Milliseconds(200),
                                     absl::Milliseconds(400), absl::Milliseconds(800),
                                     absl::Seconds(1),        absl::Seconds(1)};
  for (int attempt = 1; attempt <= 6; ++attempt) {
    absl::Duration low = absl::InfiniteDuration(), high = absl::ZeroDuration();
    for (int i = 0; i < 200; ++i) {
      const absl::Duration d = BackoffDelay(policy, attempt, gen);
      low = std::min(low, d);
      high = std::max(high, d);
    }
    EXPECT_GE(low, expected[attempt - 1] / 2) << attempt;
    EXPECT_LE(high, expected[attempt - 1]) << attempt;
    EXPECT_LT(low, high) << "no jitter at attempt " << attempt;
  }
  EXPECT_LE(BackoffDelay(policy, 1000, gen), absl::Seconds(1));
}

TEST(RetryBackoffTest, ConfigDefaultsAndOverrides) {
  const RetryPolicy defaults = RetryPolicyFromConfig({});
  EXPECT_EQ(defaults.max_attempts, 5);
  EXPECT_EQ(defaults.initial_backoff, absl::Milliseconds(200));
  EXPECT_EQ(defaults.max_backoff, absl::Seconds(30));
  config::v1::Retry retry;
  retry.set_max_attempts(2);
  retry.mutable_initial_backoff()->set_seconds(2);
  retry.mutable_max_backoff()->set_seconds(1);  // below the initial: the initial wins
  const RetryPolicy policy = RetryPolicyFromConfig(retry);
  EXPECT_EQ(policy.max_attempts, 2);
  EXPECT_EQ(policy.max_backoff, absl::Seconds(2));
}

}  // namespace
}  // namespace lienthong::sync

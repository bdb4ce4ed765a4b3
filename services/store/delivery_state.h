// Delivery state: durable change-feed subscriptions, sync-engine checkpoints and dead letters.
// (Written through WriteTransaction; read here.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/change_cursor.h"

namespace lienthong::store {

// A durable change-feed subscription's position.
struct SubscriptionRow {
  std::string member;
  std::string name;
  ChangeCursor acked;
  absl::Time acked_at;
  absl::Time created_at;
};

// A change an adapter gave up on, with its context.
struct DeadLetterRow {
  int64_t id = 0;  // assigned by the store
  std::string adapter;
  ChangeCursor cursor;
  std::string event_id;
  int attempts = 0;
  std::string last_error;
  absl::Time dead_lettered_at;
  std::string payload;  // serialized lienthong.v1.ChangeEvent
  std::optional<absl::Time> resolved_at;
};

class DeliveryStateReads {
 public:
  virtual ~DeliveryStateReads() = default;
  virtual absl::StatusOr<std::optional<SubscriptionRow>> GetSubscription(
      const std::string& member, const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<SubscriptionRow>> ListSubscriptions() = 0;
  // The adapter's checkpoint; none (before every change) when it has none yet.
  virtual absl::StatusOr<std::optional<ChangeCursor>> GetCheckpoint(const std::string& adapter) = 0;
  // Unresolved dead letters of `adapter` (all adapters when empty) with id > after_id.
  virtual absl::StatusOr<std::vector<DeadLetterRow>> ListDeadLetters(const std::string& adapter,
                                                                     int64_t after_id,
                                                                     int limit) = 0;
};

}  // namespace lienthong::store

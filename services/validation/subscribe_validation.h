// Validation of ChangeFeedService requests (Subscribe, Ack): like the other request validators,
// every bad field is one violation under the client's field path; nothing is fixed up.
#pragma once

#include <cstdint>
#include <string>

#include "lienthong/v1/change_feed_service.pb.h"
#include "services/common/rpc_status.h"
#include "services/store/change_cursor.h"

namespace lienthong::validation {

// Largest SubscribeRequest.max_events_per_message.
inline constexpr uint32_t kMaxEventsPerMessage = 1000;

// A durable subscription's name: 1 to 64 characters of [A-Za-z0-9._-].
bool IsSubscriptionName(const std::string& name);

// A Subscribe request: record types defined, agency codes well formed, max_events_per_message
// within kMaxEventsPerMessage, subscription_name (when given) well formed, from_cursor (when
// given) a cursor of this gateway, decoded into `*from` (left as is otherwise).
void ValidateSubscribe(const v1::SubscribeRequest& request, store::ChangeCursor* from,
                       FieldViolations* violations);

// An Ack request: a well-formed subscription_name and a cursor of this gateway.
void ValidateAck(const v1::AckRequest& request, FieldViolations* violations);

}  // namespace lienthong::validation

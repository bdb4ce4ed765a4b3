// ChangeFeedService request validation.
#include "services/validation/subscribe_validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/domain/codes.h"

namespace lienthong::validation {

bool IsSubscriptionName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
         });
}

void ValidateSubscribe(const v1::SubscribeRequest& request, store::ChangeCursor* from,
                       FieldViolations* violations) {
  for (int i = 0; i < request.record_types_size(); ++i) {
    const int type = request.record_types(i);
    if (type <= v1::RECORD_TYPE_UNSPECIFIED || !v1::RecordType_IsValid(type)) {
      violations->Add(absl::StrCat("record_types[", i, "]"), "must be a defined record type");
    }
  }
  for (int i = 0; i < request.agency_codes_size(); ++i) {
    if (!domain::IsValidAgencyCode(request.agency_codes(i))) {
      violations->Add(absl::StrCat("agency_codes[", i, "]"), "expected an agency code");
    }
  }
  if (request.max_events_per_message() > kMaxEventsPerMessage) {
    violations->Add("max_events_per_message",
                    absl::StrCat("at most ", kMaxEventsPerMessage, " (0 or 1: one per message)"));
  }
  if (!request.subscription_name().empty() && !IsSubscriptionName(request.subscription_name())) {
    violations->Add("subscription_name", "1-64 characters of [A-Za-z0-9._-]");
  }
  if (request.start_case() == v1::SubscribeRequest::kFromCursor &&
      !request.from_cursor().empty()) {
    auto decoded = store::DecodeCursor(request.from_cursor());
    if (!decoded.ok()) {
      violations->Add("from_cursor", std::string(decoded.status().message()));
    } else {
      *from = *decoded;
    }
  }
}

void ValidateAck(const v1::AckRequest& request, FieldViolations* violations) {
  if (!IsSubscriptionName(request.subscription_name())) {
    violations->Add("subscription_name", "1-64 characters of [A-Za-z0-9._-]");
  }
  auto cursor = store::DecodeCursor(request.cursor());
  if (!cursor.ok()) violations->Add("cursor", std::string(cursor.status().message()));
}

}  // namespace lienthong::validation

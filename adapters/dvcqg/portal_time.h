// The portal's time format: "yyyyMMddHHmmss" in Vietnam's local time (Asia/Ho_Chi_Minh).
#pragma once

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace lienthong::adapters::dvcqg {

// Asia/Ho_Chi_Minh from the system's tz database; when it is missing (a container without
// tzdata), a fixed UTC+07:00, which is the same thing: Vietnam keeps no daylight-saving time.
absl::TimeZone VietnamTimeZone();

// "yyyyMMddHHmmss" of `time` in VietnamTimeZone(), e.g. "20260105083000".
std::string PortalTime(absl::Time time);
// The same for a record timestamp; "" when the timestamp is unset (the portal's "no date").
std::string PortalTime(const google::protobuf::Timestamp& time, bool is_set);

}  // namespace lienthong::adapters::dvcqg

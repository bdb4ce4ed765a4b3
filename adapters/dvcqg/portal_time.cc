// Vietnam's time zone and the portal's time format.
#include "adapters/dvcqg/portal_time.h"

#include "services/common/proto_time.h"

namespace lienthong::adapters::dvcqg {

absl::TimeZone VietnamTimeZone() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone loaded;
    if (absl::LoadTimeZone("Asia/Ho_Chi_Minh", &loaded)) return loaded;
    return absl::FixedTimeZone(7 * 60 * 60);
  }();
  return zone;
}

std::string PortalTime(absl::Time time) {
  return absl::FormatTime("%Y%m%d%H%M%S", time, VietnamTimeZone());
}

std::string PortalTime(const google::protobuf::Timestamp& time, bool is_set) {
  if (!is_set) return "";
  return PortalTime(FromProtoTimestamp(time));
}

}  // namespace lienthong::adapters::dvcqg

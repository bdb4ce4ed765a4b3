// Times on lienthongctl's command line.
#include "services/cli/ctl_time.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/domain/working_day_calendar.h"

namespace lienthong::cli {

absl::StatusOr<absl::Time> ParsePeriodBound(const std::string& flag, const std::string& value,
                                            bool day_end) {
  absl::CivilDay day;
  if (absl::ParseCivilTime(value, &day)) {
    return absl::FromCivil(day_end ? day + 1 : day, domain::VietnamTimeZone());
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) return time;
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": '", value, "' is neither YYYY-MM-DD nor an RFC 3339 time"));
}

}  // namespace lienthong::cli

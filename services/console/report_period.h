// The reporting period a person picks on the indicator page: a month, a quarter, a year or a
// custom range of days, in Vietnam's civil time; and the months of its trend chart.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::console {

struct ReportPeriod {
  absl::Time from;    // inclusive, a local midnight
  absl::Time to;      // exclusive, a local midnight
  std::string label;  // "Tháng 11/2026", "Quý IV/2026", "Năm 2026", "01/11/2026 – 30/11/2026"
  std::map<std::string, std::string> query;  // the parameters that name it (for links)
};

// From the page's query parameters (all optional; the default is the current month at `now`):
//   ky=thang&nam=2026&thang=11 | ky=quy&nam=2026&quy=4 | ky=nam&nam=2026 |
//   ky=tuy-chon&tu=2026-11-01&den=2026-11-30 (both days included)
// INVALID_ARGUMENT with a message in Vietnamese for a person (e.g. "Tháng phải từ 1 đến 12.").
absl::StatusOr<ReportPeriod> ParseReportPeriod(const std::multimap<std::string, std::string>& params,
                                               absl::Time now);

// The calendar months of the trend: the 12 months ending with the month the period ends in.
struct MonthSpan {
  absl::Time from;
  absl::Time to;
  std::string label;  // "11/2026"
};
std::vector<MonthSpan> TrendMonths(const ReportPeriod& period, int months = 12);

}  // namespace lienthong::console

// Reporting periods of the indicator page.
#include "services/console/report_period.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/console/html.h"

namespace lienthong::console {
namespace {

absl::Time LocalMidnight(int64_t year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), VietnamTime());
}

std::string Param(const std::multimap<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

// An integer parameter in [min, max]; the message names it in words.
absl::StatusOr<int> IntParam(const std::multimap<std::string, std::string>& params,
                             const std::string& key, int min, int max, int fallback,
                             const std::string& what) {
  const std::string text = Param(params, key);
  if (text.empty()) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " phải là số từ ", min, " đến ", max, " (đã nhận \"", text, "\")."));
  }
  return value;
}

// "YYYY-MM-DD", a real day.
absl::StatusOr<absl::CivilDay> DayParam(const std::multimap<std::string, std::string>& params,
                                        const std::string& key, const std::string& what) {
  const std::string text = Param(params, key);
  absl::CivilDay day;
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("Thiếu ", what, " (dạng năm-tháng-ngày, ví dụ 2026-11-01)."));
  }
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(absl::StrCat(what, " không hợp lệ: \"", text,
                                                   "\" (dạng năm-tháng-ngày, ví dụ 2026-11-01)."));
  }
  return day;
}

const char* const kRoman[] = {"I", "II", "III", "IV"};

}  // namespace

absl::StatusOr<ReportPeriod> ParseReportPeriod(const std::multimap<std::string, std::string>& params,
                                               absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, VietnamTime());
  const std::string kind = Param(params, "ky").empty() ? "thang" : Param(params, "ky");
  ReportPeriod period;
  if (kind == "thang" || kind == "quy" || kind == "nam") {
    auto year = IntParam(params, "nam", 2000, 2100, static_cast<int>(today.year()), "Năm");
    if (!year.ok()) return year.status();
    period.query = {{"ky", kind}, {"nam", absl::StrCat(*year)}};
    if (kind == "thang") {
      auto month = IntParam(params, "thang", 1, 12, today.month(), "Tháng");
      if (!month.ok()) return month.status();
      period.from = LocalMidnight(*year, *month, 1);
      period.to = LocalMidnight(*year, *month + 1, 1);  // CivilDay normalises month 13
      period.label = absl::StrFormat("Tháng %02d/%d", *month, *year);
      period.query["thang"] = absl::StrCat(*month);
    } else if (kind == "quy") {
      auto quarter = IntParam(params, "quy", 1, 4, (today.month() - 1) / 3 + 1, "Quý");
      if (!quarter.ok()) return quarter.status();
      period.from = LocalMidnight(*year, (*quarter - 1) * 3 + 1, 1);
      period.to = LocalMidnight(*year, *quarter * 3 + 1, 1);
      period.label = absl::StrCat("Quý ", kRoman[*quarter - 1], "/", *year);
      period.query["quy"] = absl::StrCat(*quarter);
    } else {
      period.from = LocalMidnight(*year, 1, 1);
      period.to = LocalMidnight(*year + 1, 1, 1);
      period.label = absl::StrCat("Năm ", *year);
    }
    return period;
  }
  if (kind == "tuy-chon") {
    auto first = DayParam(params, "tu", "Ngày bắt đầu");
    if (!first.ok()) return first.status();
    auto last = DayParam(params, "den", "Ngày kết thúc");
    if (!last.ok()) return last.status();
    if (*last < *first) {
      return absl::InvalidArgumentError("Ngày kết thúc phải không sớm hơn ngày bắt đầu.");
    }
    if (*last - *first > 366 * 5) {
      return absl::InvalidArgumentError("Khoảng thời gian tùy chọn dài nhất là 5 năm.");
    }
    period.from = absl::FromCivil(*first, VietnamTime());
    period.to = absl::FromCivil(*last + 1, VietnamTime());
    period.label = absl::StrCat(FormatDate(period.from), " – ", FormatDate(period.to - absl::Hours(1)));
    period.query = {{"ky", kind}, {"tu", Param(params, "tu")}, {"den", Param(params, "den")}};
    return period;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "Kỳ báo cáo không hợp lệ: \"", kind, "\" (chọn tháng, quý, năm hoặc tùy chọn)."));
}

std::vector<MonthSpan> TrendMonths(const ReportPeriod& period, int months) {
  // The month of the period's last day.
  const absl::CivilMonth last =
      absl::CivilMonth(absl::ToCivilDay(period.to - absl::Seconds(1), VietnamTime()));
  std::vector<MonthSpan> spans;
  for (int i = months - 1; i >= 0; --i) {
    const absl::CivilMonth month = last - i;
    MonthSpan span;
    span.from = absl::FromCivil(month, VietnamTime());
    span.to = absl::FromCivil(month + 1, VietnamTime());
    span.label = absl::StrFormat("%02d/%d", month.month(), month.year());
    spans.push_back(std::move(span));
  }
  return spans;
}

}  // namespace lienthong::console

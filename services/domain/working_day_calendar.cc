// Due-date arithmetic over the yearly holiday calendar.
#include "services/domain/working_day_calendar.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::domain {
namespace {

constexpr int kVietnamUtcOffsetSeconds = 7 * 3600;

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

std::string DayText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

}  // namespace

absl::TimeZone VietnamTimeZone() { return absl::FixedTimeZone(kVietnamUtcOffsetSeconds); }

absl::StatusOr<DueDateCalendar> DueDateCalendar::Create(const DueDateCalendarConfig& config) {
  if (config.office_opens < absl::ZeroDuration() ||
      config.office_opens >= kDecree61InPersonCutoff ||
      config.office_closes <= kDecree61InPersonCutoff || config.office_closes > absl::Hours(24)) {
    return absl::InvalidArgumentError(
        "calendar: office hours must open before and close after the 15:00 in-person cut-off");
  }
  DueDateCalendar calendar;
  calendar.office_opens_ = config.office_opens;
  calendar.office_closes_ = config.office_closes;
  for (const auto& [year, days] : config.days_off_by_year) {
    calendar.covered_years_.insert(year);
    for (absl::CivilDay day : days) {
      if (day.year() != year) {
        return absl::InvalidArgumentError(absl::StrCat("calendar: day off ", DayText(day),
                                                       " is listed under year ", year));
      }
      calendar.days_off_.insert(day);
    }
    for (const MonthDay& holiday : kLabourCode2019FixedHolidays) {
      const absl::CivilDay day(year, holiday.month, holiday.day);
      if (!calendar.days_off_.contains(day)) {
        return absl::InvalidArgumentError(
            absl::StrCat("calendar: year ", year, " lacks the Labour Code 2019 Art. 112 holiday ",
                         DayText(day), " (list it even when it falls on a weekend)"));
      }
    }
  }
  for (absl::CivilDay day : config.make_up_working_days) {
    if (!IsWeekend(day) || calendar.days_off_.contains(day) ||
        !calendar.covered_years_.contains(static_cast<int>(day.year()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "calendar: make-up working day ", DayText(day),
          " must be a Saturday or Sunday of a covered year and not a day off"));
    }
    calendar.make_up_working_days_.insert(day);
  }
  return calendar;
}

bool DueDateCalendar::CoversYear(int year) const { return covered_years_.contains(year); }

absl::StatusOr<bool> DueDateCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (!CoversYear(static_cast<int>(day.year()))) {
    return absl::FailedPreconditionError(
        absl::StrCat("calendar: no holiday list for year ", day.year()));
  }
  if (make_up_working_days_.contains(day)) return true;
  return !IsWeekend(day) && !days_off_.contains(day);
}

absl::StatusOr<absl::CivilDay> DueDateCalendar::NextWorkingDay(absl::CivilDay day) const {
  // Ends: every covered year has weekdays that are not off, or the scan reaches an uncovered
  // year and fails.
  while (true) {
    ++day;
    ASSIGN_OR_RETURN(const bool working, IsWorkingDay(day));
    if (working) return day;
  }
}

absl::StatusOr<absl::Time> DueDateCalendar::EffectiveReceiptTime(absl::Time received,
                                                                 bool in_person) const {
  const absl::TimeZone zone = VietnamTimeZone();
  const absl::CivilDay day = absl::ToCivilDay(received, zone);
  const absl::Time day_start = absl::FromCivil(day, zone);
  const absl::Duration time_of_day = received - day_start;
  const absl::Duration intake_ends = in_person ? kDecree61InPersonCutoff : office_closes_;

  ASSIGN_OR_RETURN(const bool working, IsWorkingDay(day));
  if (!working || time_of_day >= intake_ends) {
    ASSIGN_OR_RETURN(const absl::CivilDay next, NextWorkingDay(day));
    return absl::FromCivil(next, zone) + office_opens_;
  }
  if (time_of_day < office_opens_) return day_start + office_opens_;
  return received;
}

absl::StatusOr<absl::Time> DueDateCalendar::DueTime(absl::Time received,
                                                    int processing_working_days,
                                                    bool in_person) const {
  if (processing_working_days < 0) {
    return absl::InvalidArgumentError("processing working days must not be negative");
  }
  ASSIGN_OR_RETURN(const absl::Time start, EffectiveReceiptTime(received, in_person));
  const absl::TimeZone zone = VietnamTimeZone();
  absl::CivilDay day = absl::ToCivilDay(start, zone);
  for (int i = 0; i < processing_working_days; ++i) {
    ASSIGN_OR_RETURN(day, NextWorkingDay(day));
  }
  return absl::FromCivil(day, zone) + office_closes_;
}

absl::StatusOr<int> DueDateCalendar::WorkingDaysBetween(absl::Time a, absl::Time b) const {
  const absl::TimeZone zone = VietnamTimeZone();
  absl::CivilDay from = absl::ToCivilDay(a, zone);
  absl::CivilDay to = absl::ToCivilDay(b, zone);
  const int sign = to < from ? -1 : 1;
  if (to < from) std::swap(from, to);
  int count = 0;
  for (absl::CivilDay day = from + 1; day <= to; ++day) {
    ASSIGN_OR_RETURN(const bool working, IsWorkingDay(day));
    if (working) ++count;
  }
  return sign * count;
}

}  // namespace lienthong::domain

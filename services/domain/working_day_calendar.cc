// Due-date arithmetic over the yearly holiday calendar.
#include "services/domain/working_day_calendar.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status_macros.h"

namespace lienthong::domain {
namespace {

constexpr int kVietnamUtcOffsetSeconds = 7 * 3600;

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

std::string DayText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

bool IsFixedHoliday(absl::CivilDay day) {
  for (const MonthDay& holiday : kLabourCode2019FixedHolidays) {
    if (day.month() == holiday.month && day.day() == holiday.day) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> CompensatoryDayProblems(const DueDateCalendarConfig& config) {
  std::vector<std::string> problems;
  absl::btree_set<absl::CivilDay> days_off;
  for (const auto& [year, days] : config.days_off_by_year) days_off.insert(days.begin(), days.end());
  const absl::btree_set<absl::CivilDay> make_up(config.make_up_working_days.begin(),
                                                config.make_up_working_days.end());
  auto is_rest = [&](absl::CivilDay day) {
    return !make_up.contains(day) && (IsWeekend(day) || days_off.contains(day));
  };
  for (const auto& [year, days] : config.days_off_by_year) {
    for (const MonthDay& holiday : kLabourCode2019FixedHolidays) {
      const absl::CivilDay day(year, holiday.month, holiday.day);
      if (!IsWeekend(day) || make_up.contains(day)) continue;
      // The run of rest days around it; a run reaching an unlisted year is judged on what is
      // listed (the next year's list is checked on its own).
      absl::CivilDay first = day;
      while (is_rest(first - 1)) --first;
      absl::CivilDay last = day;
      while (is_rest(last + 1) && (last + 1) - first < 60) ++last;
      int fixed = 0;
      int weekdays_off = 0;
      for (absl::CivilDay d = first; d <= last; ++d) {
        if (IsFixedHoliday(d)) ++fixed;
        if (!IsWeekend(d)) ++weekdays_off;
      }
      // Report each short run once, at its first weekend holiday.
      bool first_weekend_holiday = true;
      for (absl::CivilDay d = first; d < day; ++d) {
        if (IsFixedHoliday(d) && IsWeekend(d)) first_weekend_holiday = false;
      }
      if (weekdays_off < fixed && first_weekend_holiday) {
        problems.push_back(absl::StrCat(
            "year ", year, ": ", DayText(day), " falls on a ",
            absl::GetWeekday(day) == absl::Weekday::saturday ? "Saturday" : "Sunday",
            " and the list gives ", weekdays_off, " weekday(s) off around it for ", fixed,
            " holiday(s): list the compensatory day off (the next working day, Labour Code "
            "2019 Art. 112.3)"));
      }
    }
  }
  return problems;
}

absl::TimeZone VietnamTimeZone() { return absl::FixedTimeZone(kVietnamUtcOffsetSeconds); }

absl::StatusOr<DueDateCalendar> DueDateCalendar::Create(const DueDateCalendarConfig& config) {
  if (config.office_opens < absl::ZeroDuration() || config.office_opens >= config.office_closes ||
      config.office_closes > absl::Hours(24)) {
    return absl::InvalidArgumentError("calendar: office hours must open before they close");
  }
  if (config.in_person_cutoff_applies && (config.office_opens >= config.in_person_cutoff ||
                                          config.office_closes <= config.in_person_cutoff)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calendar: office hours must open before and close after the in-person cut-off ",
        absl::FormatDuration(config.in_person_cutoff)));
  }
  DueDateCalendar calendar;
  calendar.office_opens_ = config.office_opens;
  calendar.office_closes_ = config.office_closes;
  calendar.in_person_cutoff_ = config.in_person_cutoff;
  calendar.in_person_cutoff_applies_ = config.in_person_cutoff_applies;
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
  if (const std::vector<std::string> problems = CompensatoryDayProblems(config);
      !problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("calendar: ", absl::StrJoin(problems, "; ")));
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
  const absl::Duration intake_ends =
      in_person && in_person_cutoff_applies_ ? in_person_cutoff_ : office_closes_;

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

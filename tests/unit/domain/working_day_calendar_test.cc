// Tests of working days and due times against the 2025 calendar of state agencies.
#include "services/domain/working_day_calendar.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

using absl::CivilDay;

absl::Time Local(int year, int month, int day, int hour, int minute = 0, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         VietnamTimeZone());
}

// The 2025 weekdays off for state agencies (Notice 6150/TB-BLĐTBXH, 2024, and the
// Government's announcement for Hùng Kings' day): 1 Jan; Tết 27-31 Jan (off Sat 25 Jan to Sun
// 2 Feb); Hùng Kings 7 Apr; 30 Apr, 1 May and bridge day Fri 2 May worked on Sat 26 Apr;
// National Day 1-2 Sep.
DueDateCalendarConfig Config2025() {
  DueDateCalendarConfig config;
  config.days_off_by_year[2025] = {
      CivilDay(2025, 1, 1),  CivilDay(2025, 1, 27), CivilDay(2025, 1, 28), CivilDay(2025, 1, 29),
      CivilDay(2025, 1, 30), CivilDay(2025, 1, 31), CivilDay(2025, 4, 7),  CivilDay(2025, 4, 30),
      CivilDay(2025, 5, 1),  CivilDay(2025, 5, 2),  CivilDay(2025, 9, 1),  CivilDay(2025, 9, 2)};
  config.make_up_working_days = {CivilDay(2025, 4, 26)};
  return config;
}

DueDateCalendar Calendar2025() {
  absl::StatusOr<DueDateCalendar> calendar = DueDateCalendar::Create(Config2025());
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *std::move(calendar);
}

absl::Time Due(const DueDateCalendar& calendar, absl::Time received, int days, bool in_person) {
  absl::StatusOr<absl::Time> due = calendar.DueTime(received, days, in_person);
  EXPECT_TRUE(due.ok()) << due.status();
  return due.value_or(absl::InfinitePast());
}

absl::Time Effective(const DueDateCalendar& calendar, absl::Time received, bool in_person) {
  absl::StatusOr<absl::Time> effective = calendar.EffectiveReceiptTime(received, in_person);
  EXPECT_TRUE(effective.ok()) << effective.status();
  return effective.value_or(absl::InfinitePast());
}

TEST(VietnamTimeZone, IsUtcPlusSeven) {
  EXPECT_EQ(Local(2025, 3, 10, 7), absl::FromCivil(absl::CivilSecond(2025, 3, 10, 0, 0, 0),
                                                   absl::UTCTimeZone()));
}

TEST(IsWorkingDay, WeekendsHolidaysAndMakeUpDays) {
  const DueDateCalendar calendar = Calendar2025();
  struct Case {
    CivilDay day;
    bool working;
  };
  for (const Case& c : {
           Case{CivilDay(2025, 3, 10), true},   // Monday.
           Case{CivilDay(2025, 3, 8), false},   // Saturday.
           Case{CivilDay(2025, 3, 9), false},   // Sunday.
           Case{CivilDay(2025, 1, 1), false},   // New Year.
           Case{CivilDay(2025, 1, 24), true},   // Friday before Tết.
           Case{CivilDay(2025, 1, 29), false},  // Tết.
           Case{CivilDay(2025, 2, 3), true},    // First day back.
           Case{CivilDay(2025, 4, 7), false},   // Hùng Kings.
           Case{CivilDay(2025, 4, 26), true},   // Make-up Saturday.
           Case{CivilDay(2025, 4, 27), false},  // Sunday after it.
           Case{CivilDay(2025, 5, 2), false},   // Bridge day.
           Case{CivilDay(2025, 9, 1), false},   // Day adjacent to National Day.
           Case{CivilDay(2025, 9, 3), true},
       }) {
    absl::StatusOr<bool> working = calendar.IsWorkingDay(c.day);
    ASSERT_TRUE(working.ok()) << working.status();
    EXPECT_EQ(*working, c.working) << c.day;
  }
}

TEST(DueTime, SkipsWeekends) {
  const DueDateCalendar calendar = Calendar2025();
  // Friday 7 Mar, 1 working day: Monday 10 Mar at closing.
  EXPECT_EQ(Due(calendar, Local(2025, 3, 7, 10), 1, true), Local(2025, 3, 10, 17));
  // Monday 10 Mar, 5 working days: Monday 17 Mar.
  EXPECT_EQ(Due(calendar, Local(2025, 3, 10, 9), 5, true), Local(2025, 3, 17, 17));
  // Zero days: closing time the same day.
  EXPECT_EQ(Due(calendar, Local(2025, 3, 10, 9), 0, true), Local(2025, 3, 10, 17));
}

TEST(DueTime, SkipsHolidays) {
  const DueDateCalendar calendar = Calendar2025();
  // Tết: Friday 24 Jan + 1 is Monday 3 Feb.
  EXPECT_EQ(Due(calendar, Local(2025, 1, 24, 9), 1, true), Local(2025, 2, 3, 17));
  // Hùng Kings: Friday 4 Apr + 1 is Tuesday 8 Apr.
  EXPECT_EQ(Due(calendar, Local(2025, 4, 4, 9), 1, true), Local(2025, 4, 8, 17));
  // 30 Apr - 4 May: Friday 25 Apr + 1 is the make-up Saturday 26 Apr, + 2 is Monday 5 May.
  EXPECT_EQ(Due(calendar, Local(2025, 4, 25, 9), 1, true), Local(2025, 4, 26, 17));
  EXPECT_EQ(Due(calendar, Local(2025, 4, 25, 9), 2, true), Local(2025, 4, 28, 17));
  EXPECT_EQ(Due(calendar, Local(2025, 4, 29, 9), 1, true), Local(2025, 5, 5, 17));
  // National Day: Friday 29 Aug + 1 is Wednesday 3 Sep.
  EXPECT_EQ(Due(calendar, Local(2025, 8, 29, 9), 1, true), Local(2025, 9, 3, 17));
  // New Year's day received online: the clock starts Thursday 2 Jan.
  EXPECT_EQ(Due(calendar, Local(2025, 1, 1, 10), 0, false), Local(2025, 1, 2, 17));
  EXPECT_EQ(Due(calendar, Local(2025, 1, 1, 10), 2, false), Local(2025, 1, 6, 17));
}

TEST(EffectiveReceiptTime, InPersonAtOrAfterFifteenMovesToNextWorkingDay) {
  const DueDateCalendar calendar = Calendar2025();
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 14, 59, 59), true), Local(2025, 3, 10, 14, 59, 59));
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 15), true), Local(2025, 3, 11, 8));
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 16, 30), true), Local(2025, 3, 11, 8));
  // Friday after 15:00 skips the weekend.
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 7, 15, 1), true), Local(2025, 3, 10, 8));
  // 08:30 UTC is 15:30 in Vietnam.
  EXPECT_EQ(Effective(calendar, absl::FromCivil(absl::CivilSecond(2025, 3, 10, 8, 30, 0),
                                                absl::UTCTimeZone()),
                      true),
            Local(2025, 3, 11, 8));

  EXPECT_EQ(Due(calendar, Local(2025, 3, 10, 14, 59), 0, true), Local(2025, 3, 10, 17));
  EXPECT_EQ(Due(calendar, Local(2025, 3, 10, 15), 0, true), Local(2025, 3, 11, 17));
  EXPECT_EQ(Due(calendar, Local(2025, 3, 10, 15), 3, true), Local(2025, 3, 14, 17));
}

TEST(EffectiveReceiptTime, OnlineCountsUntilClosing) {
  const DueDateCalendar calendar = Calendar2025();
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 15, 30), false), Local(2025, 3, 10, 15, 30));
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 16, 59, 59), false),
            Local(2025, 3, 10, 16, 59, 59));
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 17), false), Local(2025, 3, 11, 8));
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 23, 59), false), Local(2025, 3, 11, 8));
  // Before opening: the clock starts at opening the same day.
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 10, 6), false), Local(2025, 3, 10, 8));
  // Saturday: Monday at opening.
  EXPECT_EQ(Effective(calendar, Local(2025, 3, 8, 10), false), Local(2025, 3, 10, 8));
  EXPECT_EQ(Due(calendar, Local(2025, 3, 8, 10), 1, false), Local(2025, 3, 11, 17));
  // Make-up Saturday is a working day.
  EXPECT_EQ(Effective(calendar, Local(2025, 4, 26, 10), false), Local(2025, 4, 26, 10));
}

TEST(DueTime, OfficeHoursComeFromConfig) {
  DueDateCalendarConfig config = Config2025();
  config.office_opens = absl::Hours(7) + absl::Minutes(30);
  config.office_closes = absl::Hours(16) + absl::Minutes(30);
  absl::StatusOr<DueDateCalendar> calendar = DueDateCalendar::Create(config);
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_EQ(Effective(*calendar, Local(2025, 3, 10, 16, 30), false), Local(2025, 3, 11, 7, 30));
  EXPECT_EQ(Due(*calendar, Local(2025, 3, 10, 9), 1, true), Local(2025, 3, 11, 16, 30));
}

TEST(DueTime, NegativeDaysAreInvalid) {
  const DueDateCalendar calendar = Calendar2025();
  EXPECT_EQ(calendar.DueTime(Local(2025, 3, 10, 9), -1, true).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DueTime, FailsWhenTheComputationReachesAnUncoveredYear) {
  const DueDateCalendar calendar = Calendar2025();
  EXPECT_TRUE(calendar.CoversYear(2025));
  EXPECT_FALSE(calendar.CoversYear(2026));

  // Monday 29 Dec 2025 + 3 working days crosses into 2026, whose holidays are not configured.
  absl::StatusOr<absl::Time> due = calendar.DueTime(Local(2025, 12, 29, 9), 3, true);
  EXPECT_EQ(due.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(due.status().message(), "calendar: no holiday list for year 2026");
  // Within 2025 it still works: + 2 is Wednesday 31 Dec.
  EXPECT_EQ(Due(calendar, Local(2025, 12, 29, 9), 2, true), Local(2025, 12, 31, 17));
  // Received after 15:00 on Wednesday 31 Dec: the next working day is already in 2026.
  EXPECT_EQ(calendar.EffectiveReceiptTime(Local(2025, 12, 31, 15), true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Received in 2024.
  EXPECT_EQ(calendar.DueTime(Local(2024, 12, 30, 9), 1, true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(calendar.IsWorkingDay(CivilDay(2026, 1, 5)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(calendar.WorkingDaysBetween(Local(2025, 12, 30, 9), Local(2026, 1, 2, 9))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(DueTime, CrossesIntoACoveredYear) {
  DueDateCalendarConfig config = Config2025();
  // Test data: only the fixed-date holidays of 2026, enough for early January.
  config.days_off_by_year[2026] = {CivilDay(2026, 1, 1), CivilDay(2026, 4, 30),
                                   CivilDay(2026, 5, 1), CivilDay(2026, 9, 2)};
  absl::StatusOr<DueDateCalendar> calendar = DueDateCalendar::Create(config);
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  // Monday 29 Dec 2025 + 3: 30 Dec, 31 Dec, (1 Jan off), Friday 2 Jan 2026.
  EXPECT_EQ(Due(*calendar, Local(2025, 12, 29, 9), 3, true), Local(2026, 1, 2, 17));
}

TEST(WorkingDaysBetween, CountsDaysAfterTheFirstUpToTheSecond) {
  const DueDateCalendar calendar = Calendar2025();
  EXPECT_EQ(*calendar.WorkingDaysBetween(Local(2025, 1, 24, 9), Local(2025, 2, 3, 9)), 1);
  EXPECT_EQ(*calendar.WorkingDaysBetween(Local(2025, 2, 3, 9), Local(2025, 1, 24, 9)), -1);
  EXPECT_EQ(*calendar.WorkingDaysBetween(Local(2025, 3, 10, 9), Local(2025, 3, 10, 16)), 0);
  EXPECT_EQ(*calendar.WorkingDaysBetween(Local(2025, 3, 7, 9), Local(2025, 3, 9, 9)), 0);
  // All of April 2025: 22 weekdays, minus 7 and 30 Apr, plus Saturday 26 Apr.
  EXPECT_EQ(*calendar.WorkingDaysBetween(Local(2025, 3, 31, 9), Local(2025, 4, 30, 9)), 21);
  // DueTime and WorkingDaysBetween agree.
  for (int days = 0; days <= 30; ++days) {
    const absl::Time received = Local(2025, 4, 3, 15, 30);
    const absl::Time start = Effective(calendar, received, true);
    EXPECT_EQ(*calendar.WorkingDaysBetween(start, Due(calendar, received, days, true)), days)
        << days;
  }
}

TEST(DueDateCalendarConfig, RejectsInconsistentConfig) {
  struct Case {
    const char* name;
    DueDateCalendarConfig config;
    const char* message;
  };
  DueDateCalendarConfig misfiled = Config2025();
  misfiled.days_off_by_year[2025].push_back(CivilDay(2026, 1, 1));
  DueDateCalendarConfig missing_fixed = Config2025();
  missing_fixed.days_off_by_year[2025].pop_back();  // Drops 2 Sep.
  DueDateCalendarConfig weekday_make_up = Config2025();
  weekday_make_up.make_up_working_days.push_back(CivilDay(2025, 3, 10));
  DueDateCalendarConfig uncovered_make_up = Config2025();
  uncovered_make_up.make_up_working_days.push_back(CivilDay(2026, 1, 3));
  DueDateCalendarConfig make_up_on_day_off = Config2025();
  make_up_on_day_off.days_off_by_year[2025].push_back(CivilDay(2025, 4, 26));
  DueDateCalendarConfig closes_early = Config2025();
  closes_early.office_closes = absl::Hours(15);
  DueDateCalendarConfig opens_late = Config2025();
  opens_late.office_opens = absl::Hours(15);

  const char* make_up_message =
      " must be a Saturday or Sunday of a covered year and not a day off";
  for (const Case& c : {
           Case{"misfiled", misfiled,
                "calendar: day off 2026-01-01 is listed under year 2025"},
           Case{"missing_fixed", missing_fixed,
                "calendar: year 2025 lacks the Labour Code 2019 Art. 112 holiday 2025-09-02 "
                "(list it even when it falls on a weekend)"},
           Case{"weekday_make_up", weekday_make_up, ""},
           Case{"uncovered_make_up", uncovered_make_up, ""},
           Case{"make_up_on_day_off", make_up_on_day_off, ""},
           Case{"closes_early", closes_early,
                "calendar: office hours must open before and close after the in-person "
                "cut-off 15h"},
           Case{"opens_late", opens_late,
                "calendar: office hours must open before and close after the in-person "
                "cut-off 15h"},
       }) {
    absl::StatusOr<DueDateCalendar> calendar = DueDateCalendar::Create(c.config);
    EXPECT_EQ(calendar.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    if (*c.message != '\0') {
      EXPECT_EQ(calendar.status().message(), c.message) << c.name;
    }
  }
  EXPECT_EQ(DueDateCalendar::Create(weekday_make_up).status().message(),
            std::string("calendar: make-up working day 2025-03-10") + make_up_message);
  EXPECT_EQ(DueDateCalendar::Create(uncovered_make_up).status().message(),
            std::string("calendar: make-up working day 2026-01-03") + make_up_message);
  EXPECT_EQ(DueDateCalendar::Create(make_up_on_day_off).status().message(),
            std::string("calendar: make-up working day 2025-04-26") + make_up_message);
}

// The in-person cut-off is a setting: its time, and whether it applies at all.
TEST(InPersonCutoffSetting, MovesTheStartOnlyWhenItApplies) {
  // Thursday 6 Mar 2025, 15:30, in person.
  const absl::Time received = Local(2025, 3, 6, 15, 30);
  DueDateCalendarConfig default_config = Config2025();
  const DueDateCalendar by_default = *DueDateCalendar::Create(default_config);
  EXPECT_EQ(Effective(by_default, received, true), Local(2025, 3, 7, 8));

  DueDateCalendarConfig later = Config2025();
  later.in_person_cutoff = absl::Hours(16);
  const DueDateCalendar at_16 = *DueDateCalendar::Create(later);
  EXPECT_EQ(Effective(at_16, received, true), received);
  EXPECT_EQ(Effective(at_16, Local(2025, 3, 6, 16), true), Local(2025, 3, 7, 8));

  DueDateCalendarConfig off = Config2025();
  off.in_person_cutoff_applies = false;
  const DueDateCalendar no_cutoff = *DueDateCalendar::Create(off);
  EXPECT_EQ(Effective(no_cutoff, received, true), received);
  EXPECT_EQ(Effective(no_cutoff, Local(2025, 3, 6, 17), true), Local(2025, 3, 7, 8));

  // A cut-off outside office hours is refused while it applies, ignored when it does not.
  DueDateCalendarConfig outside = Config2025();
  outside.in_person_cutoff = absl::Hours(18);
  EXPECT_EQ(DueDateCalendar::Create(outside).status().code(),
            absl::StatusCode::kInvalidArgument);
  outside.in_person_cutoff_applies = false;
  EXPECT_TRUE(DueDateCalendar::Create(outside).ok());
}

// The 2026 calendar of state agencies as announced: New Year 1-4 Jan with Fri 2 Jan worked on
// Sat 10 Jan (letter 12729/VPCP-KGVX); Tết 14-22 Feb; Hùng Kings Mon 27 Apr; 30 Apr-1 May;
// National Day 29 Aug-2 Sep with Mon 31 Aug worked on Sat 22 Aug (secondary sources).
DueDateCalendarConfig Config2026() {
  DueDateCalendarConfig config;
  config.days_off_by_year[2026] = {
      CivilDay(2026, 1, 1),  CivilDay(2026, 1, 2),  CivilDay(2026, 2, 16), CivilDay(2026, 2, 17),
      CivilDay(2026, 2, 18), CivilDay(2026, 2, 19), CivilDay(2026, 2, 20), CivilDay(2026, 4, 27),
      CivilDay(2026, 4, 30), CivilDay(2026, 5, 1),  CivilDay(2026, 8, 31), CivilDay(2026, 9, 1),
      CivilDay(2026, 9, 2)};
  config.make_up_working_days = {CivilDay(2026, 1, 10), CivilDay(2026, 8, 22)};
  return config;
}

TEST(Calendar2026AsAnnounced, SwappedDaysAndSaturdays) {
  absl::StatusOr<DueDateCalendar> calendar = DueDateCalendar::Create(Config2026());
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_FALSE(*calendar->IsWorkingDay(CivilDay(2026, 1, 2)));
  EXPECT_TRUE(*calendar->IsWorkingDay(CivilDay(2026, 1, 10)));  // Saturday worked
  EXPECT_FALSE(*calendar->IsWorkingDay(CivilDay(2026, 8, 31)));
  EXPECT_TRUE(*calendar->IsWorkingDay(CivilDay(2026, 8, 22)));  // Saturday worked
  EXPECT_TRUE(*calendar->IsWorkingDay(CivilDay(2026, 9, 3)));
  // Monday 5 Jan 2026 + 5 working days:
  // 6, 7, 8, 9 Jan and Saturday 10 Jan.
  EXPECT_EQ(Due(*calendar, Local(2026, 1, 5, 9), 5, false), Local(2026, 1, 10, 17));
  // Friday 28 Aug + 1: the next working day is Thursday 3 Sep.
  EXPECT_EQ(Due(*calendar, Local(2026, 8, 28, 9), 1, false), Local(2026, 9, 3, 17));
}

// Labour Code 2019 Art. 112.3: a fixed holiday on a weekend needs a compensatory weekday off.
TEST(CompensatoryDayRule, RefusesAYearWithoutTheCompensatoryDay) {
  // 2027 (provisional): Saturday 1 May needs Monday 3 May off.
  DueDateCalendarConfig config;
  config.days_off_by_year[2027] = {CivilDay(2027, 1, 1), CivilDay(2027, 4, 30),
                                   CivilDay(2027, 5, 1), CivilDay(2027, 9, 2),
                                   CivilDay(2027, 9, 3)};
  const std::vector<std::string> problems = CompensatoryDayProblems(config);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "year 2027: 2027-05-01 falls on a Saturday and the list gives 1 weekday(s) off around "
            "it for 2 holiday(s): list the compensatory day off (the next working day, Labour "
            "Code 2019 Art. 112.3)");
  absl::StatusOr<DueDateCalendar> refused = DueDateCalendar::Create(config);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "calendar: " + problems[0]);

  config.days_off_by_year[2027].push_back(CivilDay(2027, 5, 3));
  EXPECT_TRUE(CompensatoryDayProblems(config).empty());
  EXPECT_TRUE(DueDateCalendar::Create(config).ok());
}

TEST(CompensatoryDayRule, AcceptsWeekdayHolidaysAndTwoWeekendHolidaysMadeUp) {
  EXPECT_TRUE(CompensatoryDayProblems(Config2025()).empty());
  EXPECT_TRUE(CompensatoryDayProblems(Config2026()).empty());
  // 2022: Saturday 30 Apr and Sunday 1 May, made up on Monday 2 and Tuesday 3 May; Saturday
  // 1 Jan made up on Monday 3 Jan.
  DueDateCalendarConfig config;
  config.days_off_by_year[2022] = {CivilDay(2022, 1, 1), CivilDay(2022, 1, 3),
                                   CivilDay(2022, 4, 30), CivilDay(2022, 5, 1),
                                   CivilDay(2022, 5, 2),  CivilDay(2022, 5, 3),
                                   CivilDay(2022, 9, 1),  CivilDay(2022, 9, 2)};
  EXPECT_TRUE(CompensatoryDayProblems(config).empty());
  // Only one of the two made up: refused, once for the run.
  config.days_off_by_year[2022].erase(config.days_off_by_year[2022].begin() + 5);
  const std::vector<std::string> problems = CompensatoryDayProblems(config);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("2022-04-30 falls on a Saturday"), std::string::npos);
}

}  // namespace
}  // namespace lienthong::domain

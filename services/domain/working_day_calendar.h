// Working days and due dates (ngày hẹn trả) for one-stop dossiers, in Vietnam's local time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lienthong::domain {

// Vietnam keeps UTC+7 all year (Asia/Ho_Chi_Minh, no daylight saving); a fixed zone needs no
// tzdata on the host.
absl::TimeZone VietnamTimeZone();

// The afternoon cut-off for paper dossiers. Decree 61/2018/NĐ-CP Art. 18.2 said that paper
// dossiers received after 15:00 are forwarded to the handling unit the next working morning; it
// did not say that the processing time starts then. Whether Decree 118/2025/NĐ-CP (which
// replaced Decree 61 on 1 July 2025) keeps such a rule, and whether it moves the start of the
// processing time, could not be confirmed from its text (docs/domain.md). So the cut-off is a
// setting (calendar.in_person_cutoff in the config): when it applies, a paper dossier received
// at or after it starts its clock the next working day; this is the default, 15:00, the
// behaviour of earlier releases.
inline constexpr absl::Duration kDefaultInPersonCutoff = absl::Hours(15);

// Labour Code 2019 Art. 112 holidays on fixed solar dates (month, day). Tết (5 days) and Hùng
// Kings' day (10/3 lunar) move every year, so they come from the yearly list alone.
struct MonthDay {
  int month;
  int day;
};
inline constexpr MonthDay kLabourCode2019FixedHolidays[] = {{1, 1}, {4, 30}, {5, 1}, {9, 2}};

struct DueDateCalendarConfig {
  // Every weekday off in a year, keyed by year: the Art. 112 holidays, the day adjacent to 2 Sep,
  // compensatory days and bridge days the government announces for the year. A year present
  // here is covered; computations that reach an uncovered year fail instead of guessing.
  std::map<int, std::vector<absl::CivilDay>> days_off_by_year;
  // Saturdays or Sundays worked in exchange for a bridge day (e.g. Sat 26 Apr 2025 for Fri 2 May).
  std::vector<absl::CivilDay> make_up_working_days;
  // Office hours differ by locality; processing starts at opening and a due day ends at closing.
  absl::Duration office_opens = absl::Hours(8);
  absl::Duration office_closes = absl::Hours(17);
  // The in-person cut-off (time of day) and whether it moves the start of the clock at all.
  absl::Duration in_person_cutoff = kDefaultInPersonCutoff;
  bool in_person_cutoff_applies = true;
};

// Labour Code 2019 Art. 112.3: a holiday that falls on a weekly rest day (Saturday or Sunday
// for state agencies) is made up by a day off on the next working day. For each run of
// consecutive days off (weekends and listed days off, make-up working days ending a run) that
// holds one of kLabourCode2019FixedHolidays on a weekend, the run must hold at least as many
// weekdays off as fixed holidays. Tết and Hùng Kings' day follow the lunar calendar and come
// with the government's yearly announcement, so they are not checked here. The problems found,
// one a line, e.g. "year 2027: 2027-05-01 falls on a Saturday and the list gives no
// compensatory day off after it (Labour Code 2019 Art. 112.3)"; empty when none.
std::vector<std::string> CompensatoryDayProblems(const DueDateCalendarConfig& config);

// Working-day arithmetic over a validated holiday calendar. Working days are Monday to Friday
// (Decision 188/1999/QĐ-TTg: state agencies rest on Saturday and Sunday), minus the days off,
// plus the make-up days. Every function that looks at a day of a year the calendar does not
// cover returns FAILED_PRECONDITION naming the year.
class DueDateCalendar {
 public:
  // INVALID_ARGUMENT when a day off is filed under another year, a covered year lacks one of
  // kLabourCode2019FixedHolidays, a make-up day falls on a weekday, on a day off or in an
  // uncovered year, the office hours do not contain the in-person cut-off (when it applies), or
  // a year breaks the compensatory-day rule (CompensatoryDayProblems).
  static absl::StatusOr<DueDateCalendar> Create(const DueDateCalendarConfig& config);

  bool CoversYear(int year) const;

  absl::StatusOr<bool> IsWorkingDay(absl::CivilDay day) const;

  // When the processing clock starts. It starts at once during office hours of a working day,
  // except that in person the day ends at the in-person cut-off when it applies. Received later, or on a day
  // off, it starts at the next working day's opening; received before opening, at that day's
  // opening. Online dossiers count until closing: nobody can take them in after that.
  absl::StatusOr<absl::Time> EffectiveReceiptTime(absl::Time received, bool in_person) const;

  // Closing time of the N-th working day after the effective receipt day; N = 0 is closing time
  // on the effective receipt day itself. INVALID_ARGUMENT for a negative N. After a supplement,
  // the clock restarts (Decree 118/2025, as in Decree 61/2018): pass the time the supplement
  // was received.
  absl::StatusOr<absl::Time> DueTime(absl::Time received, int processing_working_days,
                                     bool in_person) const;

  // Working days d with local day(a) < d <= local day(b); negative when b is before a. So
  // WorkingDaysBetween(EffectiveReceiptTime(r), DueTime(r, n)) == n.
  absl::StatusOr<int> WorkingDaysBetween(absl::Time a, absl::Time b) const;

 private:
  DueDateCalendar() = default;

  // The first working day after `day`.
  absl::StatusOr<absl::CivilDay> NextWorkingDay(absl::CivilDay day) const;

  absl::btree_set<int> covered_years_;
  absl::btree_set<absl::CivilDay> days_off_;
  absl::btree_set<absl::CivilDay> make_up_working_days_;
  absl::Duration office_opens_;
  absl::Duration office_closes_;
  absl::Duration in_person_cutoff_;
  bool in_person_cutoff_applies_ = true;
};

}  // namespace lienthong::domain

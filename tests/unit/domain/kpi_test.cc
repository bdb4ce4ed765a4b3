// Tests of the KPI classification on a small data set with known counts.
#include "services/domain/kpi.h"

#include <vector>

#include "gtest/gtest.h"
#include "services/domain/working_day_calendar.h"

namespace lienthong::domain {
namespace {

absl::Time Local(int year, int month, int day, int hour = 0, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), VietnamTimeZone());
}

const KpiPeriod kMarch2025{Local(2025, 3, 1), Local(2025, 4, 1)};

DossierKpiFacts Dossier(absl::Time received_at, Channel channel, DossierStatus status) {
  DossierKpiFacts facts;
  facts.received_at = received_at;
  facts.channel = channel;
  facts.status = status;
  return facts;
}

DossierKpiFacts Finished(DossierKpiFacts facts, absl::Time finished_at,
                         std::optional<absl::Time> due_at) {
  facts.finished_at = finished_at;
  facts.due_at = due_at;
  return facts;
}

TEST(Kpi, CountsASmallDataSet) {
  using S = DossierStatus;
  std::vector<DossierKpiFacts> dossiers;
  // A: online, returned, finished two days early, digitised, paid online.
  DossierKpiFacts a = Finished(Dossier(Local(2025, 3, 3, 9), Channel::kOnline, S::kResultReturned),
                               Local(2025, 3, 5, 10), Local(2025, 3, 7, 17));
  a.has_digitised_components = true;
  a.paid_online = true;
  dossiers.push_back(a);
  // B: in person, result by post, finished on the due day before closing: on time.
  DossierKpiFacts b = Finished(Dossier(Local(2025, 3, 4, 9), Channel::kInPerson, S::kFinished),
                               Local(2025, 3, 7, 16), Local(2025, 3, 7, 17));
  b.result_returned_by_post = true;
  dossiers.push_back(b);
  // C: postal, finished the morning after the due day: late; digitised.
  DossierKpiFacts c = Finished(Dossier(Local(2025, 3, 5, 9), Channel::kPostal, S::kFinished),
                               Local(2025, 3, 12, 9), Local(2025, 3, 11, 17));
  c.has_digitised_components = true;
  dossiers.push_back(c);
  // D: online, in process, due 20 Mar: overdue at `now`; paid online.
  DossierKpiFacts d = Dossier(Local(2025, 3, 6, 9), Channel::kOnline, S::kInProcess);
  d.due_at = Local(2025, 3, 20, 17);
  d.paid_online = true;
  dossiers.push_back(d);
  // E: accepted, due after `now`: not overdue.
  DossierKpiFacts e = Dossier(Local(2025, 3, 10, 9), Channel::kInPerson, S::kAccepted);
  e.due_at = Local(2025, 4, 15, 17);
  dossiers.push_back(e);
  // F: received in February, still in process and overdue: backlog, not received in March.
  DossierKpiFacts f = Dossier(Local(2025, 2, 20, 9), Channel::kInPerson, S::kInProcess);
  f.due_at = Local(2025, 3, 1, 17);
  dossiers.push_back(f);
  // G: refused at intake: never received, its payment flag does not count.
  DossierKpiFacts g = Dossier(Local(2025, 3, 15, 9), Channel::kOnline, S::kRefusedAtIntake);
  g.paid_online = true;
  dossiers.push_back(g);
  // H: still awaiting intake: not received, its digitisation does not count.
  DossierKpiFacts h = Dossier(Local(2025, 3, 25, 9), Channel::kOnline, S::kNewlyRegistered);
  h.has_digitised_components = true;
  dossiers.push_back(h);
  // I: online, withdrawn with no due time: finished on time.
  dossiers.push_back(Finished(Dossier(Local(2025, 3, 12, 9), Channel::kOnline, S::kWithdrawn),
                              Local(2025, 3, 13, 9), std::nullopt));
  // J: received in February, finished early in March: finished, not received.
  dossiers.push_back(Finished(Dossier(Local(2025, 2, 25, 9), Channel::kInPerson, S::kFinished),
                              Local(2025, 3, 2, 9), Local(2025, 3, 3, 17)));
  // K: received in March, finished in April: received, not finished.
  dossiers.push_back(Finished(Dossier(Local(2025, 3, 28, 9), Channel::kInPerson, S::kFinished),
                              Local(2025, 4, 2, 9), Local(2025, 4, 3, 17)));
  // L: received exactly at the period's end: outside [from, to), and not in the backlog.
  DossierKpiFacts l = Dossier(Local(2025, 4, 1), Channel::kInPerson, S::kAccepted);
  l.due_at = Local(2025, 4, 3, 17);
  dossiers.push_back(l);
  // M: finished status without a finished time: received, not finished.
  dossiers.push_back(Dossier(Local(2025, 3, 14, 9), Channel::kInPerson, S::kFinished));
  // N: received at the period's first instant, online, awaiting a supplement (not overdue).
  DossierKpiFacts n = Dossier(Local(2025, 3, 1), Channel::kOnline, S::kSupplementRequested);
  n.due_at = Local(2025, 3, 5, 17);
  dossiers.push_back(n);

  const absl::Time now = Local(2025, 4, 10, 12);
  KpiCounters total;
  for (const DossierKpiFacts& dossier : dossiers) total += ClassifyDossier(dossier, kMarch2025, now);

  EXPECT_EQ(total.received, 9);  // A B C D E I K M N
  EXPECT_EQ(total.received_online, 4);  // A D I N
  EXPECT_EQ(total.received_or_returned_postal, 2);  // B C
  EXPECT_EQ(total.finished, 5);  // A B C I J
  EXPECT_EQ(total.finished_early, 2);  // A J
  EXPECT_EQ(total.finished_on_time, 2);  // B I
  EXPECT_EQ(total.finished_late, 1);  // C
  EXPECT_EQ(total.overdue_in_process, 2);  // D F
  EXPECT_EQ(total.paid_online, 2);  // A D
  EXPECT_EQ(total.digitised, 2);  // A C

  const KpiRates rates = ComputeKpiRates(total);
  EXPECT_DOUBLE_EQ(rates.online, 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(rates.postal, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(rates.on_time, 0.8);
  EXPECT_DOUBLE_EQ(rates.early, 0.4);
  EXPECT_DOUBLE_EQ(rates.late, 0.2);
  EXPECT_DOUBLE_EQ(rates.online_payment, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(rates.digitisation, 2.0 / 9.0);
}

KpiCounters ClassifyFinish(absl::Time finished_at, absl::Time due_at) {
  return ClassifyDossier(Finished(Dossier(Local(2025, 3, 3, 9), Channel::kInPerson,
                                          DossierStatus::kFinished),
                                  finished_at, due_at),
                         kMarch2025, Local(2025, 4, 10));
}

TEST(Kpi, EarlyOnTimeAndLateBoundaries) {
  const absl::Time due = Local(2025, 3, 7, 17);
  // Last second of the day before the due day: early.
  EXPECT_EQ(ClassifyFinish(Local(2025, 3, 6, 23, 59), due).finished_early, 1);
  // First instant of the due day: on time, not early.
  KpiCounters start_of_due_day = ClassifyFinish(Local(2025, 3, 7), due);
  EXPECT_EQ(start_of_due_day.finished_early, 0);
  EXPECT_EQ(start_of_due_day.finished_on_time, 1);
  // Exactly at the due time: on time.
  EXPECT_EQ(ClassifyFinish(due, due).finished_on_time, 1);
  // One second after: late.
  KpiCounters late = ClassifyFinish(due + absl::Seconds(1), due);
  EXPECT_EQ(late.finished_late, 1);
  EXPECT_EQ(late.finished_on_time, 0);
  EXPECT_EQ(late.finished, 1);
}

TEST(Kpi, EarlyUsesTheVietnameseCalendarDay) {
  // 06:00 on 7 Mar in Vietnam is still 6 Mar in UTC; the due day is 7 Mar locally: on time.
  KpiCounters counters = ClassifyFinish(Local(2025, 3, 7, 6), Local(2025, 3, 7, 17));
  EXPECT_EQ(counters.finished_early, 0);
  EXPECT_EQ(counters.finished_on_time, 1);
}

TEST(Kpi, OverdueNeedsAPassedDueTime) {
  DossierKpiFacts d = Dossier(Local(2025, 3, 3, 9), Channel::kInPerson, DossierStatus::kInProcess);
  EXPECT_EQ(ClassifyDossier(d, kMarch2025, Local(2025, 4, 10)).overdue_in_process, 0);  // No due.
  d.due_at = Local(2025, 3, 10, 17);
  EXPECT_EQ(ClassifyDossier(d, kMarch2025, Local(2025, 3, 10, 17)).overdue_in_process, 0);
  EXPECT_EQ(ClassifyDossier(d, kMarch2025, Local(2025, 3, 10, 17) + absl::Seconds(1))
                .overdue_in_process,
            1);
  d.status = DossierStatus::kFinancialObligation;
  EXPECT_EQ(ClassifyDossier(d, kMarch2025, Local(2025, 4, 10)).overdue_in_process, 0);
}

TEST(Kpi, RatesAreZeroWithoutDenominators) {
  const KpiRates rates = ComputeKpiRates(KpiCounters{});
  EXPECT_EQ(rates.online, 0.0);
  EXPECT_EQ(rates.postal, 0.0);
  EXPECT_EQ(rates.on_time, 0.0);
  EXPECT_EQ(rates.early, 0.0);
  EXPECT_EQ(rates.late, 0.0);
  EXPECT_EQ(rates.online_payment, 0.0);
  EXPECT_EQ(rates.digitisation, 0.0);
}

}  // namespace
}  // namespace lienthong::domain

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
  a.carries_fees = true;
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
  c.carries_fees = true;  // paid at the desk
  dossiers.push_back(c);
  // D: online, in process, due 20 Mar: overdue at `now`; paid online.
  DossierKpiFacts d = Dossier(Local(2025, 3, 6, 9), Channel::kOnline, S::kInProcess);
  d.due_at = Local(2025, 3, 20, 17);
  d.carries_fees = true;
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
  EXPECT_EQ(total.carrying_fees, 3);  // A C D
  EXPECT_EQ(total.paid_online, 2);  // A D
  EXPECT_EQ(total.digitised, 2);  // A C

  const KpiRates rates = ComputeKpiRates(total);
  EXPECT_DOUBLE_EQ(rates.online, 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(rates.postal, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(rates.on_time, 0.8);
  EXPECT_DOUBLE_EQ(rates.early, 0.4);
  EXPECT_DOUBLE_EQ(rates.late, 0.2);
  EXPECT_DOUBLE_EQ(rates.online_payment, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(rates.digitisation, 2.0 / 9.0);
}

// Decision 766/QĐ-TTg online payment: over the dossiers that carry fees, not over all of them.
TEST(Decision766OnlinePaymentRate, CountsOnlyDossiersThatCarryFees) {
  const absl::Time now = Local(2025, 4, 10);
  KpiCounters total;
  // Eight free dossiers (most education procedures), one of them flagged paid_online by a
  // client mistake: none counts. Two with fees: one paid online, one at the desk.
  for (int i = 0; i < 8; ++i) {
    DossierKpiFacts free = Dossier(Local(2025, 3, 3 + i, 9), Channel::kOnline, DossierStatus::kAccepted);
    free.paid_online = i == 0;
    total += ClassifyDossier(free, kMarch2025, now);
  }
  DossierKpiFacts paid = Dossier(Local(2025, 3, 20, 9), Channel::kOnline, DossierStatus::kAccepted);
  paid.carries_fees = true;
  paid.paid_online = true;
  total += ClassifyDossier(paid, kMarch2025, now);
  DossierKpiFacts at_desk = Dossier(Local(2025, 3, 21, 9), Channel::kInPerson, DossierStatus::kAccepted);
  at_desk.carries_fees = true;
  total += ClassifyDossier(at_desk, kMarch2025, now);

  EXPECT_EQ(total.received, 10);
  EXPECT_EQ(total.carrying_fees, 2);
  EXPECT_EQ(total.paid_online, 1);
  EXPECT_DOUBLE_EQ(Decision766OnlinePaymentRate(total), 0.5);
  EXPECT_DOUBLE_EQ(ComputeKpiRates(total).online_payment, 0.5);
  EXPECT_DOUBLE_EQ(Decision766OnlinePaymentRate(KpiCounters{}), 0.0);
}

// Overdue in process for a past period is counted as of the period's end, not as of now.
TEST(OverdueInProcess, CountedAsOfThePeriodEnd) {
  using S = DossierStatus;
  const absl::Time now = Local(2025, 5, 20, 12);  // March is long over
  EXPECT_EQ(OverdueAsOf(kMarch2025, now), kMarch2025.to);
  std::vector<DossierKpiFacts> dossiers;
  // P: due 20 Mar, finished only on 5 Apr: overdue at the end of March.
  DossierKpiFacts p = Finished(Dossier(Local(2025, 3, 6, 9), Channel::kInPerson, S::kFinished),
                               Local(2025, 4, 5, 9), Local(2025, 3, 20, 17));
  dossiers.push_back(p);
  // Q: still in process, due 5 Apr: overdue now, not at the end of March.
  DossierKpiFacts q = Dossier(Local(2025, 3, 25, 9), Channel::kInPerson, S::kInProcess);
  q.due_at = Local(2025, 4, 5, 17);
  dossiers.push_back(q);
  // R: still in process, due 28 Mar: overdue then and now.
  DossierKpiFacts r = Dossier(Local(2025, 3, 10, 9), Channel::kInPerson, S::kInProcess);
  r.due_at = Local(2025, 3, 28, 17);
  dossiers.push_back(r);
  // T: due 20 Mar, finished 30 Mar (before the end): not in process at the end.
  dossiers.push_back(Finished(Dossier(Local(2025, 3, 6, 9), Channel::kInPerson, S::kFinished),
                              Local(2025, 3, 30, 9), Local(2025, 3, 20, 17)));
  // U: received in April: after the end.
  DossierKpiFacts u = Dossier(Local(2025, 4, 2, 9), Channel::kInPerson, S::kInProcess);
  u.due_at = Local(2025, 4, 9, 17);
  dossiers.push_back(u);
  KpiCounters total;
  for (const auto& dossier : dossiers) total += ClassifyDossier(dossier, kMarch2025, now);
  EXPECT_EQ(total.overdue_in_process, 2);  // P R

  // A period not over yet is judged as of now: Q is not overdue on 1 Apr, is on 10 Apr.
  const KpiPeriod year{Local(2025, 1, 1), Local(2026, 1, 1)};
  EXPECT_EQ(ClassifyDossier(q, year, Local(2025, 4, 1)).overdue_in_process, 0);
  EXPECT_EQ(ClassifyDossier(q, year, Local(2025, 4, 10)).overdue_in_process, 1);
}

// Electronic results, reused data and the online share among procedures offered online, on a
// known data set.
TEST(Decision766Indicators, ElectronicResultsReusedDataAndOnlineShareOfOffered) {
  using S = DossierStatus;
  const absl::Time now = Local(2025, 4, 10);
  std::vector<DossierKpiFacts> dossiers;
  auto finished = [&](Channel channel, S status, bool electronic) {
    DossierKpiFacts f = Finished(Dossier(Local(2025, 3, 3, 9), channel, status),
                                 Local(2025, 3, 10, 9), Local(2025, 3, 12, 17));
    f.has_electronic_result = electronic;
    return f;
  };
  dossiers.push_back(finished(Channel::kOnline, S::kResultReturned, true));   // 1
  dossiers.push_back(finished(Channel::kOnline, S::kFinished, true));         // 2
  dossiers.push_back(finished(Channel::kInPerson, S::kFinished, false));      // 3
  dossiers.push_back(finished(Channel::kOnline, S::kWithdrawn, true));        // 4: no result
  // Received, not finished: reused data and online level.
  for (int i = 0; i < 6; ++i) {
    DossierKpiFacts d = Dossier(Local(2025, 3, 10 + i, 9), i < 3 ? Channel::kOnline : Channel::kInPerson,
                                S::kInProcess);
    d.due_at = Local(2025, 4, 30, 17);
    d.reused_data = i % 2 == 0;               // i = 0, 2, 4
    d.procedure_offered_online = i != 5;      // 0..4 offered online; 0..2 came online
    dossiers.push_back(d);
  }
  dossiers[0].procedure_offered_online = true;  // online, offered
  dossiers[2].procedure_offered_online = true;  // in person, offered
  KpiCounters total;
  for (const auto& dossier : dossiers) total += ClassifyDossier(dossier, kMarch2025, now);

  EXPECT_EQ(total.received, 10);
  EXPECT_EQ(total.finished, 4);
  EXPECT_EQ(total.finished_with_result, 3);  // 1 2 3
  EXPECT_EQ(total.electronic_results, 2);    // 1 2
  EXPECT_DOUBLE_EQ(Decision766ElectronicResultRate(total), 2.0 / 3.0);
  EXPECT_EQ(total.reused_data, 3);
  EXPECT_DOUBLE_EQ(Decision766ReusedDataRate(total), 0.3);
  EXPECT_EQ(total.received_offered_online, 7);     // two finished + five received
  EXPECT_EQ(total.received_online_of_offered, 4);  // finished 1 + received 0, 1, 2
  EXPECT_DOUBLE_EQ(Decision766OnlineShareOfOfferedRate(total), 4.0 / 7.0);
  const KpiRates rates = ComputeKpiRates(total);
  EXPECT_DOUBLE_EQ(rates.electronic_result, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(rates.reused_data, 0.3);
  EXPECT_DOUBLE_EQ(rates.online_of_offered, 4.0 / 7.0);
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

TEST(Kpi, ElectronicExchangeCountsHandOffsBetweenUnits) {
  using S = DossierStatus;
  const absl::Time march = Local(2025, 3, 10, 9);
  // Handed between units electronically, twice; once on paper; never handed between units;
  // handed on paper but refused at intake (not received: in neither count).
  DossierKpiFacts electronic = Dossier(march, Channel::kOnline, S::kInProcess);
  electronic.handed_between_units = true;
  DossierKpiFacts electronic_too = Dossier(march, Channel::kInPerson, S::kResultReturned);
  electronic_too.handed_between_units = true;
  DossierKpiFacts on_paper = Dossier(march, Channel::kPostal, S::kInProcess);
  on_paper.handed_between_units = true;
  on_paper.paper_transfer = true;
  const DossierKpiFacts one_unit = Dossier(march, Channel::kOnline, S::kAccepted);
  DossierKpiFacts refused = Dossier(march, Channel::kInPerson, S::kRefusedAtIntake);
  refused.handed_between_units = true;
  refused.paper_transfer = true;
  // Received before the period: counted in its own period only.
  DossierKpiFacts february = Dossier(Local(2025, 2, 20), Channel::kOnline, S::kInProcess);
  february.handed_between_units = true;
  february.paper_transfer = true;

  KpiCounters total;
  for (const DossierKpiFacts& d :
       {electronic, electronic_too, on_paper, one_unit, refused, february}) {
    total += ClassifyDossier(d, kMarch2025, Local(2025, 4, 10));
  }
  EXPECT_EQ(total.received, 4);
  EXPECT_EQ(total.inter_agency, 3);
  EXPECT_EQ(total.exchanged_electronically, 2);
  EXPECT_DOUBLE_EQ(ComputeKpiRates(total).electronic_exchange, 2.0 / 3.0);
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
  EXPECT_EQ(rates.electronic_exchange, 0.0);
}

}  // namespace
}  // namespace lienthong::domain

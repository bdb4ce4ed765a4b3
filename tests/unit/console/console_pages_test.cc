// The console's pages over a fake backend: what a person sees for given data, and a clear
// message (with the right HTTP status) for every bad request.
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"
#include "services/console/console_pages.h"
#include "services/console/html.h"
#include "services/console/report_period.h"
#include "services/console/svg_chart.h"

namespace lienthong::console {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Local(int y, int m, int d, int h = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0), VietnamTime());
}

class FakeBackend : public ConsoleBackend {
 public:
  bool MayCall(const std::string& member, const std::string& method) override {
    return member == "admin" || (member == "reader" && !absl::StrContains(method, "AdminService"));
  }
  absl::StatusOr<v1::GetDossierStatsResponse> GetDossierStats(
      const std::string& member, const v1::GetDossierStatsRequest& request) override {
    if (!MayCall(member, kMethodGetDossierStats)) return absl::PermissionDeniedError("no grant");
    stats_requests.push_back(request);
    v1::GetDossierStatsResponse response = stats;
    return response;
  }
  absl::StatusOr<v1::ListDossiersResponse> ListDossiers(const std::string&,
                                                        const v1::ListDossiersRequest& request) override {
    list_requests.push_back(request);
    return dossiers;
  }
  absl::StatusOr<v1::Dossier> GetDossier(const std::string&, const v1::GetDossierRequest& request) override {
    for (const auto& d : dossiers.dossiers()) {
      if (d.code() == request.code()) return d;
    }
    return absl::NotFoundError(absl::StrCat("no dossier ", request.code()));
  }
  absl::StatusOr<v1::GetStatusResponse> GetStatus(const std::string& member) override {
    if (!MayCall(member, kMethodGetStatus)) return absl::PermissionDeniedError("no grant");
    return status;
  }
  absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(const std::string&) override {
    return certificates;
  }
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(const std::string&,
                                                              const v1::ListDeadLettersRequest&) override {
    return dead_letters;
  }
  absl::StatusOr<v1::AdapterStatus> PauseAdapter(const std::string&, const std::string& adapter) override {
    if (adapter != "jsonl") return absl::NotFoundError("no adapter named " + adapter);
    paused = adapter;
    return v1::AdapterStatus();
  }
  absl::StatusOr<v1::AdapterStatus> ResumeAdapter(const std::string&, const std::string&) override {
    return v1::AdapterStatus();
  }
  absl::StatusOr<int64_t> ReplayDeadLetters(const std::string&, const v1::ReplayDeadLettersRequest&) override {
    return 3;
  }
  absl::StatusOr<v1::QueryExchangeLogResponse> QueryExchangeLog(
      const std::string&, const v1::QueryExchangeLogRequest& request) override {
    log_requests.push_back(request);
    return log;
  }
  absl::Time AddWorkingDays(absl::Time from, int days) override { return from + absl::Hours(24 * days); }

  v1::GetDossierStatsResponse stats;
  v1::ListDossiersResponse dossiers;
  v1::GetStatusResponse status;
  v1::ListCertificatesResponse certificates;
  v1::ListDeadLettersResponse dead_letters;
  v1::QueryExchangeLogResponse log;
  std::vector<v1::GetDossierStatsRequest> stats_requests;
  std::vector<v1::ListDossiersRequest> list_requests;
  std::vector<v1::QueryExchangeLogRequest> log_requests;
  std::string paused;
};

PageRequest Request(const std::string& member, std::multimap<std::string, std::string> params) {
  return PageRequest{member, std::move(params), Local(2026, 12, 6, 14)};
}

TEST(FormatsTest, NumbersAreWrittenTheVietnameseWay) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1.000");
  EXPECT_EQ(FormatCount(1234567), "1.234.567");
  EXPECT_EQ(FormatCount(-1234), "-1.234");
  EXPECT_EQ(FormatPercent(0.8532), "85,3 %");
  EXPECT_EQ(FormatPercent(1.0), "100,0 %");
  EXPECT_EQ(FormatPercent(0.0), "0,0 %");
  EXPECT_EQ(FormatDecimal(12345.678, 2), "12.345,68");
  EXPECT_EQ(FormatDateTime(Local(2026, 2, 1, 8)), "01/02/2026 08:00");
}

TEST(FormatsTest, TextIsEscaped) {
  EXPECT_EQ(Escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(UrlEncode("dossier:000.00.31.H49-1 à"), "dossier%3A000.00.31.H49-1%20%C3%A0");
}

TEST(ReportPeriodTest, MonthQuarterYearAndCustomAreLocalMidnights) {
  const absl::Time now = Local(2026, 12, 6, 14);
  auto month = ParseReportPeriod({{"ky", "thang"}, {"nam", "2026"}, {"thang", "11"}}, now);
  ASSERT_TRUE(month.ok()) << month.status();
  EXPECT_EQ(month->from, Local(2026, 11, 1));
  EXPECT_EQ(month->to, Local(2026, 12, 1));
  EXPECT_EQ(month->label, "Tháng 11/2026");
  auto december = ParseReportPeriod({{"thang", "12"}}, now);
  ASSERT_TRUE(december.ok());
  EXPECT_EQ(december->to, Local(2027, 1, 1));
  auto quarter = ParseReportPeriod({{"ky", "quy"}, {"nam", "2026"}, {"quy", "4"}}, now);
  ASSERT_TRUE(quarter.ok());
  EXPECT_EQ(quarter->from, Local(2026, 10, 1));
  EXPECT_EQ(quarter->to, Local(2027, 1, 1));
  EXPECT_EQ(quarter->label, "Quý IV/2026");
  auto year = ParseReportPeriod({{"ky", "nam"}, {"nam", "2025"}}, now);
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->from, Local(2025, 1, 1));
  EXPECT_EQ(year->to, Local(2026, 1, 1));
  auto custom = ParseReportPeriod({{"ky", "tuy-chon"}, {"tu", "2026-11-03"}, {"den", "2026-11-03"}}, now);
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->from, Local(2026, 11, 3));
  EXPECT_EQ(custom->to, Local(2026, 11, 4));
  auto current = ParseReportPeriod({}, now);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->from, Local(2026, 12, 1));
}

TEST(ReportPeriodTest, MalformedPeriodsAreRefusedInWords) {
  const absl::Time now = Local(2026, 12, 6, 14);
  const std::vector<std::pair<std::multimap<std::string, std::string>, std::string>> cases = {
      {{{"ky", "tuan"}}, "Kỳ báo cáo không hợp lệ"},
      {{{"thang", "13"}}, "Tháng phải là số từ 1 đến 12"},
      {{{"thang", "abc"}}, "Tháng phải là số từ 1 đến 12"},
      {{{"ky", "quy"}, {"quy", "0"}}, "Quý phải là số từ 1 đến 4"},
      {{{"ky", "nam"}, {"nam", "1999"}}, "Năm phải là số từ 2000 đến 2100"},
      {{{"ky", "tuy-chon"}, {"den", "2026-11-30"}}, "Thiếu Ngày bắt đầu"},
      {{{"ky", "tuy-chon"}, {"tu", "2026-02-30"}, {"den", "2026-03-01"}}, "Ngày bắt đầu không hợp lệ"},
      {{{"ky", "tuy-chon"}, {"tu", "2026-11-30"}, {"den", "2026-11-01"}}, "không sớm hơn"},
      {{{"ky", "tuy-chon"}, {"tu", "2020-01-01"}, {"den", "2026-11-01"}}, "dài nhất là 5 năm"},
  };
  for (const auto& [params, message] : cases) {
    auto period = ParseReportPeriod(params, now);
    ASSERT_FALSE(period.ok()) << message;
    EXPECT_EQ(period.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(period.status().message()), HasSubstr(message));
  }
}

TEST(ReportPeriodTest, TheTrendIsTheTwelveMonthsEndingWithThePeriod) {
  auto quarter = ParseReportPeriod({{"ky", "quy"}, {"nam", "2026"}, {"quy", "1"}}, Local(2026, 12, 6));
  ASSERT_TRUE(quarter.ok());
  const auto months = TrendMonths(*quarter);
  ASSERT_EQ(months.size(), 12u);
  EXPECT_EQ(months.front().label, "04/2025");
  EXPECT_EQ(months.back().label, "03/2026");
  EXPECT_EQ(months.back().to, Local(2026, 4, 1));
}

TEST(SvgChartTest, SeriesPointsCarryTheirFractionAndTargetsAreDashed) {
  RateChart chart;
  chart.id = "c";
  chart.title = "T";
  chart.x_labels = {"01/2026", "02/2026", "03/2026"};
  chart.series.push_back({"Trực tuyến", "#123456", {{0.5, 5, 10}, {0, 0, 0}, {0.75, 3, 4}}});
  chart.targets.push_back({"Chỉ tiêu", "#654321", 0.8});
  const std::string svg = RenderRateChart(chart);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("Trực tuyến 01/2026: 50,0 % (5 / 10)"));
  EXPECT_THAT(svg, HasSubstr("Trực tuyến 03/2026: 75,0 % (3 / 4)"));
  EXPECT_THAT(svg, Not(HasSubstr("02/2026: ")));  // no denominator: not drawn
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray=\"6 4\"><title>Chỉ tiêu: 80,0 %"));
}

v1::DossierKpis Kpis(int64_t received, int64_t online, int64_t finished, int64_t on_time) {
  v1::DossierKpis k;
  k.set_received(received);
  k.set_received_online(online);
  k.set_online_rate(received == 0 ? 0 : static_cast<double>(online) / received);
  k.set_finished(finished);
  k.set_finished_on_time(on_time);
  k.set_on_time_rate(finished == 0 ? 0 : static_cast<double>(on_time) / finished);
  k.set_overdue_in_process(7);
  return k;
}

TEST(IndicatorsPageTest, ShowsEachRateWithItsFractionPerAgencyAndProcedure) {
  FakeBackend backend;
  *backend.stats.mutable_total() = Kpis(1234, 1000, 800, 600);
  (*backend.stats.mutable_by_agency())["000.00.31.H49"] = Kpis(34, 10, 8, 8);
  (*backend.stats.mutable_by_procedure())["2.002481"] = Kpis(200, 150, 100, 90);
  ConsoleSettings settings;
  settings.targets["online_rate"] = 0.8;
  const PageResponse page = IndicatorsPage(
      backend, settings, Request("reader", {{"ky", "thang"}, {"nam", "2026"}, {"thang", "11"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("Tháng 11/2026"));
  EXPECT_THAT(page.body, HasSubstr("81,0 % <span class=\"frac\">(1.000 / 1.234)</span>"));
  EXPECT_THAT(page.body, HasSubstr("75,0 % <span class=\"frac\">(600 / 800)</span>"));
  EXPECT_THAT(page.body, HasSubstr("000.00.31.H49"));
  EXPECT_THAT(page.body, HasSubstr("2.002481"));
  EXPECT_THAT(page.body, HasSubstr("Chỉ tiêu: Tỷ lệ hồ sơ tiếp nhận trực tuyến: 80,0 %"));
  EXPECT_THAT(page.body, HasSubstr("href=\"/chi-so.csv?ky=thang&amp;nam=2026&amp;thang=11\""));
  // The period, then the 11 months of the trend before it (its last month is the period,
  // asked once).
  ASSERT_EQ(backend.stats_requests.size(), 12u);
  EXPECT_EQ(FromProtoTimestamp(backend.stats_requests[0].from()), Local(2026, 11, 1));
  EXPECT_EQ(FromProtoTimestamp(backend.stats_requests[0].to()), Local(2026, 12, 1));
  EXPECT_EQ(FromProtoTimestamp(backend.stats_requests[1].from()), Local(2025, 12, 1));
  EXPECT_EQ(FromProtoTimestamp(backend.stats_requests[11].to()), Local(2026, 11, 1));
  // A year: the period, then each of its 12 months.
  backend.stats_requests.clear();
  EXPECT_EQ(IndicatorsPage(backend, settings, Request("reader", {{"ky", "nam"}, {"nam", "2026"}}))
                .http_status,
            200);
  ASSERT_EQ(backend.stats_requests.size(), 13u);
  EXPECT_EQ(FromProtoTimestamp(backend.stats_requests[12].from()), Local(2026, 12, 1));
}

TEST(IndicatorsPageTest, TheElectronicExchangeShareIsShownAgainstItsTarget) {
  FakeBackend backend;
  v1::DossierKpis kpis = Kpis(100, 50, 40, 30);
  kpis.set_inter_agency(40);
  kpis.set_exchanged_electronically(30);
  kpis.set_electronic_exchange_rate(0.75);
  *backend.stats.mutable_total() = kpis;
  ConsoleSettings settings;
  settings.targets["electronic_exchange_rate"] = 1.0;
  const PageResponse page = IndicatorsPage(
      backend, settings, Request("reader", {{"ky", "thang"}, {"nam", "2026"}, {"thang", "11"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("Tỷ lệ hồ sơ liên thông trao đổi điện tử"));
  EXPECT_THAT(page.body, HasSubstr("75,0 % <span class=\"frac\">(30 / 40)</span>"));
  EXPECT_THAT(page.body,
              HasSubstr("Chỉ tiêu: Tỷ lệ hồ sơ liên thông trao đổi điện tử: 100,0 %"));
}

TEST(IndicatorsPageTest, ABadPeriodIsAMessageAndTheFormStays) {
  FakeBackend backend;
  const PageResponse page = IndicatorsPage(backend, {}, Request("reader", {{"thang", "13"}}));
  EXPECT_EQ(page.http_status, 400);
  EXPECT_THAT(page.body, HasSubstr("Tháng phải là số từ 1 đến 12"));
  EXPECT_THAT(page.body, HasSubstr("<form class=\"filters\""));
  EXPECT_TRUE(backend.stats_requests.empty());
}

TEST(IndicatorsPageTest, AMemberWithoutTheGrantIsToldSo) {
  FakeBackend backend;
  const PageResponse page = IndicatorsPage(backend, {}, Request("nobody", {}));
  EXPECT_EQ(page.http_status, 403);
  EXPECT_THAT(page.body, HasSubstr("Thành viên nobody không có quyền"));
}

TEST(IndicatorsPageTest, AnAgencyOrProcedureNarrowsEveryCallAndAnUnknownOneIsSaid) {
  FakeBackend backend;
  const PageResponse page = IndicatorsPage(
      backend, {}, Request("reader", {{"co-quan", "000.00.55.H49"}, {"thu-tuc", "1.000001"}}));
  EXPECT_EQ(page.http_status, 200);
  ASSERT_EQ(backend.stats_requests.size(), 12u);  // the month, then the 11 before it
  for (const auto& request : backend.stats_requests) {
    EXPECT_EQ(request.agency_code(), "000.00.55.H49");
    EXPECT_EQ(request.procedure_code(), "1.000001");
  }
  EXPECT_THAT(page.body, HasSubstr("Phạm vi: cơ quan 000.00.55.H49, thủ tục 1.000001"));
  EXPECT_THAT(page.body, HasSubstr("Không có hồ sơ nào của cơ quan 000.00.55.H49"));
  EXPECT_THAT(page.body, HasSubstr("co-quan=000.00.55.H49"));  // the CSV and report links keep it
}

TEST(IndicatorsCsvTest, OneRowPerGroupAndIndicatorWithNumbers) {
  FakeBackend backend;
  *backend.stats.mutable_total() = Kpis(1234, 1000, 800, 600);
  (*backend.stats.mutable_by_agency())["A\"1"] = Kpis(4, 1, 0, 0);
  const PageResponse csv =
      IndicatorsCsv(backend, Request("reader", {{"ky", "quy"}, {"nam", "2026"}, {"quy", "4"}}));
  EXPECT_EQ(csv.http_status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.download_name, "chi-so-2026-10-01-2026-12-31.csv");
  EXPECT_THAT(csv.body, HasSubstr("\"Quý IV/2026\",2026-10-01,2026-12-31,tong,\"\",online_rate,"
                                  "\"Tỷ lệ hồ sơ tiếp nhận trực tuyến\",1000,1234,0.810373\r\n"));
  EXPECT_THAT(csv.body, HasSubstr(",co_quan,\"A\"\"1\",online_rate,"));
  EXPECT_THAT(csv.body, HasSubstr(",tong,\"\",overdue_in_process,\"Số hồ sơ quá hạn đang xử lý\",7,,"));
}

TEST(IndicatorsReportTest, IsPrintableWithoutNavigation) {
  FakeBackend backend;
  const PageResponse page = IndicatorsReport(backend, {}, Request("reader", {{"ky", "nam"}, {"nam", "2026"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("class=\"print\""));
  EXPECT_THAT(page.body, HasSubstr("@page{size:A4"));
  EXPECT_THAT(page.body, Not(HasSubstr("<nav>")));
  EXPECT_THAT(page.body, HasSubstr("Năm 2026"));
}

v1::Dossier OverdueDossier(const std::string& code, absl::Time due) {
  v1::Dossier d;
  d.set_code(code);
  d.set_procedure_code("2.002481");
  d.set_receiving_agency_code("000.00.31.H49");
  d.set_status(v1::DOSSIER_STATUS_IN_PROCESS);
  ToProtoTimestamp(due - absl::Hours(24 * 10), d.mutable_received_at());
  ToProtoTimestamp(due, d.mutable_due_at());
  auto* step = d.add_history();
  step->set_sequence(1);
  step->set_from_status(v1::DOSSIER_STATUS_ACCEPTED);
  step->set_to_status(v1::DOSSIER_STATUS_IN_PROCESS);
  step->set_handler("Nguyễn Văn A");
  step->set_timeliness(v1::STEP_TIMELINESS_LATE);
  ToProtoTimestamp(due - absl::Hours(24), step->mutable_at());
  return d;
}

TEST(OverduePageTest, ListsOverdueAndDueSoonByAgencyAndProcedureLinkingToHistory) {
  FakeBackend backend;
  const absl::Time now = Local(2026, 12, 6, 14);
  *backend.dossiers.add_dossiers() = OverdueDossier("000.00.31.H49-261120-0001", now - absl::Hours(72));
  *backend.dossiers.add_dossiers() = OverdueDossier("000.00.31.H49-261125-0002", now + absl::Hours(30));
  const PageResponse page = OverduePage(backend, Request("reader", {{"ngay", "3"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("Quá hạn: <b class=\"bad\">1</b> · Sắp đến hạn: <b>1</b>"));
  EXPECT_THAT(page.body, HasSubstr("Quá hạn 3 ngày"));
  EXPECT_THAT(page.body, HasSubstr("href=\"/ho-so?ma=000.00.31.H49-261120-0001\""));
  ASSERT_EQ(backend.list_requests.size(), 1u);
  EXPECT_EQ(FromProtoTimestamp(backend.list_requests[0].due_before()), now + absl::Hours(72));
}

TEST(OverduePageTest, ABadNumberOfDaysIsRefused) {
  FakeBackend backend;
  for (const char* days : {"-1", "31", "ba"}) {
    const PageResponse page = OverduePage(backend, Request("reader", {{"ngay", days}}));
    EXPECT_EQ(page.http_status, 400) << days;
    EXPECT_THAT(page.body, HasSubstr("Số ngày làm việc phải là số từ 0 đến 30"));
  }
  EXPECT_TRUE(backend.list_requests.empty());
}

TEST(DossierPageTest, ShowsTheStepsWhoWhenAndTimeliness) {
  FakeBackend backend;
  *backend.dossiers.add_dossiers() = OverdueDossier("000.00.31.H49-261120-0001", Local(2026, 12, 1));
  const PageResponse page = DossierPage(backend, Request("reader", {{"ma", "000.00.31.H49-261120-0001"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("Nguyễn Văn A"));
  EXPECT_THAT(page.body, HasSubstr("<span class=\"bad\">Quá hạn</span>"));
  EXPECT_THAT(page.body, HasSubstr("/nhat-ky?ban-ghi=dossier%3A000.00.31.H49-261120-0001"));
  EXPECT_EQ(DossierPage(backend, Request("reader", {{"ma", "nope"}})).http_status, 404);
  EXPECT_EQ(DossierPage(backend, Request("reader", {})).http_status, 400);
}

TEST(OperationsPageTest, ShowsAdaptersDeadLettersAndCertificateDaysLeft) {
  FakeBackend backend;
  backend.status.set_version("1.2.3");
  backend.status.set_head_cursor("1.ff");
  auto* adapter = backend.status.add_adapters();
  adapter->set_name("jsonl");
  adapter->set_state("running");
  adapter->set_dead_letters(2);
  adapter->set_last_error("disk full");
  auto* letter = backend.dead_letters.add_dead_letters();
  letter->set_id(42);
  letter->set_adapter("jsonl");
  letter->set_last_error("record rejected");
  auto* near = backend.certificates.add_certificates();
  near->set_role("server");
  near->set_days_left(12);
  auto* far = backend.certificates.add_certificates();
  far->set_role("ca");
  far->set_days_left(3000);
  auto* refusal = backend.log.add_entries();
  refusal->set_member("000.00.77.H49");
  refusal->set_status("PERMISSION_DENIED");
  const PageResponse page = OperationsPage(backend, Request("admin", {}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("<code id=\"con-tro\">1.ff</code>"));
  EXPECT_THAT(page.body, HasSubstr("disk full"));
  EXPECT_THAT(page.body, HasSubstr("record rejected"));
  EXPECT_THAT(page.body, HasSubstr("<td class=\"num bad\">12</td>"));
  EXPECT_THAT(page.body, HasSubstr("<td class=\"num\">3.000</td>"));
  EXPECT_THAT(page.body, HasSubstr("id=\"tam-dung-jsonl\""));
  EXPECT_THAT(page.body, HasSubstr("id=\"gui-lai-jsonl\""));
  EXPECT_THAT(page.body, HasSubstr("PERMISSION_DENIED"));
  ASSERT_EQ(backend.log_requests.size(), 1u);
  EXPECT_EQ(backend.log_requests[0].status(), "ERROR");
  // A member without the admin grants sees no page.
  EXPECT_EQ(OperationsPage(backend, Request("reader", {})).http_status, 403);
}

TEST(OperationsActionTest, ActionsRedirectWithTheirOutcome) {
  FakeBackend backend;
  PageResponse done = OperationsAction(backend, Request("admin", {{"hanh-dong", "tam-dung"}, {"bo-chuyen-doi", "jsonl"}}));
  EXPECT_EQ(backend.paused, "jsonl");
  EXPECT_THAT(done.redirect, HasSubstr("/van-hanh?thong-bao="));
  PageResponse missing = OperationsAction(backend, Request("admin", {{"hanh-dong", "tam-dung"}, {"bo-chuyen-doi", "x"}}));
  EXPECT_THAT(missing.redirect, HasSubstr("/van-hanh?loi="));
  PageResponse unknown = OperationsAction(backend, Request("admin", {{"hanh-dong", "xoa"}, {"bo-chuyen-doi", "jsonl"}}));
  EXPECT_THAT(unknown.redirect, HasSubstr("/van-hanh?loi="));
  PageResponse replay = OperationsAction(backend, Request("admin", {{"hanh-dong", "gui-lai"}, {"bo-chuyen-doi", "jsonl"}}));
  EXPECT_THAT(replay.redirect, HasSubstr(UrlEncode("Đã gửi lại 3 thư chết của jsonl.")));
}

TEST(ExchangeLogPageTest, SearchesWithTheFormsFiltersAndPages) {
  FakeBackend backend;
  auto* entry = backend.log.add_entries();
  entry->set_seq(9);
  entry->set_member("000.00.00.H49");
  entry->set_method("/lienthong.v1.DossierService/SubmitDossier");
  entry->set_status("OK");
  entry->add_records("dossier:000.00.31.H49-261120-0001");
  entry->set_end_user("officer:cb001");
  backend.log.set_next_page_token("tok");
  backend.log.set_examined(120);
  const PageResponse page = ExchangeLogPage(
      backend, Request("admin", {{"thanh-vien", "000.00.00.H49"}, {"tu", "2026-11-01"},
                                 {"den", "2026-11-30"}, {"ban-ghi", "dossier:000.00.31.H49-261120-0001"}}));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_THAT(page.body, HasSubstr("officer:cb001"));
  EXPECT_THAT(page.body, HasSubstr("1 mục (đã xem 120 mục nhật ký)"));
  EXPECT_THAT(page.body, HasSubstr("trang=tok"));
  ASSERT_EQ(backend.log_requests.size(), 1u);
  const auto& query = backend.log_requests[0];
  EXPECT_EQ(query.member(), "000.00.00.H49");
  EXPECT_EQ(FromProtoTimestamp(query.from()), Local(2026, 11, 1));
  EXPECT_EQ(FromProtoTimestamp(query.to()), Local(2026, 12, 1));  // the whole last day
  EXPECT_EQ(query.record(), "dossier:000.00.31.H49-261120-0001");
}

TEST(ExchangeLogPageTest, WithoutTimesTheQueryHasNoTimeBounds) {
  FakeBackend backend;
  EXPECT_EQ(ExchangeLogPage(backend, Request("admin", {})).http_status, 200);
  ASSERT_EQ(backend.log_requests.size(), 1u);
  EXPECT_FALSE(backend.log_requests[0].has_from());
  EXPECT_FALSE(backend.log_requests[0].has_to());
}

TEST(ExchangeLogPageTest, ABadTimeIsAMessage) {
  FakeBackend backend;
  const PageResponse page = ExchangeLogPage(backend, Request("admin", {{"tu", "hôm qua"}}));
  EXPECT_EQ(page.http_status, 400);
  EXPECT_THAT(page.body, HasSubstr("Thời điểm bắt đầu không hợp lệ"));
  EXPECT_TRUE(backend.log_requests.empty());
}

TEST(HomePageTest, GoesToTheFirstPageTheMemberMayOpen) {
  FakeBackend backend;
  EXPECT_EQ(HomePage(backend, Request("reader", {})).redirect, "/chi-so");
  EXPECT_EQ(HomePage(backend, Request("nobody", {})).http_status, 403);
}

TEST(ErrorPageTest, StatusesBecomeHttpStatusesAndWords) {
  EXPECT_EQ(ErrorPage("m", "t", absl::InvalidArgumentError("x")).http_status, 400);
  EXPECT_EQ(ErrorPage("m", "t", absl::PermissionDeniedError("x")).http_status, 403);
  EXPECT_EQ(ErrorPage("m", "t", absl::NotFoundError("x")).http_status, 404);
  EXPECT_EQ(ErrorPage("m", "t", absl::UnavailableError("x")).http_status, 503);
  const PageResponse page = ErrorPage("m", "t", absl::UnavailableError("database <down>"));
  EXPECT_THAT(page.body, HasSubstr("database &lt;down&gt;"));
}

}  // namespace
}  // namespace lienthong::console

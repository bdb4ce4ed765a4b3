// The operator console against a real gateway holding a known data set (console_gateway.h): the
// figures equal GetDossierStats over gRPC, the overdue list equals ListDossiers, the dead letter
// and the exchange-log search are shown, every console call is an exchange-log entry, bad input
// is a message with the right status, actions need the console's own Origin, and with TLS no
// page opens without the right client certificate.
#include <cstring>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/config/gateway_config.h"
#include "services/console/html.h"
#include "tests/integration/console/console_gateway.h"
#include "tests/support/loopback.h"
#include "tests/support/register_gateway.h"
#include "tests/support/status_assertions.h"
#include "tests/support/test_gateway.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

class ConsoleTest : public test::ConsoleSuite {
 protected:
  test::HttpResponse Get(const std::string& path) {
    auto response = test::HttpGet(gateway_->http_port(), path, absl::Seconds(30));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : test::HttpResponse{};
  }

  v1::GetDossierStatsResponse Stats(absl::Time from, absl::Time to) {
    auto stub = gateway_->Dossiers(test::kAdminMember);
    v1::GetDossierStatsRequest request;
    ToProtoTimestamp(from, request.mutable_from());
    ToProtoTimestamp(to, request.mutable_to());
    v1::GetDossierStatsResponse response;
    EXPECT_TRUE(test::Unary(*stub, &v1::DossierService::Stub::GetDossierStats, request, &response).ok());
    return response;
  }
};

absl::Time MonthStart(absl::CivilMonth month) {
  return absl::FromCivil(month, console::VietnamTime());
}

TEST_F(ConsoleTest, IndicatorFiguresAreGetDossierStatsOfThePeriod) {
  const absl::CivilMonth last_month = absl::CivilMonth(absl::ToCivilDay(absl::Now(), console::VietnamTime())) - 1;
  const auto stats = Stats(MonthStart(last_month), MonthStart(last_month + 1));
  ASSERT_GT(stats.total().received(), 0);
  ASSERT_GT(stats.total().finished(), 0);
  const auto page = Get(absl::StrCat("/chi-so?ky=thang&nam=", last_month.year(), "&thang=", last_month.month()));
  ASSERT_EQ(page.status_code, 200) << page.body;
  const auto& k = stats.total();
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat("id=\"so-tiep-nhan\">", console::FormatCount(k.received()), "<")));
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat("id=\"so-da-giai-quyet\">", console::FormatCount(k.finished()), "<")));
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat("id=\"so-qua-han\">", console::FormatCount(k.finished_late()), "<")));
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat(console::FormatPercent(k.online_rate()), " <span class=\"frac\">(",
                                                console::FormatCount(k.received_online()), " / ",
                                                console::FormatCount(k.received()), ")</span>")));
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat(
                             console::FormatPercent(k.on_time_rate()), " <span class=\"frac\">(",
                             console::FormatCount(k.finished_early() + k.finished_on_time()), " / ",
                             console::FormatCount(k.finished()), ")</span>")));
  for (const auto& [agency, kpis] : stats.by_agency()) EXPECT_THAT(page.body, HasSubstr(agency));
  EXPECT_THAT(page.body, HasSubstr("<svg"));
  EXPECT_THAT(page.body, HasSubstr("Chỉ tiêu: Tỷ lệ hồ sơ tiếp nhận trực tuyến: 50,0 %"));

  const auto csv = Get(absl::StrCat("/chi-so.csv?ky=thang&nam=", last_month.year(), "&thang=", last_month.month()));
  ASSERT_EQ(csv.status_code, 200);
  EXPECT_THAT(csv.body, HasSubstr(absl::StrCat(",tong,\"\",online_rate,\"Tỷ lệ hồ sơ tiếp nhận trực tuyến\",",
                                               k.received_online(), ",", k.received(), ",")));
}

TEST_F(ConsoleTest, TheYearsTrendIsTwelveMonthlyStats) {
  const absl::CivilMonth now(absl::ToCivilDay(absl::Now(), console::VietnamTime()));
  const auto page = Get(absl::StrCat("/chi-so?ky=nam&nam=", now.year()));
  ASSERT_EQ(page.status_code, 200);
  // Each month of the trend carries its own fraction in its point's tooltip.
  for (int back = 1; back <= 3; ++back) {
    const absl::CivilMonth month = absl::CivilMonth(now.year(), 12) - (12 - now.month()) - back;
    if (month.year() != now.year()) continue;
    const auto k = Stats(MonthStart(month), MonthStart(month + 1)).total();
    if (k.received() == 0) continue;
    EXPECT_THAT(page.body, HasSubstr(absl::StrCat(
                               absl::StrFormat("%02d/%d", month.month(), month.year()), ": ",
                               console::FormatPercent(k.online_rate()), " (",
                               console::FormatCount(k.received_online()), " / ",
                               console::FormatCount(k.received()), ")")));
  }
}

TEST_F(ConsoleTest, OverdueListIsListDossiersOverdue) {
  auto stub = gateway_->Dossiers(test::kAdminMember);
  v1::ListDossiersRequest request;
  request.set_overdue_only(true);
  request.set_page_size(1000);
  v1::ListDossiersResponse overdue;
  ASSERT_TRUE(test::Unary(*stub, &v1::DossierService::Stub::ListDossiers, request, &overdue).ok());
  ASSERT_GT(overdue.dossiers_size(), 0);
  const auto page = Get("/ho-so-qua-han");
  ASSERT_EQ(page.status_code, 200);
  EXPECT_THAT(page.body, HasSubstr(absl::StrCat("Quá hạn: <b class=\"bad\">", overdue.dossiers_size(), "</b>")));
  for (const auto& d : overdue.dossiers()) EXPECT_THAT(page.body, HasSubstr(d.code()));
  // One dossier's processing history.
  const std::string code = overdue.dossiers(0).code();
  const auto history = Get("/ho-so?ma=" + code);
  ASSERT_EQ(history.status_code, 200);
  EXPECT_THAT(history.body, HasSubstr("Chuyển phòng chuyên môn xử lý"));
  EXPECT_THAT(history.body, HasSubstr("Nguyễn Thị Lan"));
}

TEST_F(ConsoleTest, OperationsShowTheDeadLetterAndCertificates) {
  // Every change of the refused dossier (its submission and its moves) is a dead letter; the
  // replay button shows once there is one.
  ASSERT_TRUE(test::PollUntil(
      [&] { return absl::StrContains(Get("/van-hanh").body, "id=\"gui-lai-so-gddt\""); },
      absl::Seconds(60)))
      << Get("/van-hanh").body;
  const auto page = Get("/van-hanh");
  EXPECT_THAT(page.body, HasSubstr("so-gddt"));
  EXPECT_THAT(page.body, HasSubstr(gateway_->refused_dossier()));  // in the dead letter's error
  EXPECT_THAT(page.body, HasSubstr("id=\"chung-thu\""));
  EXPECT_THAT(page.body, HasSubstr("Đang phục vụ"));
}

TEST_F(ConsoleTest, ExchangeLogSearchFindsWhoTouchedADossierAndConsoleCallsAreLogged) {
  const std::string code = gateway_->codes().at(0);
  const auto page = Get("/nhat-ky?ban-ghi=" + console::UrlEncode("dossier:" + code));
  ASSERT_EQ(page.status_code, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("/lienthong.v1.DossierService/SubmitDossier"));
  EXPECT_THAT(page.body, HasSubstr(test::kOneStopMember));
  // The same query over gRPC, and the console's own reads are entries of the admin member
  // (this page's search, and the indicator page's 12 GetDossierStats: the month and the 11
  // before it). An entry of a read is queued to the store without waiting: it is looked for
  // until it is there.
  ASSERT_EQ(Get("/chi-so").status_code, 200);
  auto admin = gateway_->Admin(test::kAdminMember);
  auto entries_of = [&](const std::string& method) {
    v1::QueryExchangeLogRequest query;
    query.set_member(test::kAdminMember);
    query.set_method(method);
    v1::QueryExchangeLogResponse logged;
    EXPECT_TRUE(test::Unary(*admin, &v1::AdminService::Stub::QueryExchangeLog, query, &logged).ok());
    return logged;
  };
  v1::QueryExchangeLogResponse searches;
  ASSERT_TRUE(test::PollUntil(
      [&] {
        searches = entries_of("/lienthong.v1.AdminService/QueryExchangeLog");
        return searches.entries_size() >= 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(searches.entries(searches.entries_size() - 1).status(), "OK");
  EXPECT_TRUE(test::PollUntil(
      [&] { return entries_of("/lienthong.v1.DossierService/GetDossierStats").entries_size() >= 12; },
      absl::Seconds(10)));
}

TEST_F(ConsoleTest, BadInputIsAMessageWithTheRightStatus) {
  struct Case { std::string path; int status; std::string text; };
  for (const Case& c : std::vector<Case>{
           {"/chi-so?thang=13", 400, "Tháng phải là số từ 1 đến 12"},
           {"/chi-so?ky=tuy-chon&tu=2026-13-01&den=2026-12-01", 400, "Ngày bắt đầu không hợp lệ"},
           {"/chi-so?co-quan=khong-phai-ma", 400, "agency_code"},
           {"/chi-so?co-quan=000.00.55.H49", 200, "Không có hồ sơ nào của cơ quan 000.00.55.H49"},
           {"/ho-so-qua-han?ngay=99", 400, "Số ngày làm việc"},
           {"/ho-so-qua-han?co-quan=khong-phai-ma", 400, "không hợp lệ"},
           {"/ho-so?ma=000.00.31.H49-990101-9999", 404, "Không tìm thấy"},
           {"/nhat-ky?ket-qua=HONG", 400, "status"},
           {"/nhat-ky?trang=abc", 400, "page_token"},
           {"/khong-co-trang-nay", 404, "Không có trang này"},
       }) {
    const auto page = Get(c.path);
    EXPECT_EQ(page.status_code, c.status) << c.path << "\n" << page.body;
    EXPECT_THAT(page.body, HasSubstr(c.text)) << c.path;
    EXPECT_THAT(page.body, HasSubstr("<!DOCTYPE html>")) << c.path;
  }
}

TEST_F(ConsoleTest, ActionsNeedTheConsolesOriginAndAreLogged) {
  httplib::Client client("127.0.0.1", gateway_->http_port());
  client.set_read_timeout(30, 0);
  const httplib::Params form = {{"bo-chuyen-doi", "so-gddt"}, {"hanh-dong", "tam-dung"}};
  auto refused = client.Post("/van-hanh/bo-chuyen-doi", form);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_THAT(refused->body, HasSubstr("Origin"));
  httplib::Headers from_elsewhere = {{"Origin", "http://evil.example"}};
  auto elsewhere = client.Post("/van-hanh/bo-chuyen-doi", from_elsewhere, form);
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 403);
  httplib::Headers same = {{"Origin", absl::StrCat("http://127.0.0.1:", gateway_->http_port())}};
  auto paused = client.Post("/van-hanh/bo-chuyen-doi", same, form);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, 303);
  EXPECT_THAT(paused->get_header_value("Location"), HasSubstr("/van-hanh?thong-bao="));
  EXPECT_THAT(Get("/van-hanh").body, HasSubstr("Tạm dừng"));
  auto resumed = client.Post("/van-hanh/bo-chuyen-doi", same,
                             httplib::Params{{"bo-chuyen-doi", "so-gddt"}, {"hanh-dong", "tiep-tuc"}});
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, 303);
  auto admin = gateway_->Admin(test::kAdminMember);
  v1::QueryExchangeLogRequest query;
  query.set_method("/lienthong.v1.AdminService/PauseAdapter");
  v1::QueryExchangeLogResponse logged;
  ASSERT_TRUE(test::Unary(*admin, &v1::AdminService::Stub::QueryExchangeLog, query, &logged).ok());
  ASSERT_EQ(logged.entries_size(), 1);
  EXPECT_EQ(logged.entries(0).member(), test::kAdminMember);
}

TEST_F(ConsoleTest, PlainHttpAnswersOnlyRequestsAddressedToLoopback) {
  // A site made to resolve to 127.0.0.1 (DNS rebinding) sends its own name as Host.
  httplib::Client client("127.0.0.1", gateway_->http_port());
  client.set_read_timeout(30, 0);
  auto rebound = client.Get("/chi-so", httplib::Headers{{"Host", "evil.example:9464"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  httplib::Headers evil = {{"Host", "evil.example:9464"}, {"Origin", "http://evil.example:9464"}};
  auto action = client.Post("/van-hanh/bo-chuyen-doi", evil,
                            httplib::Params{{"bo-chuyen-doi", "so-gddt"}, {"hanh-dong", "tam-dung"}});
  ASSERT_TRUE(action);
  EXPECT_EQ(action->status, 403);
  for (const char* host : {"localhost", "127.0.0.1:1", "[::1]:9464"}) {
    auto fine = client.Get("/chi-so", httplib::Headers{{"Host", host}});
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->status, 200) << host;
  }
}

TEST_F(ConsoleTest, MetricsServeNextToTheConsoleWithEveryFamilyTheGrafanaDashboardUses) {
  const auto metrics = Get("/metrics");
  ASSERT_EQ(metrics.status_code, 200);
  EXPECT_THAT(metrics.body, HasSubstr("lienthong_rpc_requests_total"));
  // deploy/grafana/lienthong-dashboard.json asks only for families the gateway exposes. A
  // labelled family shows once it has a sample: a refused call makes the errors' appear; the
  // ones below appear at their first event (a request that does not parse, a certificate
  // rotation, a config reload) and are named here so that a misspelt name still fails.
  auto unlisted = gateway_->Dossiers("000.00.77.H49");
  v1::GetDossierRequest get;
  get.set_code(gateway_->codes().at(0));
  v1::Dossier ignored;
  EXPECT_EQ(test::Unary(*unlisted, &v1::DossierService::Stub::GetDossier, get, &ignored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const std::string exposed = Get("/metrics").body;
  const std::set<std::string> at_first_event = {
      "lienthong_rpc_malformed_requests_total", "lienthong_tls_rotations_total",
      "lienthong_tls_rotation_failures_total", "lienthong_config_reloads_total"};
  ASSERT_OK_AND_ASSIGN(const std::string text,
                       ReadFileToString(std::string(LIENTHONG_ROOT) +
                                        "/deploy/grafana/lienthong-dashboard.json"));
  const nlohmann::json dashboard = nlohmann::json::parse(text);
  int queries = 0;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      static const std::regex kMetric("lienthong_[a-z_]+");
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kMetric); it != std::sregex_iterator(); ++it) {
        std::string family = it->str();
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
          if (absl::EndsWith(family, suffix)) family.resize(family.size() - strlen(suffix));
        }
        if (at_first_event.count(family) == 0) {
          EXPECT_THAT(exposed, HasSubstr("# TYPE " + family + " ")) << panel.at("title");
        }
        ++queries;
      }
    }
  }
  EXPECT_GE(queries, 10);
}

// With TLS: no page without a client certificate of the CA; a member sees what its grants allow.
TEST(ConsoleTlsTest, NoPageWithoutTheRightCertificate) {
  test::TempDir dir;
  test::ConsoleGatewayOptions options;
  options.tls = true;
  options.months = 2;
  options.per_month = 3;
  ASSERT_OK_AND_ASSIGN(auto gateway, test::ConsoleGateway::Start(dir.path(), options));
  const int port = gateway->http_port();
  auto client_for = [&](const test::TestMember* member) {
    auto client = member == nullptr
                      ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                      : std::make_unique<httplib::SSLClient>("127.0.0.1", port, member->files.cert_file,
                                                             member->files.key_file);
    client->set_ca_cert_path(gateway->pki().ca_file().c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(30, 0);
    return client;
  };
  // Plain HTTP and TLS without a certificate get nothing.
  EXPECT_FALSE(test::HttpGet(port, "/chi-so").ok() && test::HttpGet(port, "/chi-so")->status_code == 200);
  EXPECT_FALSE(client_for(nullptr)->Get("/chi-so"));
  // A certificate of another CA: refused in the handshake.
  ASSERT_OK_AND_ASSIGN(auto other_ca, test::MakeTestCa("Other CA"));
  test::MemberCertOptions foreign;
  foreign.issuer = &other_ca;
  ASSERT_OK_AND_ASSIGN(auto stranger, const_cast<test::TestPki&>(gateway->pki()).IssueMember(test::kAdminMember, foreign));
  EXPECT_FALSE(client_for(&stranger)->Get("/chi-so"));
  // A member the policy does not list, and one without the grants: 403 with the reason.
  auto unlisted = client_for(&gateway->member("000.00.77.H49"))->Get("/chi-so");
  ASSERT_TRUE(unlisted);
  EXPECT_EQ(unlisted->status, 403);
  EXPECT_THAT(unlisted->body, HasSubstr("000.00.77.H49"));
  auto education = client_for(&gateway->member(test::kEducationMember))->Get("/van-hanh");
  ASSERT_TRUE(education);
  EXPECT_EQ(education->status, 403);
  // The one-stop member reads indicators, not operations; the admin both.
  auto one_stop = client_for(&gateway->member(test::kOneStopMember));
  auto indicators = one_stop->Get("/chi-so");
  ASSERT_TRUE(indicators);
  EXPECT_EQ(indicators->status, 200);
  EXPECT_THAT(indicators->body, HasSubstr(test::kOneStopMember));
  auto operations = one_stop->Get("/van-hanh");
  ASSERT_TRUE(operations);
  EXPECT_EQ(operations->status, 403);
  auto admin = client_for(&gateway->member(test::kAdminMember))->Get("/van-hanh");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 200);
}

TEST(ConsoleConfigTest, OffLoopbackTheConsoleNeedsTlsAndKnownSettings) {
  test::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir.Path("pki")));
  auto config = test::MinimalGatewayConfig(pki, dir.path());
  test::AddRegisterSettings(&config);
  config.mutable_admin_http()->set_address("0.0.0.0:9464");
  auto refused = config::ValidateGatewayConfig(config, "c.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("admin_http.tls"));
  config.mutable_admin_http()->set_tls(true);
  EXPECT_OK(config::ValidateGatewayConfig(config, "c.yaml"));
  config.mutable_admin_http()->set_loopback_member(test::kAdminMember);
  EXPECT_THAT(std::string(config::ValidateGatewayConfig(config, "c.yaml").message()),
              HasSubstr("only used without TLS"));
  config.mutable_admin_http()->set_tls(false);
  config.mutable_admin_http()->set_address("127.0.0.1:9464");
  config.mutable_admin_http()->set_loopback_member("000.00.55.H49");
  (*config.mutable_admin_http()->mutable_console_targets())["online"] = 0.5;
  (*config.mutable_admin_http()->mutable_console_targets())["on_time_rate"] = 90;
  const std::string message(config::ValidateGatewayConfig(config, "c.yaml").message());
  EXPECT_THAT(message, HasSubstr("is not a member of access_policy"));
  EXPECT_THAT(message, HasSubstr("admin_http.console_targets.online: unknown indicator"));
  EXPECT_THAT(message, HasSubstr("admin_http.console_targets.on_time_rate: a rate from 0 to 1"));
}

}  // namespace
}  // namespace lienthong

// The dvcqg adapter against the stand-in portal (tests/support/stand_in_portal.h): golden JSON
// of a realistic dossier through its whole lifecycle, the protocol's headers and login, session
// expiry, outages, refusals, batching, idempotence, and the config's bad fields.
#include "adapters/dvcqg/dvcqg_adapter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/dvcqg/config.h"
#include "adapters/dvcqg/http_client.h"
#include "adapters/dvcqg/portal_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/rpc_status.h"
#include "tests/support/stand_in_portal.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace lienthong::adapters::dvcqg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCode[] = "000.00.31.H49-260105-0042";

google::protobuf::Timestamp At(const char* rfc3339) {
  absl::Time time;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &time, &error)) << error;
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(time));
  return ts;
}

// A dossier for a copy of a diploma (cấp bản sao văn bằng), as submitted at the desk.
v1::Dossier Submitted() {
  v1::Dossier d;
  d.set_code(kCode);
  d.set_receipt_number("BN-2026-0042");
  d.set_procedure_code("GD-QN-0481");  // the province's own code, mapped to 2.002481
  d.set_procedure_name("Cấp bản sao văn bằng, chứng chỉ từ sổ gốc");
  d.set_field_code("G03-GD14");
  d.set_receiving_agency_code("000.00.31.H49");
  d.set_handling_agency_code("000.00.31.H49");
  d.set_channel(v1::CHANNEL_IN_PERSON);
  d.set_online_level(v1::ONLINE_LEVEL_PARTIAL);
  d.set_summary("Xin cấp bản sao bằng tốt nghiệp THPT năm 2019");
  *d.mutable_submitted_at() = At("2026-01-05T01:25:00Z");
  *d.mutable_received_at() = At("2026-01-05T01:30:00Z");
  *d.mutable_due_at() = At("2026-01-08T10:00:00Z");
  d.set_status(v1::DOSSIER_STATUS_ACCEPTED);
  d.set_result_delivery(v1::RESULT_DELIVERY_POSTAL);
  d.set_processing_days(3);
  auto* applicant = d.mutable_applicant();
  applicant->set_kind(v1::APPLICANT_KIND_CITIZEN);
  applicant->set_full_name("Nguyễn Thị Hồng Nhung");
  applicant->set_id_type(v1::ID_TYPE_CCCD);
  applicant->set_id_number("022301004567");
  applicant->set_phone("0912345678");
  applicant->set_email("nhung.nth@example.vn");
  applicant->mutable_representative()->set_full_name("Nguyễn Văn Tâm");
  applicant->mutable_representative()->set_id_number("022079001234");
  auto* file = d.add_attachments();
  file->set_name("don-de-nghi-cap-ban-sao.pdf");
  file->set_component_code("TPHS-01");
  file->set_uri("https://motcua.quangninh.gov.vn/files/0042/don.pdf");
  file->set_sha256(std::string(64, 'a'));
  auto* fee = d.add_fees();
  fee->set_description("Lệ phí cấp bản sao");
  fee->mutable_amount()->set_amount_vnd(10000);
  fee->set_paid_online(true);
  d.set_version(1);
  return d;
}

// Appends a status move as UpdateDossierStatus does (services/dossier/dossier_register.cc).
void Move(v1::Dossier* d, v1::DossierStatus to, const char* at, const char* handler,
          const char* content, const char* unit) {
  auto* step = d->add_history();
  step->set_sequence(d->history_size());
  step->set_from_status(d->status());
  step->set_to_status(to);
  step->set_from_unit("000.00.31.H49");
  step->set_to_unit(unit);
  *step->mutable_at() = At(at);
  step->set_handler(handler);
  step->set_content(content);
  d->set_status(to);
  d->set_version(d->version() + 1);
}

// The dossier's lifecycle: submitted, in process, a supplement asked for and supplied (new due
// date), finished with a result, returned.
std::vector<v1::Dossier> Lifecycle() {
  std::vector<v1::Dossier> states;
  v1::Dossier d = Submitted();
  states.push_back(d);
  Move(&d, v1::DOSSIER_STATUS_IN_PROCESS, "2026-01-05T02:00:00Z", "tranvanbinh",
       "Chuyển phòng Quản lý văn bằng xử lý", "000.31.31.H49");
  *d.mutable_history(0)->mutable_step_due_at() = At("2026-01-06T10:00:00Z");
  states.push_back(d);
  Move(&d, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, "2026-01-05T08:00:00Z", "lethimai",
       "Đề nghị bổ sung bản chụp CCCD", "000.00.31.H49");
  auto* supplement = d.add_supplements();
  supplement->set_requested_content("Bản chụp căn cước công dân của người được ủy quyền");
  *supplement->mutable_requested_at() = At("2026-01-05T08:00:00Z");
  states.push_back(d);
  Move(&d, v1::DOSSIER_STATUS_IN_PROCESS, "2026-01-06T02:15:00Z", "tranvanbinh",
       "Đã nhận hồ sơ bổ sung", "000.31.31.H49");
  *d.mutable_supplements(0)->mutable_supplied_at() = At("2026-01-06T02:15:00Z");
  *d.mutable_original_due_at() = d.due_at();
  *d.mutable_due_at() = At("2026-01-09T10:00:00Z");
  states.push_back(d);
  Move(&d, v1::DOSSIER_STATUS_FINISHED, "2026-01-07T09:00:00Z", "phamquanghuy",
       "Đã ký bản sao văn bằng", "000.00.31.H49");
  *d.mutable_finished_at() = At("2026-01-07T09:00:00Z");
  auto* result = d.add_results();
  result->set_name("Bản sao bằng tốt nghiệp trung học phổ thông");
  result->set_document_number("BS-2026/0042");
  result->set_uri("https://motcua.quangninh.gov.vn/ketqua/0042.pdf");
  result->set_electronic(true);
  *result->mutable_issued_at() = At("2026-01-07T09:00:00Z");
  states.push_back(d);
  Move(&d, v1::DOSSIER_STATUS_RESULT_RETURNED, "2026-01-08T03:00:00Z", "lethimai",
       "Đã gửi kết quả qua bưu điện", "000.00.31.H49");
  *d.mutable_returned_at() = At("2026-01-08T03:00:00Z");
  states.push_back(d);
  return states;
}

v1::ChangeEvent EventOf(const v1::Dossier& dossier, const std::string& id = "") {
  v1::ChangeEvent event;
  event.set_event_id(id.empty() ? absl::StrCat("ev-", dossier.code(), "-", dossier.version())
                                : id);
  event.mutable_key()->set_type(v1::RECORD_TYPE_DOSSIER);
  event.mutable_key()->set_key(dossier.code());
  event.set_operation(dossier.version() == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE);
  event.set_version(dossier.version());
  *event.mutable_dossier() = dossier;
  return event;
}

// A small dossier numbered n, for batches.
v1::Dossier Small(int n) {
  v1::Dossier d = Submitted();
  d.set_code(absl::StrCat("000.00.31.H49-260105-", 1000 + n));
  return d;
}

class DvcqgAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(portal_.Start());
    ASSERT_OK(test::WriteFile(dir_.Path("portal.password"),
                              StandInPortal().password + "\n", 0600));
  }

  config::v1::DvcqgAdapterConfig Config() {
    config::v1::DvcqgAdapterConfig config;
    config.set_base_url(portal_.base_url());
    config.set_auth_path(test::StandInPortal::kAuthPath);
    config.set_integration_path(test::StandInPortal::kIntegrationPath);
    config.set_username(StandInPortal().username);
    config.set_password_file(dir_.Path("portal.password"));
    config.set_dstcode(StandInPortal().dstcode);
    config.set_madonvi("000.00.00.H49");
    config.mutable_timeout()->set_seconds(2);
    (*config.mutable_procedure_codes())["GD-QN-0481"] = "2.002481";
    return config;
  }
  std::unique_ptr<DvcqgAdapter> Make(const config::v1::DvcqgAdapterConfig& config) {
    return std::make_unique<DvcqgAdapter>(DvcqgOptionsFromConfig(config));
  }
  static test::StandInPortal::Account StandInPortal() { return {}; }

  test::TempDir dir_;
  test::StandInPortal portal_;
};

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PortalTimeTest, IsVietnamLocalTimeInThePortalsFormat) {
  // 2026-01-05 17:30:05 UTC is 2026-01-06 00:30:05 in Hà Nội (UTC+7, no daylight-saving time).
  EXPECT_EQ(PortalTime(absl::FromUnixSeconds(1767634205)), "20260106003005");
  EXPECT_EQ(PortalTime(google::protobuf::Timestamp(), false), "");
  EXPECT_EQ(VietnamTimeZone().name(), "Asia/Ho_Chi_Minh");  // tzdata is a build dependency
}

TEST(HttpClientTest, ARefusedCurlOptionIsAnOutageNamingTheOption) {
  EXPECT_OK(internal::CurlOptionStatus(0, "CURLOPT_CAINFO"));  // CURLE_OK
  // CURLE_NOT_BUILT_IN (4): a libcurl without the TLS backend's CA option.
  const absl::Status refused = internal::CurlOptionStatus(4, "CURLOPT_CAINFO");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("libcurl refused CURLOPT_CAINFO: "));
  // CURLE_UNKNOWN_OPTION (48): a libcurl older than 7.85 has no CURLOPT_PROTOCOLS_STR.
  EXPECT_THAT(internal::CurlOptionStatus(48, "CURLOPT_PROTOCOLS_STR").message(),
              HasSubstr("CURLOPT_PROTOCOLS_STR"));
}

TEST_F(DvcqgAdapterTest, ALifecycleReadsAsTheGoldenRequests) {
  auto adapter = Make(Config());
  for (const v1::Dossier& state : Lifecycle()) ASSERT_OK(adapter->Apply({EventOf(state)}));

  // Every integration request, session removed (it is the stand-in's own token).
  nlohmann::json sent = nlohmann::json::array();
  for (const auto& request : portal_.requests()) {
    if (request.path != test::StandInPortal::kIntegrationPath) continue;
    EXPECT_EQ(request.dstcode, "H49");
    EXPECT_THAT(request.content_type, HasSubstr("application/json"));
    EXPECT_EQ(request.body.value("session", ""), "phien-1");
    nlohmann::json body = request.body;
    body.erase("session");
    sent.push_back(body);
  }
  const std::string golden_path =
      std::string(LIENTHONG_TESTDATA_DIR) + "/dvcqg_lifecycle.golden.json";
  if (std::getenv("LIENTHONG_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path) << sent.dump(2) << "\n";
  }
  const nlohmann::json golden = nlohmann::json::parse(ReadFileOrEmpty(golden_path), nullptr, false);
  ASSERT_FALSE(golden.is_discarded()) << "cannot read " << golden_path;
  EXPECT_EQ(sent, golden) << "sent:\n" << sent.dump(2);
  // One login for the whole run, with the account and the dstcode header.
  ASSERT_EQ(portal_.logins(), 1);
  const auto first = portal_.requests().front();
  EXPECT_EQ(first.path, test::StandInPortal::kAuthPath);
  EXPECT_EQ(first.dstcode, "H49");
  EXPECT_EQ(first.body, (nlohmann::json{{"username", StandInPortal().username},
                                        {"password", StandInPortal().password}}));
  // The portal now holds the dossier as returned, and every step.
  EXPECT_EQ(portal_.Dossier(kCode)["TrangThaiHoSo"], "10");
  EXPECT_EQ(portal_.Progress(kCode).size(), 5u);
}

TEST_F(DvcqgAdapterTest, StatusCodesCanBeOverridden) {
  auto config = Config();
  (*config.mutable_status_codes())[2] = "2A";
  auto adapter = Make(config);
  ASSERT_OK(adapter->Apply({EventOf(Submitted())}));
  EXPECT_EQ(portal_.Dossier(kCode)["TrangThaiHoSo"], "2A");
  EXPECT_EQ(portal_.Dossier(kCode)["MaTTHC"], "2.002481");
}

TEST_F(DvcqgAdapterTest, ABatchGoesInOneCallPerService) {
  auto adapter = Make(Config());
  std::vector<v1::ChangeEvent> batch;
  for (int n = 1; n <= 20; ++n) batch.push_back(EventOf(Small(n)));
  for (int n = 1; n <= 5; ++n) {
    v1::Dossier d = Small(n);
    Move(&d, v1::DOSSIER_STATUS_IN_PROCESS, "2026-01-05T03:00:00Z", "canbo", "Xử lý",
         "000.31.31.H49");
    batch.push_back(EventOf(d));
  }
  ASSERT_OK(adapter->Apply(batch));
  const auto syncs = portal_.Calls("DongBoHoSoMC");
  ASSERT_EQ(syncs.size(), 1u);  // status moves only: no isUpdating:true call
  EXPECT_EQ(syncs[0]["isUpdating"], false);
  EXPECT_EQ(syncs[0]["data"].size(), 20u);
  const auto progress = portal_.Calls("CapNhatTienDoHoSoMC");
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0]["data"].size(), 5u);
  // The same batch again (a retry after a lost answer) sends nothing.
  ASSERT_OK(adapter->Apply(batch));
  EXPECT_EQ(portal_.Calls("DongBoHoSoMC").size(), 1u);
  EXPECT_EQ(portal_.Calls("CapNhatTienDoHoSoMC").size(), 1u);
}

TEST_F(DvcqgAdapterTest, AnExpiredSessionIsRenewedOnceAndTheCallSentAgain) {
  auto adapter = Make(Config());
  ASSERT_OK(adapter->Apply({EventOf(Small(1))}));
  portal_.ExpireSessions();
  ASSERT_OK(adapter->Apply({EventOf(Small(2))}));
  EXPECT_EQ(portal_.logins(), 2);
  EXPECT_EQ(adapter->logins(), 2);
  EXPECT_EQ(portal_.creations(), (std::map<std::string, int>{{Small(1).code(), 1},
                                                             {Small(2).code(), 1}}));
}

TEST_F(DvcqgAdapterTest, AnOutageIsTransientAndNothingIsLost) {
  auto adapter = Make(Config());
  portal_.SetUnavailable(true);
  absl::Status down = adapter->Apply({EventOf(Small(1))});
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_TRUE(IsTransientFailure(down));
  portal_.SetUnavailable(false);
  portal_.Stop();  // connection refused
  absl::Status refused = adapter->Apply({EventOf(Small(1))});
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  ASSERT_OK(portal_.Start());  // the same port again
  ASSERT_OK(adapter->Apply({EventOf(Small(1))}));
  EXPECT_EQ(portal_.creations(), (std::map<std::string, int>{{Small(1).code(), 1}}));
}

TEST_F(DvcqgAdapterTest, ASlowPortalIsADeadlineExceeded) {
  // A listening socket that never answers: the call times out.
  auto config = Config();
  config.mutable_timeout()->set_seconds(0);
  config.mutable_timeout()->set_nanos(300 * 1000 * 1000);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  config.set_base_url(absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port)));
  absl::Status slow = Make(config)->Apply({EventOf(Small(1))});
  ::close(fd);
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;
}

TEST_F(DvcqgAdapterTest, ARefusedDossierFailsWithThePortalsMessageAndNoSecret) {
  auto adapter = Make(Config());
  portal_.Refuse(Small(2).code(), "Mã TTHC không tồn tại trong CSDL quốc gia");
  absl::Status refused = adapter->Apply({EventOf(Small(1)), EventOf(Small(2))});
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_FALSE(IsTransientFailure(refused));
  EXPECT_THAT(refused.message(), HasSubstr("Mã TTHC không tồn tại trong CSDL quốc gia"));
  EXPECT_THAT(refused.message(), Not(HasSubstr(StandInPortal().password)));
  EXPECT_THAT(refused.message(), Not(HasSubstr("phien-")));
  // One at a time, as the engine applies a refused batch: the other one lands.
  ASSERT_OK(adapter->Apply({EventOf(Small(1))}));
  EXPECT_EQ(adapter->Apply({EventOf(Small(2))}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(portal_.creations(), (std::map<std::string, int>{{Small(1).code(), 1}}));
}

TEST_F(DvcqgAdapterTest, AWrongPasswordIsRetriedNotBlamedOnTheDossier) {
  ASSERT_OK(test::WriteFile(dir_.Path("portal.password"), "sai-mat-khau\n", 0600));
  absl::Status login = Make(Config())->Apply({EventOf(Small(1))});
  EXPECT_EQ(login.code(), absl::StatusCode::kUnavailable) << login;
  EXPECT_THAT(login.message(), HasSubstr("Sai tên đăng nhập"));
  EXPECT_THAT(login.message(), Not(HasSubstr("sai-mat-khau")));
}

TEST_F(DvcqgAdapterTest, APasswordFileNotInUtf8IsAnOutageNotAnException) {
  // "mật khẩu" saved in a legacy single-byte encoding: nlohmann's dump throws on it.
  const std::string legacy = "m\xe1t-kh\xe2u-9f3c";
  ASSERT_OK(test::WriteFile(dir_.Path("portal.password"), legacy + "\n", 0600));
  absl::Status login = absl::UnknownError("Apply threw");
  EXPECT_NO_THROW(login = Make(Config())->Apply({EventOf(Small(1))}));
  EXPECT_EQ(login.code(), absl::StatusCode::kUnavailable) << login;
  EXPECT_THAT(login.message(), HasSubstr(dir_.Path("portal.password") + " is not UTF-8"));
  EXPECT_THAT(login.message(), Not(HasSubstr("\xe1")));
  EXPECT_THAT(login.message(), Not(HasSubstr("9f3c")));
  EXPECT_EQ(portal_.logins(), 0);  // nothing was sent
}

TEST_F(DvcqgAdapterTest, ADossierTextNotInUtf8IsRefusedContentNotAnException) {
  auto adapter = Make(Config());
  v1::Dossier bad = Small(1);
  bad.set_summary("B\xe1n sao v\xe3n b\xe8ng");  // not UTF-8
  absl::Status refused = absl::UnknownError("Apply threw");
  EXPECT_NO_THROW(refused = adapter->Apply({EventOf(bad)}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("not valid UTF-8"));
  EXPECT_TRUE(portal_.Calls("DongBoHoSoMC").empty());
  ASSERT_OK(adapter->Apply({EventOf(Small(2))}));  // the others go on
  EXPECT_EQ(portal_.creations(), (std::map<std::string, int>{{Small(2).code(), 1}}));
}

TEST_F(DvcqgAdapterTest, AnAnswerWithoutANumericErrorCodeIsAnOutageNotARefusal) {
  auto adapter = Make(Config());
  // A maintenance proxy, and error codes that are not whole numbers ("0abc" once read as 0).
  for (const char* body : {R"({"status":"maintenance"})", R"({"error_code":"0abc"})",
                           R"({"error_code":1.0})", R"({"error_code":true})",
                           R"({"error_code":null})", R"({"error_code":"-1"})",
                           R"({"error_code":" 7"})", R"({"error_code":18446744073709551615})",
                           R"([0])"}) {
    portal_.SetCannedAnswer(200, body);
    absl::Status status = absl::UnknownError("Apply threw");
    EXPECT_NO_THROW(status = adapter->Apply({EventOf(Small(1))})) << body;
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << body << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr("no numeric error_code")) << body;
  }
  // A numeric code, as a number or as digits, is the portal refusing the content.
  for (const char* body : {R"({"error_code":7,"message":"Sai MaTTHC"})",
                           R"({"error_code":"07","message":"Sai MaTTHC"})"}) {
    portal_.SetCannedAnswer(200, body);
    absl::Status status = adapter->Apply({EventOf(Small(1))});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << body << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr("error_code 7: Sai MaTTHC")) << body;
  }
  portal_.ClearCannedAnswer();
  ASSERT_OK(adapter->Apply({EventOf(Small(1))}));
  // Sent as an update: an unreadable answer may have come after the portal stored it.
  EXPECT_EQ(portal_.updates(), (std::map<std::string, int>{{Small(1).code(), 1}}));
}

TEST_F(DvcqgAdapterTest, OnlyAccountPathTimeRateAndServerStatusesAreRetried) {
  auto adapter = Make(Config());
  for (int status : {403, 404, 405, 407, 408, 425, 429, 500, 502, 503, 504}) {
    portal_.SetCannedAnswer(status, "<html>Error</html>");
    const absl::Status failed = adapter->Apply({EventOf(Small(1))});
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << status << ": " << failed;
  }
  // Any other 4xx refuses the content: the engine isolates the one dossier.
  for (int status : {400, 402, 409, 410, 411, 413, 415, 422, 451}) {
    portal_.SetCannedAnswer(status, R"({"error_code":9,"message":"Dữ liệu không hợp lệ"})");
    const absl::Status refused = adapter->Apply({EventOf(Small(1))});
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << status << ": " << refused;
    EXPECT_THAT(refused.message(), HasSubstr(absl::StrCat("HTTP ", status,
                                                          ": Dữ liệu không hợp lệ")));
  }
  EXPECT_TRUE(portal_.creations().empty());
}

TEST_F(DvcqgAdapterTest, ACreationWhoseAnswerWasLostIsSentAgainAsAnUpdate) {
  auto adapter = Make(Config());
  // The portal stores both dossiers, then a proxy answers 503.
  portal_.LoseAnswers(1, 503);
  const std::vector<v1::ChangeEvent> batch = {EventOf(Small(1)), EventOf(Small(2))};
  EXPECT_EQ(adapter->Apply(batch).code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(portal_.creations().size(), 2u);
  ASSERT_OK(adapter->Apply(batch));
  const std::map<std::string, int> once = {{Small(1).code(), 1}, {Small(2).code(), 1}};
  EXPECT_EQ(portal_.creations(), once);  // never created twice
  EXPECT_EQ(portal_.updates(), once);
  auto syncs = portal_.Calls("DongBoHoSoMC");
  ASSERT_EQ(syncs.size(), 2u);
  EXPECT_EQ(syncs[1]["isUpdating"], true);
  ASSERT_OK(adapter->Apply({batch[0]}));  // landed: nothing more is sent for it
  EXPECT_EQ(portal_.Calls("DongBoHoSoMC").size(), 2u);

  // The answer comes after the timeout: the same.
  auto config = Config();
  config.mutable_timeout()->set_seconds(0);
  config.mutable_timeout()->set_nanos(300 * 1000 * 1000);
  auto impatient = Make(config);
  portal_.LoseAnswers(1, 200, absl::Milliseconds(800));
  EXPECT_EQ(impatient->Apply({EventOf(Small(3))}).code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_OK(impatient->Apply({EventOf(Small(3))}));
  EXPECT_EQ(portal_.creations().at(Small(3).code()), 1);
  EXPECT_EQ(portal_.updates().at(Small(3).code()), 1);

  // Refused before anything was sent (the portal down at login): still a creation.
  auto fresh = Make(Config());
  portal_.SetUnavailable(true);
  EXPECT_EQ(fresh->Apply({EventOf(Small(4))}).code(), absl::StatusCode::kUnavailable);
  portal_.SetUnavailable(false);
  ASSERT_OK(fresh->Apply({EventOf(Small(4))}));
  EXPECT_EQ(portal_.creations().at(Small(4).code()), 1);
  EXPECT_EQ(portal_.updates().count(Small(4).code()), 0u);
}

TEST_F(DvcqgAdapterTest, AnEmptyPasswordIsRefusedBeforeLoginNamingTheFile) {
  ASSERT_OK(test::WriteFile(dir_.Path("portal.password"), "  \nsecond-line\n", 0600));
  const absl::Status login = Make(Config())->Apply({EventOf(Small(1))});
  EXPECT_EQ(login.code(), absl::StatusCode::kUnavailable) << login;
  EXPECT_THAT(login.message(),
              HasSubstr(dir_.Path("portal.password") + " has an empty first line"));
  EXPECT_THAT(login.message(), Not(HasSubstr("second-line")));
  EXPECT_EQ(portal_.logins(), 0);  // nothing was sent
}

TEST_F(DvcqgAdapterTest, AnOlderVersionNeverOverwritesANewerOne) {
  auto adapter = Make(Config());
  auto states = Lifecycle();
  ASSERT_OK(adapter->Apply({EventOf(states[0]), EventOf(states[1]), EventOf(states[2])}));
  // A replay of version 2 (say, from the dead letters) sends its step, not its older state.
  const size_t whole_sends = portal_.Calls("DongBoHoSoMC").size();
  ASSERT_OK(adapter->Apply({EventOf(states[1], "replayed-v2")}));
  EXPECT_EQ(portal_.Calls("DongBoHoSoMC").size(), whole_sends);
  EXPECT_EQ(portal_.Dossier(kCode)["TrangThaiHoSo"], "5");
  EXPECT_EQ(portal_.Progress(kCode).size(), 3u);
}

TEST_F(DvcqgAdapterTest, AResyncSendsTheWholeDossierAsAnUpdate) {
  auto adapter = Make(Config());
  auto states = Lifecycle();
  ASSERT_OK(adapter->Apply({EventOf(states[0]), EventOf(states[1])}));
  ASSERT_OK(adapter->Apply({EventOf(states[1], "resync:run1:" + std::string(kCode))}));
  EXPECT_EQ(portal_.updates(), (std::map<std::string, int>{{kCode, 1}}));
  EXPECT_EQ(portal_.Progress(kCode).size(), 1u);  // no step sent again
}

TEST_F(DvcqgAdapterTest, HttpsVerifiesThePortalAgainstTheCaFile) {
  ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
  test::StandInPortal portal(StandInPortal(), test::StandInPortal::Tls{
                                                  pki.gateway_cert_file(),
                                                  pki.gateway_key_file()});
  ASSERT_OK(portal.Start());
  auto config = Config();
  config.set_base_url(portal.base_url());
  config.set_ca_file(pki.ca_file());
  ASSERT_OK(Make(config)->Apply({EventOf(Small(1))}));
  EXPECT_EQ(portal.creations().size(), 1u);
  // The system store does not know the test CA: refused before anything is sent.
  config.clear_ca_file();
  absl::Status unverified = Make(config)->Apply({EventOf(Small(2))});
  EXPECT_EQ(unverified.code(), absl::StatusCode::kUnavailable) << unverified;
  EXPECT_THAT(unverified.message(), HasSubstr("certificate"));
  // A ca_file of another CA does not verify it either.
  ASSERT_OK_AND_ASSIGN(auto other, test::TestPki::Create(dir_.Path("other")));
  config.set_ca_file(other.ca_file());
  EXPECT_EQ(Make(config)->Apply({EventOf(Small(2))}).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(portal.creations().size(), 1u);
}

// ---- Config validation ----

google::rpc::BadRequest ViolationsOf(const config::v1::DvcqgAdapterConfig& dvcqg) {
  config::v1::Adapter entry;
  entry.set_name("dvcqg");
  *entry.mutable_dvcqg() = dvcqg;
  absl::Status status = DvcqgAdapterFactory().Validate(entry);
  google::rpc::BadRequest bad;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(GetBadRequest(status, &bad));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("mat-khau")));
  return bad;
}

std::vector<std::string> Fields(const google::rpc::BadRequest& bad) {
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  return fields;
}

TEST_F(DvcqgAdapterTest, AGoodConfigValidates) {
  config::v1::Adapter entry;
  entry.set_name("dvcqg");
  *entry.mutable_dvcqg() = Config();
  EXPECT_OK(DvcqgAdapterFactory().Validate(entry));
  entry.mutable_dvcqg()->set_base_url("https://dichvucong.gov.vn");
  EXPECT_OK(DvcqgAdapterFactory().Validate(entry));
  entry.mutable_dvcqg()->set_base_url("http://[::1]:8080");
  EXPECT_OK(DvcqgAdapterFactory().Validate(entry));
}

TEST_F(DvcqgAdapterTest, EachBadFieldIsNamed) {
  config::v1::DvcqgAdapterConfig empty;
  EXPECT_THAT(Fields(ViolationsOf(empty)),
              ElementsAre("dvcqg.base_url", "dvcqg.username", "dvcqg.password_file",
                          "dvcqg.dstcode", "dvcqg.madonvi"));
  auto bad = Config();
  bad.set_base_url("https://dichvucong.gov.vn/api");
  bad.set_auth_path("api/login");
  bad.set_integration_path("/api?x=1");
  bad.mutable_timeout()->set_seconds(3600);
  (*bad.mutable_status_codes())[11] = "11";
  (*bad.mutable_status_codes())[3] = "";
  (*bad.mutable_procedure_codes())["1.0001"] = "";
  EXPECT_THAT(Fields(ViolationsOf(bad)),
              ElementsAre("dvcqg.base_url", "dvcqg.auth_path", "dvcqg.integration_path",
                          "dvcqg.timeout", "dvcqg.procedure_codes[1.0001]",
                          "dvcqg.status_codes[3]", "dvcqg.status_codes[11]"));
}

TEST_F(DvcqgAdapterTest, ThePasswordAndCaFilesMustBeReadable) {
  auto config = Config();
  config.set_password_file(dir_.Path("absent.password"));
  config.set_ca_file(dir_.Path("absent-ca.pem"));
  const auto bad = ViolationsOf(config);
  EXPECT_THAT(Fields(bad), ElementsAre("dvcqg.password_file", "dvcqg.ca_file"));
  EXPECT_THAT(bad.field_violations(0).description(), HasSubstr(dir_.Path("absent.password")));
  EXPECT_THAT(bad.field_violations(1).description(), HasSubstr(dir_.Path("absent-ca.pem")));
  config.set_password_file(dir_.path());  // a folder
  config.set_ca_file(dir_.path());
  EXPECT_THAT(Fields(ViolationsOf(config)),
              ElementsAre("dvcqg.password_file", "dvcqg.ca_file"));
}

TEST_F(DvcqgAdapterTest, PlainHttpToANonLoopbackHostIsRefused) {
  for (const char* url : {"http://dichvucong.gov.vn", "http://10.0.0.7:8080", "ftp://127.0.0.1",
                          "http://user:pass@127.0.0.1"}) {
    auto config = Config();
    config.set_base_url(url);
    const auto bad = ViolationsOf(config);
    ASSERT_EQ(bad.field_violations_size(), 1) << url;
    EXPECT_EQ(bad.field_violations(0).field(), "dvcqg.base_url") << url;
    EXPECT_THAT(bad.field_violations(0).description(), Not(HasSubstr("pass"))) << url;
  }
  auto config = Config();
  config.set_base_url("http://dichvucong.gov.vn");
  EXPECT_THAT(ViolationsOf(config).field_violations(0).description(),
              HasSubstr("plain http:// is refused for host dichvucong.gov.vn"));
}

TEST_F(DvcqgAdapterTest, TheKindTakesDossiersOnly) {
  EXPECT_THAT(DvcqgAdapterFactory().record_types(), ElementsAre(v1::RECORD_TYPE_DOSSIER));
}

}  // namespace
}  // namespace lienthong::adapters::dvcqg

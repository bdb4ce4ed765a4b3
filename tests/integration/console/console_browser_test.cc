// The operator console in a real browser: headless Chromium (Debian's chromium package) opens
// every page of a gateway holding a known data set and the test reads what a person sees in the
// rendered document; each page's screenshot is written to $LIENTHONG_CONSOLE_SCREENSHOTS (the
// docs/console/ pictures come from `bash tests/console/screenshots.sh`), else to a temporary
// folder.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/console/html.h"
#include "tests/integration/console/console_gateway.h"
#include "tests/support/child_process.h"
#include "tests/support/register_gateway.h"
#include "tests/support/status_assertions.h"
#include "tests/support/test_gateway.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

constexpr char kChromium[] = "/usr/bin/chromium";

// Chromium run for one page: no sandbox (tests may run as root), no GPU, nothing fetched from
// the network but the page itself, a profile of its own.
std::vector<std::string> ChromiumArgs(const std::string& profile) {
  return {kChromium,
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--no-default-browser-check",
          "--hide-scrollbars",
          "--lang=vi-VN",
          "--user-data-dir=" + profile};
}

class ConsoleBrowserTest : public test::ConsoleSuite {
 protected:
  static void SetUpTestSuite() {
    ConsoleSuite::SetUpTestSuite();
    if (gateway_ == nullptr) return;
    const char* shots = std::getenv("LIENTHONG_CONSOLE_SCREENSHOTS");
    screenshots_ = new std::string(shots != nullptr && *shots != '\0' ? shots : dir_->Path("shots"));
    std::error_code error;
    std::filesystem::create_directories(*screenshots_, error);
    ASSERT_FALSE(error) << error.message();
  }
  static void TearDownTestSuite() {
    ConsoleSuite::TearDownTestSuite();
    delete screenshots_;
    screenshots_ = nullptr;
  }

  std::string Url(const std::string& path) {
    return absl::StrCat("http://127.0.0.1:", gateway_->http_port(), path);
  }

  // The document as Chromium rendered it (after parsing, as a person's browser has it).
  std::string RenderedDom(const std::string& path) {
    std::vector<std::string> args = ChromiumArgs(dir_->Path("profile-dom"));
    args.push_back("--dump-dom");
    args.push_back(Url(path));
    auto child = test::ChildProcess::Start(args);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return "";
    auto exit = (*child)->Wait(absl::Seconds(90));
    EXPECT_TRUE(exit.ok() && exit->Succeeded()) << (*child)->Stderr();
    return (*child)->Stdout();
  }

  // A PNG of the page as a 1280-pixel-wide window shows it.
  void Screenshot(const std::string& path, const std::string& name, int height = 1600) {
    const std::string file = absl::StrCat(*screenshots_, "/", name, ".png");
    std::vector<std::string> args = ChromiumArgs(dir_->Path("profile-shot"));
    args.push_back("--screenshot=" + file);
    args.push_back(absl::StrCat("--window-size=1280,", height));
    args.push_back(Url(path));
    auto child = test::ChildProcess::Start(args);
    ASSERT_OK(child.status());
    auto exit = (*child)->Wait(absl::Seconds(90));
    ASSERT_TRUE(exit.ok() && exit->Succeeded()) << (*child)->Stderr();
    auto png = ReadFileToString(file);
    ASSERT_OK(png.status());
    EXPECT_GT(png->size(), 10000u) << file;  // a rendered page, not a blank one
    EXPECT_EQ(png->substr(1, 3), "PNG");
  }

  static inline std::string* screenshots_ = nullptr;
};

TEST_F(ConsoleBrowserTest, IndicatorsShowGetDossierStatsOfTheMonth) {
  const absl::CivilMonth month =
      absl::CivilMonth(absl::ToCivilDay(absl::Now(), console::VietnamTime())) - 1;
  auto stub = gateway_->Dossiers(test::kAdminMember);
  v1::GetDossierStatsRequest request;
  ToProtoTimestamp(absl::FromCivil(month, console::VietnamTime()), request.mutable_from());
  ToProtoTimestamp(absl::FromCivil(month + 1, console::VietnamTime()), request.mutable_to());
  v1::GetDossierStatsResponse stats;
  ASSERT_TRUE(test::Unary(*stub, &v1::DossierService::Stub::GetDossierStats, request, &stats).ok());
  const std::string path = absl::StrCat("/chi-so?ky=thang&nam=", month.year(), "&thang=", month.month());
  const std::string dom = RenderedDom(path);
  const auto& k = stats.total();
  EXPECT_THAT(dom, HasSubstr(absl::StrCat("id=\"so-tiep-nhan\">", console::FormatCount(k.received()), "<")));
  EXPECT_THAT(dom, HasSubstr(absl::StrCat(console::FormatPercent(k.online_rate()), " <span class=\"frac\">(",
                                          console::FormatCount(k.received_online()), " / ",
                                          console::FormatCount(k.received()), ")</span>")));
  EXPECT_THAT(dom, HasSubstr("<svg"));
  EXPECT_THAT(dom, HasSubstr("Xu hướng 12 tháng"));
  Screenshot(path, "chi-so", 2200);
  Screenshot(absl::StrCat("/chi-so/bao-cao?ky=nam&nam=", month.year()), "bao-cao", 2400);
}

TEST_F(ConsoleBrowserTest, OverdueListAndAProcessingHistory) {
  const std::string dom = RenderedDom("/ho-so-qua-han?ngay=5");
  EXPECT_THAT(dom, HasSubstr("Quá hạn: <b class=\"bad\">"));
  EXPECT_THAT(dom, HasSubstr("/ho-so?ma="));
  Screenshot("/ho-so-qua-han?ngay=5", "ho-so-qua-han", 1400);
  const std::string code = gateway_->codes().at(0);
  const std::string history = RenderedDom("/ho-so?ma=" + code);
  EXPECT_THAT(history, HasSubstr(code));
  EXPECT_THAT(history, HasSubstr("Chuyển phòng chuyên môn xử lý"));
  Screenshot("/ho-so?ma=" + code, "ho-so", 900);
}

TEST_F(ConsoleBrowserTest, OperationsShowTheDeadLetterAndCertificateDaysLeft) {
  std::string dom;
  ASSERT_TRUE(test::PollUntil(
      [&] {
        dom = RenderedDom("/van-hanh");
        return absl::StrContains(dom, "id=\"gui-lai-so-gddt\"");
      },
      absl::Seconds(120), absl::Seconds(1)))
      << dom;
  EXPECT_THAT(dom, HasSubstr(gateway_->refused_dossier()));
  auto admin = gateway_->Admin(test::kAdminMember);
  v1::ListCertificatesResponse certificates;
  ASSERT_TRUE(test::Unary(*admin, &v1::AdminService::Stub::ListCertificates,
                          v1::ListCertificatesRequest(), &certificates)
                  .ok());
  ASSERT_GT(certificates.certificates_size(), 0);
  for (const auto& c : certificates.certificates()) {
    EXPECT_THAT(dom, HasSubstr(absl::StrCat("\">", console::FormatCount(c.days_left()), "</td>")));
  }
  Screenshot("/van-hanh", "van-hanh", 1500);
}

TEST_F(ConsoleBrowserTest, ExchangeLogSearchResult) {
  const std::string code = gateway_->codes().at(1);
  const std::string path = "/nhat-ky?ban-ghi=" + console::UrlEncode("dossier:" + code);
  const std::string dom = RenderedDom(path);
  EXPECT_THAT(dom, HasSubstr("/lienthong.v1.DossierService/SubmitDossier"));
  EXPECT_THAT(dom, HasSubstr("/lienthong.v1.DossierService/UpdateDossierStatus"));
  EXPECT_THAT(dom, HasSubstr(test::kOneStopMember));
  Screenshot(path, "nhat-ky", 1000);
}

TEST_F(ConsoleBrowserTest, BadInputIsAMessageOnThePage) {
  const std::string dom = RenderedDom("/chi-so?ky=thang&thang=13");
  EXPECT_THAT(dom, HasSubstr("id=\"error\""));
  EXPECT_THAT(dom, HasSubstr("Tháng phải là số từ 1 đến 12"));
  EXPECT_THAT(RenderedDom("/nhat-ky?trang=9999"), HasSubstr("id=\"error\""));
}

}  // namespace
}  // namespace lienthong

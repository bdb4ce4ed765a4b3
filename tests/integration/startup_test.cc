// lienthongd refuses to start, and says why, on a bad config, bad TLS material or a taken address.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

// lienthongd with `args`; a daemon that does not refuse is killed after 15 s (and fails).
absl::StatusOr<test::ProcessResult> RunDaemon(const std::vector<std::string>& args) {
  return test::RunProcess(LIENTHONGD_PATH, args, absl::Seconds(15));
}

class StartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
  }

  std::string WriteConfig() {
    const std::string path = dir_.Path("lienthong.yaml");
    EXPECT_OK(test::WriteGatewayConfigFile(path, config_));
    return path;
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  config::v1::GatewayConfig config_;
};

TEST_F(StartupTest, RefusesAnInvalidConfigNamingTheField) {
  config_.clear_access_policy();
  config_.mutable_access_policy()->add_members()->set_agency_code("000.00.31");
  const std::string path = WriteConfig();
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", path}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "refusing to start")) << result.stderr_text;
  EXPECT_TRUE(absl::StrContains(
      result.stderr_text,
      absl::StrCat(path,
                   ": access_policy.members[0].agency_code: '000.00.31' is not an agency code")))
      << result.stderr_text;
}

TEST_F(StartupTest, RefusesAStructurallyBadConfig) {
  const std::string path = dir_.Path("bad.yaml");
  ASSERT_OK(test::WriteFile(path, "listener:\n  adress: \"127.0.0.1:0\"\n"));
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", path}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, path + ":2:3: listener.adress: unknown field"))
      << result.stderr_text;
}

TEST_F(StartupTest, RefusesAMissingConfigFileNamingIt) {
  const std::string path = dir_.Path("absent.yaml");
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", path}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, path)) << result.stderr_text;
}

TEST_F(StartupTest, RequiresTheConfigFlag) {
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "--config")) << result.stderr_text;
}

TEST_F(StartupTest, RefusesAGatewayKeyThatDoesNotMatchItsCertificate) {
  // The files exist (the config check passes); their content is wrong.
  ASSERT_OK_AND_ASSIGN(const auto member, pki_->IssueMember(test::kAdminMember));
  config_.mutable_listener()->mutable_tls()->set_key_file(member.files.key_file);
  const std::string path = WriteConfig();
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", path}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "private key does not match certificate"))
      << result.stderr_text;
  EXPECT_TRUE(absl::StrContains(result.stderr_text, pki_->gateway_cert_file()))
      << result.stderr_text;
}

TEST_F(StartupTest, RefusesAnExpiredGatewayCertificate) {
  security::LeafSpec spec;
  spec.subject.common_name = "lienthong-gateway";
  spec.ip_sans = {"127.0.0.1"};
  spec.not_before = absl::Now() - absl::Hours(48);
  spec.not_after = absl::Now() - absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(const auto expired, security::IssueCertificate(pki_->ca(), spec));
  ASSERT_OK(test::WriteFile(dir_.Path("expired.key"), expired.key_pem, 0600));
  ASSERT_OK(test::WriteFile(dir_.Path("expired.crt"), expired.cert_pem));
  config_.mutable_listener()->mutable_tls()->set_key_file(dir_.Path("expired.key"));
  config_.mutable_listener()->mutable_tls()->set_cert_file(dir_.Path("expired.crt"));
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", WriteConfig()}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "certificate expired at"))
      << result.stderr_text;
}

TEST_F(StartupTest, RefusesAClientCaFileThatHoldsNoCertificate) {
  ASSERT_OK(test::WriteFile(dir_.Path("empty-ca.pem"), "not a certificate\n"));
  config_.mutable_listener()->mutable_tls()->set_client_ca_file(dir_.Path("empty-ca.pem"));
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", WriteConfig()}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(result.stderr_text, dir_.Path("empty-ca.pem")))
      << result.stderr_text;
}

// Two gateways on one address would silently share its traffic; the second must refuse.
TEST_F(StartupTest, SecondGatewayOnTheSameAddressRefusesToStart) {
  ASSERT_OK_AND_ASSIGN(auto first, test::StartTestGateway(config_));
  config_.mutable_listener()->set_address(test::LoopbackTarget(first->port()));
  ASSERT_OK_AND_ASSIGN(const auto result, RunDaemon({"--config", WriteConfig()}));
  EXPECT_TRUE(result.exit.exited && result.exit.code != 0) << result.exit.ToString() << "\n"
                                                           << result.stderr_text;
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "cannot listen")) << result.stderr_text;
}

}  // namespace
}  // namespace lienthong

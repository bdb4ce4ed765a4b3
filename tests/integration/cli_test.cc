// lienthongctl as operators run it: `pki init` writes a usable PKI, `health` checks a gateway.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/security/tls_material.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"

namespace lienthong {
namespace {

// Runs lienthongctl with `args`.
absl::StatusOr<test::ProcessResult> Ctl(const std::vector<std::string>& args) {
  return test::RunProcess(LIENTHONGCTL_PATH, args);
}

// `lienthongctl pki init dir` that must succeed.
void PkiInit(const std::string& dir) {
  ASSERT_OK_AND_ASSIGN(const auto result, Ctl({"pki", "init", dir}));
  ASSERT_TRUE(result.exit.Succeeded()) << result.exit.ToString() << "\n" << result.stderr_text;
}

std::string ReadOrEmpty(const std::string& path) {
  return security::ReadFileToString(path).value_or("");
}

TEST(PkiInitTest, WritesCaGatewayAndMemberFilesWithPrivateKeysMode0600) {
  test::TempDir dir;
  const std::string pki = dir.Path("pki");
  ASSERT_OK_AND_ASSIGN(const auto result, Ctl({"pki", "init", pki}));
  ASSERT_TRUE(result.exit.Succeeded()) << result.exit.ToString() << "\n" << result.stderr_text;
  EXPECT_TRUE(absl::StrContains(result.stdout_text, pki)) << result.stdout_text;

  for (const std::string key : {"ca.key", "gateway.key", "members/motcua.key",
                                "members/giaoduc.key", "members/admin.key"}) {
    auto mode = test::FileMode(dir.Path("pki/" + key));
    ASSERT_OK(mode);
    EXPECT_EQ(*mode, 0600u) << key << " has mode " << std::oct << *mode;
  }
  for (const std::string cert : {"ca.crt", "gateway.crt", "members/motcua.crt",
                                 "members/giaoduc.crt", "members/admin.crt"}) {
    auto mode = test::FileMode(dir.Path("pki/" + cert));
    ASSERT_OK(mode);
    EXPECT_EQ(*mode, 0644u) << cert << " has mode " << std::oct << *mode;
  }
  auto folder_mode = test::FileMode(pki);
  ASSERT_OK(folder_mode);
  EXPECT_EQ(*folder_mode, 0700u) << std::oct << *folder_mode;
  auto members_mode = test::FileMode(pki + "/members");
  ASSERT_OK(members_mode);
  EXPECT_EQ(*members_mode, 0700u) << std::oct << *members_mode;

  // The material is usable as written: the gateway pair verifies, members carry their codes.
  const std::string ca = ReadOrEmpty(pki + "/ca.crt");
  EXPECT_OK(security::ValidateKeyCertPair(ReadOrEmpty(pki + "/gateway.key"),
                                          ReadOrEmpty(pki + "/gateway.crt"), ca, absl::Now()));
  const std::vector<std::pair<std::string, std::string>> members = {
      {"motcua", "000.00.00.H49"}, {"giaoduc", "000.00.31.H49"}, {"admin", "000.00.99.H49"}};
  for (const auto& [name, code] : members) {
    const std::string cert = ReadOrEmpty(pki + "/members/" + name + ".crt");
    EXPECT_OK(security::ValidateKeyCertPair(ReadOrEmpty(pki + "/members/" + name + ".key"), cert,
                                            ca, absl::Now()));
    auto member = security::MemberIdFromCertificate(cert, security::MemberIdSource::kUriSan);
    ASSERT_OK(member);
    EXPECT_EQ(*member, code) << name;
  }
}

TEST(PkiInitTest, RefusesToReplaceAnExistingCaWithoutForce) {
  test::TempDir dir;
  const std::string pki = dir.Path("pki");
  PkiInit(pki);
  const std::string first_ca = ReadOrEmpty(pki + "/ca.crt");
  ASSERT_FALSE(first_ca.empty());

  ASSERT_OK_AND_ASSIGN(const auto again, Ctl({"pki", "init", pki}));
  EXPECT_FALSE(again.exit.Succeeded()) << again.exit.ToString();
  EXPECT_FALSE(again.stderr_text.empty());
  EXPECT_EQ(ReadOrEmpty(pki + "/ca.crt"), first_ca) << "the CA was replaced without --force";

  ASSERT_OK_AND_ASSIGN(const auto forced, Ctl({"pki", "init", pki, "--force"}));
  EXPECT_TRUE(forced.exit.Succeeded()) << forced.exit.ToString() << "\n" << forced.stderr_text;
  EXPECT_NE(ReadOrEmpty(pki + "/ca.crt"), first_ca) << "--force kept the old CA";
}

// A gateway started on the files `pki init` wrote.
class CtlHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PkiInit(pki_dir_);
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(app_,
                         test::StartTestGateway(test::MinimalGatewayConfig(pki_dir_, dir_.path())));
  }

  absl::StatusOr<test::ProcessResult> Health(const std::string& pki_dir, int port,
                                             const std::string& member = "admin") {
    return Ctl({"health", "--pki", pki_dir, "--member", member, "--target",
                test::LoopbackTarget(port), "--timeout_s", "5"});
  }

  test::TempDir dir_;
  const std::string pki_dir_ = dir_.Path("pki");
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(CtlHealthTest, PrintsServingAndExitsZero) {
  for (const std::string member : {"admin", "motcua", "giaoduc"}) {
    ASSERT_OK_AND_ASSIGN(const auto result, Health(pki_dir_, app_->port(), member));
    EXPECT_TRUE(result.exit.Succeeded()) << member << ": " << result.exit.ToString() << "\n"
                                         << result.stderr_text;
    EXPECT_EQ(result.stdout_text, "SERVING\n") << member;
  }
}

TEST_F(CtlHealthTest, FailsWithACertificateFromAnotherPki) {
  const std::string other = dir_.Path("other-pki");
  PkiInit(other);
  ASSERT_OK_AND_ASSIGN(const auto result, Health(other, app_->port()));
  EXPECT_FALSE(result.exit.Succeeded()) << result.stdout_text;
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "health check failed")) << result.stderr_text;
  EXPECT_EQ(result.stdout_text, "");
}

TEST_F(CtlHealthTest, FailsWhenNoGatewayListens) {
  ASSERT_OK_AND_ASSIGN(const int free_port, test::FreeLoopbackPort());
  ASSERT_OK_AND_ASSIGN(const auto result, Health(pki_dir_, free_port));
  EXPECT_FALSE(result.exit.Succeeded());
  EXPECT_TRUE(absl::StrContains(result.stderr_text, "health check failed")) << result.stderr_text;
}

TEST_F(CtlHealthTest, FailsAfterTheGatewayShutDown) {
  const int port = app_->port();
  app_->Shutdown(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(const auto result, Health(pki_dir_, port));
  EXPECT_FALSE(result.exit.Succeeded());
  EXPECT_EQ(result.stdout_text, "");
}

TEST_F(CtlHealthTest, FailsWithAMissingMemberCertificate) {
  ASSERT_OK_AND_ASSIGN(const auto result, Health(pki_dir_, app_->port(), "nobody"));
  EXPECT_FALSE(result.exit.Succeeded());
  // Names the member file it could not read.
  EXPECT_TRUE(absl::StrContains(result.stderr_text, pki_dir_ + "/members/nobody."))
      << result.stderr_text;
}

}  // namespace
}  // namespace lienthong

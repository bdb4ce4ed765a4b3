// Config reload without restart: an edited access policy allows and denies as edited when the
// file changes, on SIGHUP (lienthongd) and through AdminService.ReloadConfig (lienthongctl
// reload); an invalid config is refused with its errors and the running one stays.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/exchange_log_audit.h"
#include "services/admin/running_config.h"
#include "services/common/files.h"
#include "services/config/gateway_config.h"
#include "services/store/exchange_log.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kGetStatus[] = "lienthong.v1.AdminService/GetStatus";

grpc::StatusCode GetStatusCode(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::AdminService::NewStub(channel);
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::GetStatusResponse response;
  return stub->GetStatus(&context, v1::GetStatusRequest(), &response).error_code();
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(one_stop_, pki_->IssueMember(test::kOneStopMember));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();  // each test writes the policy it needs
    test::AddMember(&config_, test::kOneStopMember,
                    test::MethodsGrant({"lienthong.v1.DossierService/*"}));
    test::AddMember(&config_, test::kAdminMember, test::FullGrant());
    test::SetWatchInterval(&config_, absl::Milliseconds(100));
    config_file_ = dir_.Path("lienthong.yaml");
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  // Writes config_ to the file and starts an in-process gateway from that file.
  void StartFromFile() {
    ASSERT_OK(test::WriteGatewayConfigFile(config_file_, config_));
    ASSERT_OK_AND_ASSIGN(const auto loaded, config::LoadGatewayConfig(config_file_));
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(loaded));
    app_->WatchConfigFile(config_file_);
  }

  // Grants (or takes back) GetStatus to the one-stop member, in config_ and in the file.
  void GrantGetStatus(bool granted) {
    auto* grant = config_.mutable_access_policy()->mutable_members(0)->mutable_grant();
    grant->clear_methods();
    grant->add_methods("lienthong.v1.DossierService/*");
    if (granted) grant->add_methods(kGetStatus);
    ASSERT_OK(test::WriteGatewayConfigFile(config_file_, config_));
  }

  bool Becomes(grpc::StatusCode code, const std::shared_ptr<grpc::Channel>& channel) {
    return test::PollUntil([&] { return GetStatusCode(channel) == code; }, absl::Seconds(10),
                           absl::Milliseconds(50));
  }

  std::vector<std::string> CtlFlags(int port) const {
    return {absl::StrCat("--target=127.0.0.1:", port), "--cert=" + admin_.files.cert_file,
            "--key=" + admin_.files.key_file, "--ca=" + admin_.files.ca_file};
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember one_stop_;
  test::TestMember admin_;
  config::v1::GatewayConfig config_;
  std::string config_file_;
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(ReloadTest, AnEditedPolicyAllowsAndDeniesOnceTheFileChanges) {
  StartFromFile();
  auto channel = test::MakeClientChannel(app_->port(), one_stop_.pem);
  ASSERT_EQ(GetStatusCode(channel), grpc::StatusCode::PERMISSION_DENIED);
  GrantGetStatus(true);
  EXPECT_TRUE(Becomes(grpc::StatusCode::OK, channel));
  GrantGetStatus(false);
  EXPECT_TRUE(Becomes(grpc::StatusCode::PERMISSION_DENIED, channel));
}

TEST_F(ReloadTest, ReloadConfigAppliesRefusesWithErrorsAndNamesWhatNeedsARestart) {
  // Polling slower than the test: the file watcher must not apply an edit before the RPC does,
  // or the RPC would find nothing changed.
  test::SetWatchInterval(&config_, absl::Hours(1));
  StartFromFile();
  auto one_stop = test::MakeClientChannel(app_->port(), one_stop_.pem);
  auto admin = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
  auto reload = [&] {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ReloadConfigResponse response;
    const grpc::Status status = admin->ReloadConfig(&context, v1::ReloadConfigRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };

  GrantGetStatus(true);
  const v1::ReloadConfigResponse applied = reload();
  EXPECT_TRUE(applied.applied());
  EXPECT_THAT(applied.errors(), ElementsAre());
  EXPECT_EQ(GetStatusCode(one_stop), grpc::StatusCode::OK);

  // An unknown group and a bad agency code: refused, both named, the running policy stays.
  config::v1::GatewayConfig broken = config_;
  broken.mutable_access_policy()->mutable_members(0)->add_groups("no_such_group");
  broken.mutable_access_policy()->add_members()->set_agency_code("not-a-code");
  broken.mutable_access_policy()->mutable_members(0)->mutable_grant()->clear_methods();
  ASSERT_OK(test::WriteGatewayConfigFile(config_file_, broken));
  const v1::ReloadConfigResponse refused = reload();
  EXPECT_FALSE(refused.applied());
  ASSERT_EQ(refused.errors_size(), 2) << refused.DebugString();
  EXPECT_THAT(refused.errors(0), HasSubstr("access_policy.members[0].groups[0]"));
  EXPECT_THAT(refused.errors(1), HasSubstr("access_policy.members[2].agency_code"));
  EXPECT_EQ(GetStatusCode(one_stop), grpc::StatusCode::OK);

  // What cannot change live is named, and the rest applies.
  config::v1::GatewayConfig moved = config_;
  moved.mutable_listener()->set_address("127.0.0.1:1");
  moved.mutable_limits()->set_max_page_size(50);
  moved.mutable_logging()->set_level(config::v1::LOG_LEVEL_DEBUG);
  ASSERT_OK(test::WriteGatewayConfigFile(config_file_, moved));
  const v1::ReloadConfigResponse partly = reload();
  EXPECT_TRUE(partly.applied());
  EXPECT_THAT(partly.changes(), ElementsAre("logging.level"));
  EXPECT_THAT(partly.restart_required(), ElementsAre("limits.max_page_size", "listener.address"));

  // Each reload is an exchange-log entry of its own: the trigger, the SHA-256 of the file read,
  // the outcome and what changed (beside the ReloadConfig call's entry, which names the admin).
  ASSERT_OK_AND_ASSIGN(const std::string last_file, ReadFileToString(config_file_));
  std::vector<store::ExchangeLogEntry> reloads;
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto entries = test::ReadAllExchangeLog(*app_->store());
        if (!entries.ok()) return false;
        reloads.clear();
        for (const auto& entry : *entries) {
          if (entry.method == admin::kReloadMethod) reloads.push_back(entry);
        }
        return reloads.size() >= 3;
      },
      absl::Seconds(10)));
  ASSERT_EQ(reloads.size(), 3u);
  for (const auto& entry : reloads) {
    EXPECT_EQ(entry.member, admin::kMaintenanceMember);
    EXPECT_THAT(entry.records, testing::Contains("config_trigger:ReloadConfig"));
  }
  EXPECT_EQ(reloads[0].status_code, 0);
  EXPECT_THAT(reloads[0].records, testing::Contains("config_change:access_policy"));
  EXPECT_EQ(reloads[1].status_code, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(reloads[2].status_code, 0);
  EXPECT_EQ(reloads[2].request_digest, store::Sha256(last_file));
  EXPECT_NE(reloads[1].request_digest, reloads[2].request_digest);
  ASSERT_OK_AND_ASSIGN(const auto verdict, admin::VerifyExchangeLogChain(*app_->store()));
  EXPECT_TRUE(verdict.ok) << verdict.problem;
}

TEST_F(ReloadTest, LienthongdReloadsOnSighupAndLienthongctlReloadReportsARefusal) {
  // Polling slower than the test: only SIGHUP can make the change.
  test::SetWatchInterval(&config_, absl::Hours(1));
  config_.mutable_listener()->set_address("127.0.0.1:0");  // the kernel picks the port
  ASSERT_OK(test::WriteGatewayConfigFile(config_file_, config_));
  ASSERT_OK_AND_ASSIGN(auto daemon,
                       test::ChildProcess::Start({LIENTHONGD_PATH, "--config", config_file_}));
  ASSERT_OK_AND_ASSIGN(const int port, test::WaitForListeningPort(*daemon, absl::Seconds(30)));
  auto channel = test::MakeClientChannel(port, one_stop_.pem);
  ASSERT_OK(test::WaitForServing(channel, absl::Seconds(20))) << daemon->Stderr();
  ASSERT_EQ(GetStatusCode(channel), grpc::StatusCode::PERMISSION_DENIED);

  GrantGetStatus(true);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(GetStatusCode(channel), grpc::StatusCode::PERMISSION_DENIED) << "reloaded unasked";
  ASSERT_OK(daemon->Signal(SIGHUP));
  EXPECT_TRUE(Becomes(grpc::StatusCode::OK, channel)) << daemon->Stderr();

  // lienthongctl reload: an invalid file is refused, errors printed, exit status 1.
  ASSERT_OK(test::WriteFile(config_file_, "listener: {address: 7}\n"));
  std::vector<std::string> args = {"reload"};
  for (const std::string& flag : CtlFlags(port)) args.push_back(flag);
  ASSERT_OK_AND_ASSIGN(const auto result, test::RunProcess(LIENTHONGCTL_PATH, args));
  EXPECT_EQ(result.exit.code, 1) << result.stdout_text << result.stderr_text;
  EXPECT_THAT(result.stdout_text, HasSubstr("REFUSED"));
  EXPECT_THAT(result.stdout_text, HasSubstr("listener"));
  EXPECT_EQ(GetStatusCode(channel), grpc::StatusCode::OK);

  ASSERT_OK(daemon->Signal(SIGTERM));
  ASSERT_OK_AND_ASSIGN(const auto exit, daemon->Wait(absl::Seconds(30)));
  EXPECT_TRUE(exit.Succeeded()) << exit.ToString();
  EXPECT_THAT(daemon->Stderr(), HasSubstr("\"trigger\":\"SIGHUP\""));
}

}  // namespace
}  // namespace lienthong

// lienthongd SIGKILLed under load and restarted: every acknowledged dossier is there, once.
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/child_process.h"
#include "tests/support/register_gateway.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/submit_load.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using test::SubmitLoad;

constexpr int kCallers = 16;
// Enough to pass a few WAL checkpoints (about 2 KB a dossier, one checkpoint per 4 MB).
constexpr size_t kAcknowledgedBeforeKill = 5000;
constexpr absl::Duration kCallDeadline = absl::Seconds(5);

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(member_, pki_->IssueMember(test::kOneStopMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    test::AddRegisterSettings(&config_);
    config_.mutable_admin_http()->set_disabled(true);
    config_.mutable_logging()->set_access_log(false);
  }

  // Starts lienthongd on a loopback port the kernel picks and waits until it serves.
  void StartDaemon() {
    config_.mutable_listener()->set_address(test::LoopbackTarget(0));
    const std::string path = dir_.Path("lienthong.yaml");
    ASSERT_OK(test::WriteGatewayConfigFile(path, config_));
    ASSERT_OK_AND_ASSIGN(daemon_, test::ChildProcess::Start({LIENTHONGD_PATH, "--config", path}));
    ASSERT_OK_AND_ASSIGN(port_, test::WaitForListeningPort(*daemon_, absl::Seconds(30)));
    channel_ = test::MakeClientChannel(port_, member_.pem);
    const absl::Status serving = test::WaitForServing(channel_, absl::Seconds(30));
    ASSERT_OK(serving) << daemon_->Stderr();
  }

  std::string DatabasePath() const { return config_.store().sqlite_file(); }

  test::TempDir dir_{"crash_test"};
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember member_;
  config::v1::GatewayConfig config_;
  int port_ = 0;
  std::unique_ptr<test::ChildProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CrashTest, EveryAcknowledgedDossierSurvivesAKillWithExactlyOneChangeEvent) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const absl::Time received_at = absl::Now() - absl::Hours(2);
  // Heap-held: if the test gives up with calls still in flight, the load is leaked on purpose, so
  // that their late callbacks never touch freed memory.
  auto load = std::make_unique<SubmitLoad>(channel_, received_at);
  load->Start(kCallers);
  // Enough acknowledged dossiers to mean something, however slow the machine.
  if (!test::PollUntil([&] { return load->acknowledged().size() >= kAcknowledgedBeforeKill; },
                       absl::Seconds(60))) {
    load->Stop();
    if (!load->WaitIdle(kCallDeadline + absl::Seconds(10))) (void)load.release();
    FAIL() << "fewer than " << kAcknowledgedBeforeKill << " dossiers acknowledged in 60 s";
  }
  // The kill comes while the callers' calls are in flight (a closed loop always has them). Some
  // may still be answered while the kernel tears the process down, so none is required to fail.
  ASSERT_OK(daemon_->Signal(SIGKILL));
  load->Stop();
  if (!load->WaitIdle(kCallDeadline + absl::Seconds(10))) {
    (void)load.release();
    FAIL() << "calls still in flight after the kill";
  }
  ASSERT_OK_AND_ASSIGN(const test::ProcessExit killed, daemon_->Wait(absl::Seconds(10)));
  EXPECT_EQ(killed.signal, SIGKILL) << killed.ToString();
  const std::vector<std::string> acknowledged = load->acknowledged();

  // Restarted on the same database, the gateway serves every acknowledged dossier.
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  auto stub = v1::DossierService::NewStub(channel_);
  int missing = 0;
  for (const std::string& code : acknowledged) {
    v1::GetDossierRequest request;
    request.set_code(code);
    v1::Dossier dossier;
    grpc::ClientContext context;
    test::SetDeadline(&context);
    const grpc::Status status = stub->GetDossier(&context, request, &dossier);
    if (!status.ok() || dossier.code() != code || dossier.version() != 1) {
      if (++missing <= 10) {
        ADD_FAILURE() << "acknowledged dossier " << code << ": " << status.error_code() << " "
                      << status.error_message();
      }
    }
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged dossiers";
  // And it takes new ones.
  {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = demo::MakeSampleDossier(1000000, received_at);
    v1::SubmitDossierResponse response;
    grpc::ClientContext context;
    test::SetDeadline(&context);
    const grpc::Status status = stub->SubmitDossier(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_OK(daemon_->Signal(SIGTERM));
  ASSERT_OK_AND_ASSIGN(const test::ProcessExit stopped, daemon_->Wait(absl::Seconds(30)));
  EXPECT_TRUE(stopped.Succeeded()) << stopped.ToString() << "\n" << daemon_->Stderr();

  // The database, read directly: one CREATE event per stored dossier, none twice, and each
  // acknowledged dossier among them; the exchange log is one unbroken chain.
  store::sqlite::SqliteOptions options;
  options.path = DatabasePath();
  ASSERT_OK_AND_ASSIGN(auto store, store::sqlite::SqliteStore::Open(options));
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store));
  std::map<std::string, int> events_of;
  for (const auto& change : changes) {
    EXPECT_EQ(change.type, v1::RECORD_TYPE_DOSSIER);
    EXPECT_EQ(change.operation, v1::OPERATION_CREATE) << change.key;
    ++events_of[change.key];
  }
  for (const auto& [code, events] : events_of) EXPECT_EQ(events, 1) << code;
  for (const std::string& code : acknowledged) {
    EXPECT_EQ(events_of.count(code), 1) << "no change event for acknowledged " << code;
  }
  std::set<std::string> stored;
  store::DossierQuery query;
  query.limit = 1000;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(const auto rows, store->ListDossiers(query));
    for (const auto& row : rows) stored.insert(row.code);
    if (static_cast<int>(rows.size()) < query.limit) break;
    query.after = std::make_pair(rows.back().received_at, rows.back().code);
  }
  EXPECT_EQ(stored.size(), events_of.size());
  for (const auto& [code, events] : events_of) EXPECT_EQ(stored.count(code), 1) << code;
  EXPECT_GE(stored.size(), acknowledged.size() + 1);
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
  RecordProperty("failed_at_kill", load->failed());
  RecordProperty("stored", static_cast<int>(stored.size()));

  EXPECT_OK(test::VerifyExchangeLogChain(*store));
  ASSERT_OK_AND_ASSIGN(const auto log, test::ReadAllExchangeLog(*store));
  std::set<std::string> logged;
  for (const auto& entry : log) {
    if (entry.status_code != 0) continue;
    for (const auto& record : entry.records) logged.insert(record);
  }
  for (const std::string& code : stored) {
    EXPECT_EQ(logged.count(absl::StrCat(v1::RECORD_TYPE_DOSSIER, ":", code)), 1)
        << "no exchange-log entry names " << code;
  }
}

}  // namespace
}  // namespace lienthong

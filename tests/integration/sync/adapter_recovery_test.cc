// Adapter recovery in a real gateway (SQLite store, the jsonl adapter writing real files):
// `lienthongctl adapters seek` with every refusal (running, unknown, malformed, ahead, future,
// no grant) and, after a reload pointed the paused adapter at a new file, the re-send from the
// new checkpoint; adapters added, changed (batch size, then target file) and removed by config
// reloads while a closed-loop SubmitDossier load runs, every change in the files exactly once
// for the time the adapter existed.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/running_config.h"
#include "services/config/gateway_config.h"
#include "services/store/change_cursor.h"
#include "tests/support/register_gateway.h"
#include "tests/support/run_ctl.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/submit_load.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kAdapter[] = "files";
constexpr char kSeekMethod[] = "/lienthong.v1.AdminService/SeekAdapter";

// The "cursor" and "event_id" of each line of a jsonl adapter's file, in file order.
struct Line {
  std::string cursor;
  std::string event_id;
};
std::vector<Line> ReadLines(const std::string& path) {
  std::vector<Line> lines;
  std::ifstream in(path);
  static const std::regex kCursor("\"cursor\":\"([^\"]+)\"");
  static const std::regex kEventId("\"event_id\":\"([^\"]+)\"");
  for (std::string text; std::getline(in, text);) {
    std::smatch cursor;
    std::smatch event_id;
    EXPECT_TRUE(std::regex_search(text, cursor, kCursor)) << text;
    EXPECT_TRUE(std::regex_search(text, event_id, kEventId)) << text;
    lines.push_back({cursor[1], event_id[1]});
  }
  return lines;
}

std::vector<store::ChangeRow> Schools(int first, int count) {
  std::vector<store::ChangeRow> rows;
  for (int n = first; n < first + count; ++n) {
    rows.push_back(test::SchoolChange(test::SampleSchool(n)));
  }
  return rows;
}

std::string Cursor(int64_t seq) { return store::EncodeCursor(store::ChangeCursor{seq}); }

class AdapterRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(one_stop_, pki_->IssueMember(test::kOneStopMember));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    ASSERT_EQ(::mkdir(dir_.Path("data").c_str(), 0700), 0);
    config_ = test::MinimalGatewayConfig(*pki_, dir_.Path("data"));
    // The dev config's calendar, procedures and policy: the one-stop member submits dossiers
    // and holds no AdminService grant; the admin member may call everything.
    test::AddRegisterSettings(&config_);
    // Reloads only when the test asks.
    config_.mutable_listener()->mutable_tls()->mutable_watch_interval()->set_seconds(3600);
    config_file_ = dir_.Path("lienthong.yaml");
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  config::v1::Adapter FilesAdapter(const std::string& file, int batch_size) {
    config::v1::Adapter adapter;
    adapter.set_name(kAdapter);
    adapter.set_start_from_oldest(true);
    adapter.set_batch_size(static_cast<uint32_t>(batch_size));
    adapter.mutable_linger()->set_nanos(5000000);
    adapter.mutable_jsonl()->set_output_file(dir_.Path(file));
    return adapter;
  }

  void StartFromFile() {
    ASSERT_OK(test::WriteGatewayConfigFile(config_file_, config_));
    ASSERT_OK_AND_ASSIGN(const auto loaded, config::LoadGatewayConfig(config_file_));
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(loaded));
    app_->WatchConfigFile(config_file_);
    admin_stub_ = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
  }

  // Writes config_ and reloads it through AdminService.ReloadConfig; prints how long the call
  // took (it includes the drains) after `what`, when given.
  v1::ReloadConfigResponse Reload(const std::string& what = "") {
    EXPECT_OK(test::WriteGatewayConfigFile(config_file_, config_));
    const absl::Time start = absl::Now();
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ReloadConfigResponse response;
    const grpc::Status status =
        admin_stub_->ReloadConfig(&context, v1::ReloadConfigRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!what.empty()) {
      std::printf("reload under load, %s: %.1f ms\n", what.c_str(),
                  absl::ToDoubleMilliseconds(absl::Now() - start));
    }
    return response;
  }

  v1::AdapterStatus StatusOf(const std::string& name) {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::GetStatusResponse status;
    EXPECT_TRUE(admin_stub_->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
    for (const auto& adapter : status.adapters()) {
      if (adapter.name() == name) return adapter;
    }
    return v1::AdapterStatus();
  }

  std::string Head() {
    auto bounds = app_->store()->GetChangeBounds();
    EXPECT_OK(bounds);
    return store::EncodeCursor(bounds->head);
  }

  test::ProcessResult Ctl(const std::vector<std::string>& args,
                          const test::TestMember& member) {
    auto result = test::RunCtl(LIENTHONGCTL_PATH, args, app_->port(), member, absl::Seconds(60));
    EXPECT_OK(result);
    return result.ok() ? *result : test::ProcessResult();
  }
  test::ProcessResult Ctl(const std::vector<std::string>& args) { return Ctl(args, admin_); }

  static bool WaitFor(const std::function<bool()>& done,
                      absl::Duration timeout = absl::Seconds(30)) {
    return test::PollUntil(done, timeout, absl::Milliseconds(20));
  }

  // The exchange-log entries of `method`, oldest first.
  std::vector<store::ExchangeLogEntry> EntriesOf(const std::string& method) {
    std::vector<store::ExchangeLogEntry> found;
    auto entries = test::ReadAllExchangeLog(*app_->store());
    EXPECT_OK(entries);
    if (!entries.ok()) return found;
    for (auto& entry : *entries) {
      if (entry.method == method) found.push_back(std::move(entry));
    }
    return found;
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember one_stop_;
  test::TestMember admin_;
  config::v1::GatewayConfig config_;
  std::string config_file_;
  std::unique_ptr<server::GatewayApp> app_;
  std::unique_ptr<v1::AdminService::Stub> admin_stub_;
};

TEST_F(AdapterRecoveryTest, LienthongctlSeekRefusesBadInputAndAfterResumeTheAdapterSendsFromThere) {
  *config_.add_adapters() = FilesAdapter("changes.jsonl", 50);
  StartFromFile();
  ASSERT_OK(test::AppendChanges(app_->store(), Schools(1, 10)));
  ASSERT_TRUE(WaitFor([&] { return ReadLines(dir_.Path("changes.jsonl")).size() == 10; }));
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kAdapter).checkpoint() == Head(); }));

  // Refusals, each with its code and what is wrong; none moves the checkpoint.
  struct Refusal {
    std::vector<std::string> args;
    const test::TestMember* member;
    int exit_code;
    std::vector<std::string> says;
  };
  const std::vector<Refusal> refusals = {
      {{"adapters", "seek", kAdapter, "--to", "1.3"}, &admin_, 1,
       {"FAILED_PRECONDITION", "adapter files is running", "adapters pause files"}},
      {{"adapters", "seek", "nosuch", "--to", "1.3"}, &admin_, 1,
       {"NOT_FOUND", "no adapter named 'nosuch'"}},
      {{"adapters", "seek", kAdapter, "--to", "1.zz"}, &admin_, 1,
       {"INVALID_ARGUMENT", "cursor: '1.zz' is not a change cursor"}},
      {{"adapters", "seek", kAdapter, "--to", "seven"}, &admin_, 1,
       {"INVALID_ARGUMENT", "cursor: 'seven' is not a change cursor"}},
      {{"adapters", "seek", kAdapter, "--to", "1.ff"}, &admin_, 1,
       {"INVALID_ARGUMENT", "cursor: is ahead of the newest change", "(1.a)"}},
      {{"adapters", "seek", kAdapter, "--to", "2999-01-01T00:00:00Z"}, &admin_, 1,
       {"INVALID_ARGUMENT", "time: must not be in the future"}},
      {{"adapters", "seek", kAdapter, "--to", "2026-13-01T00:00:00Z"}, &admin_, 1,
       {"--to: '2026-13-01T00:00:00Z' is not an RFC 3339 time"}},
      {{"adapters", "seek", kAdapter}, &admin_, 2, {"usage: lienthongctl adapters seek NAME"}},
      {{"adapters", "seek", "--to", "1.3"}, &admin_, 2, {"usage: lienthongctl adapters seek"}},
      {{"adapters", "seek", kAdapter, "--to", "1.3"}, &one_stop_, 1,
       {"PERMISSION_DENIED", "SeekAdapter"}},
  };
  for (const Refusal& refusal : refusals) {
    const test::ProcessResult result = Ctl(refusal.args, *refusal.member);
    EXPECT_TRUE(result.exit.exited);
    EXPECT_EQ(result.exit.code, refusal.exit_code) << refusal.args.back() << result.stderr_text;
    for (const std::string& text : refusal.says) {
      EXPECT_THAT(result.stderr_text, HasSubstr(text)) << refusal.args.back();
    }
  }
  EXPECT_EQ(StatusOf(kAdapter).checkpoint(), Cursor(10));

  // The destination lost its data: pause, point the adapter at a new file (a reload changes
  // it; it stays paused), move it back to change 3, resume.
  ASSERT_TRUE(Ctl({"adapters", "pause", kAdapter}).exit.Succeeded());
  config_.mutable_adapters(0)->mutable_jsonl()->set_output_file(dir_.Path("changes-2.jsonl"));
  const v1::ReloadConfigResponse reloaded = Reload();
  ASSERT_TRUE(reloaded.applied()) << reloaded.DebugString();
  EXPECT_THAT(reloaded.changes(), Contains("adapters.changed:files"));
  EXPECT_THAT(reloaded.restart_required(), IsEmpty());
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kAdapter).state() == "paused"; }));

  // A time seek through the command line: now is after every change, so the newest one.
  const std::string now = absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone());
  const test::ProcessResult by_time = Ctl({"adapters", "seek", kAdapter, "--to", now});
  ASSERT_TRUE(by_time.exit.Succeeded()) << by_time.stderr_text;
  EXPECT_THAT(by_time.stdout_text, HasSubstr("moved from 1.a to 1.a; 0 changes after it"));

  const test::ProcessResult moved = Ctl({"adapters", "seek", kAdapter, "--to", "1.3"});
  ASSERT_TRUE(moved.exit.Succeeded()) << moved.stderr_text;
  EXPECT_THAT(moved.stdout_text,
              HasSubstr("checkpoint of files moved from 1.a to 1.3; 7 changes after it; "
                        "state paused"));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE(ReadLines(dir_.Path("changes-2.jsonl")).empty());  // paused: nothing yet
  ASSERT_TRUE(Ctl({"adapters", "resume", kAdapter}).exit.Succeeded());
  ASSERT_TRUE(WaitFor([&] { return ReadLines(dir_.Path("changes-2.jsonl")).size() == 7; }));
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kAdapter).checkpoint() == Head(); }));
  std::vector<std::string> cursors;
  for (const Line& line : ReadLines(dir_.Path("changes-2.jsonl"))) cursors.push_back(line.cursor);
  EXPECT_EQ(cursors, (std::vector<std::string>{Cursor(4), Cursor(5), Cursor(6), Cursor(7),
                                               Cursor(8), Cursor(9), Cursor(10)}));
  EXPECT_EQ(ReadLines(dir_.Path("changes.jsonl")).size(), 10u);  // the old file untouched

  // In the exchange log: every SeekAdapter call with who asked and its outcome; the moves name
  // both checkpoints. (Usage errors and the bad time never reached the gateway.)
  std::vector<store::ExchangeLogEntry> seeks;
  ASSERT_TRUE(WaitFor([&] {
    seeks = EntriesOf(kSeekMethod);
    return seeks.size() >= 9;
  })) << seeks.size();
  ASSERT_EQ(seeks.size(), 9u);
  const std::vector<int> codes = {9, 5, 3, 3, 3, 3, 7, 0, 0};
  for (size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(seeks[i].status_code, codes[i]) << i;
    EXPECT_EQ(seeks[i].member, i == 6 ? test::kOneStopMember : test::kAdminMember) << i;
  }
  EXPECT_EQ(seeks[8].records,
            (std::vector<std::string>{"checkpoint_from:1.a", "checkpoint_to:1.3"}));
}

// Adapters follow the config by reload while dossiers keep coming: added, refused when bad,
// changed twice (batch size, then the target file) and removed; each change committed from the
// start of the log up to the checkpoint its last worker left is in the files once.
TEST_F(AdapterRecoveryTest, AdaptersAddedChangedAndRemovedByReloadUnderLoadLoseAndRepeatNothing) {
  StartFromFile();
  test::SubmitLoad load(test::MakeClientChannel(app_->port(), one_stop_.pem),
                       absl::Now() - absl::Hours(2));
  load.Start(4);
  auto under_load = [&](int dossiers) {
    const size_t until = load.acknowledged().size() + static_cast<size_t>(dossiers);
    return WaitFor([&] { return load.acknowledged().size() >= until; });
  };
  ASSERT_TRUE(under_load(50));

  *config_.add_adapters() = FilesAdapter("a.jsonl", 16);
  v1::ReloadConfigResponse reloaded = Reload("adapter added");
  ASSERT_TRUE(reloaded.applied()) << reloaded.DebugString();
  EXPECT_THAT(reloaded.changes(), Contains("adapters.added:files"));
  EXPECT_THAT(reloaded.restart_required(), IsEmpty());
  ASSERT_TRUE(under_load(100));
  EXPECT_FALSE(ReadLines(dir_.Path("a.jsonl")).empty());

  // A bad entry is refused by the config check and changes nothing.
  config_.mutable_adapters(0)->set_batch_size(1000000);
  reloaded = Reload("bad entry refused");
  EXPECT_FALSE(reloaded.applied());
  EXPECT_THAT(reloaded.errors(), Contains(HasSubstr("adapters[0].batch_size")));
  config_.mutable_adapters(0)->set_batch_size(16);

  config_.mutable_adapters(0)->set_batch_size(3);
  reloaded = Reload("batch size changed (drain)");
  ASSERT_TRUE(reloaded.applied()) << reloaded.DebugString();
  EXPECT_THAT(reloaded.changes(), Contains("adapters.changed:files"));
  ASSERT_TRUE(under_load(100));

  config_.mutable_adapters(0)->mutable_jsonl()->set_output_file(dir_.Path("b.jsonl"));
  reloaded = Reload("target file changed (drain)");
  ASSERT_TRUE(reloaded.applied()) << reloaded.DebugString();
  EXPECT_THAT(reloaded.changes(), Contains("adapters.changed:files"));
  // The reload returned once the old worker drained (its batch under way landed in a.jsonl);
  // from then on a.jsonl gets nothing more.
  const size_t in_a = ReadLines(dir_.Path("a.jsonl")).size();
  ASSERT_TRUE(under_load(100));
  EXPECT_FALSE(ReadLines(dir_.Path("b.jsonl")).empty());
  EXPECT_EQ(ReadLines(dir_.Path("a.jsonl")).size(), in_a);  // the old target gets nothing more

  config_.clear_adapters();
  reloaded = Reload("adapter removed (drain)");
  ASSERT_TRUE(reloaded.applied()) << reloaded.DebugString();
  EXPECT_THAT(reloaded.changes(), Contains("adapters.removed:files"));
  ASSERT_TRUE(under_load(50));
  load.Stop();
  ASSERT_TRUE(load.WaitIdle(absl::Seconds(30)));
  EXPECT_EQ(load.failed(), 0);

  // Its last checkpoint, written when the removal drained it, bounds what it had to send.
  ASSERT_OK_AND_ASSIGN(auto last, app_->store()->GetCheckpoint(kAdapter));
  ASSERT_TRUE(last.has_value());
  ASSERT_OK_AND_ASSIGN(auto bounds, app_->store()->GetChangeBounds());
  EXPECT_LT(last->seq, bounds.head.seq);  // changes kept coming after the removal
  std::vector<Line> sent = ReadLines(dir_.Path("a.jsonl"));
  for (const Line& line : ReadLines(dir_.Path("b.jsonl"))) sent.push_back(line);
  std::set<std::string> ids;
  for (const Line& line : sent) EXPECT_TRUE(ids.insert(line.event_id).second) << line.cursor;
  ASSERT_OK_AND_ASSIGN(auto changes, app_->store()->ReadChanges(store::ChangeCursor{0},
                                                                static_cast<int>(last->seq)));
  ASSERT_EQ(sent.size(), changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    ASSERT_EQ(sent[i].cursor, store::EncodeCursor(changes[i].cursor)) << i;
    ASSERT_EQ(sent[i].event_id, changes[i].event_id) << i;
  }
  EXPECT_EQ(changes.back().cursor.seq, last->seq);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(ReadLines(dir_.Path("b.jsonl")).size() + ReadLines(dir_.Path("a.jsonl")).size(),
            sent.size());  // removed for good

  // Each reload is in the exchange log naming the adapter change (the refused one with none).
  std::vector<std::string> records;
  for (const auto& entry : EntriesOf(admin::kReloadMethod)) {
    for (const auto& record : entry.records) records.push_back(record);
  }
  EXPECT_THAT(records, Contains("config_change:adapters.added:files"));
  EXPECT_THAT(records, Contains("config_change:adapters.changed:files"));
  EXPECT_THAT(records, Contains("config_change:adapters.removed:files"));
}

}  // namespace
}  // namespace lienthong

// The sync engine inside a real gateway, against a real PostgreSQL 15 and the reference sink
// binary: an outage in the middle of a sync loses and duplicates nothing, a poison record is
// dead-lettered while later records flow and lands once replayed (through lienthongctl), a
// restarted gateway resumes from its checkpoint, a gRPC sink that fails for a while gets
// everything.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/postgres/sector_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/server/gateway_app.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/run_ctl.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

constexpr char kAdapter[] = "sector";

std::vector<store::ChangeRow> Schools(int first, int count) {
  std::vector<store::ChangeRow> rows;
  for (int n = first; n < first + count; ++n) {
    rows.push_back(test::SchoolChange(test::SampleSchool(n)));
  }
  return rows;
}

class SyncGatewayTest : public test::PostgresSuite {
 protected:
  void SetUp() override {
    PostgresSuite::SetUp();
    auto pki = test::TestPki::Create(dir_.Path("pki"));
    ASSERT_OK(pki);
    pki_ = std::make_unique<test::TestPki>(*std::move(pki));
    auto admin = pki_->IssueMember(test::kAdminMember);
    ASSERT_OK(admin);
    admin_ = *admin;
    ASSERT_EQ(::mkdir(dir_.Path("data").c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(dir_.Path("sink").c_str(), 0700), 0);
    schema_ = SchemaForThisTest("it_");
    // The sector schema exists before the first sync, so the write-counting trigger sees all.
    ASSERT_OK(cluster()->Query(adapters::postgres::SectorSchemaDdl(schema_)));
    ASSERT_OK(cluster()->Query(
        "CREATE TABLE " + schema_ + ".writes (school_code text);"
        "CREATE FUNCTION " + schema_ + ".count_write() RETURNS trigger AS $$ BEGIN INSERT INTO " +
        schema_ + ".writes VALUES (NEW.school_code); RETURN NEW; END $$ LANGUAGE plpgsql;"
        "CREATE TRIGGER count_write AFTER INSERT OR UPDATE ON " + schema_ +
        ".schools FOR EACH ROW EXECUTE FUNCTION " + schema_ + ".count_write();"));
  }

  config::v1::GatewayConfig Config() {
    auto config = test::MinimalGatewayConfig(*pki_, dir_.Path("data"));
    auto* member = config.mutable_access_policy()->add_members();
    member->set_agency_code(test::kAdminMember);
    member->mutable_grant()->add_methods("*");
    auto* adapter = config.add_adapters();
    adapter->set_name(kAdapter);
    adapter->set_batch_size(50);
    adapter->mutable_linger()->set_nanos(10000000);
    adapter->mutable_retry()->set_max_attempts(2);
    adapter->mutable_retry()->mutable_initial_backoff()->set_nanos(20000000);
    adapter->mutable_retry()->mutable_max_backoff()->set_nanos(200000000);
    adapter->mutable_postgres()->set_conninfo(cluster()->conninfo());
    adapter->mutable_postgres()->set_schema(schema_);
    return config;
  }

  int Count(const std::string& sql) {
    auto value = cluster()->QueryValue(sql);
    return value.ok() ? std::stoi(*value) : -1;
  }
  int Rows() { return Count("SELECT count(*) FROM " + schema_ + ".schools"); }
  int Writes() { return Count("SELECT count(*) FROM " + schema_ + ".writes"); }

  v1::AdapterStatus StatusOf(server::GatewayApp& app) {
    auto statuses = app.sync()->AdapterStatuses();
    EXPECT_EQ(statuses.size(), 1u);
    return statuses.empty() ? v1::AdapterStatus() : statuses.front();
  }

  absl::StatusOr<test::ProcessResult> Ctl(std::vector<std::string> args, int port) {
    return test::RunCtl(LIENTHONGCTL_PATH, args, port, admin_, absl::Seconds(30));
  }

  static bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(60)) {
    return test::PollUntil(done, timeout, absl::Milliseconds(20));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember admin_;
  std::string schema_;
};

TEST_F(SyncGatewayTest, PostgresStoppedMidSyncAndStartedAgainEveryChangeLandsOnce) {
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(Config()));
  // A writer commits 300 changes in 30 transactions while the database goes away and back.
  std::thread writer([store = app->store()] {
    for (int w = 0; w < 30; ++w) {
      EXPECT_OK(test::AppendChanges(store, Schools(w * 10 + 1, 10)));
      absl::SleepFor(absl::Milliseconds(15));
    }
  });
  // An ASSERT below returns early: the writer is joined then too (it ends on its own).
  absl::Cleanup join_writer = [&writer] {
    if (writer.joinable()) writer.join();
  };
  ASSERT_TRUE(WaitFor([&] { return Rows() >= 30; })) << Rows();
  ASSERT_OK(cluster()->Stop());
  // Ten more changes once the database is down, so that the adapter meets it down even if the
  // writer (and the sync) had finished before the stop took effect on a slow machine.
  ASSERT_OK(test::AppendChanges(app->store(), Schools(1001, 10)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).state() == "backing_off"; }));
  EXPECT_THAT(StatusOf(*app).last_error(), HasSubstr("postgres"));
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_OK(cluster()->Restart());
  writer.join();
  ASSERT_TRUE(WaitFor([&] { return Rows() == 310; })) << Rows();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).lag_events() == 0; }));
  EXPECT_EQ(Writes(), 310);  // none twice
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".applied_events"), 310);
  const auto status = StatusOf(*app);
  EXPECT_EQ(status.state(), "running");
  EXPECT_EQ(status.dead_letters(), 0);
  EXPECT_EQ(status.last_error(), "");
}

TEST_F(SyncGatewayTest, PoisonRecordIsDeadLetteredLaterRecordsFlowAndReplayLandsItOnce) {
  ASSERT_OK(cluster()->Query(
      "CREATE FUNCTION " + schema_ + ".refuse() RETURNS trigger AS $$ BEGIN IF NEW.school_code = "
      "'SCH00005' THEN RAISE EXCEPTION 'school SCH00005 is not accepted here'; END IF; RETURN "
      "NEW; END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON " +
      schema_ + ".schools FOR EACH ROW EXECUTE FUNCTION " + schema_ + ".refuse();"));
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(Config()));
  ASSERT_OK(test::AppendChanges(app->store(), Schools(1, 10)));
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).dead_letters() == 1; }));
  ASSERT_OK(test::AppendChanges(app->store(), Schools(11, 5)));
  ASSERT_TRUE(WaitFor([&] { return Rows() == 14; })) << Rows();

  ASSERT_OK_AND_ASSIGN(auto listed, Ctl({"deadletters", "list", "--adapter", kAdapter},
                                        app->port()));
  EXPECT_TRUE(listed.exit.Succeeded()) << listed.stderr_text;
  EXPECT_THAT(listed.stdout_text, HasSubstr("1 dead letters"));
  EXPECT_THAT(listed.stdout_text, HasSubstr("not accepted here"));
  EXPECT_THAT(listed.stdout_text, HasSubstr(store::EncodeCursor(store::ChangeCursor{5})));

  // Still refused: the replay fails and the letter stays.
  ASSERT_OK_AND_ASSIGN(auto refused, Ctl({"deadletters", "replay", kAdapter}, app->port()));
  EXPECT_EQ(refused.exit.code, 1) << refused.stderr_text;
  EXPECT_THAT(refused.stdout_text, HasSubstr("replayed 0 of 1"));

  ASSERT_OK(cluster()->Query("DROP TRIGGER refuse ON " + schema_ + ".schools"));
  ASSERT_OK_AND_ASSIGN(auto replayed, Ctl({"deadletters", "replay", kAdapter}, app->port()));
  EXPECT_TRUE(replayed.exit.Succeeded()) << replayed.stderr_text;
  EXPECT_THAT(replayed.stdout_text, HasSubstr("replayed 1 of 1"));
  EXPECT_EQ(Rows(), 15);
  ASSERT_OK_AND_ASSIGN(auto again, Ctl({"deadletters", "replay", kAdapter}, app->port()));
  EXPECT_THAT(again.stdout_text, HasSubstr("replayed 0 of 0"));
  EXPECT_EQ(Writes(), 15);
  EXPECT_EQ(StatusOf(*app).dead_letters(), 0);

  ASSERT_OK_AND_ASSIGN(auto status, Ctl({"adapters", "status"}, app->port()));
  EXPECT_THAT(status.stdout_text, HasSubstr("sector"));
  EXPECT_THAT(status.stdout_text, HasSubstr("postgres"));
  ASSERT_OK_AND_ASSIGN(auto paused, Ctl({"adapters", "pause", kAdapter}, app->port()));
  EXPECT_THAT(paused.stdout_text, HasSubstr("paused"));
  ASSERT_OK(test::AppendChanges(app->store(), Schools(16, 1)));
  ASSERT_OK_AND_ASSIGN(auto resumed, Ctl({"adapters", "resume", kAdapter}, app->port()));
  EXPECT_TRUE(resumed.exit.Succeeded()) << resumed.stderr_text;
  ASSERT_OK_AND_ASSIGN(auto watched, Ctl({"adapters", "watch", kAdapter}, app->port()));
  EXPECT_TRUE(watched.exit.Succeeded()) << watched.stderr_text;
  EXPECT_EQ(Rows(), 16);
}

TEST_F(SyncGatewayTest, ARestartedGatewayResumesFromItsCheckpoint) {
  const auto config = Config();
  {
    ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(config));
    ASSERT_OK(test::AppendChanges(app->store(), Schools(1, 20)));
    ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).lag_events() == 0 && Rows() == 20; }));
    app->Shutdown(absl::Seconds(1));
  }
  {
    // Changes committed while the gateway is down.
    store::sqlite::SqliteOptions options;
    options.path = config.store().sqlite_file();
    ASSERT_OK_AND_ASSIGN(auto store, store::sqlite::SqliteStore::Open(options));
    ASSERT_OK(test::AppendChanges(store.get(), Schools(21, 10)));
    auto checkpoint = store->GetCheckpoint(kAdapter);
    ASSERT_OK(checkpoint);
    ASSERT_TRUE(checkpoint->has_value());
    EXPECT_EQ((*checkpoint)->seq, 20);
    store->Close();
  }
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(config));
  ASSERT_TRUE(WaitFor([&] { return Rows() == 30; })) << Rows();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).lag_events() == 0; }));
  EXPECT_EQ(Writes(), 30);  // nothing before the checkpoint was sent again
}

TEST_F(SyncGatewayTest, GrpcAdapterDeliversEverythingToASinkThatFailsForAWhile) {
  const std::string output = dir_.Path("sink/received.jsonl");
  const std::string port_file = dir_.Path("sink/port");
  ASSERT_OK_AND_ASSIGN(
      auto sink,
      test::ChildProcess::Start({LIENTHONG_REFERENCE_SINK_PATH, "--listen", "127.0.0.1:0",
                                 "--key", pki_->gateway_key_file(), "--cert",
                                 pki_->gateway_cert_file(), "--ca", pki_->ca_file(), "--output",
                                 output, "--port_file", port_file, "--fail_first_n", "4"}));
  std::string port;
  ASSERT_TRUE(WaitFor([&] { return std::getline(std::ifstream(port_file) >> std::ws, port).good(); },
                      absl::Seconds(20)))
      << sink->Stderr();

  auto config = Config();
  auto* adapter = config.mutable_adapters(0);
  adapter->mutable_grpc()->set_target("127.0.0.1:" + port);
  adapter->mutable_grpc()->set_key_file(admin_.files.key_file);
  adapter->mutable_grpc()->set_cert_file(admin_.files.cert_file);
  adapter->mutable_grpc()->set_ca_file(pki_->ca_file());
  adapter->mutable_grpc()->set_server_name("localhost");
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(config));
  for (int w = 0; w < 5; ++w) ASSERT_OK(test::AppendChanges(app->store(), Schools(w * 20 + 1, 20)));

  std::set<std::string> ids;
  int lines = 0;
  auto read = [&] {
    ids.clear();
    lines = 0;
    std::ifstream in(output);
    for (std::string line; std::getline(in, line); ++lines) {
      const size_t at = line.find("\"event_id\":\"");
      if (at != std::string::npos) ids.insert(line.substr(at + 12, 36));
    }
    return lines;
  };
  ASSERT_TRUE(WaitFor([&] { return read() == 100; })) << lines << "\n" << sink->Stderr();
  EXPECT_EQ(ids.size(), 100u);
  ASSERT_TRUE(WaitFor([&] { return StatusOf(*app).lag_events() == 0; }));
  EXPECT_EQ(StatusOf(*app).dead_letters(), 0);
  EXPECT_EQ(StatusOf(*app).kind(), "grpc");
}

}  // namespace
}  // namespace lienthong

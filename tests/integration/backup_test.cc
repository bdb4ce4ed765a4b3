// Backup and restore of the SQLite store: `lienthongctl backup` while lienthongd takes a
// closed-loop submit load, `lienthongctl restore` into an empty data folder, and the restored
// store holding every change up to the backup's head, its exchange log verifying, and the
// gateway starting on it. Then the refusals: a tampered or unfinished backup, a schema newer than
// the build, a restore over an existing store, a PostgreSQL store.
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/admin/backup.h"
#include "services/common/files.h"
#include "services/config/gateway_config.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/child_process.h"
#include "tests/support/register_gateway.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/submit_load.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

constexpr int kCallers = 8;
constexpr absl::Duration kCallDeadline = absl::Seconds(5);

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(member_, pki_->IssueMember(test::kOneStopMember));
    ASSERT_EQ(::mkdir(dir_.Path("live").c_str(), 0700), 0);
    config_ = test::MinimalGatewayConfig(*pki_, dir_.Path("live"));
    test::AddRegisterSettings(&config_);
    config_.mutable_admin_http()->set_disabled(true);
    config_.mutable_logging()->set_access_log(false);
    config_.mutable_listener()->set_address(test::LoopbackTarget(0));
    config_path_ = WriteConfig("live.yaml", config_);
  }

  std::string WriteConfig(const std::string& name, const config::v1::GatewayConfig& config) {
    const std::string path = dir_.Path(name);
    EXPECT_OK(test::WriteGatewayConfigFile(path, config));
    return path;
  }

  void StartDaemon(const std::string& config_path) {
    ASSERT_OK_AND_ASSIGN(daemon_,
                         test::ChildProcess::Start({LIENTHONGD_PATH, "--config", config_path}));
    ASSERT_OK_AND_ASSIGN(const int port, test::WaitForListeningPort(*daemon_, absl::Seconds(30)));
    channel_ = test::MakeClientChannel(port, member_.pem);
    ASSERT_OK(test::WaitForServing(channel_, absl::Seconds(30))) << daemon_->Stderr();
  }

  void StopDaemon() {
    ASSERT_OK(daemon_->Signal(SIGTERM));
    ASSERT_OK_AND_ASSIGN(const test::ProcessExit stopped, daemon_->Wait(absl::Seconds(30)));
    EXPECT_TRUE(stopped.Succeeded()) << stopped.ToString() << "\n" << daemon_->Stderr();
  }

  absl::StatusOr<test::ProcessResult> Ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {LIENTHONGCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::RunProcess(argv, absl::Seconds(120));
  }

  // A backup of the live store (a few changes in it) taken while nothing runs, for the
  // refusal tests.
  std::string QuietBackup() {
    {
      store::sqlite::SqliteOptions options;
      options.path = config_.store().sqlite_file();
      auto live = store::sqlite::SqliteStore::Open(options);
      EXPECT_OK(live.status());
      if (live.ok()) {
        EXPECT_OK(test::AppendChanges(live->get(), {test::SchoolChange(test::SampleSchool(1)),
                                                    test::DossierChange(test::SampleDossier(2))}));
        (*live)->Close();
      }
    }
    const std::string dir = dir_.Path("quiet-backup");
    EXPECT_OK(admin::TakeBackup(config_, dir).status());
    return dir;
  }

  // The config of a gateway whose store is `data_dir`'s, which does not exist yet.
  config::v1::GatewayConfig ConfigWithDataIn(const std::string& data_dir) {
    EXPECT_EQ(::mkdir(data_dir.c_str(), 0700), 0);
    config::v1::GatewayConfig config = config_;
    config.mutable_store()->set_sqlite_file(data_dir + "/lienthong.db");
    return config;
  }

  test::TempDir dir_{"backup_test"};
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember member_;
  config::v1::GatewayConfig config_;
  std::string config_path_;
  std::unique_ptr<test::ChildProcess> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(BackupTest, TakenUnderLoadRestoresEveryChangeUpToItsHead) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon(config_path_));
  auto load = std::make_unique<test::SubmitLoad>(channel_, absl::Now() - absl::Hours(2));
  load->Start(kCallers);
  ASSERT_TRUE(test::PollUntil([&] { return load->acknowledged().size() >= 500; },
                              absl::Seconds(60)));
  // Acknowledged before the backup starts: each must be in it.
  const std::vector<std::string> acknowledged_before = load->acknowledged();
  const std::string backup_dir = dir_.Path("backup");
  ASSERT_OK_AND_ASSIGN(const test::ProcessResult backup,
                       Ctl({"backup", backup_dir, "--config", config_path_}));
  EXPECT_TRUE(backup.exit.Succeeded()) << backup.stdout_text << backup.stderr_text;
  EXPECT_THAT(backup.stdout_text, HasSubstr("chain verified"));
  const size_t acknowledged_at_backup = load->acknowledged().size();
  // The load goes on after the backup: the backup must stop at its own head.
  ASSERT_TRUE(test::PollUntil(
      [&] { return load->acknowledged().size() >= acknowledged_at_backup + 200; },
      absl::Seconds(60)));
  load->Stop();
  if (!load->WaitIdle(kCallDeadline + absl::Seconds(10))) (void)load.release();
  ASSERT_NO_FATAL_FAILURE(StopDaemon());

  ASSERT_OK_AND_ASSIGN(const auto manifest, admin::VerifyBackup(backup_dir));
  EXPECT_GT(manifest.head_seq(), 0);
  EXPECT_TRUE(manifest.exchange_log_verified());

  // Restore into an empty data folder with the CLI.
  const config::v1::GatewayConfig restored_config = ConfigWithDataIn(dir_.Path("restored"));
  const std::string restored_path = WriteConfig("restored.yaml", restored_config);
  ASSERT_OK_AND_ASSIGN(const test::ProcessResult restore,
                       Ctl({"restore", backup_dir, "--config", restored_path}));
  ASSERT_TRUE(restore.exit.Succeeded()) << restore.stdout_text << restore.stderr_text;

  // Every change of the live store up to the backup's head is in the restored store, the same;
  // nothing after it.
  std::vector<store::ChangeRow> live_changes;
  {
    store::sqlite::SqliteOptions options;
    options.path = config_.store().sqlite_file();
    ASSERT_OK_AND_ASSIGN(auto live, store::sqlite::SqliteStore::Open(options));
    ASSERT_OK_AND_ASSIGN(live_changes, test::ReadAllChanges(*live));
  }
  store::sqlite::SqliteOptions options;
  options.path = restored_config.store().sqlite_file();
  ASSERT_OK_AND_ASSIGN(auto restored, store::sqlite::SqliteStore::Open(options));
  ASSERT_OK_AND_ASSIGN(const auto restored_changes, test::ReadAllChanges(*restored));
  std::vector<std::string> expected;
  for (const auto& change : live_changes) {
    if (change.cursor.seq <= manifest.head_seq()) expected.push_back(change.key);
  }
  std::vector<std::string> got;
  for (const auto& change : restored_changes) got.push_back(change.key);
  EXPECT_EQ(got, expected);
  EXPECT_LT(expected.size(), live_changes.size()) << "the load went on after the backup";
  for (const auto& change : restored_changes) {
    ASSERT_OK_AND_ASSIGN(const auto dossier, restored->GetDossier(change.key));
    EXPECT_TRUE(dossier.has_value()) << change.key;
  }
  int missing = 0;
  for (const std::string& code : acknowledged_before) {
    ASSERT_OK_AND_ASSIGN(const auto dossier, restored->GetDossier(code));
    if (!dossier.has_value() && ++missing <= 5) ADD_FAILURE() << "not restored: " << code;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged_before.size() << " acknowledged before";
  ASSERT_OK_AND_ASSIGN(const auto ends, restored->GetExchangeLogEnds());
  EXPECT_EQ(ends.head_seq, manifest.exchange_log_head_seq());
  restored->Close();

  // The gateway starts on the restored store and its exchange log verifies.
  ASSERT_NO_FATAL_FAILURE(StartDaemon(restored_path));
  ASSERT_NO_FATAL_FAILURE(StopDaemon());
}

TEST_F(BackupTest, ATamperedOrUnfinishedBackupIsRefusedAndNothingIsWritten) {
  const std::string backup = QuietBackup();
  const std::string database = backup + "/" + admin::kBackupDatabaseFile;
  const std::string manifest = backup + "/" + admin::kBackupManifestFile;
  ASSERT_OK(admin::VerifyBackup(backup).status());

  // One byte of the database changed.
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(database));
  const std::string original = bytes;
  bytes[bytes.size() / 2] ^= 0x01;
  ASSERT_OK(WritePrivateFile(database, bytes, 0600));
  const config::v1::GatewayConfig target = ConfigWithDataIn(dir_.Path("target"));
  auto refused = admin::RestoreBackup(backup, target);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("does not match the manifest"));
  struct stat st {};
  EXPECT_NE(::stat(target.store().sqlite_file().c_str(), &st), 0) << "a file was restored";
  ASSERT_OK(WritePrivateFile(database, original, 0600));

  // A schema newer than this build's.
  ASSERT_OK_AND_ASSIGN(const std::string json, ReadFileToString(manifest));
  ASSERT_OK(WritePrivateFile(
      manifest,
      absl::StrReplaceAll(json, {{absl::StrCat("\"schema_version\": ",
                                               store::sqlite::kSchemaVersion),
                                  absl::StrCat("\"schema_version\": ",
                                               store::sqlite::kSchemaVersion + 1)}}),
      0600));
  refused = admin::RestoreBackup(backup, target);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("newer than this build"));

  // No manifest: the backup did not finish.
  ASSERT_EQ(::unlink(manifest.c_str()), 0);
  refused = admin::RestoreBackup(backup, target);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("not a finished backup"));
  EXPECT_NE(::stat(target.store().sqlite_file().c_str(), &st), 0) << "a file was restored";
}

TEST_F(BackupTest, RestoreGoesIntoAnEmptyDataFolderOnly) {
  const std::string backup = QuietBackup();
  // The live store is where this config's store is.
  auto refused = admin::RestoreBackup(backup, config_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("a restore goes into an empty data folder"));
  // And a backup goes into a new folder.
  auto again = admin::TakeBackup(config_, backup);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition) << again.status();
  EXPECT_THAT(again.status().message(), HasSubstr("already holds"));
}

TEST_F(BackupTest, APostgresStoreIsLeftToPostgresTools) {
  config::v1::GatewayConfig postgres = config_;
  postgres.mutable_store()->set_kind(config::v1::STORE_KIND_POSTGRES);
  postgres.mutable_store()->mutable_postgres()->set_conninfo("host=127.0.0.1 dbname=x");
  auto refused = admin::TakeBackup(postgres, dir_.Path("pg-backup"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("pg_basebackup"));
  EXPECT_EQ(admin::RestoreBackup(QuietBackup(), postgres).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// backup.target_dir with a 1 s interval and keep 2: lienthongd takes backups on its own, each one
// verifies, and only the two newest are kept.
TEST_F(BackupTest, ScheduledBackupsAreTakenAndTheOldestRemoved) {
  ASSERT_EQ(::mkdir(dir_.Path("scheduled").c_str(), 0700), 0);
  config::v1::GatewayConfig config = config_;
  config.mutable_backup()->set_target_dir(dir_.Path("scheduled"));
  config.mutable_backup()->mutable_interval()->set_seconds(1);
  config.mutable_backup()->set_keep(2);
  ASSERT_OK_AND_ASSIGN(auto gateway, test::StartTestGateway(config));
  ASSERT_NE(gateway->backup_schedule(), nullptr);
  std::set<std::string> seen;
  const bool three = test::PollUntil(
      [&] {
        for (const std::string& backup : gateway->backup_schedule()->FinishedBackups()) {
          seen.insert(backup);
        }
        return seen.size() >= 3;
      },
      absl::Seconds(60), absl::Milliseconds(100));
  gateway->Shutdown(absl::Seconds(5));  // stops the schedule, waiting for a backup in progress
  ASSERT_TRUE(three) << seen.size() << " backups seen in 60 s";
  const std::vector<std::string> kept = gateway->backup_schedule()->FinishedBackups();
  EXPECT_EQ(kept.size(), 2u);
  for (const std::string& backup : kept) EXPECT_OK(admin::VerifyBackup(backup).status()) << backup;
  // The kept ones are the newest seen.
  EXPECT_EQ(kept.back(), *seen.rbegin());
}

TEST_F(BackupTest, ScheduledBackupsNeedAnExistingFolderAndTheSqliteStore) {
  config::v1::GatewayConfig config = config_;
  config.mutable_backup()->set_target_dir(dir_.Path("no-such-folder"));
  absl::Status checked = config::ValidateGatewayConfig(config, "lienthong.yaml");
  EXPECT_THAT(checked.message(), HasSubstr("backup.target_dir: directory not found"));
  config.mutable_backup()->set_target_dir(dir_.path());
  config.mutable_store()->set_kind(config::v1::STORE_KIND_POSTGRES);
  config.mutable_store()->mutable_postgres()->set_conninfo("host=127.0.0.1 dbname=x");
  checked = config::ValidateGatewayConfig(config, "lienthong.yaml");
  EXPECT_THAT(checked.message(), HasSubstr("backup: scheduled backups are for the SQLite store"));
  config = config_;
  config.mutable_backup()->set_keep(3);
  checked = config::ValidateGatewayConfig(config, "lienthong.yaml");
  EXPECT_THAT(checked.message(), HasSubstr("backup.target_dir: required"));
}

}  // namespace
}  // namespace lienthong

// The dvcqg adapter under the sync engine, on a real SQLite store, against the stand-in portal
// (tests/support/stand_in_portal.h): the portal down for a while under load (nothing lost,
// nothing sent twice or out of order), one dossier refused (dead letter with the portal's
// message, the rest delivered), replay from the dead letters, resync of a period; and through a
// gateway, `lienthongctl adapters resync` and the password kept out of every output.
#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/adapter_registry.h"
#include "adapters/builtin_adapters.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/dossier/dossier_register.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/store/write_and_wait.h"
#include "services/sync/sync_engine.h"
#include "tests/support/child_process.h"
#include "tests/support/run_ctl.h"
#include "tests/support/sample_changes.h"
#include "tests/support/stand_in_portal.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong::sync {
namespace {

using ::testing::HasSubstr;

constexpr char kAdapter[] = "dvcqg";
constexpr int64_t kDay1 = 1767576000;  // 2026-01-05 01:20 UTC

// Dossier n at `version`: received on day `day` (0 or 1), one more status step per version.
v1::Dossier DossierAt(int n, int version, int day = 0) {
  v1::Dossier d = test::SampleDossier(n, 0);
  d.set_code(absl::StrFormat("000.00.15.H49-26010%d-%04d", 5 + day, n));
  d.mutable_received_at()->set_seconds(kDay1 + day * 86400 + n);
  d.set_status(v1::DOSSIER_STATUS_ACCEPTED);
  for (int s = 2; s <= version; ++s) {
    auto* step = d.add_history();
    step->set_sequence(s - 1);
    step->set_from_status(d.status());
    step->set_to_status(s % 2 == 0 ? v1::DOSSIER_STATUS_IN_PROCESS
                                   : v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED);
    step->set_handler("canbo01");
    step->set_content(absl::StrCat("Bước ", s - 1));
    step->mutable_at()->set_seconds(kDay1 + day * 86400 + 3600 * s);
    d.set_status(step->to_status());
  }
  d.set_version(version);
  return d;
}

store::ChangeRow ChangeOf(const v1::Dossier& d) {
  store::ChangeRow row = test::DossierChange(d, d.version());
  row.operation = d.version() == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
  return row;
}

// Writes dossiers as the dossier register does: the row and its change, one transaction.
absl::Status PutDossiers(store::Store* store, const std::vector<v1::Dossier>& dossiers) {
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = "000.00.15.H49";
  entry.method = "test/PutDossiers";
  return store::WriteAndWait(store, entry, [&](store::WriteTransaction& txn) -> absl::Status {
    for (const v1::Dossier& d : dossiers) {
      store::ChangeRow change = ChangeOf(d);
      auto cursor = txn.AppendChange(change);
      if (!cursor.ok()) return cursor.status();
      store::DossierRow row = dossier::DossierRowOf(d);
      row.created_change = *cursor;
      row.payload = d.SerializeAsString();
      if (absl::Status put = txn.PutDossier(row); !put.ok()) return put;
    }
    return absl::OkStatus();
  });
}

// The adapter entry of the tests: the stand-in portal at `base_url`, short backoffs.
config::v1::Adapter DvcqgEntry(const std::string& base_url, const std::string& password_file) {
  config::v1::Adapter config;
  config.set_name(kAdapter);
  config.set_batch_size(200);
  config.mutable_linger()->set_nanos(5000000);
  config.mutable_retry()->set_max_attempts(2);
  config.mutable_retry()->mutable_initial_backoff()->set_nanos(10000000);
  config.mutable_retry()->mutable_max_backoff()->set_nanos(200000000);
  auto* dvcqg = config.mutable_dvcqg();
  dvcqg->set_base_url(base_url);
  dvcqg->set_auth_path(test::StandInPortal::kAuthPath);
  dvcqg->set_integration_path(test::StandInPortal::kIntegrationPath);
  dvcqg->set_username(test::StandInPortal::Account().username);
  dvcqg->set_password_file(password_file);
  dvcqg->set_dstcode(test::StandInPortal::Account().dstcode);
  dvcqg->set_madonvi("000.00.00.H49");
  dvcqg->mutable_timeout()->set_seconds(2);
  return config;
}

class DvcqgSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteOptions options;
    options.path = dir_.Path("lienthong.db");
    ASSERT_OK_AND_ASSIGN(store_, store::sqlite::SqliteStore::Open(options));
    adapters::RegisterBuiltinAdapters(&registry_);
    ASSERT_OK(portal_.Start());
    ASSERT_OK(test::WriteFile(dir_.Path("portal.password"),
                              test::StandInPortal::Account().password, 0600));
  }
  void TearDown() override {
    if (engine_) engine_->Stop();
    engine_.reset();
    store_->Close();
  }

  config::v1::Adapter Config() {
    return DvcqgEntry(portal_.base_url(), dir_.Path("portal.password"));
  }

  void StartEngine() {
    google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
    *adapters.Add() = Config();
    SyncEngineOptions options;
    options.poll_interval = absl::Milliseconds(50);
    ASSERT_OK_AND_ASSIGN(engine_, SyncEngine::Create(store_.get(), adapters, registry_, options));
    engine_->Start();
    ASSERT_TRUE(WaitFor([&] {
      auto checkpoint = store_->GetCheckpoint(kAdapter);
      return checkpoint.ok() && checkpoint->has_value();
    }));
  }

  absl::Status PutDossiers(const std::vector<v1::Dossier>& dossiers) {
    return sync::PutDossiers(store_.get(), dossiers);
  }

  bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(30)) {
    return test::PollUntil(done, timeout, absl::Milliseconds(5));
  }
  bool CaughtUp() {
    for (const auto& status : engine_->AdapterStatuses()) {
      if (status.name() == kAdapter) return status.lag_events() == 0;
    }
    return false;
  }

  test::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  adapters::AdapterRegistry registry_;
  test::StandInPortal portal_;
  std::unique_ptr<SyncEngine> engine_;
};

TEST_F(DvcqgSyncTest, ThePortalDownForAWhileUnderLoadLosesAndRepeatsNothing) {
  StartEngine();
  constexpr int kDossiers = 300;
  constexpr int kVersions = 4;
  std::thread writer([&] {
    for (int version = 1; version <= kVersions; ++version) {
      for (int first = 1; first <= kDossiers; first += 50) {
        std::vector<store::ChangeRow> rows;
        for (int n = first; n < first + 50; ++n) rows.push_back(ChangeOf(DossierAt(n, version)));
        ASSERT_OK(test::AppendChanges(store_.get(), rows));
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  });
  absl::SleepFor(absl::Milliseconds(150));
  portal_.SetUnavailable(true);  // 503 for a while
  absl::SleepFor(absl::Milliseconds(600));
  portal_.SetUnavailable(false);
  portal_.Stop();  // then connections refused
  absl::SleepFor(absl::Milliseconds(600));
  ASSERT_OK(portal_.Start());
  writer.join();
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); }));

  // A creation answered 503 may have landed: it is sent again as an update, never created twice.
  const auto creations = portal_.creations();
  for (const auto& [code, count] : creations) EXPECT_EQ(count, 1) << code;
  for (int n = 1; n <= kDossiers; ++n) {
    const std::string code = DossierAt(n, 1).code();
    ASSERT_FALSE(portal_.Dossier(code).is_null()) << code;
    const auto steps = portal_.Progress(code);
    ASSERT_EQ(steps.size(), static_cast<size_t>(kVersions - 1)) << code;
    for (int s = 0; s < kVersions - 1; ++s) {
      EXPECT_EQ(steps[s]["NoiDungXuLy"], absl::StrCat("Bước ", s + 1)) << code;
    }
    EXPECT_EQ(portal_.Dossier(code)["TrangThaiHoSo"],
              absl::StrCat(static_cast<int>(DossierAt(n, kVersions).status())));
  }
  EXPECT_TRUE(store_->ListDeadLetters(kAdapter, 0, 10)->empty());
  EXPECT_GE(portal_.requests().size(), 4u);
}

TEST_F(DvcqgSyncTest, ARefusedDossierIsDeadLetteredTheRestDeliveredAndReplayLandsIt) {
  const std::string refused = DossierAt(3, 1).code();
  portal_.Refuse(refused, "MaTTHC 2.002481 không thuộc đơn vị 000.00.15.H49");
  StartEngine();
  std::vector<store::ChangeRow> rows;
  for (int n = 1; n <= 10; ++n) rows.push_back(ChangeOf(DossierAt(n, 1)));
  ASSERT_OK(test::AppendChanges(store_.get(), rows));
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); }));
  EXPECT_EQ(portal_.creations().size(), 9u);
  EXPECT_EQ(portal_.creations().count(refused), 0u);

  ASSERT_OK_AND_ASSIGN(auto letters, store_->ListDeadLetters(kAdapter, 0, 10));
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_THAT(letters[0].last_error,
              HasSubstr("MaTTHC 2.002481 không thuộc đơn vị 000.00.15.H49"));
  EXPECT_THAT(letters[0].last_error, Not(HasSubstr(test::StandInPortal::Account().password)));
  v1::ChangeEvent event;
  ASSERT_TRUE(event.ParseFromString(letters[0].payload));
  EXPECT_EQ(event.key().key(), refused);

  // The province fixes the procedure code at the portal; the replay lands it, once.
  portal_.Accept(refused);
  v1::ReplayProgress last;
  ASSERT_OK(engine_->ReplayDeadLetters(kAdapter, {}, [&](const v1::ReplayProgress& p) {
    last = p;
  }));
  EXPECT_EQ(last.applied(), 1);
  EXPECT_EQ(portal_.creations().at(refused), 1);
  EXPECT_TRUE(store_->ListDeadLetters(kAdapter, 0, 10)->empty());
  ASSERT_OK(engine_->ReplayDeadLetters(kAdapter, {}, nullptr));
  EXPECT_EQ(portal_.creations().at(refused), 1);
}

TEST_F(DvcqgSyncTest, AResyncSendsTheDossiersOfThePeriodAgainAsUpdates) {
  StartEngine();
  std::vector<v1::Dossier> day1;
  std::vector<v1::Dossier> day2;
  for (int n = 1; n <= 30; ++n) day1.push_back(DossierAt(n, 1, 0));
  for (int n = 1; n <= 20; ++n) day2.push_back(DossierAt(n, 1, 1));
  ASSERT_OK(PutDossiers(day1));
  ASSERT_OK(PutDossiers(day2));
  ASSERT_TRUE(WaitFor([&] { return CaughtUp() && portal_.creations().size() == 50; }));

  // The portal lost day 2: resync it (from its first instant to the next day's).
  for (const auto& d : day2) {
    portal_.Forget(d.code());
    ASSERT_TRUE(portal_.Dossier(d.code()).is_null()) << d.code();
  }
  std::vector<v1::ResyncProgress> progress;
  const absl::Time from = absl::FromUnixSeconds(kDay1 + 86400);
  ASSERT_OK(engine_->Resync(kAdapter, from, from + absl::Hours(24),
                            [&](const v1::ResyncProgress& p) { progress.push_back(p); }));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().total(), 20);
  EXPECT_EQ(progress.back().sent(), 20);
  EXPECT_EQ(progress.back().failed(), 0);
  const auto updates = portal_.updates();
  EXPECT_EQ(updates.size(), 20u);
  for (const auto& d : day2) EXPECT_EQ(updates.count(d.code()), 1u) << d.code();
  for (const auto& d : day1) EXPECT_EQ(updates.count(d.code()), 0u) << d.code();
  // The portal holds each lost dossier again, as it is now.
  for (const auto& d : day2) {
    const nlohmann::json held = portal_.Dossier(d.code());
    ASSERT_FALSE(held.is_null()) << d.code();
    EXPECT_EQ(held["MaHoSo"], d.code());
    EXPECT_EQ(held["TrangThaiHoSo"], absl::StrCat(static_cast<int>(d.status()))) << d.code();
  }
  // Idempotent: again, the same dossiers as updates (never as new dossiers).
  ASSERT_OK(engine_->Resync(kAdapter, from, from + absl::Hours(24), nullptr));
  for (const auto& d : day2) EXPECT_EQ(portal_.updates().at(d.code()), 2) << d.code();
  for (const auto& [code, count] : portal_.creations()) EXPECT_EQ(count, 1) << code;
  EXPECT_TRUE(portal_.Progress(day2[0].code()).empty());
}

TEST_F(DvcqgSyncTest, AResyncOfAnUnknownAdapterIsNotFound) {
  StartEngine();
  EXPECT_EQ(engine_->Resync("nope", absl::Now() - absl::Hours(1), absl::Now(), nullptr).code(),
            absl::StatusCode::kNotFound);
}

// ---- Through the gateway and lienthongctl ----

class DvcqgGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    ASSERT_EQ(::mkdir(dir_.Path("data").c_str(), 0700), 0);
    ASSERT_OK(portal_.Start());
    ASSERT_OK(test::WriteFile(dir_.Path("portal.password"),
                              test::StandInPortal::Account().password, 0600));
  }
  config::v1::GatewayConfig Config() {
    auto config = test::MinimalGatewayConfig(*pki_, dir_.Path("data"));
    auto* member = config.mutable_access_policy()->add_members();
    member->set_agency_code(test::kAdminMember);
    member->mutable_grant()->add_methods("*");
    *config.add_adapters() = DvcqgEntry(portal_.base_url(), dir_.Path("portal.password"));
    return config;
  }
  absl::StatusOr<test::ProcessResult> Ctl(std::vector<std::string> args, int port) {
    return test::RunCtl(LIENTHONGCTL_PATH, args, port, admin_, absl::Seconds(60));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember admin_;
  test::StandInPortal portal_;
};

TEST_F(DvcqgGatewayTest, LienthongctlResyncsADayAndNeverShowsThePassword) {
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(Config()));
  std::vector<v1::Dossier> dossiers;
  for (int n = 1; n <= 30; ++n) dossiers.push_back(DossierAt(n, 1, 0));  // 2026-01-05
  for (int n = 1; n <= 20; ++n) dossiers.push_back(DossierAt(n, 1, 1));  // 2026-01-06
  ASSERT_OK(PutDossiers(app->store(), dossiers));
  ASSERT_TRUE(test::PollUntil([&] { return portal_.creations().size() == 50; },
                              absl::Seconds(30), absl::Milliseconds(10)));

  ASSERT_OK_AND_ASSIGN(auto resync, Ctl({"adapters", "resync", kAdapter, "--from", "2026-01-06",
                                         "--to", "2026-01-06"},
                                        app->port()));
  EXPECT_TRUE(resync.exit.Succeeded()) << resync.exit.ToString() << resync.stderr_text;
  EXPECT_THAT(resync.stdout_text, HasSubstr("resynced 20 of 20 records through dvcqg; 0 refused"));
  EXPECT_THAT(resync.stderr_text, HasSubstr("20/20"));  // the progress bar's last line
  EXPECT_EQ(portal_.updates().size(), 20u);

  ASSERT_OK_AND_ASSIGN(auto bad, Ctl({"adapters", "resync", kAdapter, "--from", "2026-13-45"},
                                     app->port()));
  EXPECT_FALSE(bad.exit.Succeeded());
  EXPECT_THAT(bad.stderr_text, HasSubstr("--from: '2026-13-45'"));
  ASSERT_OK_AND_ASSIGN(auto unknown, Ctl({"adapters", "resync", "nope", "--from", "2026-01-06"},
                                         app->port()));
  EXPECT_FALSE(unknown.exit.Succeeded());
  EXPECT_THAT(unknown.stderr_text, HasSubstr("NOT_FOUND"));

  // Both resync calls are in the exchange log, as admin actions: the one that ran and the refusal.
  auto resync_entries = [&] {
    std::vector<int> codes;
    auto entries = app->store()->ReadExchangeLog(0, 100000);
    if (!entries.ok()) return codes;
    for (const auto& entry : *entries) {
      if (entry.method == "/lienthong.v1.AdminService/ResyncAdapter" &&
          entry.member == test::kAdminMember) {
        codes.push_back(entry.status_code);
      }
    }
    return codes;
  };
  EXPECT_TRUE(test::PollUntil([&] { return resync_entries().size() == 2; }, absl::Seconds(10),
                              absl::Milliseconds(10)));
  EXPECT_THAT(resync_entries(), ::testing::UnorderedElementsAre(
                                    0, static_cast<int>(absl::StatusCode::kNotFound)));

  // The password is in no status, log or error.
  const std::string password = test::StandInPortal::Account().password;
  ASSERT_OK_AND_ASSIGN(auto status, Ctl({"status"}, app->port()));
  ASSERT_OK_AND_ASSIGN(auto adapters, Ctl({"adapters", "status"}, app->port()));
  EXPECT_THAT(adapters.stdout_text, HasSubstr("dvcqg"));
  for (const auto* out : {&status, &adapters, &resync, &bad, &unknown}) {
    EXPECT_THAT(out->stdout_text + out->stderr_text, Not(HasSubstr(password)));
  }
}

}  // namespace
}  // namespace lienthong::sync

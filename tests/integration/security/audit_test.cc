// The tamper-evident exchange log: `lienthongctl audit verify` (and AdminService.
// VerifyExchangeLog) names the first entry of a chain that was edited, had a row inserted or
// removed, or lost its tail, after tampering with the database file directly (gateway
// stopped); retention by age prunes and the chain still verifies.
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/store/exchange_log.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kCalls = 8;  // exchange-log entries 1..8

// Runs `sql` on the database file with SQLite itself, as someone with access to the file would.
void TamperWith(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(handle);
  ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
}

std::string Blob(const std::string& bytes) {
  return absl::StrCat("X'", absl::BytesToHexString(bytes), "'");
}

// An INSERT of `entry` as the store writes it.
std::string InsertSql(const store::ExchangeLogEntry& entry) {
  return absl::StrCat(
      "INSERT INTO exchange_log (seq, time, member, method, request_digest, status, "
      "request_bytes, response_bytes, records, prev_hash, hash) VALUES (",
      entry.seq, ", ", absl::ToUnixMicros(entry.time), ", '", entry.member, "', '", entry.method,
      "', ", Blob(entry.request_digest), ", ", entry.status_code, ", ", entry.request_bytes, ", ",
      entry.response_bytes, ", '', ", Blob(entry.prev_hash), ", ", Blob(entry.hash), ");");
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();  // each test writes the policy it needs
    test::AddMember(&config_, test::kAdminMember, test::FullGrant());
  }

  void TearDown() override { Stop(); }

  void Start() { ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config_)); }
  void Stop() {
    if (app_ == nullptr) return;
    app_->Shutdown(absl::Seconds(1));
    app_.reset();
  }

  // kCalls calls, each an exchange-log entry.
  void MakeCalls() {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
    for (int i = 0; i < kCalls; ++i) {
      grpc::ClientContext context;
      test::SetDeadline(&context);
      v1::GetStatusResponse response;
      ASSERT_TRUE(stub->GetStatus(&context, v1::GetStatusRequest(), &response).ok());
    }
  }

  // kCalls logged calls, then the gateway stops; `entries_` is the log as written.
  void Populate() {
    Start();
    MakeCalls();
    ASSERT_TRUE(test::PollUntil(
        [&] {
          auto entries = app_->store()->ReadExchangeLog(0, 1000);
          if (!entries.ok() || static_cast<int>(entries->size()) < kCalls) return false;
          entries_ = *entries;
          return true;
        },
        absl::Seconds(30)));
    Stop();
  }

  v1::VerifyExchangeLogResponse VerifyByRpc() {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::VerifyExchangeLogResponse response;
    const grpc::Status status =
        stub->VerifyExchangeLog(&context, v1::VerifyExchangeLogRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Restarts the gateway on the tampered file and runs `lienthongctl audit verify` against it.
  test::ProcessResult VerifyByCtl() {
    Start();
    auto result = test::RunProcess(
        LIENTHONGCTL_PATH, {"audit", "verify", absl::StrCat("--target=127.0.0.1:", app_->port()),
                            "--cert=" + admin_.files.cert_file, "--key=" + admin_.files.key_file,
                            "--ca=" + admin_.files.ca_file});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : test::ProcessResult{};
  }

  // Both ways of verifying agree on the first bad entry and the kind of tampering.
  void ExpectTampered(int64_t first_bad, const std::string& kind) {
    const test::ProcessResult ctl = VerifyByCtl();
    EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text << ctl.stderr_text;
    EXPECT_THAT(ctl.stdout_text,
                HasSubstr(absl::StrCat("TAMPERED: first bad entry: sequence ", first_bad, ": ",
                                       kind)));
    const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
    EXPECT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.first_bad_sequence(), first_bad);
    EXPECT_THAT(verdict.problem(), StartsWith(kind)) << verdict.problem();
  }

  std::string db() const { return config_.store().sqlite_file(); }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember admin_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<server::GatewayApp> app_;
  std::vector<store::ExchangeLogEntry> entries_;
};

TEST_F(AuditTest, AnUntouchedLogVerifies) {
  Populate();
  const test::ProcessResult ctl = VerifyByCtl();
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr(absl::StrCat("OK: exchange log verified, ", kCalls)));
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_TRUE(verdict.ok()) << verdict.problem();
  EXPECT_GE(verdict.entries_checked(), kCalls);
}

TEST_F(AuditTest, AnEditedEntryIsNamed) {
  Populate();
  TamperWith(db(), "UPDATE exchange_log SET status = 0, member = '000.00.66.H49' WHERE seq = 3;");
  ExpectTampered(3, "edited");
}

TEST_F(AuditTest, ARemovedMiddleEntryIsNamed) {
  Populate();
  TamperWith(db(), "DELETE FROM exchange_log WHERE seq = 4;");
  ExpectTampered(4, "removed");
}

TEST_F(AuditTest, ARemovedTailIsNamed) {
  Populate();
  TamperWith(db(), absl::StrCat("DELETE FROM exchange_log WHERE seq >= ", kCalls - 1, ";"));
  ExpectTampered(kCalls - 1, "removed");
}

TEST_F(AuditTest, ARemovedEntryWithTheLaterOnesRenumberedIsNamed) {
  Populate();
  TamperWith(db(), "DELETE FROM exchange_log WHERE seq = 4;"
                   "UPDATE exchange_log SET seq = -(seq - 1) WHERE seq > 4;"
                   "UPDATE exchange_log SET seq = -seq WHERE seq < 0;"
                   "UPDATE exchange_log_head SET seq = seq - 1;");
  ExpectTampered(4, "removed");
}

TEST_F(AuditTest, AnEntryInsertedInTheMiddleIsNamedEvenWithAValidHash) {
  Populate();
  // A forger who knows the hashing: a well-formed entry 3 linked to entry 2, the later rows
  // renumbered to make room, the head moved along.
  store::ExchangeLogEntry forged = entries_[1];
  forged.seq = 3;
  forged.member = "000.00.66.H49";
  forged.records.clear();
  forged.prev_hash = entries_[1].hash;
  forged.hash = store::ComputeEntryHash(forged, forged.prev_hash);
  TamperWith(db(), absl::StrCat("UPDATE exchange_log SET seq = -(seq + 1) WHERE seq >= 3;"
                                "UPDATE exchange_log SET seq = -seq WHERE seq < 0;",
                                InsertSql(forged), "UPDATE exchange_log_head SET seq = seq + 1;"));
  ExpectTampered(3, "inserted");
}

TEST_F(AuditTest, AnEntryAppendedAfterTheHeadIsNamed) {
  Populate();
  store::ExchangeLogEntry forged = entries_.back();
  forged.seq = entries_.back().seq + 1;
  forged.member = "000.00.66.H49";
  forged.records.clear();
  forged.prev_hash = entries_.back().hash;
  forged.hash = store::ComputeEntryHash(forged, forged.prev_hash);
  TamperWith(db(), InsertSql(forged));
  ExpectTampered(forged.seq, "inserted");
}

TEST_F(AuditTest, AnEditedHeadIsNamed) {
  Populate();
  TamperWith(db(), absl::StrCat("UPDATE exchange_log_head SET hash = ", Blob(std::string(32, 'x')),
                                ";"));
  const test::ProcessResult ctl = VerifyByCtl();
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr(absl::StrCat("TAMPERED: first bad entry: sequence ",
                                                      entries_.back().seq, ": head mismatch")));
  // The restarted store chained the verification's own entry onto the altered head: the break
  // stays visible, at that entry.
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.first_bad_sequence(), entries_.back().seq + 1) << verdict.problem();
}

TEST_F(AuditTest, RetentionPrunesByAgeAndTheChainStillVerifies) {
  config_.mutable_retention()->mutable_exchange_log_max_age()->set_seconds(2);
  Start();
  MakeCalls();
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto ends = app_->store()->GetExchangeLogEnds();
        return ends.ok() && ends->anchor_seq >= kCalls;
      },
      absl::Seconds(15)));
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_TRUE(verdict.ok()) << verdict.first_bad_sequence() << ": " << verdict.problem();
  ASSERT_OK_AND_ASSIGN(auto entries, app_->store()->ReadExchangeLog(0, 1000));
  ASSERT_FALSE(entries.empty());
  EXPECT_GT(entries.front().seq, kCalls) << "the old entries are gone";
  // The pruning itself is an exchange.
  bool logged = false;
  for (const auto& entry : entries) logged |= entry.method == "/lienthongd/PruneExchangeLog";
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace lienthong

// Trusted timestamps of the exchange log (issue 15): a gateway with exchange_log.timestamping
// has a real RFC 3161 TSA on loopback (tests/support/test_tsa.h) stamp its chain's head; the
// tokens are stored with an exchange-log entry each, and `lienthongctl audit verify` (and
// AdminService.VerifyExchangeLog) checks them. A chain and head rewritten in the database
// after a token, by someone who can write the file, verifies on its own but not against the
// token; a TSA that is down delays tokens and never an exchange; a reply that does not verify
// is refused.
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/exchange_log_archive.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/head_timestamper.h"
#include "services/admin/timestamp_token.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/config/gateway_config.h"
#include "services/store/exchange_log.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_tsa.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kCalls = 8;

class TimestampTest : public test::AdminGatewayTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(AdminGatewayTest::SetUp());
    ASSERT_OK_AND_ASSIGN(tsa_, test::TestTsa::Create(dir_.path()));
    ASSERT_OK(tsa_->Start());
    auto* stamping = config_.mutable_exchange_log()->mutable_timestamping();
    stamping->set_tsa_url(tsa_->url());
    stamping->set_tsa_ca_file(tsa_->ca_file());
    stamping->mutable_every()->set_seconds(1);  // a tick of 1 s
    stamping->mutable_timeout()->set_seconds(5);
  }

  // The newest stored token once it stamps entry `seq` or later.
  store::ExchangeLogTimestamp WaitForToken(int64_t seq) {
    store::ExchangeLogTimestamp found;
    EXPECT_TRUE(test::PollUntil(
        [&] {
          auto latest = app_->store()->LatestExchangeLogTimestamp();
          if (!latest.ok() || !latest->has_value() || (*latest)->seq < seq) return false;
          found = **latest;
          return true;
        },
        absl::Seconds(30)))
        << "no token of entry " << seq << " or later";
    return found;
  }

  double Metric(const std::string& series) {
    auto value = test::MetricValue(app_->metrics_port(), series);
    return value.ok() ? *value : -1;
  }

  v1::VerifyExchangeLogResponse VerifyByRpc(const std::string& tsa_ca_pem = "") {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::VerifyExchangeLogRequest request;
    request.set_tsa_ca_pem(tsa_ca_pem);
    v1::VerifyExchangeLogResponse response;
    const grpc::Status status = stub->VerifyExchangeLog(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  test::ProcessResult VerifyByCtl(const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"audit", "verify",
                                     absl::StrCat("--target=127.0.0.1:", app_->port()),
                                     "--cert=" + admin_.files.cert_file,
                                     "--key=" + admin_.files.key_file, "--ca=" + admin_.files.ca_file};
    args.insert(args.end(), more.begin(), more.end());
    auto result = test::RunProcess(LIENTHONGCTL_PATH, args);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : test::ProcessResult{};
  }

  // The TSA answers per `mode`: calls go on, each answer is refused as invalid and nothing is
  // stored; once it answers well again, a token is.
  void ExpectRefusedThenRecovered(test::TestTsa::Mode mode) {
    tsa_->SetMode(mode);
    Start();
    MakeCalls(kCalls);
    const std::string invalid =
        "lienthong_exchange_log_timestamp_failures_total{reason=\"invalid\"}";
    ASSERT_TRUE(test::PollUntil([&] { return Metric(invalid) >= 1; }, absl::Seconds(30)));
    EXPECT_GE(tsa_->answered(), 1);
    ASSERT_OK_AND_ASSIGN(auto none, app_->store()->LatestExchangeLogTimestamp());
    EXPECT_FALSE(none.has_value());
    tsa_->SetMode(test::TestTsa::Mode::kGood);
    WaitForToken(kCalls);
  }

  std::string db() const { return config_.store().sqlite_file(); }

  std::unique_ptr<test::TestTsa> tsa_;
};

TEST_F(TimestampTest, ATokenIsStoredRecordedAndVerified) {
  Start();
  MakeCalls(kCalls);
  const store::ExchangeLogTimestamp row = WaitForToken(kCalls);
  EXPECT_GE(tsa_->answered(), 1);
  EXPECT_EQ(row.tsa_url, tsa_->url());
  EXPECT_EQ(row.head_hash.size(), 32u);
  EXPECT_LT(absl::AbsDuration(row.gen_time - absl::Now()), absl::Minutes(1));
  // The token verifies on its own against the TSA's CA and stamps the entry's seq and hash.
  ASSERT_OK_AND_ASSIGN(admin::TsaTrust trust, admin::TsaTrust::FromFile(tsa_->ca_file()));
  ASSERT_OK_AND_ASSIGN(admin::TimestampToken token, admin::VerifyStoredToken(row.token, trust));
  EXPECT_EQ(token.imprint, admin::HeadImprint(row.seq, row.head_hash));
  EXPECT_EQ(token.hash_algorithm, "sha256");
  EXPECT_THAT(token.tsa_name, HasSubstr("lienthong test TSA"));
  // The entry that recorded it: the token's digest and the seq it stamps.
  ASSERT_OK_AND_ASSIGN(auto entries, app_->store()->ReadExchangeLog(row.seq, 1000));
  bool recorded = false;
  for (const auto& entry : entries) {
    if (entry.method != admin::kTimestampMethod ||
        entry.records != std::vector<std::string>{absl::StrCat("timestamp:", row.seq)}) {
      continue;
    }
    recorded = entry.request_digest == store::Sha256(row.token) &&
               entry.member == admin::kMaintenanceMember;
  }
  EXPECT_TRUE(recorded);
  EXPECT_GE(Metric("lienthong_exchange_log_timestamps_total"), 1);
  EXPECT_GE(Metric("lienthong_exchange_log_timestamp_last_seq"), kCalls);

  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_TRUE(verdict.ok()) << verdict.problem();
  EXPECT_GE(verdict.timestamps_verified(), 1);
  EXPECT_GE(verdict.last_timestamp_seq(), kCalls);
  EXPECT_EQ(verdict.timestamp_problems_size(), 0);
  const test::ProcessResult ctl = VerifyByCtl({"--tsa_ca=" + tsa_->ca_file()});
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr("OK: exchange log verified"));
  EXPECT_THAT(ctl.stdout_text, HasSubstr("timestamp tokens verified (newest: entry"));
  // Another CA's certificate does not vouch for the tokens.
  ASSERT_OK_AND_ASSIGN(auto other, test::MakeTestCa("not the TSA's CA"));
  const v1::VerifyExchangeLogResponse foreign = VerifyByRpc(other.cert_pem);
  EXPECT_FALSE(foreign.ok());
  ASSERT_GE(foreign.timestamp_problems_size(), 1);
  EXPECT_THAT(foreign.timestamp_problems(0).problem(), StartsWith("forged: token "));
}

TEST_F(TimestampTest, AChainAndHeadRewrittenAfterATokenAreCaught) {
  Start();
  MakeCalls(kCalls);
  const store::ExchangeLogTimestamp row = WaitForToken(kCalls);
  ASSERT_OK_AND_ASSIGN(std::vector<store::ExchangeLogEntry> entries,
                       app_->store()->ReadExchangeLog(0, 100000));
  Stop();
  // Someone with write access to the file edits entry 3 and recomputes every hash after it and
  // the head: the chain verifies on its own.
  std::string sql;
  std::string prev = entries.front().prev_hash;
  for (store::ExchangeLogEntry& entry : entries) {
    if (entry.seq == 3) entry.member = "000.00.66.H49";
    if (entry.seq >= 3) {
      entry.prev_hash = prev;
      entry.hash = store::ComputeEntryHash(entry, prev);
      absl::StrAppend(&sql, "UPDATE exchange_log SET member = '", entry.member,
                      "', prev_hash = ", test::SqlBlob(entry.prev_hash), ", hash = ", test::SqlBlob(entry.hash),
                      " WHERE seq = ", entry.seq, ";\n");
    }
    prev = entry.hash;
  }
  absl::StrAppend(&sql, "UPDATE exchange_log_head SET hash = ", test::SqlBlob(prev), " WHERE id = 1;");
  test::TamperWith(db(), sql);

  Start();
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_FALSE(verdict.ok());
  ASSERT_GE(verdict.timestamp_problems_size(), 1);
  // Every token of entry 3 or later names its entry; the one waited for is among them.
  bool named = false;
  for (const auto& problem : verdict.timestamp_problems()) {
    EXPECT_GE(problem.seq(), 3);
    EXPECT_THAT(problem.problem(), StartsWith("rewritten: entry ")) << problem.problem();
    if (problem.token_id() == row.id && problem.seq() == row.seq) named = true;
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(verdict.first_bad_sequence(), verdict.timestamp_problems(0).seq());
  const test::ProcessResult ctl = VerifyByCtl();
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("TAMPERED: timestamp token ", row.id, " (entry ", row.seq,
                                     "): rewritten: entry ", row.seq)));
  EXPECT_THAT(ctl.stdout_text, HasSubstr("the chain verifies on its own"));
}

TEST_F(TimestampTest, ADeletedTokenIsMissedByTheEntryThatRecordedIt) {
  Start();
  MakeCalls(kCalls);
  const store::ExchangeLogTimestamp row = WaitForToken(kCalls);
  Stop();
  test::TamperWith(db(), absl::StrCat("DELETE FROM exchange_log_timestamps WHERE id = ", row.id, ";"));
  Start();
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_FALSE(verdict.ok());
  bool missing = false;
  for (const auto& problem : verdict.timestamp_problems()) {
    if (problem.seq() == row.seq && absl::StartsWith(problem.problem(), "missing: ")) {
      missing = true;
    }
  }
  EXPECT_TRUE(missing) << verdict.problem();
}

TEST_F(TimestampTest, ATsaThatIsDownDelaysTokensNotExchanges) {
  tsa_->Stop();
  Start();
  MakeCalls(kCalls);  // every call succeeds while the TSA is down
  const std::string unreachable =
      "lienthong_exchange_log_timestamp_failures_total{reason=\"unreachable\"}";
  ASSERT_TRUE(test::PollUntil([&] { return Metric(unreachable) >= 1; }, absl::Seconds(30)));
  ASSERT_OK_AND_ASSIGN(auto none, app_->store()->LatestExchangeLogTimestamp());
  EXPECT_FALSE(none.has_value());
  EXPECT_GE(Metric("lienthong_exchange_log_timestamp_age_seconds"), 0);
  MakeCalls(kCalls);
  // Back on the same port: the next attempt takes a token of the head.
  ASSERT_OK(tsa_->Start());
  const store::ExchangeLogTimestamp row = WaitForToken(2 * kCalls);
  EXPECT_GE(tsa_->answered(), 1);
  EXPECT_GE(Metric("lienthong_exchange_log_timestamps_total"), 1);
  const v1::VerifyExchangeLogResponse verdict = VerifyByRpc();
  EXPECT_TRUE(verdict.ok()) << verdict.problem();
  EXPECT_GE(verdict.timestamps_verified(), 1);
  EXPECT_GE(row.seq, 2 * kCalls);
}

TEST_F(TimestampTest, ATamperedReplyIsRefused) {
  ExpectRefusedThenRecovered(test::TestTsa::Mode::kTampered);
}

TEST_F(TimestampTest, AReplyFromAnotherCasTsaIsRefused) {
  ExpectRefusedThenRecovered(test::TestTsa::Mode::kForeignSigner);
}

TEST_F(TimestampTest, ArchivesKeepTheTokensOfTheirEntriesAndVerifyChecksThem) {
  const std::string archive = dir_.Path("archive");
  ASSERT_EQ(::mkdir(archive.c_str(), 0700), 0);
  auto* retention = config_.mutable_retention();
  retention->mutable_exchange_log_max_age()->set_seconds(2);
  retention->mutable_exchange_log_archive()->set_dir(archive);
  retention->mutable_exchange_log_archive()->set_entries_per_file(1000);
  Start();
  MakeCalls(kCalls);
  const store::ExchangeLogTimestamp row = WaitForToken(kCalls);
  // The token's entry and the entry that recorded it are archived and let go.
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto ends = app_->store()->GetExchangeLogEnds();
        return ends.ok() && ends->anchor_seq > row.seq + 1;
      },
      absl::Seconds(30)));
  Stop();
  retention->mutable_exchange_log_max_age()->set_seconds(3600);
  ASSERT_OK_AND_ASSIGN(std::vector<admin::ArchiveFile> files, admin::ListArchives(archive));
  ASSERT_FALSE(files.empty());
  std::string holder;  // the archive of the token's entry
  for (const auto& file : files) {
    if (file.first_seq <= row.seq && row.seq <= file.last_seq) holder = file.name;
  }
  ASSERT_FALSE(holder.empty());
  ASSERT_OK_AND_ASSIGN(std::string text, ReadFileToString(archive + "/" + holder));
  EXPECT_THAT(text, HasSubstr("\"format\":\"lienthong.exchange_log_archive.v2\""));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("{\"timestamp\":{\"gen_time_us\":")));
  EXPECT_THAT(text, HasSubstr(absl::Base64Escape(row.token)));

  ASSERT_OK_AND_ASSIGN(admin::TsaTrust trust, admin::TsaTrust::FromFile(tsa_->ca_file()));
  ASSERT_OK_AND_ASSIGN(admin::ArchiveVerdict verdict, admin::VerifyArchives(archive, &trust));
  EXPECT_TRUE(verdict.ok()) << verdict.problems.front().problem;
  EXPECT_GE(verdict.timestamps_verified, 1);
  Start();
  test::ProcessResult ctl = VerifyByCtl({"--archive=" + archive, "--tsa_ca=" + tsa_->ca_file()});
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("archives: ", files.size(), " verified, ")));
  EXPECT_THAT(ctl.stdout_text, ::testing::ContainsRegex("[1-9][0-9]* timestamp tokens verified\n"));
  // Without the CA the archived tokens are said to be unchecked.
  ctl = VerifyByCtl({"--archive=" + archive});
  EXPECT_THAT(ctl.stdout_text, HasSubstr("UNVERIFIED: "));

  // A token taken out of its archive: the entry that recorded it names it.
  test::EditArchive(archive, holder, [&](std::vector<std::string>& lines) {
    const std::string token = absl::Base64Escape(row.token);
    lines.erase(std::remove_if(lines.begin(), lines.end(),
                               [&](const std::string& line) {
                                 return absl::StrContains(line, token);
                               }),
                lines.end());
  });
  ASSERT_OK_AND_ASSIGN(verdict, admin::VerifyArchives(archive, &trust));
  bool missing = false;
  for (const auto& problem : verdict.problems) {
    if (problem.seq == row.seq && absl::StartsWith(problem.problem, "missing: ")) missing = true;
  }
  EXPECT_TRUE(missing);
  ctl = VerifyByCtl({"--archive=" + archive, "--tsa_ca=" + tsa_->ca_file()});
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text;
  // (The entry that recorded the token may lie in the next archive.)
  EXPECT_THAT(ctl.stdout_text, HasSubstr(absl::StrCat(": sequence ", row.seq, ": missing: entry ")));
}

// Two gateways on one PostgreSQL database: one of them (the holder of the lease
// timestamp/exchange_log) stamps the shared log's head, never both the same entry; the tokens
// are stored in PostgreSQL and verify from either gateway.
TEST_F(TimestampTest, OnPostgresOneOfTwoGatewaysStampsTheSharedLog) {
  ASSERT_OK_AND_ASSIGN(auto cluster, test::PostgresCluster::Start());
  ASSERT_OK(cluster->Query("CREATE SCHEMA gateway").status());
  auto on_postgres = [&](const std::string& replica) {
    config::v1::GatewayConfig config = config_;
    config.mutable_listener()->set_address("127.0.0.1:0");
    config.mutable_admin_http()->set_address("127.0.0.1:0");
    auto* store = config.mutable_store();
    store->set_kind(config::v1::STORE_KIND_POSTGRES);
    store->clear_sqlite_file();
    store->mutable_postgres()->set_conninfo(
        absl::StrCat(cluster->conninfo(), " options='-c search_path=gateway'"));
    store->mutable_postgres()->set_replica_name(replica);
    return config;
  };
  config_ = on_postgres("r1");
  Start();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<server::GatewayApp> second,
                       test::StartTestGateway(on_postgres("r2")));
  MakeCalls(kCalls);
  {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(second->port(), admin_.pem));
    for (int i = 0; i < kCalls; ++i) {
      grpc::ClientContext context;
      test::SetDeadline(&context);
      v1::GetStatusResponse response;
      ASSERT_TRUE(stub->GetStatus(&context, v1::GetStatusRequest(), &response).ok());
    }
  }
  const store::ExchangeLogTimestamp row = WaitForToken(2 * kCalls);
  ASSERT_OK_AND_ASSIGN(auto tokens, second->store()->ReadExchangeLogTimestamps(0, 0, 1000));
  ASSERT_FALSE(tokens.empty());
  for (size_t i = 1; i < tokens.size(); ++i) {
    EXPECT_LT(tokens[i - 1].seq, tokens[i].seq) << "two tokens of one entry";
  }
  ASSERT_OK_AND_ASSIGN(auto leases, second->store()->ListLeases());
  int holders = 0;
  for (const auto& lease : leases) {
    if (lease.name == admin::kTimestampLease) ++holders;
  }
  EXPECT_EQ(holders, 1);
  // Verified from the other gateway too.
  v1::VerifyExchangeLogResponse verdict;
  {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(second->port(), admin_.pem));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    ASSERT_TRUE(stub->VerifyExchangeLog(&context, v1::VerifyExchangeLogRequest(), &verdict).ok());
  }
  EXPECT_TRUE(verdict.ok()) << verdict.problem();
  EXPECT_GE(verdict.timestamps_verified(), static_cast<int64_t>(tokens.size()));
  EXPECT_GE(verdict.last_timestamp_seq(), row.seq);
  second->Shutdown(absl::Seconds(1));
  Stop();
}

TEST_F(TimestampTest, BadSettingsAreRefusedByName) {
  auto expect_refused = [&](const config::v1::GatewayConfig& config, const std::string& field) {
    const absl::Status status = config::ValidateGatewayConfig(config, "lienthong.yaml");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(status.message(), HasSubstr("exchange_log.timestamping." + field)) << status;
  };
  config::v1::GatewayConfig bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->set_tsa_url("ftp://tsa.example");
  expect_refused(bad, "tsa_url");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->set_tsa_url("https://");
  expect_refused(bad, "tsa_url");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->set_tsa_ca_file(dir_.Path("no-such.crt"));
  expect_refused(bad, "tsa_ca_file");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->clear_tsa_ca_file();
  expect_refused(bad, "tsa_ca_file");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->set_policy_oid("tsa-policy");
  expect_refused(bad, "policy_oid");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->mutable_every()->set_seconds(-5);
  expect_refused(bad, "every");
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->clear_tsa_url();
  expect_refused(bad, "tsa_url");
  EXPECT_OK(config::ValidateGatewayConfig(config_, "lienthong.yaml"));
  // A CA file that is readable but holds no certificate stops the start, naming the field.
  const std::string not_pem = dir_.Path("not-a-cert.pem");
  ASSERT_OK(WritePrivateFile(not_pem, "hello", 0644));
  bad = config_;
  bad.mutable_exchange_log()->mutable_timestamping()->set_tsa_ca_file(not_pem);
  auto started = test::StartTestGateway(bad);
  EXPECT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr("exchange_log.timestamping.tsa_ca_file"));
}

}  // namespace
}  // namespace lienthong

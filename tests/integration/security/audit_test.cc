// The tamper-evident exchange log: `lienthongctl audit verify` (and AdminService.
// VerifyExchangeLog) names the first entry of a chain that was edited, had a row inserted or
// removed, or lost its tail, after tampering with the database file directly (gateway
// stopped); retention by age prunes and the chain still verifies. Each entry also records the
// response's digest and the call's attribution (x-lienthong-user, x-lienthong-correlation-id),
// checked for form and required by the access policy per member.
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/admin/exchange_log_archive.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/config/gateway_config.h"
#include "services/common/rpc_status.h"
#include "services/exchange/exchange_call.h"
#include "services/store/exchange_log.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kCalls = 8;  // exchange-log entries 1..8

// An INSERT of `entry` as the store writes it.
std::string InsertSql(const store::ExchangeLogEntry& entry) {
  return absl::StrCat(
      "INSERT INTO exchange_log (seq, time, member, method, request_digest, status, "
      "request_bytes, response_bytes, records, prev_hash, hash) VALUES (",
      entry.seq, ", ", absl::ToUnixMicros(entry.time), ", '", entry.member, "', '", entry.method,
      "', ", test::SqlBlob(entry.request_digest), ", ", entry.status_code, ", ",
      entry.request_bytes, ", ", entry.response_bytes, ", '', ", test::SqlBlob(entry.prev_hash),
      ", ", test::SqlBlob(entry.hash), ");");
}

class AuditTest : public test::AdminGatewayTest {
 protected:
  // kCalls logged calls, then the gateway stops; `entries_` is the log as written.
  void Populate() {
    Start();
    MakeCalls(kCalls);
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

  // SubmitDossier of sample dossier `index` by `member` with the metadata `metadata`.
  grpc::Status Submit(const std::string& member, uint64_t index,
                      const std::vector<std::pair<std::string, std::string>>& metadata,
                      v1::SubmitDossierResponse* response = nullptr) {
    auto issued = pki_->IssueMember(member);
    EXPECT_TRUE(issued.ok()) << issued.status();
    auto stub = v1::DossierService::NewStub(test::MakeClientChannel(
        app_->port(), issued.ok() ? issued->pem : security::ClientTlsPem{}));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = demo::MakeSampleDossier(index, absl::Now() - absl::Hours(1));
    ToProtoTimestamp(absl::Now() + absl::Hours(24 * 10),
                     request.mutable_dossier()->mutable_due_at());
    last_code_ = request.dossier().code();
    v1::SubmitDossierResponse ignored;
    return stub->SubmitDossier(&context, request, response != nullptr ? response : &ignored);
  }

  // The exchange-log entry of the newest call to `method`, waited for.
  store::ExchangeLogEntry LastEntryOf(const std::string& method) {
    store::ExchangeLogEntry found;
    EXPECT_TRUE(test::PollUntil(
        [&] {
          auto entries = app_->store()->ReadExchangeLog(0, 100000);
          if (!entries.ok()) return false;
          for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
            if (it->method == method && it->seq > seen_seq_) {
              found = *it;
              seen_seq_ = it->seq;
              return true;
            }
          }
          return false;
        },
        absl::Seconds(30)))
        << "no new entry of " << method;
    return found;
  }

  // Restarts the gateway on the tampered file and runs `lienthongctl audit verify` against it.
  test::ProcessResult VerifyByCtl(const std::string& archive_dir = "") {
    if (app_ == nullptr) Start();
    std::vector<std::string> args = {"audit", "verify",
                                     absl::StrCat("--target=127.0.0.1:", app_->port()),
                                     "--cert=" + admin_.files.cert_file,
                                     "--key=" + admin_.files.key_file, "--ca=" + admin_.files.ca_file};
    if (!archive_dir.empty()) args.push_back("--archive=" + archive_dir);
    auto result = test::RunProcess(LIENTHONGCTL_PATH, args);
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

  std::vector<store::ExchangeLogEntry> entries_;
  std::string last_code_;
  int64_t seen_seq_ = 0;
};

constexpr char kSubmitMethod[] = "/lienthong.v1.DossierService/SubmitDossier";

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
  test::TamperWith(db(), "UPDATE exchange_log SET status = 0, member = '000.00.66.H49' WHERE seq = 3;");
  ExpectTampered(3, "edited");
}

TEST_F(AuditTest, ARemovedMiddleEntryIsNamed) {
  Populate();
  test::TamperWith(db(), "DELETE FROM exchange_log WHERE seq = 4;");
  ExpectTampered(4, "removed");
}

TEST_F(AuditTest, ARemovedTailIsNamed) {
  Populate();
  test::TamperWith(db(), absl::StrCat("DELETE FROM exchange_log WHERE seq >= ", kCalls - 1, ";"));
  ExpectTampered(kCalls - 1, "removed");
}

TEST_F(AuditTest, ARemovedEntryWithTheLaterOnesRenumberedIsNamed) {
  Populate();
  test::TamperWith(db(), "DELETE FROM exchange_log WHERE seq = 4;"
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
  test::TamperWith(db(), absl::StrCat("UPDATE exchange_log SET seq = -(seq + 1) WHERE seq >= 3;"
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
  test::TamperWith(db(), InsertSql(forged));
  ExpectTampered(forged.seq, "inserted");
}

TEST_F(AuditTest, AnEditedHeadIsNamed) {
  Populate();
  test::TamperWith(db(), absl::StrCat("UPDATE exchange_log_head SET hash = ", test::SqlBlob(std::string(32, 'x')),
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
  MakeCalls(kCalls);
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

TEST_F(AuditTest, TheEndUserCorrelationIdAndResponseDigestAreRecordedAndHashed) {
  Start();
  v1::SubmitDossierResponse response;
  ASSERT_TRUE(Submit(test::kAdminMember, 1,
                     {{"x-lienthong-user", "officer:nv.lan-01"},
                      {"x-lienthong-correlation-id", "7f9c2ba4-e88f-4b2c-9c1a-2d3e4f5a6b7c"}},
                     &response)
                  .ok());
  const store::ExchangeLogEntry entry = LastEntryOf(kSubmitMethod);
  EXPECT_EQ(entry.end_user, "officer:nv.lan-01");
  EXPECT_EQ(entry.correlation_id, "7f9c2ba4-e88f-4b2c-9c1a-2d3e4f5a6b7c");
  EXPECT_EQ(entry.hash_format, store::kCurrentEntryHashFormat);
  // The client can prove what it was answered: the digest of the response it received.
  EXPECT_EQ(entry.response_digest, exchange::MessageDigest(response));
  EXPECT_EQ(entry.response_bytes, static_cast<int64_t>(exchange::DeterministicBytes(response).size()));

  // A citizen id, and no correlation id; a read answers with a digest too.
  ASSERT_TRUE(Submit(test::kAdminMember, 2, {{"x-lienthong-user", "citizen:001203004567"}}).ok());
  const store::ExchangeLogEntry citizen = LastEntryOf(kSubmitMethod);
  EXPECT_EQ(citizen.end_user, "citizen:001203004567");
  EXPECT_EQ(citizen.correlation_id, "");
  auto admin = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::GetStatusResponse status;
  ASSERT_TRUE(admin->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
  const store::ExchangeLogEntry read = LastEntryOf("/lienthong.v1.AdminService/GetStatus");
  EXPECT_EQ(read.response_digest, exchange::MessageDigest(status));
  Stop();

  // The new fields are covered by the hash: changing who asked is an edit.
  test::TamperWith(db(), absl::StrCat("UPDATE exchange_log SET end_user = 'officer:someone-else' "
                                "WHERE seq = ", entry.seq, ";"));
  ExpectTampered(entry.seq, "edited");
  Stop();
  test::TamperWith(db(), absl::StrCat("UPDATE exchange_log SET end_user = 'officer:nv.lan-01', "
                                "response_digest = ", test::SqlBlob(std::string(32, 'r')),
                                " WHERE seq = ", entry.seq, ";"));
  ExpectTampered(entry.seq, "edited");
  Stop();
  // Passing a new entry off as one of the old format (which hashes without these fields).
  test::TamperWith(db(), absl::StrCat("UPDATE exchange_log SET response_digest = ",
                                test::SqlBlob(entry.response_digest), ", hash_format = 1 WHERE seq = ",
                                entry.seq, ";"));
  ExpectTampered(entry.seq, "edited");
}

TEST_F(AuditTest, MalformedAttributionIsRefusedNamingTheKeyAndChangesNothing) {
  Start();
  struct Case {
    std::vector<std::pair<std::string, std::string>> metadata;
    std::string key;
  };
  const std::vector<Case> cases = {
      {{{"x-lienthong-user", "nv.lan"}}, "x-lienthong-user"},                      // no prefix
      {{{"x-lienthong-user", "officer:"}}, "x-lienthong-user"},                    // empty id
      {{{"x-lienthong-user", "officer:-lan"}}, "x-lienthong-user"},                // bad first
      {{{"x-lienthong-user", "officer:nv lan"}}, "x-lienthong-user"},              // space
      {{{"x-lienthong-user", "officer:" + std::string(65, 'a')}}, "x-lienthong-user"},
      {{{"x-lienthong-user", "citizen:00120300456"}}, "x-lienthong-user"},         // 11 digits
      {{{"x-lienthong-user", "citizen:0012030045678"}}, "x-lienthong-user"},       // 13 digits
      {{{"x-lienthong-user", "citizen:00120300456a"}}, "x-lienthong-user"},
      {{{"x-lienthong-user", "Officer:lan"}}, "x-lienthong-user"},                 // case
      {{{"x-lienthong-user", "officer:a"}, {"x-lienthong-user", "officer:b"}}, "x-lienthong-user"},
      {{{"x-lienthong-correlation-id", ""}}, "x-lienthong-correlation-id"},
      {{{"x-lienthong-correlation-id", std::string(129, '7')}}, "x-lienthong-correlation-id"},
      {{{"x-lienthong-correlation-id", "abc/def"}}, "x-lienthong-correlation-id"},
      {{{"x-lienthong-correlation-id", "a"}, {"x-lienthong-correlation-id", "b"}},
       "x-lienthong-correlation-id"},
  };
  uint64_t index = 10;
  for (const Case& c : cases) {
    const std::string shown = c.metadata.front().second.substr(0, 40);
    const grpc::Status status = Submit(test::kAdminMember, ++index, c.metadata);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << shown;
    google::rpc::BadRequest bad;
    ASSERT_TRUE(GetBadRequest(FromGrpcStatus(status), &bad)) << shown;
    ASSERT_EQ(bad.field_violations_size(), 1) << shown;
    EXPECT_EQ(bad.field_violations(0).field(), c.key) << shown;
    // Nothing was stored; the refusal is in the exchange log, without the bad value.
    ASSERT_OK_AND_ASSIGN(auto dossier, app_->store()->GetDossier(last_code_));
    EXPECT_FALSE(dossier.has_value()) << shown;
    const store::ExchangeLogEntry refused = LastEntryOf(kSubmitMethod);
    EXPECT_EQ(refused.status_code, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_EQ(refused.end_user, "");
    EXPECT_EQ(refused.correlation_id, "");
    EXPECT_EQ(refused.response_digest, "");
  }
  // Both keys bad: both named.
  const grpc::Status both = Submit(test::kAdminMember, ++index,
                                   {{"x-lienthong-user", "x"}, {"x-lienthong-correlation-id", "a b"}});
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetBadRequest(FromGrpcStatus(both), &bad));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "x-lienthong-user");
  EXPECT_EQ(bad.field_violations(1).field(), "x-lienthong-correlation-id");
  ASSERT_OK_AND_ASSIGN(auto count, app_->store()->ListDossiers(store::DossierQuery{}));
  EXPECT_TRUE(count.empty());
}

TEST_F(AuditTest, ThePolicyCanRequireTheUserAndTheCorrelationIdPerMember) {
  config::v1::Member* admin = config_.mutable_access_policy()->mutable_members(0);
  admin->set_require_user(true);
  test::AddMember(&config_, test::kOneStopMember, test::FullGrant());
  config_.mutable_access_policy()->mutable_members(1)->set_require_correlation_id(true);
  test::AddMember(&config_, test::kEducationMember, test::FullGrant());  // requires nothing
  Start();

  grpc::Status status = Submit(test::kAdminMember, 1, {{"x-lienthong-correlation-id", "c-1"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("without naming its end user (metadata "
                                                "x-lienthong-user)"));
  EXPECT_EQ(LastEntryOf(kSubmitMethod).status_code,
            static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_OK_AND_ASSIGN(auto none, app_->store()->GetDossier(last_code_));
  EXPECT_FALSE(none.has_value());
  EXPECT_TRUE(Submit(test::kAdminMember, 1, {{"x-lienthong-user", "officer:lan"}}).ok());

  status = Submit(test::kOneStopMember, 2, {{"x-lienthong-user", "officer:lan"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("x-lienthong-correlation-id"));
  EXPECT_TRUE(Submit(test::kOneStopMember, 2, {{"x-lienthong-correlation-id", "c-2"}}).ok());
  const store::ExchangeLogEntry entry = LastEntryOf(kSubmitMethod);
  EXPECT_EQ(entry.member, test::kOneStopMember);
  EXPECT_EQ(entry.correlation_id, "c-2");

  EXPECT_TRUE(Submit(test::kEducationMember, 3, {}).ok());
  // A malformed value is INVALID_ARGUMENT even where it is required.
  status = Submit(test::kAdminMember, 4, {{"x-lienthong-user", "lan"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

std::string CopyFolder(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
  return to;
}

TEST_F(AuditTest, RetentionArchivesEntriesAndVerifyNamesAnEditedRemovedOrMissingArchiveEntry) {
  const std::string archive = dir_.Path("archive");
  const std::string copies = dir_.Path("copies");
  ASSERT_EQ(::mkdir(archive.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(copies.c_str(), 0700), 0);
  // The hand-off command: a copy to "other storage".
  const std::string script = dir_.Path("copy-archive.sh");
  ASSERT_OK(WritePrivateFile(script, absl::StrCat("#!/bin/sh\nexec cp \"$1\" ", copies, "/\n"),
                             0700));
  auto* retention = config_.mutable_retention();
  retention->mutable_exchange_log_max_age()->set_seconds(2);
  retention->mutable_exchange_log_archive()->set_dir(archive);
  retention->mutable_exchange_log_archive()->set_entries_per_file(3);
  retention->mutable_exchange_log_archive()->add_command(script);
  Start();
  MakeCalls(kCalls);
  // At least three archives, and everything before the calls' last entry let go.
  std::vector<admin::ArchiveFile> files;
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto ends = app_->store()->GetExchangeLogEnds();
        auto listed = admin::ListArchives(archive);
        if (!ends.ok() || !listed.ok()) return false;
        files = *listed;
        return ends->anchor_seq >= kCalls && files.size() >= 3;
      },
      absl::Seconds(30)));
  // Stop letting entries go; restart with the archives as they are.
  Stop();
  retention->mutable_exchange_log_max_age()->set_seconds(3600);
  ASSERT_OK_AND_ASSIGN(files, admin::ListArchives(archive));
  ASSERT_GE(files.size(), 3u);
  // Entries in order from 1, with no gap; each archive handed to the command.
  EXPECT_EQ(files.front().first_seq, 1);
  for (size_t i = 1; i < files.size(); ++i) {
    EXPECT_EQ(files[i].first_seq, files[i - 1].last_seq + 1) << files[i].name;
  }
  for (const auto& file : files) {
    EXPECT_LE(file.last_seq - file.first_seq + 1, 3) << file.name;
    ASSERT_OK_AND_ASSIGN(std::string original, ReadFileToString(archive + "/" + file.name));
    ASSERT_OK_AND_ASSIGN(std::string copy, ReadFileToString(copies + "/" + file.name));
    EXPECT_EQ(copy, original) << file.name;
  }
  // No temporary file was left behind.
  for (const auto& entry : std::filesystem::directory_iterator(archive)) {
    EXPECT_TRUE(absl::EndsWith(entry.path().filename().string(), ".jsonl")) << entry.path();
  }

  test::ProcessResult ctl = VerifyByCtl(archive);
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stdout_text << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr(absl::StrCat("archives: ", files.size(), " verified")));
  EXPECT_THAT(ctl.stdout_text, HasSubstr("OK: exchange log verified"));

  // An entry edited in the first archive.
  const std::string edited = CopyFolder(archive, dir_.Path("edited"));
  test::EditArchive(edited, files[0].name, [](std::vector<std::string>& lines) {
    absl::StrReplaceAll({{"\"status\":0", "\"status\":7"}}, &lines[2]);
  });
  ctl = VerifyByCtl(edited);
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("TAMPERED: archive ", files[0].name, ": sequence ",
                                     files[0].first_seq + 1, ": edited")));
  EXPECT_THAT(ctl.stdout_text, HasSubstr(absl::StrCat("TAMPERED: archive ", files[0].name,
                                                      ": changed: the file's SHA-256")));

  // An entry removed from the second archive.
  const std::string removed = CopyFolder(archive, dir_.Path("removed"));
  test::EditArchive(removed, files[1].name,
              [](std::vector<std::string>& lines) { lines.erase(lines.begin() + 2); });
  ctl = VerifyByCtl(removed);
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("TAMPERED: archive ", files[1].name, ": sequence ",
                                     files[1].first_seq + 1, ": removed")));

  // The second archive missing.
  const std::string missing = CopyFolder(archive, dir_.Path("missing"));
  std::filesystem::remove(missing + "/" + files[1].name);
  ctl = VerifyByCtl(missing);
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("TAMPERED: archive ", files[2].name, ": sequence ",
                                     files[1].first_seq, ": missing: it follows archive ",
                                     files[1].name, ", which is not in the folder")));

  // The newest archive missing: the live log let go of entries no archive holds.
  const std::string newest = CopyFolder(archive, dir_.Path("newest"));
  std::filesystem::remove(newest + "/" + files.back().name);
  ctl = VerifyByCtl(newest);
  EXPECT_EQ(ctl.exit.code, 1) << ctl.stdout_text;
  EXPECT_THAT(ctl.stdout_text,
              HasSubstr(absl::StrCat("TAMPERED: live log: sequence ", files.back().first_seq,
                                     ": missing: the live log let entries ",
                                     files.back().first_seq, "..")));
}

TEST_F(AuditTest, AFailingArchiveCommandKeepsTheArchiveAndIsCounted) {
  const std::string archive = dir_.Path("archive");
  ASSERT_EQ(::mkdir(archive.c_str(), 0700), 0);
  auto* retention = config_.mutable_retention();
  retention->mutable_exchange_log_max_age()->set_seconds(2);
  retention->mutable_exchange_log_archive()->set_dir(archive);
  retention->mutable_exchange_log_archive()->add_command("/bin/false");
  Start();
  MakeCalls(kCalls);
  ASSERT_TRUE(test::PollUntil(
      [&] {
        auto failed = test::MetricValue(
            app_->metrics_port(), "lienthong_exchange_log_archives_total{result=\"command_failed\"}");
        return failed.ok() && *failed >= 1;
      },
      absl::Seconds(30)));
  ASSERT_OK_AND_ASSIGN(auto written, test::MetricValue(
      app_->metrics_port(), "lienthong_exchange_log_archives_total{result=\"written\"}"));
  EXPECT_GE(written, 1);
  // Nothing lost: the archives are there and verify with the live log.
  ASSERT_OK_AND_ASSIGN(auto files, admin::ListArchives(archive));
  EXPECT_FALSE(files.empty());
  ASSERT_OK_AND_ASSIGN(auto verdict, admin::VerifyArchives(archive));
  EXPECT_TRUE(verdict.ok()) << verdict.problems.front().problem;
  EXPECT_EQ(verdict.first_seq, 1);
}

TEST_F(AuditTest, ArchiveSettingsAreChecked) {
  const auto problems = [&](const std::function<void(config::v1::ExchangeLogArchive*)>& set) {
    config::v1::GatewayConfig config = config_;
    set(config.mutable_retention()->mutable_exchange_log_archive());
    return std::string(config::ValidateGatewayConfig(config, "lienthong.yaml").message());
  };
  EXPECT_THAT(problems([](auto* a) { a->set_entries_per_file(5); }),
              HasSubstr("retention.exchange_log_archive.dir: required"));
  EXPECT_THAT(problems([](auto* a) { a->set_dir("relative/archive"); }),
              HasSubstr("retention.exchange_log_archive.dir: must be an absolute path"));
  EXPECT_THAT(problems([&](auto* a) { a->set_dir(dir_.Path("no-such-folder")); }),
              HasSubstr("retention.exchange_log_archive.dir: directory not found"));
  EXPECT_THAT(problems([&](auto* a) {
                a->set_dir(dir_.path());
                a->set_entries_per_file(1000001);
              }),
              HasSubstr("retention.exchange_log_archive.entries_per_file: at most 1000000"));
  EXPECT_THAT(problems([&](auto* a) {
                a->set_dir(dir_.path());
                a->add_command("cp");
              }),
              HasSubstr("retention.exchange_log_archive.command: its first element must be"));
  EXPECT_THAT(problems([&](auto* a) {
                a->set_dir(dir_.path());
                a->add_command(dir_.Path("no-such-program"));
              }),
              HasSubstr("retention.exchange_log_archive.command: not an executable file"));
  EXPECT_THAT(problems([&](auto* a) {
                a->set_dir(dir_.path());
                a->mutable_command_timeout()->set_seconds(-1);
              }),
              HasSubstr("retention.exchange_log_archive.command_timeout: must be a positive"));
  EXPECT_OK(config::ValidateGatewayConfig(config_, "lienthong.yaml"));
  config::v1::GatewayConfig good = config_;
  good.mutable_retention()->mutable_exchange_log_archive()->set_dir(dir_.path());
  good.mutable_retention()->mutable_exchange_log_archive()->add_command("/bin/true");
  EXPECT_OK(config::ValidateGatewayConfig(good, "lienthong.yaml"));
}

}  // namespace
}  // namespace lienthong

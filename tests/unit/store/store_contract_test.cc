// The Store contract: every engine passes these, on a real database (SQLite in a temporary
// folder, PostgreSQL in a throwaway cluster). A behaviour that only one engine has is a bug in
// the other; what is an engine's own (SQLite's gapless numbering, PostgreSQL's replicas) is
// tested beside it (sqlite_store_test.cc, postgres_store_test.cc).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/store/postgres/postgres_schema.h"
#include "services/store/sqlite/sqlite_schema.h"
#include "tests/unit/store/store_test_util.h"

namespace lienthong::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::StoreEngine;

class StoreContractTest : public StoreFixture, public ::testing::TestWithParam<StoreEngine> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenEngine(GetParam())); }
};

std::vector<int64_t> Cursors(const std::vector<ChangeRow>& changes) {
  std::vector<int64_t> seqs;
  for (const auto& change : changes) seqs.push_back(change.cursor.seq);
  return seqs;
}

TEST_P(StoreContractTest, ConcurrentWritesShareCommitsAndReadBackInCursorOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;
  const auto done = WriteSchoolsConcurrently(*store_, kThreads, kPerThread);
  ASSERT_EQ(done.size(), kTotal) << "writes not all done in " << kWaitLimit;
  std::map<std::string, int64_t> cursor_of;
  for (const auto& outcome : done) {
    ASSERT_OK(outcome.status) << outcome.key;
    cursor_of[outcome.key] = outcome.seq;
  }

  // The change log holds exactly the acknowledged writes, each under the cursor its writer got,
  // in strictly increasing cursor order; event ids are unique.
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), kTotal);
  std::set<std::string> event_ids;
  std::set<absl::Time> commit_times;
  for (int i = 0; i < kTotal; ++i) {
    if (i > 0) ASSERT_LT(changes[i - 1].cursor.seq, changes[i].cursor.seq);
    ASSERT_EQ(cursor_of.count(changes[i].key), 1u) << changes[i].key;
    EXPECT_EQ(changes[i].cursor.seq, cursor_of[changes[i].key]) << changes[i].key;
    EXPECT_EQ(changes[i].operation, v1::OPERATION_CREATE);
    event_ids.insert(changes[i].event_id);
    commit_times.insert(changes[i].commit_time);
  }
  EXPECT_EQ(event_ids.size(), kTotal) << "event ids are not unique";
  // Group commit: the writes did not need one transaction (one durable commit) each.
  EXPECT_LT(commit_times.size(), kTotal);
  ASSERT_OK_AND_ASSIGN(const auto bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest, changes.front().cursor);
  EXPECT_EQ(bounds.head, changes.back().cursor);
  ASSERT_OK_AND_ASSIGN(const int64_t count, store_->CountChangesAfter(ChangeCursor{0}));
  EXPECT_EQ(count, kTotal);

  // One exchange-log entry per write, numbered without a gap, naming its record, on one chain.
  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), kTotal);
  std::set<std::string> logged_keys;
  for (int i = 0; i < kTotal; ++i) {
    EXPECT_EQ(log[i].seq, i + 1);
    EXPECT_EQ(log[i].status_code, 0);
    ASSERT_EQ(log[i].records.size(), 1u);
    logged_keys.insert(log[i].records[0]);
    EXPECT_EQ(log[i].prev_hash, i == 0 ? GenesisHash() : log[i - 1].hash);
    EXPECT_EQ(log[i].hash, ComputeEntryHash(log[i], log[i].prev_hash));
  }
  EXPECT_EQ(logged_keys.size(), kTotal);
  ASSERT_OK_AND_ASSIGN(const auto ends, store_->GetExchangeLogEnds());
  EXPECT_EQ(ends.head_seq, kTotal);
  EXPECT_EQ(ends.head_hash, log.back().hash);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
}

TEST_P(StoreContractTest, AWriteAnsweredBeforeAnotherIsSubmittedHasTheLowerCursor) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 50; ++i) seqs.push_back(AppendAndWait(absl::StrCat("s", i)).seq);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), seqs.size());
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  EXPECT_EQ(Cursors(changes), seqs);
}

TEST_P(StoreContractTest, AFailingWriteRollsBackOnlyItselfAndIsStillLogged) {
  // A linger long enough for the three writes to share one transaction.
  ASSERT_NO_FATAL_FAILURE(Open(absl::Seconds(2), /*max_batch=*/3));
  Outcomes outcomes;
  auto cursor_a = std::make_shared<ChangeCursor>();
  auto cursor_b = std::make_shared<ChangeCursor>();
  auto cursor_c = std::make_shared<ChangeCursor>();
  store_->Write(LogEntry("member-a"), AppendSchool("a", cursor_a), outcomes.Done("a", cursor_a));
  store_->Write(
      LogEntry("member-b"),
      [inner = AppendSchool("b", cursor_b)](WriteTransaction& txn) mutable -> absl::Status {
        RETURN_IF_ERROR(inner(txn));
        txn.log_entry().response_bytes = 99;
        return absl::FailedPreconditionError("b changed its mind");
      },
      outcomes.Done("b", cursor_b));
  store_->Write(LogEntry("member-c"), AppendSchool("c", cursor_c), outcomes.Done("c", cursor_c));
  ASSERT_TRUE(outcomes.WaitFor(3));
  const auto done = outcomes.done();
  ASSERT_EQ(done.size(), 3);
  EXPECT_OK(done[0].status);
  EXPECT_EQ(done[1].status, absl::FailedPreconditionError("b changed its mind"));
  EXPECT_OK(done[2].status);

  // b's change and record are gone; a and c stay, c after a.
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 2);
  EXPECT_EQ(changes[0].key, "a");
  EXPECT_EQ(changes[0].cursor, *cursor_a);
  EXPECT_EQ(changes[1].key, "c");
  EXPECT_EQ(changes[1].cursor, *cursor_c);
  // One transaction: both changes carry its commit time.
  EXPECT_EQ(changes[0].commit_time, changes[1].commit_time);
  ASSERT_OK_AND_ASSIGN(auto b, store_->GetRecord(v1::RECORD_TYPE_SCHOOL, "b"));
  EXPECT_FALSE(b.has_value());
  ASSERT_OK_AND_ASSIGN(auto c, store_->GetRecord(v1::RECORD_TYPE_SCHOOL, "c"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->last_change, *cursor_c);

  // b's call is in the exchange log with its outcome and no record touched.
  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), 3);
  EXPECT_EQ(log[0].member, "member-a");
  EXPECT_THAT(log[0].records, ElementsAre("2:a"));
  EXPECT_EQ(log[1].member, "member-b");
  EXPECT_EQ(log[1].status_code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(log[1].records.empty());
  EXPECT_EQ(log[2].member, "member-c");
  EXPECT_EQ(log[2].status_code, 0);
  EXPECT_THAT(log[2].records, ElementsAre("2:c"));
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
}

TEST_P(StoreContractTest, ReopeningContinuesTheChainAndTheCursors) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 5; ++i) seqs.push_back(AppendAndWait(absl::StrCat("s", i)).seq);
  store_->LogExchange(LogEntry("reader"));
  ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); }));
  // A log-only entry is not waited for: it may commit after the write (PostgreSQL commits
  // several batches at once).
  ASSERT_OK(test::AwaitExchangeLog(*store_, 7, kWaitLimit).status());
  ASSERT_OK_AND_ASSIGN(const auto before, store_->GetExchangeLogEnds());
  ASSERT_EQ(before.head_seq, 7);
  store_->Close();

  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(const auto reopened, store_->GetExchangeLogEnds());
  EXPECT_EQ(reopened.head_seq, 7);
  EXPECT_EQ(reopened.head_hash, before.head_hash);
  seqs.push_back(AppendAndWait("after-1").seq);
  seqs.push_back(AppendAndWait("after-2").seq);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));

  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), 9);
  EXPECT_EQ(log[7].seq, 8);
  EXPECT_EQ(log[7].prev_hash, before.head_hash);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
  ASSERT_OK_AND_ASSIGN(const auto bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest.seq, seqs.front());
  EXPECT_EQ(bounds.head.seq, seqs.back());
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  EXPECT_EQ(Cursors(changes), seqs);
}

TEST_P(StoreContractTest, TheChainVerifierCatchesAnEditedOrCutEntry) {
  for (int i = 0; i < 4; ++i) AppendAndWait(absl::StrCat("s", i));
  ASSERT_OK(test::VerifyExchangeLogChain(*store_));
  store_.reset();

  ASSERT_OK(harness_->Tamper("UPDATE exchange_log SET status = 5 WHERE seq = 2"));
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::Status edited = test::VerifyExchangeLogChain(*store_);
  EXPECT_EQ(edited.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(edited.message()), HasSubstr("entry 2 has hash"));
  store_.reset();

  ASSERT_OK(harness_->Tamper("UPDATE exchange_log SET status = 0 WHERE seq = 2; "
                             "DELETE FROM exchange_log WHERE seq = 4"));
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::Status cut = test::VerifyExchangeLogChain(*store_);
  EXPECT_EQ(cut.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.message()), HasSubstr("the stored head is 4"));
}

TEST_P(StoreContractTest, ResponseDigestEndUserAndCorrelationIdRoundTripUnderTheHash) {
  ExchangeLogEntry entry = LogEntry("000.00.31.H49");
  entry.end_user = "officer:nv.lan-01";
  entry.correlation_id = "c-42";
  entry.hash_format = 1;  // whatever the caller says, the store writes the current format
  ASSERT_OK(WriteAndWait(
      [](WriteTransaction& txn) {
        txn.log_entry().response_bytes = 3;
        txn.log_entry().response_digest = Sha256("abc");
        return absl::OkStatus();
      },
      entry));
  store_->LogExchange(LogEntry("reader"));  // a log-only entry: no response, no attribution
  ASSERT_OK(test::AwaitExchangeLog(*store_, 2, kWaitLimit).status());
  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].hash_format, kCurrentEntryHashFormat);
  EXPECT_EQ(log[0].response_digest, Sha256("abc"));
  EXPECT_EQ(log[0].end_user, "officer:nv.lan-01");
  EXPECT_EQ(log[0].correlation_id, "c-42");
  EXPECT_EQ(log[1].response_digest, "");
  EXPECT_EQ(log[1].end_user, "");
  ASSERT_OK(test::VerifyExchangeLogChain(*store_));
  // Each new field is under the hash, and so is the format.
  for (const auto& [edit, undo] : std::vector<std::pair<std::string, std::string>>{
           {"end_user = 'officer:other'", "end_user = 'officer:nv.lan-01'"},
           {"correlation_id = 'c-43'", "correlation_id = 'c-42'"},
           {"hash_format = 1", "hash_format = 2"},
           {"hash_format = 3", "hash_format = 2"}}) {
    store_.reset();
    ASSERT_OK(harness_->Tamper(absl::StrCat("UPDATE exchange_log SET ", edit, " WHERE seq = 1")));
    ASSERT_NO_FATAL_FAILURE(Open());
    const absl::Status edited = test::VerifyExchangeLogChain(*store_);
    EXPECT_EQ(edited.code(), absl::StatusCode::kDataLoss) << edit;
    EXPECT_THAT(std::string(edited.message()), HasSubstr("entry 1 has hash")) << edit;
    store_.reset();
    ASSERT_OK(harness_->Tamper(absl::StrCat("UPDATE exchange_log SET ", undo, " WHERE seq = 1")));
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_OK(test::VerifyExchangeLogChain(*store_)) << undo;
  }
}

// A blob literal of the engine's SQL.
std::string BlobLiteral(StoreEngine engine, const std::string& bytes) {
  const std::string hex = absl::BytesToHexString(bytes);
  return engine == StoreEngine::kSqlite ? absl::StrCat("X'", hex, "'")
                                        : absl::StrCat("'\\x", hex, "'::bytea");
}

TEST_P(StoreContractTest, EntriesWrittenBeforeTheHashFormatMigrationStillVerify) {
  const StoreEngine engine = GetParam();
  // A database as the release before hash formats left it (SQLite schema 2, PostgreSQL 1):
  // that release's migrations, then three entries as it wrote them (format 1, no response
  // digest, no attribution columns).
  ASSERT_OK_AND_ASSIGN(auto old, test::StoreHarness::Make(engine));
  std::string schema;
  if (engine == StoreEngine::kSqlite) {
    for (int v = 0; v < 2; ++v) absl::StrAppend(&schema, sqlite::kMigrations[v]);
    absl::StrAppend(&schema, "PRAGMA user_version = 2;");
  } else {
    absl::StrAppend(&schema,
                    "CREATE TABLE lienthong_meta (key text PRIMARY KEY, value bigint NOT NULL); "
                    "INSERT INTO lienthong_meta VALUES ('schema_version', 1), "
                    "('xid_base', pg_current_xact_id()::text::bigint);",
                    postgres::kPgMigrations[0]);
  }
  ASSERT_OK(old->Tamper(schema));
  ASSERT_OK_AND_ASSIGN(const int before, old->SchemaVersion());
  ASSERT_EQ(before, engine == StoreEngine::kSqlite ? 2 : 1);
  std::string prev = GenesisHash();
  std::string rows;
  const absl::Time t0 = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now() - absl::Hours(1)));
  for (int seq = 1; seq <= 3; ++seq) {
    ExchangeLogEntry e;
    e.seq = seq;
    e.time = t0 + absl::Seconds(seq);
    e.member = "000.00.31.H49";
    e.method = "/lienthong.v1.EducationRecordService/UpsertRecords";
    e.request_digest = Sha256(absl::StrCat("request ", seq));
    e.status_code = seq == 2 ? 7 : 0;
    e.request_bytes = 100 + seq;
    e.response_bytes = 10 * seq;
    e.records = {absl::StrCat("school:s", seq)};
    e.hash_format = kEntryHashFormatV1;
    e.prev_hash = prev;
    e.hash = ComputeEntryHash(e, prev);
    prev = e.hash;
    absl::StrAppend(&rows,
                    "INSERT INTO exchange_log (seq, time, member, method, request_digest, status, "
                    "request_bytes, response_bytes, records, prev_hash, hash) VALUES (",
                    e.seq, ", ", absl::ToUnixMicros(e.time), ", '", e.member, "', '", e.method,
                    "', ", BlobLiteral(engine, e.request_digest), ", ", e.status_code, ", ",
                    e.request_bytes, ", ", e.response_bytes, ", '", e.records[0], "', ",
                    BlobLiteral(engine, e.prev_hash), ", ", BlobLiteral(engine, e.hash), ");");
  }
  absl::StrAppend(&rows, engine == StoreEngine::kSqlite
                             ? "INSERT INTO exchange_log_head (id, seq, hash) VALUES (1, 3, "
                             : "UPDATE exchange_log_head SET seq = 3, hash = ",
                  BlobLiteral(engine, prev), engine == StoreEngine::kSqlite ? ");" : " WHERE id = 1;");
  ASSERT_OK(old->Tamper(rows));

  // This build migrates it; the old entries keep format 1 and verify.
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, old->Open());
  ASSERT_OK_AND_ASSIGN(const int after, old->SchemaVersion());
  EXPECT_EQ(after, old->CurrentSchemaVersion());
  ASSERT_OK(test::VerifyExchangeLogChain(*store_));
  ExchangeLogEntry next = LogEntry("000.00.31.H49");
  next.end_user = "citizen:001203004567";
  ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); }, next));
  auto log = ExchangeLog();
  ASSERT_EQ(log.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(log[i].hash_format, kEntryHashFormatV1);
    EXPECT_EQ(log[i].response_digest, "");
    EXPECT_EQ(log[i].end_user, "");
  }
  EXPECT_EQ(log[1].status_code, 7);
  EXPECT_EQ(log[3].hash_format, kCurrentEntryHashFormat);
  EXPECT_EQ(log[3].prev_hash, prev);
  EXPECT_EQ(log[3].end_user, "citizen:001203004567");
  ASSERT_OK(test::VerifyExchangeLogChain(*store_));

  // An old entry is still caught when edited.
  store_.reset();
  ASSERT_OK(old->Tamper("UPDATE exchange_log SET status = 0 WHERE seq = 2"));
  ASSERT_OK_AND_ASSIGN(store_, old->Open());
  const absl::Status edited = test::VerifyExchangeLogChain(*store_);
  EXPECT_EQ(edited.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(edited.message()), HasSubstr("entry 2 has hash"));
  store_.reset();
}

TEST_P(StoreContractTest, ANewDatabaseHasTheCurrentSchemaVersion) {
  ASSERT_OK_AND_ASSIGN(const int version, harness_->SchemaVersion());
  EXPECT_EQ(version, harness_->CurrentSchemaVersion());
}

TEST_P(StoreContractTest, RefusesADatabaseFromANewerSchemaNamingTheVersion) {
  AppendAndWait("kept");
  store_.reset();
  const int newer = harness_->CurrentSchemaVersion() + 1;
  ASSERT_OK(harness_->SetSchemaVersion(newer));

  auto refused = harness_->Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr(absl::StrCat(" has schema version ", newer, ", newer than this "
                                     "lienthongd supports")));
  // The database is left as it was.
  ASSERT_OK_AND_ASSIGN(const int version, harness_->SchemaVersion());
  EXPECT_EQ(version, newer);
}

TEST_P(StoreContractTest, DossierVersionsReadBackWholeAndAFailedCreationLeavesNothing) {
  const std::string v1_payload(900, 'a');
  const std::string v2_payload(700, 'b');
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 1, v1_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0002", 1, v1_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 2, v2_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 3, v2_payload + "c")));
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 4);
  EXPECT_EQ(changes[0].payload, v1_payload);
  EXPECT_EQ(changes[0].version, 1);
  EXPECT_EQ(changes[1].payload, v1_payload);
  EXPECT_EQ(changes[2].payload, v2_payload);
  EXPECT_EQ(changes[3].payload, v2_payload + "c");
  ASSERT_OK_AND_ASSIGN(const auto stored, store_->GetDossier("000.00.31.H49-261205-0001"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->payload, v2_payload + "c");
  EXPECT_EQ(stored->version, 3);
  EXPECT_EQ(stored->created_change, changes[0].cursor);

  // A creation that fails after its event was appended leaves nothing behind.
  WriteFn failing = [inner = PutDossierVersion("000.00.31.H49-261205-0003", 1, v1_payload)](
                        WriteTransaction& txn) mutable -> absl::Status {
    RETURN_IF_ERROR(inner(txn));
    return absl::InvalidArgumentError("refused after the writes");
  };
  EXPECT_EQ(WriteAndWait(std::move(failing)).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(changes, test::ReadAllChanges(*store_));
  EXPECT_EQ(changes.size(), 4);
  ASSERT_OK_AND_ASSIGN(const auto absent, store_->GetDossier("000.00.31.H49-261205-0003"));
  EXPECT_FALSE(absent.has_value());
}

TEST_P(StoreContractTest, ListDossiersFiltersAndPagesByReceptionTime) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(WriteAndWait(
        [i, put = PutDossierVersion(absl::StrCat("000.00.31.H49-261205-000", i), 1, "p")](
            WriteTransaction& txn) mutable { return put(txn); }));
  }
  DossierQuery query;
  query.agency = "000.00.31.H49";
  query.statuses = {0};
  query.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto first, store_->ListDossiers(query));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].code, "000.00.31.H49-261205-0000");
  query.after = std::make_pair(first[1].received_at, first[1].code);
  query.limit = 10;
  ASSERT_OK_AND_ASSIGN(auto rest, store_->ListDossiers(query));
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].code, "000.00.31.H49-261205-0002");
  query.agency = "000.00.99.H49";
  ASSERT_OK_AND_ASSIGN(auto none, store_->ListDossiers(query));
  EXPECT_TRUE(none.empty());
  query.agency.clear();
  query.statuses = {2, 4};
  query.after.reset();
  ASSERT_OK_AND_ASSIGN(auto in_process, store_->ListDossiers(query));
  EXPECT_TRUE(in_process.empty());
  int scanned = 0;
  ASSERT_OK(store_->ScanDossierStats(kT0 - absl::Hours(1), kT0 + absl::Hours(1),
                                     kT0 + absl::Hours(1), "", "1.005092",
                                     [&](const DossierStatsRow& row) {
                                       ++scanned;
                                       EXPECT_EQ(row.receiving_agency, "000.00.31.H49");
                                     }));
  EXPECT_EQ(scanned, 5);
}

// Puts a dossier as given (received_at, status, due_at, agencies, procedure, channel).
WriteFn PutDossierRow(DossierRow row) {
  return [row = std::move(row)](WriteTransaction& txn) mutable -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(row.code));
    row.version = stored.has_value() ? stored->version + 1 : 1;
    row.request_digest = Sha256(row.code);
    row.payload = row.code;
    ChangeRow change;
    change.type = v1::RECORD_TYPE_DOSSIER;
    change.key = row.code;
    change.operation = row.version == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
    change.version = row.version;
    change.origin_member = row.receiving_agency;
    change.agency = row.receiving_agency;
    change.payload = row.payload;
    ASSIGN_OR_RETURN(const ChangeCursor cursor, txn.AppendChange(change));
    row.created_change = stored.has_value() ? stored->created_change : cursor;
    return txn.PutDossier(row);
  };
}

std::vector<std::string> Codes(const std::vector<DossierRow>& rows) {
  std::vector<std::string> codes;
  for (const auto& row : rows) codes.push_back(row.code);
  return codes;
}

// due_before (the console's overdue page) reads the index of dossiers in process: only status 2
// or 4 with a due time before it, in (received_at, code) order, every other filter applied, and
// a dossier that leaves processing leaves the listing.
TEST_P(StoreContractTest, ListDossiersDueBeforeListsDossiersInProcessInOrderWithEveryFilter) {
  struct Spec {
    const char* code;
    int minute;  // received at kT0 + minute
    int status;
    std::optional<int> due_minute;
    const char* receiving;
    const char* handling;
    const char* procedure;
    int channel;
  };
  const Spec specs[] = {
      {"A", 1, 2, 60, "X", "X", "P1", 1},   {"F", 1, 2, 60, "X", "X", "P1", 2},
      {"B", 2, 4, 90, "Y", "X", "P2", 2},   {"C", 3, 4, 180, "X", "X", "P1", 2},
      {"D", 4, 9, 60, "X", "X", "P1", 2},   {"E", 5, 2, std::nullopt, "X", "X", "P1", 2},
      {"G", 6, 5, 0, "X", "X", "P1", 2},    {"H", 7, 2, 119, "Z", "Z", "P3", 2},
  };
  for (const Spec& spec : specs) {
    DossierRow row;
    row.code = spec.code;
    row.received_at = kT0 + absl::Minutes(spec.minute);
    row.status = spec.status;
    if (spec.due_minute.has_value()) row.due_at = kT0 + absl::Minutes(*spec.due_minute);
    if (spec.status >= 9) row.finished_at = kT0 + absl::Minutes(30);
    row.receiving_agency = spec.receiving;
    row.handling_agency = spec.handling;
    row.procedure_code = spec.procedure;
    row.channel = spec.channel;
    ASSERT_OK(WriteAndWait(PutDossierRow(row)));
  }
  DossierQuery query;
  query.overdue_at = kT0 + absl::Hours(2);
  query.limit = 2;
  ASSERT_OK_AND_ASSIGN(auto page, store_->ListDossiers(query));
  EXPECT_THAT(Codes(page), ElementsAre("A", "F"));
  EXPECT_EQ(page[0].status, 2);
  EXPECT_EQ(page[0].due_at, kT0 + absl::Hours(1));
  EXPECT_EQ(page[0].payload, "A");
  query.after = std::make_pair(page[1].received_at, page[1].code);
  ASSERT_OK_AND_ASSIGN(page, store_->ListDossiers(query));
  EXPECT_THAT(Codes(page), ElementsAre("B", "H"));
  query.after = std::make_pair(page[1].received_at, page[1].code);
  ASSERT_OK_AND_ASSIGN(page, store_->ListDossiers(query));
  EXPECT_TRUE(page.empty());

  query.after.reset();
  query.limit = 10;
  auto codes_where = [&](auto&& set_filter) -> std::vector<std::string> {
    DossierQuery filtered = query;
    set_filter(filtered);
    auto rows = store_->ListDossiers(filtered);
    EXPECT_OK(rows.status());
    return rows.ok() ? Codes(*rows) : std::vector<std::string>{};
  };
  // The agency is the receiving or the handling one.
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.agency = "X"; }), ElementsAre("A", "F", "B"));
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.agency = "Y"; }), ElementsAre("B"));
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.procedure_code = "P3"; }), ElementsAre("H"));
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.statuses = {4}; }), ElementsAre("B"));
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.channel = 1; }), ElementsAre("A"));
  EXPECT_THAT(codes_where([](DossierQuery& q) {
                q.received_from = kT0 + absl::Minutes(2);
                q.received_to = kT0 + absl::Minutes(7);
              }),
              ElementsAre("B"));
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.overdue_at = kT0 + absl::Minutes(60); }),
              ElementsAre());
  EXPECT_THAT(codes_where([](DossierQuery& q) { q.overdue_at = kT0 + absl::Minutes(181); }),
              ElementsAre("A", "F", "B", "C", "H"));

  // A dossier finished leaves the listing; one resumed (5 -> 4) joins it; a cursor at a dossier
  // no longer listed still pages on from its place.
  DossierRow finished;
  finished.code = "A";
  finished.received_at = kT0 + absl::Minutes(1);
  finished.status = 9;
  finished.due_at = kT0 + absl::Hours(1);
  finished.finished_at = kT0 + absl::Hours(3);
  finished.receiving_agency = finished.handling_agency = "X";
  finished.procedure_code = "P1";
  finished.channel = 1;
  ASSERT_OK(WriteAndWait(PutDossierRow(finished)));
  DossierRow resumed;
  resumed.code = "G";
  resumed.received_at = kT0 + absl::Minutes(6);
  resumed.status = 4;
  resumed.due_at = kT0;
  resumed.receiving_agency = resumed.handling_agency = "X";
  resumed.procedure_code = "P1";
  resumed.channel = 2;
  ASSERT_OK(WriteAndWait(PutDossierRow(resumed)));
  ASSERT_OK_AND_ASSIGN(page, store_->ListDossiers(query));
  EXPECT_THAT(Codes(page), ElementsAre("F", "B", "G", "H"));
  query.after = std::make_pair(kT0 + absl::Minutes(1), std::string("A"));
  ASSERT_OK_AND_ASSIGN(page, store_->ListDossiers(query));
  EXPECT_THAT(Codes(page), ElementsAre("F", "B", "G", "H"));
}

TEST_P(StoreContractTest, ListRecordsAtACursorShowsRecordsAsTheyWereThen) {
  const ChangeCursor c1 = AppendAndWait("S1", "Tên cũ");
  const ChangeCursor c2 = AppendAndWait("S2", "Trường hai");
  const ChangeCursor c3 = AppendAndWait("S1", "Tên mới");
  const ChangeCursor c4 = AppendAndWait("S3", "Trường ba");
  ASSERT_TRUE(c1 < c2 && c2 < c3 && c3 < c4);

  RecordQuery query;
  query.type = v1::RECORD_TYPE_SCHOOL;
  query.at = c2;
  ASSERT_OK_AND_ASSIGN(auto at_c2, store_->ListRecords(query));
  EXPECT_THAT(Keys(at_c2), ElementsAre("S1", "S2"));  // S3 did not exist yet
  EXPECT_EQ(at_c2[0].version, 1);
  EXPECT_EQ(at_c2[0].last_change, c1);
  EXPECT_EQ(SchoolName(at_c2[0]), "Tên cũ");
  EXPECT_TRUE(at_c2[0].from_change_log);
  EXPECT_FALSE(at_c2[1].from_change_log);

  query.at = c1;
  ASSERT_OK_AND_ASSIGN(auto at_c1, store_->ListRecords(query));
  EXPECT_THAT(Keys(at_c1), ElementsAre("S1"));

  query.at = c3;
  ASSERT_OK_AND_ASSIGN(auto at_c3, store_->ListRecords(query));
  EXPECT_THAT(Keys(at_c3), ElementsAre("S1", "S2"));
  EXPECT_EQ(at_c3[0].version, 2);
  EXPECT_EQ(SchoolName(at_c3[0]), "Tên mới");

  query.at.reset();
  ASSERT_OK_AND_ASSIGN(auto newest, store_->ListRecords(query));
  EXPECT_THAT(Keys(newest), ElementsAre("S1", "S2", "S3"));
  EXPECT_EQ(SchoolName(newest[0]), "Tên mới");

  // Keyset pages keep the snapshot.
  query.at = c2;
  query.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto first, store_->ListRecords(query));
  ASSERT_THAT(Keys(first), ElementsAre("S1"));
  EXPECT_EQ(SchoolName(first[0]), "Tên cũ");
  query.after_key = "S1";
  ASSERT_OK_AND_ASSIGN(auto second, store_->ListRecords(query));
  EXPECT_THAT(Keys(second), ElementsAre("S2"));
  query.after_key = "S2";
  ASSERT_OK_AND_ASSIGN(auto third, store_->ListRecords(query));
  EXPECT_TRUE(third.empty());
}

TEST_P(StoreContractTest, SecondaryKeysAndRequestIdsAreFoundInAndOutOfWrites) {
  ASSERT_OK(WriteAndWait([](WriteTransaction& txn) -> absl::Status {
    RecordRow row;
    row.type = v1::RECORD_TYPE_DIPLOMA;
    row.key = "D1";
    row.agency = "000.00.31.H49";
    row.secondary_key = "A0012345";
    row.version = 1;
    row.payload = "d";
    ChangeRow change;
    change.type = row.type;
    change.key = row.key;
    change.operation = v1::OPERATION_CREATE;
    change.version = 1;
    change.payload = "d";
    ASSIGN_OR_RETURN(row.last_change, txn.AppendChange(change));
    RETURN_IF_ERROR(txn.PutRecord(row));
    return txn.PutRequest("000.00.00.H49", "req-1", StoredRequest{"digest", "response"});
  }));
  ASSERT_OK_AND_ASSIGN(auto keys, store_->FindKeysBySecondaryKey(v1::RECORD_TYPE_DIPLOMA,
                                                                 "A0012345"));
  EXPECT_THAT(keys, ElementsAre("D1"));
  ASSERT_OK_AND_ASSIGN(auto none, store_->FindKeysBySecondaryKey(v1::RECORD_TYPE_DIPLOMA, ""));
  EXPECT_TRUE(none.empty());
  ASSERT_OK(WriteAndWait([](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto keys, txn.FindKeysBySecondaryKey(v1::RECORD_TYPE_DIPLOMA, "A0012345"));
    EXPECT_THAT(keys, ElementsAre("D1"));
    ASSIGN_OR_RETURN(auto request, txn.FindRequest("000.00.00.H49", "req-1"));
    EXPECT_TRUE(request.has_value());
    if (request.has_value()) {
      EXPECT_EQ(request->request_digest, "digest");
      EXPECT_EQ(request->response, "response");
    }
    ASSIGN_OR_RETURN(auto other, txn.FindRequest("000.00.00.H49", "req-2"));
    EXPECT_FALSE(other.has_value());
    return absl::OkStatus();
  }));
}

TEST_P(StoreContractTest, CommitListenersHearEveryNewHeadAndNothingElse) {
  absl::Mutex mu;
  std::vector<int64_t> heads;
  store_->AddCommitListener([&](ChangeCursor head) {
    absl::MutexLock lock(&mu);
    heads.push_back(head.seq);
  });
  auto heard_through = [&](int64_t seq) {
    absl::MutexLock lock(&mu);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return !heads.empty() && heads.back() >= seq;
    };
    return mu.AwaitWithTimeout(absl::Condition(&reached), kWaitLimit);
  };
  auto heard = [&] {
    absl::MutexLock lock(&mu);
    return heads;
  };

  const ChangeCursor first = AppendAndWait("x");
  ASSERT_TRUE(heard_through(first.seq));
  const size_t announced = heard().size();

  // Commits that append no change (a log-only entry, a failed write) are not announced.
  store_->LogExchange(LogEntry("reader"));
  EXPECT_EQ(WriteAndWait([](WriteTransaction&) { return absl::AbortedError("no"); }).code(),
            absl::StatusCode::kAborted);
  absl::SleepFor(absl::Milliseconds(600));  // longer than PostgreSQL's poll
  EXPECT_EQ(heard().size(), announced);

  // One write appending two changes: its newest is announced.
  auto z = std::make_shared<ChangeCursor>();
  ASSERT_OK(WriteAndWait([a = AppendSchool("y", nullptr),
                          b = AppendSchool("z", z)](WriteTransaction& txn) mutable {
    RETURN_IF_ERROR(a(txn));
    return b(txn);
  }));
  ASSERT_TRUE(heard_through(z->seq));
  const auto all = heard();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(all.back(), z->seq);
}

TEST_P(StoreContractTest, SubscriptionsCheckpointsAndDeadLettersRoundTrip) {
  const absl::Time created = kT0;
  const absl::Time acked = kT0 + absl::Minutes(5);
  int64_t dead_letter_id = 0;
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(
        txn.PutSubscription({"000.00.31.H49", "sodb", ChangeCursor{5}, acked, created}));
    RETURN_IF_ERROR(
        txn.PutSubscription({"000.00.31.H49", "archive", ChangeCursor{1}, acked, created}));
    RETURN_IF_ERROR(txn.PutCheckpoint("postgres-so", ChangeCursor{7}));
    DeadLetterRow row;
    row.adapter = "postgres-so";
    row.cursor = ChangeCursor{6};
    row.event_id = "3f1e2d4c-0000-4000-8000-000000000006";
    row.attempts = 5;
    row.last_error = "duplicate key value violates unique constraint";
    row.payload = "event-bytes";
    ASSIGN_OR_RETURN(dead_letter_id, txn.AddDeadLetter(row));
    return absl::OkStatus();
  }));

  ASSERT_OK_AND_ASSIGN(auto subscription, store_->GetSubscription("000.00.31.H49", "sodb"));
  ASSERT_TRUE(subscription.has_value());
  EXPECT_EQ(subscription->acked.seq, 5);
  EXPECT_EQ(subscription->acked_at, acked);
  EXPECT_EQ(subscription->created_at, created);
  ASSERT_OK_AND_ASSIGN(auto none, store_->GetSubscription("000.00.31.H49", "absent"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(auto checkpoint, store_->GetCheckpoint("postgres-so"));
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->seq, 7);
  ASSERT_OK_AND_ASSIGN(auto no_checkpoint, store_->GetCheckpoint("jsonl"));
  EXPECT_FALSE(no_checkpoint.has_value());
  ASSERT_OK_AND_ASSIGN(auto letters, store_->ListDeadLetters("postgres-so", 0, 10));
  ASSERT_EQ(letters.size(), 1);
  EXPECT_EQ(letters[0].id, dead_letter_id);
  EXPECT_EQ(letters[0].cursor.seq, 6);
  EXPECT_EQ(letters[0].event_id, "3f1e2d4c-0000-4000-8000-000000000006");
  EXPECT_EQ(letters[0].attempts, 5);
  EXPECT_EQ(letters[0].last_error, "duplicate key value violates unique constraint");
  EXPECT_EQ(letters[0].payload, "event-bytes");
  EXPECT_FALSE(letters[0].resolved_at.has_value());
  ASSERT_OK_AND_ASSIGN(auto other_adapter, store_->ListDeadLetters("jsonl", 0, 10));
  EXPECT_TRUE(other_adapter.empty());

  // A move keeps the creation time; a resolved dead letter leaves the list.
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.PutSubscription(
        {"000.00.31.H49", "sodb", ChangeCursor{9}, acked + absl::Minutes(1), acked}));
    RETURN_IF_ERROR(txn.PutCheckpoint("postgres-so", ChangeCursor{8}));
    return txn.ResolveDeadLetter(dead_letter_id);
  }));
  ASSERT_OK_AND_ASSIGN(auto subscriptions, store_->ListSubscriptions());
  ASSERT_EQ(subscriptions.size(), 2);
  EXPECT_EQ(subscriptions[0].name, "archive");
  EXPECT_EQ(subscriptions[1].name, "sodb");
  EXPECT_EQ(subscriptions[1].acked.seq, 9);
  EXPECT_EQ(subscriptions[1].acked_at, acked + absl::Minutes(1));
  EXPECT_EQ(subscriptions[1].created_at, created);
  ASSERT_OK_AND_ASSIGN(checkpoint, store_->GetCheckpoint("postgres-so"));
  EXPECT_EQ(checkpoint->seq, 8);
  ASSERT_OK_AND_ASSIGN(letters, store_->ListDeadLetters("", 0, 10));
  EXPECT_TRUE(letters.empty());
}

TEST_P(StoreContractTest, PruningChangesKeepsTheNewestAndNeverReusesACursor) {
  std::vector<ChangeCursor> cursors;
  for (int i = 0; i < 5; ++i) cursors.push_back(AppendAndWait(absl::StrCat("s", i)));
  int64_t removed = -1;
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(removed, txn.PruneChangesUpTo(cursors[1]));
    return absl::OkStatus();
  }));
  EXPECT_EQ(removed, 2);
  ASSERT_OK_AND_ASSIGN(auto bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest, cursors[2]);
  EXPECT_EQ(bounds.head, cursors[4]);

  // Asked to prune everything, it keeps the newest change.
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(removed, txn.PruneChangesUpTo(ChangeCursor{std::numeric_limits<int64_t>::max()}));
    return absl::OkStatus();
  }));
  EXPECT_EQ(removed, 2);
  ASSERT_OK_AND_ASSIGN(const auto left, test::ReadAllChanges(*store_));
  ASSERT_EQ(left.size(), 1);
  EXPECT_EQ(left[0].cursor, cursors[4]);
  ASSERT_OK_AND_ASSIGN(bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest, cursors[4]);
  EXPECT_EQ(bounds.head, cursors[4]);
  EXPECT_EQ(bounds.head_commit_time, left[0].commit_time);

  // The next change takes a new, higher number, even across a reopen.
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_LT(cursors[4], AppendAndWait("s5"));
  ASSERT_OK_AND_ASSIGN(auto count, store_->CountChangesAfter(ChangeCursor{0}));
  EXPECT_EQ(count, 2);
  ASSERT_OK_AND_ASSIGN(count, store_->CountChangesAfter(cursors[4]));
  EXPECT_EQ(count, 1);
}

TEST_P(StoreContractTest, FirstChangeAtOrAfterATimeIsTheFirstInCursorOrderCommittedThen) {
  ASSERT_OK_AND_ASSIGN(auto first, store_->FirstChangeAtOrAfter(absl::UnixEpoch()));
  EXPECT_FALSE(first.has_value());  // no change yet
  std::vector<ChangeCursor> cursors;
  for (int i = 0; i < 3; ++i) {
    cursors.push_back(AppendAndWait(absl::StrCat("t", i)));
    absl::SleepFor(absl::Milliseconds(5));  // three commits, three commit times
  }
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 3u);
  ASSERT_OK_AND_ASSIGN(first, store_->FirstChangeAtOrAfter(absl::UnixEpoch()));
  EXPECT_EQ(first, cursors[0]);
  ASSERT_OK_AND_ASSIGN(first, store_->FirstChangeAtOrAfter(changes[1].commit_time));
  EXPECT_EQ(first, cursors[1]);  // at: that change itself
  ASSERT_OK_AND_ASSIGN(first,
                       store_->FirstChangeAtOrAfter(changes[1].commit_time + absl::Microseconds(1)));
  EXPECT_EQ(first, cursors[2]);  // after it: the next one
  ASSERT_OK_AND_ASSIGN(first,
                       store_->FirstChangeAtOrAfter(changes[2].commit_time + absl::Microseconds(1)));
  EXPECT_FALSE(first.has_value());  // none that new
}

TEST_P(StoreContractTest, PruningTheExchangeLogSetsTheAnchorTheRestVerifiesFrom) {
  // One after the other, so that the chain's order is their times' order (entries that do not
  // wait for one another may commit in another order on PostgreSQL).
  for (int i = 1; i <= 6; ++i) {
    ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); },
                           LogEntry("reader", kT0 + absl::Seconds(i))));
  }
  ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); },
                         LogEntry("writer", kT0 + absl::Seconds(7))));
  const auto full = ExchangeLog();
  ASSERT_EQ(full.size(), 7);

  int64_t removed = -1;
  auto prune = [&](absl::Time before, absl::Time at) {
    return WriteAndWait(
        [&removed, before](WriteTransaction& txn) -> absl::Status {
          ASSIGN_OR_RETURN(removed, txn.PruneExchangeLogBefore(before));
          return absl::OkStatus();
        },
        LogEntry("lienthongd", at));
  };
  // Entries 1 to 3 are older than T0 + 3.5 s.
  ASSERT_OK(prune(kT0 + absl::Milliseconds(3500), kT0 + absl::Seconds(8)));
  EXPECT_EQ(removed, 3);
  ASSERT_OK_AND_ASSIGN(auto ends, store_->GetExchangeLogEnds());
  EXPECT_EQ(ends.anchor_seq, 3);
  EXPECT_EQ(ends.anchor_hash, full[2].hash);
  EXPECT_EQ(ends.head_seq, 8);
  const auto rest = ExchangeLog();
  ASSERT_EQ(rest.size(), 5);
  EXPECT_EQ(rest.front().seq, 4);
  EXPECT_EQ(rest.front().prev_hash, full[2].hash);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));

  // Nothing older is left: the anchor stays; it survives a reopen.
  ASSERT_OK(prune(kT0, kT0 + absl::Seconds(9)));
  EXPECT_EQ(removed, 0);
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(ends, store_->GetExchangeLogEnds());
  EXPECT_EQ(ends.anchor_seq, 3);
  EXPECT_EQ(ends.head_seq, 9);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
}

TEST_P(StoreContractTest, TimestampTokensRoundTripInSeqOrderAndGoWithPrunedEntries) {
  for (int i = 1; i <= 4; ++i) {
    ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); },
                           LogEntry("reader", kT0 + absl::Seconds(i))));
  }
  ASSERT_OK_AND_ASSIGN(auto none, store_->LatestExchangeLogTimestamp());
  EXPECT_FALSE(none.has_value());
  const auto full = ExchangeLog();
  ASSERT_EQ(full.size(), 4u);
  auto token = [&](int64_t seq, const std::string& der) {
    ExchangeLogTimestamp row;
    row.seq = seq;
    row.head_hash = full[static_cast<size_t>(seq - 1)].hash;
    row.gen_time = kT0 + absl::Seconds(seq) + absl::Milliseconds(250);
    row.token = der;
    row.tsa_url = "http://tsa.example/";
    return row;
  };
  // Stored with an entry of their own, in the same transaction; out of seq order on purpose,
  // and two of one seq.
  std::vector<int64_t> ids;
  for (const auto& row : {token(3, std::string("\x30\x00three", 7)), token(1, "one"),
                          token(3, "three again")}) {
    ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
      ASSIGN_OR_RETURN(const int64_t id, txn.AddExchangeLogTimestamp(row));
      ids.push_back(id);
      return absl::OkStatus();
    }, LogEntry("lienthongd", kT0 + absl::Seconds(5))));
  }
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  // A write that fails takes its token with it.
  EXPECT_FALSE(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
                 RETURN_IF_ERROR(txn.AddExchangeLogTimestamp(token(4, "lost")).status());
                 return absl::AbortedError("changed its mind");
               }).ok());
  ASSERT_OK_AND_ASSIGN(auto rows, store_->ReadExchangeLogTimestamps(0, 0, 10));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].seq, 1);
  EXPECT_EQ(rows[0].token, "one");
  EXPECT_EQ(rows[0].id, ids[1]);
  EXPECT_EQ(rows[0].head_hash, full[0].hash);
  EXPECT_EQ(rows[0].gen_time, kT0 + absl::Seconds(1) + absl::Milliseconds(250));
  EXPECT_EQ(rows[0].tsa_url, "http://tsa.example/");
  EXPECT_EQ(rows[1].seq, 3);
  EXPECT_EQ(rows[1].token, std::string("\x30\x00three", 7));  // bytes, zero included
  EXPECT_EQ(rows[2].seq, 3);
  EXPECT_EQ(rows[2].id, ids[2]);
  // Pages by (seq, id): the two tokens of entry 3 are not lost across a page's end.
  ASSERT_OK_AND_ASSIGN(auto page, store_->ReadExchangeLogTimestamps(rows[1].seq, rows[1].id, 1));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, ids[2]);
  ASSERT_OK_AND_ASSIGN(auto latest, store_->LatestExchangeLogTimestamp());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, ids[2]);

  // Pruning through entry 2 takes the token of entry 1 with it; those of entry 3 stay.
  ASSERT_OK(WriteAndWait([](WriteTransaction& txn) -> absl::Status {
    return txn.PruneExchangeLogThrough(2).status();
  }, LogEntry("lienthongd", kT0 + absl::Seconds(9))));
  ASSERT_OK_AND_ASSIGN(rows, store_->ReadExchangeLogTimestamps(0, 0, 10));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seq, 3);
  // They survive a reopen.
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(rows, store_->ReadExchangeLogTimestamps(0, 0, 10));
  EXPECT_EQ(rows.size(), 2u);
}

TEST_P(StoreContractTest, LeasesGoToOneHolderAndFenceTheOneThatLostIt) {
  // Long enough that a loaded machine does not let it lapse between the calls that renew it.
  const absl::Duration ttl = absl::Seconds(3);
  ASSERT_OK_AND_ASSIGN(const LeaseRow first, store_->AcquireLease("adapter/sodb", "r1", ttl));
  EXPECT_EQ(first.holder, "r1");
  // Renewed by its holder: same token; refused to another, naming the holder.
  ASSERT_OK_AND_ASSIGN(const LeaseRow renewed, store_->AcquireLease("adapter/sodb", "r1", ttl));
  EXPECT_EQ(renewed.token, first.token);
  auto refused = store_->AcquireLease("adapter/sodb", "r2", ttl);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("held by r1"));
  // Another lease is independent.
  ASSERT_OK_AND_ASSIGN(const LeaseRow other, store_->AcquireLease("retention/x", "r2", ttl));
  EXPECT_EQ(other.holder, "r2");

  // The holder's writes pass the fence.
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.CheckLease("adapter/sodb", "r1", first.token));
    return txn.PutCheckpoint("sodb", ChangeCursor{10});
  }));

  // It lapses; r2 takes it with a higher token, and r1's next checkpoint does not land.
  absl::SleepFor(ttl + absl::Milliseconds(500));
  ASSERT_OK_AND_ASSIGN(const LeaseRow taken, store_->AcquireLease("adapter/sodb", "r2", ttl));
  EXPECT_EQ(taken.holder, "r2");
  EXPECT_GT(taken.token, first.token);
  absl::Status fenced = WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.CheckLease("adapter/sodb", "r1", first.token));
    return txn.PutCheckpoint("sodb", ChangeCursor{20});
  });
  EXPECT_TRUE(IsLeaseLost(fenced)) << fenced;
  ASSERT_OK_AND_ASSIGN(auto checkpoint, store_->GetCheckpoint("sodb"));
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->seq, 10);

  // Released, it can be taken at once; the list shows who holds what.
  ASSERT_OK(store_->ReleaseLease("adapter/sodb", "r2", taken.token));
  ASSERT_OK_AND_ASSIGN(const LeaseRow back, store_->AcquireLease("adapter/sodb", "r1", ttl));
  EXPECT_GT(back.token, taken.token);
  ASSERT_OK_AND_ASSIGN(const auto leases, store_->ListLeases());
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].name, "adapter/sodb");
  EXPECT_EQ(leases[0].holder, "r1");
  EXPECT_EQ(leases[0].token, back.token);
  EXPECT_GT(leases[0].expires_at, absl::Now() - absl::Seconds(5));
  EXPECT_EQ(leases[1].name, "retention/x");
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreContractTest,
                         ::testing::Values(StoreEngine::kSqlite, StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });

}  // namespace
}  // namespace lienthong::store

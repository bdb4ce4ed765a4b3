// The SQLite store: group commit, per-write rollback, exchange-log chain, migrations, snapshots.
#include <sqlite3.h>

#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/education.pb.h"
#include "services/common/status_macros.h"
#include "services/store/change_cursor.h"
#include "services/store/exchange_log.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/temp_dir.h"

namespace lienthong::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using sqlite::SqliteOptions;
using sqlite::SqliteStore;

constexpr absl::Duration kWaitLimit = absl::Seconds(60);
const absl::Time kT0 = absl::FromUnixSeconds(1767225600);  // 2026-01-01 00:00 UTC

ExchangeLogEntry LogEntry(const std::string& member, absl::Time time = absl::Now()) {
  ExchangeLogEntry entry;
  entry.time = time;
  entry.member = member;
  entry.method = "/test.Store/Write";
  entry.request_digest = Sha256(member);
  entry.request_bytes = 10;
  return entry;
}

// Collects the outcomes of writes in the order their `done` ran (commit order).
class Outcomes {
 public:
  DoneFn Done(std::string key, std::shared_ptr<ChangeCursor> cursor = nullptr) {
    return [this, key = std::move(key), cursor = std::move(cursor)](absl::Status status) {
      absl::MutexLock lock(&mu_);
      done_.push_back({key, std::move(status), cursor == nullptr ? 0 : cursor->seq});
    };
  }
  // Waits until `count` writes are done; false after kWaitLimit.
  bool WaitFor(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return done_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kWaitLimit);
  }
  struct Outcome {
    std::string key;
    absl::Status status;
    int64_t seq;  // cursor of the change the write appended, 0 when none
  };
  std::vector<Outcome> done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Outcome> done_ ABSL_GUARDED_BY(mu_);
};

// Appends one school change for `key` (and stores the school), recording its cursor.
WriteFn AppendSchool(std::string key, std::shared_ptr<ChangeCursor> cursor,
                     std::string name = "Trường THCS Lê Quý Đôn") {
  return [key = std::move(key), cursor = std::move(cursor),
          name = std::move(name)](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto existing, txn.FindRecord(v1::RECORD_TYPE_SCHOOL, key));
    const int64_t version = existing.has_value() ? existing->version + 1 : 1;
    v1::EducationRecord record;
    record.mutable_school()->set_school_code(key);
    record.mutable_school()->set_name(name);
    record.set_version(version);
    RecordRow row;
    row.type = v1::RECORD_TYPE_SCHOOL;
    row.key = key;
    row.agency = "000.00.31.H49";
    row.school_code = key;
    row.version = version;
    record.SerializeToString(&row.payload);
    ChangeRow change;
    change.type = v1::RECORD_TYPE_SCHOOL;
    change.key = key;
    change.operation = existing.has_value() ? v1::OPERATION_UPDATE : v1::OPERATION_CREATE;
    change.version = version;
    change.origin_member = "000.00.31.H49";
    change.agency = row.agency;
    change.payload = row.payload;
    ASSIGN_OR_RETURN(row.last_change, txn.AppendChange(change));
    RETURN_IF_ERROR(txn.PutRecord(row));
    if (cursor != nullptr) *cursor = row.last_change;
    return absl::OkStatus();
  };
}

std::string SchoolName(const RecordRow& row) {
  v1::EducationRecord record;
  record.ParseFromString(row.payload);
  return record.school().name();
}

std::vector<std::string> Keys(const std::vector<RecordRow>& rows) {
  std::vector<std::string> keys;
  for (const auto& row : rows) keys.push_back(row.key);
  return keys;
}

// Sets PRAGMA user_version of the database at `path` (a database from another build).
void SetUserVersion(const std::string& path, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = absl::StrCat("PRAGMA user_version = ", version);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

int UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  int version = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
}

// Runs SQL on the database file directly (what an attacker or a careless admin could do).
void TamperWith(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  void Open(absl::Duration linger = absl::ZeroDuration(), int max_batch = 512) {
    store_.reset();
    SqliteOptions options;
    options.path = path_;
    options.group_commit_linger = linger;
    options.group_commit_max_batch = max_batch;
    ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
  }

  // One write, waited for.
  absl::Status WriteAndWait(WriteFn fn, ExchangeLogEntry entry = LogEntry("000.00.31.H49")) {
    Outcomes outcomes;
    store_->Write(std::move(entry), std::move(fn), outcomes.Done(""));
    if (!outcomes.WaitFor(1)) return absl::DeadlineExceededError("write not done in time");
    return outcomes.done().front().status;
  }

  ChangeCursor AppendAndWait(const std::string& key, const std::string& name = "Trường A") {
    auto cursor = std::make_shared<ChangeCursor>();
    EXPECT_OK(WriteAndWait(AppendSchool(key, cursor, name)));
    return *cursor;
  }

  std::vector<ExchangeLogEntry> ExchangeLog() {
    auto entries = test::ReadAllExchangeLog(*store_);
    EXPECT_OK(entries);
    return entries.ok() ? *entries : std::vector<ExchangeLogEntry>{};
  }

  test::TempDir dir_{"store_test"};
  const std::string path_ = dir_.Path("store.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreTest, ConcurrentWritesShareCommitsAndGetGaplessCursorsInCommitOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;
  Outcomes outcomes;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        auto cursor = std::make_shared<ChangeCursor>();
        store_->Write(LogEntry(absl::StrCat("member-", t)), AppendSchool(key, cursor),
                      outcomes.Done(key, cursor));
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(outcomes.WaitFor(kTotal)) << "writes not all done in " << kWaitLimit;
  const auto done = outcomes.done();
  ASSERT_EQ(done.size(), kTotal);

  // Every write is acknowledged with the next cursor, in the order of the acknowledgements.
  std::vector<int64_t> last_seq_of_thread(kThreads, 0);
  for (int i = 0; i < kTotal; ++i) {
    ASSERT_OK(done[i].status) << done[i].key;
    ASSERT_EQ(done[i].seq, i + 1) << "write " << done[i].key << " acknowledged " << i + 1 << "th";
    // Each writer's own writes commit in the order it made them.
    const int thread = std::stoi(done[i].key.substr(1));
    EXPECT_LT(last_seq_of_thread[thread], done[i].seq);
    last_seq_of_thread[thread] = done[i].seq;
  }

  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), kTotal);
  std::set<std::string> event_ids;
  std::set<absl::Time> commit_times;
  for (int i = 0; i < kTotal; ++i) {
    EXPECT_EQ(changes[i].cursor.seq, i + 1);
    EXPECT_EQ(changes[i].key, done[i].key);
    EXPECT_EQ(changes[i].operation, v1::OPERATION_CREATE);
    event_ids.insert(changes[i].event_id);
    commit_times.insert(changes[i].commit_time);
  }
  EXPECT_EQ(event_ids.size(), kTotal) << "event ids are not unique";
  // Group commit: the writes did not need one transaction (one fsync) each.
  EXPECT_LT(commit_times.size(), kTotal);

  // One exchange-log entry per write, in commit order, naming its record, on one chain.
  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), kTotal);
  for (int i = 0; i < kTotal; ++i) {
    EXPECT_EQ(log[i].seq, i + 1);
    EXPECT_EQ(log[i].status_code, 0);
    EXPECT_THAT(log[i].records,
                ElementsAre(absl::StrCat(v1::RECORD_TYPE_SCHOOL, ":", done[i].key)));
    EXPECT_EQ(log[i].prev_hash, i == 0 ? GenesisHash() : log[i - 1].hash);
    EXPECT_EQ(log[i].hash, ComputeEntryHash(log[i], log[i].prev_hash));
  }
  ASSERT_OK_AND_ASSIGN(const auto ends, store_->GetExchangeLogEnds());
  EXPECT_EQ(ends.head_seq, kTotal);
  EXPECT_EQ(ends.head_hash, log.back().hash);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
}

TEST_F(StoreTest, AFailingWriteRollsBackOnlyItselfAndIsStillLogged) {
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

  // b's change and record are gone; a and c stay, and c takes the cursor after a: no gap.
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 2);
  EXPECT_EQ(changes[0].key, "a");
  EXPECT_EQ(changes[0].cursor.seq, 1);
  EXPECT_EQ(changes[1].key, "c");
  EXPECT_EQ(changes[1].cursor.seq, 2);
  // One transaction: both changes carry its commit time.
  EXPECT_EQ(changes[0].commit_time, changes[1].commit_time);
  ASSERT_OK_AND_ASSIGN(auto b, store_->GetRecord(v1::RECORD_TYPE_SCHOOL, "b"));
  EXPECT_FALSE(b.has_value());
  ASSERT_OK_AND_ASSIGN(auto c, store_->GetRecord(v1::RECORD_TYPE_SCHOOL, "c"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->last_change.seq, 2);

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

TEST_F(StoreTest, ReopeningContinuesTheChainAndTheCursors) {
  for (int i = 0; i < 5; ++i) AppendAndWait(absl::StrCat("s", i));
  store_->LogExchange(LogEntry("reader"));
  ASSERT_OK(WriteAndWait([](WriteTransaction&) { return absl::OkStatus(); }));
  ASSERT_OK_AND_ASSIGN(const auto before, store_->GetExchangeLogEnds());
  ASSERT_EQ(before.head_seq, 7);
  store_->Close();

  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(const auto reopened, store_->GetExchangeLogEnds());
  EXPECT_EQ(reopened.head_seq, 7);
  EXPECT_EQ(reopened.head_hash, before.head_hash);
  EXPECT_EQ(AppendAndWait("after-1").seq, 6);
  EXPECT_EQ(AppendAndWait("after-2").seq, 7);

  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), 9);
  EXPECT_EQ(log[7].seq, 8);
  EXPECT_EQ(log[7].prev_hash, before.head_hash);
  EXPECT_OK(test::VerifyExchangeLogChain(*store_));
  ASSERT_OK_AND_ASSIGN(const auto bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest.seq, 1);
  EXPECT_EQ(bounds.head.seq, 7);
}

TEST_F(StoreTest, TheChainVerifierCatchesAnEditedOrCutEntry) {
  for (int i = 0; i < 4; ++i) AppendAndWait(absl::StrCat("s", i));
  ASSERT_OK(test::VerifyExchangeLogChain(*store_));
  store_.reset();

  TamperWith(path_, "UPDATE exchange_log SET status = 5 WHERE seq = 2");
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::Status edited = test::VerifyExchangeLogChain(*store_);
  EXPECT_EQ(edited.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(edited.message()), HasSubstr("entry 2 has hash"));
  store_.reset();

  TamperWith(path_, "UPDATE exchange_log SET status = 0 WHERE seq = 2; "
                    "DELETE FROM exchange_log WHERE seq = 4");
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::Status cut = test::VerifyExchangeLogChain(*store_);
  EXPECT_EQ(cut.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.message()), HasSubstr("the stored head is 4"));
}

TEST_F(StoreTest, ANewDatabaseHasTheCurrentSchemaVersion) {
  EXPECT_EQ(UserVersion(path_), sqlite::kSchemaVersion);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerSchemaNamingTheVersion) {
  AppendAndWait("kept");
  store_.reset();
  const int newer = sqlite::kSchemaVersion + 1;
  SetUserVersion(path_, newer);

  SqliteOptions options;
  options.path = path_;
  auto refused = SqliteStore::Open(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr(absl::StrCat(path_, " has schema version ", newer)));
  // The database is left as it was.
  EXPECT_EQ(UserVersion(path_), newer);
}

TEST_F(StoreTest, AVersion1DatabaseIsMigratedAndKeepsItsChanges) {
  const ChangeCursor kept = AppendAndWait("kept");
  store_.reset();
  SetUserVersion(path_, 1);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(UserVersion(path_), sqlite::kSchemaVersion);
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 1);
  EXPECT_EQ(changes[0].cursor.seq, kept.seq);
  EXPECT_FALSE(changes[0].payload.empty());
}

// Puts dossier `code` at `version` with `payload`, and its change event (a CREATE at version 1,
// sharing the payload with the row the way DossierRegister does; an UPDATE after that).
WriteFn PutDossierVersion(std::string code, int64_t version, std::string payload) {
  return [code = std::move(code), version, payload = std::move(payload)](
             WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(code));
    DossierRow row = stored.has_value() ? *stored : DossierRow{};
    row.code = code;
    row.receiving_agency = "000.00.31.H49";
    row.handling_agency = "000.00.31.H49";
    row.procedure_code = "1.005092";
    row.received_at = kT0;
    row.version = version;
    row.request_digest = Sha256(payload);
    row.payload = payload;
    ChangeRow change;
    change.type = v1::RECORD_TYPE_DOSSIER;
    change.key = code;
    change.operation = version == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
    change.version = version;
    change.origin_member = "000.00.31.H49";
    change.agency = row.receiving_agency;
    if (version == 1) {
      change.payload_is_dossier_row = true;
    } else {
      change.payload = payload;
    }
    ASSIGN_OR_RETURN(const ChangeCursor cursor, txn.AppendChange(change));
    if (version == 1) row.created_change = cursor;
    return txn.PutDossier(row);
  };
}

// The payload bytes change_events holds for `seq`, read with plain SQL.
int64_t StoredEventPayloadBytes(const std::string& path, int64_t seq) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  const std::string sql =
      absl::StrCat("SELECT length(payload) FROM change_events WHERE seq = ", seq);
  sqlite3_stmt* stmt = nullptr;
  int64_t bytes = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    bytes = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return bytes;
}

TEST_F(StoreTest, ADossierCreationIsStoredOnceAndItsEventKeepsVersion1AfterUpdates) {
  const std::string v1_payload(900, 'a');
  const std::string v2_payload(700, 'b');
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 1, v1_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0002", 1, v1_payload)));

  // The creation event's bytes live in the dossier row only, and read back in full.
  EXPECT_EQ(StoredEventPayloadBytes(path_, 1), 0);
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 2);
  EXPECT_EQ(changes[0].payload, v1_payload);
  EXPECT_EQ(changes[1].payload, v1_payload);

  // The first dossier changes (twice): its creation event still reads as version 1.
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 2, v2_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 3, v2_payload + "c")));
  EXPECT_EQ(StoredEventPayloadBytes(path_, 1), static_cast<int64_t>(v1_payload.size()));
  EXPECT_EQ(StoredEventPayloadBytes(path_, 2), 0) << "the unchanged dossier still shares it";
  ASSERT_OK_AND_ASSIGN(changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 4);
  EXPECT_EQ(changes[0].payload, v1_payload);
  EXPECT_EQ(changes[1].payload, v1_payload);
  EXPECT_EQ(changes[2].payload, v2_payload);
  EXPECT_EQ(changes[3].payload, v2_payload + "c");
  ASSERT_OK_AND_ASSIGN(const auto stored, store_->GetDossier("000.00.31.H49-261205-0001"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->payload, v2_payload + "c");

  // A creation that fails after its event was appended leaves nothing behind.
  WriteFn failing = [inner = PutDossierVersion("000.00.31.H49-261205-0003", 1, v1_payload)](
                        WriteTransaction& txn) mutable -> absl::Status {
    RETURN_IF_ERROR(inner(txn));
    return absl::InvalidArgumentError("refused after the writes");
  };
  EXPECT_EQ(WriteAndWait(std::move(failing)).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(changes, test::ReadAllChanges(*store_));
  EXPECT_EQ(changes.size(), 4);
}

TEST_F(StoreTest, ListRecordsAtACursorShowsRecordsAsTheyWereThen) {
  const ChangeCursor c1 = AppendAndWait("S1", "Tên cũ");
  const ChangeCursor c2 = AppendAndWait("S2", "Trường hai");
  const ChangeCursor c3 = AppendAndWait("S1", "Tên mới");
  const ChangeCursor c4 = AppendAndWait("S3", "Trường ba");
  ASSERT_EQ(c4.seq, 4);

  RecordQuery query;
  query.type = v1::RECORD_TYPE_SCHOOL;
  query.at = c2;
  ASSERT_OK_AND_ASSIGN(auto at_c2, store_->ListRecords(query));
  EXPECT_THAT(Keys(at_c2), ElementsAre("S1", "S2"));  // S3 did not exist yet
  EXPECT_EQ(at_c2[0].version, 1);
  EXPECT_EQ(at_c2[0].last_change, c1);
  EXPECT_EQ(SchoolName(at_c2[0]), "Tên cũ");

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

TEST_F(StoreTest, CommitListenersHearTheHeadBeforeTheWriterIsAnswered) {
  absl::Mutex mu;
  std::vector<int64_t> heads;
  store_->AddCommitListener([&](ChangeCursor head) {
    absl::MutexLock lock(&mu);
    heads.push_back(head.seq);
  });
  auto heard = [&] {
    absl::MutexLock lock(&mu);
    return heads;
  };

  // The listener has heard of the change when the writer's `done` runs.
  Outcomes outcomes;
  auto cursor = std::make_shared<ChangeCursor>();
  std::vector<int64_t> heard_at_done;
  store_->Write(LogEntry("w"), AppendSchool("x", cursor), [&](absl::Status status) {
    heard_at_done = heard();
    outcomes.Done("x")(std::move(status));
  });
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_THAT(heard_at_done, ElementsAre(1));

  // Commits that append no change (a log-only entry, a failed write) are not announced.
  store_->LogExchange(LogEntry("reader"));
  EXPECT_EQ(WriteAndWait([](WriteTransaction&) { return absl::AbortedError("no"); }).code(),
            absl::StatusCode::kAborted);
  EXPECT_THAT(heard(), ElementsAre(1));

  // One write appending two changes: one announcement of the newest.
  ASSERT_OK(WriteAndWait([a = AppendSchool("y", nullptr),
                          b = AppendSchool("z", nullptr)](WriteTransaction& txn) mutable {
    RETURN_IF_ERROR(a(txn));
    return b(txn);
  }));
  EXPECT_THAT(heard(), ElementsAre(1, 3));
}

TEST(ChangeCursorTest, EncodesAsVersionedLowercaseHexAndRoundTrips) {
  EXPECT_EQ(EncodeCursor(ChangeCursor{0}), "1.0");
  EXPECT_EQ(EncodeCursor(ChangeCursor{255}), "1.ff");
  for (int64_t seq : {int64_t{0}, int64_t{1}, int64_t{4096}, int64_t{1} << 40,
                      std::numeric_limits<int64_t>::max()}) {
    ASSERT_OK_AND_ASSIGN(const ChangeCursor decoded, DecodeCursor(EncodeCursor(ChangeCursor{seq})));
    EXPECT_EQ(decoded.seq, seq);
  }
}

TEST(ChangeCursorTest, RefusesWhatEncodeCursorDidNotProduce) {
  for (const char* foreign :
       {"", "1.", "2.ff", "ff", "1,ff", "1.xyz", "1.-1", "1.+1", "1.0x1f", "1. 1f", "1.1f ",
        "1.FF", "1.01", "1.8000000000000000", "1.00000000000000001", "v1.ff"}) {
    auto decoded = DecodeCursor(foreign);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << foreign << "' decoded to " << (decoded.ok() ? decoded->seq : -1);
  }
}

TEST_F(StoreTest, SubscriptionsCheckpointsAndDeadLettersRoundTrip) {
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

TEST_F(StoreTest, PruningChangesKeepsTheNewestAndNeverReusesACursor) {
  for (int i = 0; i < 5; ++i) AppendAndWait(absl::StrCat("s", i));
  int64_t removed = -1;
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(removed, txn.PruneChangesUpTo(ChangeCursor{2}));
    return absl::OkStatus();
  }));
  EXPECT_EQ(removed, 2);
  ASSERT_OK_AND_ASSIGN(auto bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest.seq, 3);
  EXPECT_EQ(bounds.head.seq, 5);

  // Asked to prune everything, it keeps the newest change.
  ASSERT_OK(WriteAndWait([&](WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(removed, txn.PruneChangesUpTo(ChangeCursor{100}));
    return absl::OkStatus();
  }));
  EXPECT_EQ(removed, 2);
  ASSERT_OK_AND_ASSIGN(const auto left, test::ReadAllChanges(*store_));
  ASSERT_EQ(left.size(), 1);
  EXPECT_EQ(left[0].cursor.seq, 5);
  ASSERT_OK_AND_ASSIGN(bounds, store_->GetChangeBounds());
  EXPECT_EQ(bounds.oldest.seq, 5);
  EXPECT_EQ(bounds.head.seq, 5);
  EXPECT_EQ(bounds.head_commit_time, left[0].commit_time);

  // The next change takes a new number, even across a reopen.
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(AppendAndWait("s5").seq, 6);
  ASSERT_OK_AND_ASSIGN(auto count, store_->CountChangesAfter(ChangeCursor{0}));
  EXPECT_EQ(count, 2);
}

TEST_F(StoreTest, PruningTheExchangeLogSetsTheAnchorTheRestVerifiesFrom) {
  for (int i = 1; i <= 6; ++i) store_->LogExchange(LogEntry("reader", kT0 + absl::Seconds(i)));
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

}  // namespace
}  // namespace lienthong::store

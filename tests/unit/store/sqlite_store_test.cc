// What only the SQLite store does, beside the contract every engine passes
// (store_contract_test.cc): one writer, so cursors are numbered 1, 2, 3... in the order writes
// are answered; a dossier's creation payload kept once; migrations of its own file format.
#include <sqlite3.h>

#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/store/change_cursor.h"
#include "services/store/sqlite/sqlite_schema.h"
#include "services/store/sqlite/sqlite_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/store/store_test_util.h"

namespace lienthong::store {
namespace {

using ::testing::ElementsAre;
using sqlite::SqliteOptions;
using sqlite::SqliteStore;

class SqliteStoreTest : public StoreFixture, public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenEngine(test::StoreEngine::kSqlite)); }
  std::string path() const { return harness_->sqlite_path(); }
};

// The contract asks for increasing cursors; SQLite's one writer gives more: cursors 1, 2, 3...
// in the order writes are answered, and each writer's writes in the order it made them.
TEST_F(SqliteStoreTest, ConcurrentWritesGetGaplessCursorsInTheOrderTheyAreAnswered) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  constexpr int kTotal = kThreads * kPerThread;
  const auto done = WriteSchoolsConcurrently(*store_, kThreads, kPerThread);
  ASSERT_EQ(done.size(), kTotal) << "writes not all done in " << kWaitLimit;
  std::vector<int64_t> last_seq_of_thread(kThreads, 0);
  for (int i = 0; i < kTotal; ++i) {
    ASSERT_OK(done[i].status) << done[i].key;
    ASSERT_EQ(done[i].seq, i + 1) << "write " << done[i].key << " acknowledged " << i + 1 << "th";
    const int thread = std::stoi(done[i].key.substr(1));
    EXPECT_LT(last_seq_of_thread[thread], done[i].seq);
    last_seq_of_thread[thread] = done[i].seq;
  }
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), kTotal);
  const auto log = ExchangeLog();
  ASSERT_EQ(log.size(), kTotal);
  for (int i = 0; i < kTotal; ++i) {
    EXPECT_EQ(changes[i].cursor.seq, i + 1);
    EXPECT_EQ(changes[i].key, done[i].key);
    EXPECT_THAT(log[i].records,
                ElementsAre(absl::StrCat(v1::RECORD_TYPE_SCHOOL, ":", done[i].key)));
  }
}

TEST_F(SqliteStoreTest, AVersion1DatabaseIsMigratedAndKeepsItsChanges) {
  // A database as release 1 left it: its one migration and a change it wrote. (Setting a
  // current database's version back would run later migrations twice: they add columns.)
  store_.reset();
  ASSERT_OK_AND_ASSIGN(harness_, test::StoreHarness::Make(test::StoreEngine::kSqlite));
  ASSERT_OK(harness_->Tamper(absl::StrCat(
      sqlite::kMigrations[0],
      "INSERT INTO change_events (event_id, record_type, record_key, operation, version, "
      "commit_time, origin_member, agency, payload) VALUES ('00000000-0000-4000-8000-000000000001', ",
      static_cast<int>(v1::RECORD_TYPE_SCHOOL),
      ", 'kept', 1, 1, 1767576000000000, '000.00.31.H49', '000.00.31.H49', X'0a0474657374');"
      "PRAGMA user_version = 1;")));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(const int version, harness_->SchemaVersion());
  EXPECT_EQ(version, sqlite::kSchemaVersion);
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 1);
  EXPECT_EQ(changes[0].cursor.seq, 1);
  EXPECT_EQ(changes[0].key, "kept");
  EXPECT_FALSE(changes[0].payload.empty());
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

TEST_F(SqliteStoreTest, ADossierCreationIsStoredOnceAndItsEventKeepsVersion1AfterUpdates) {
  const std::string v1_payload(900, 'a');
  const std::string v2_payload(700, 'b');
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 1, v1_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0002", 1, v1_payload)));

  // The creation event's bytes live in the dossier row only, and read back in full.
  EXPECT_EQ(StoredEventPayloadBytes(path(), 1), 0);
  ASSERT_OK_AND_ASSIGN(auto changes, test::ReadAllChanges(*store_));
  ASSERT_EQ(changes.size(), 2);
  EXPECT_EQ(changes[0].payload, v1_payload);
  EXPECT_EQ(changes[1].payload, v1_payload);

  // The first dossier changes (twice): its creation event still reads as version 1.
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 2, v2_payload)));
  ASSERT_OK(WriteAndWait(PutDossierVersion("000.00.31.H49-261205-0001", 3, v2_payload + "c")));
  EXPECT_EQ(StoredEventPayloadBytes(path(), 1), static_cast<int64_t>(v1_payload.size()));
  EXPECT_EQ(StoredEventPayloadBytes(path(), 2), 0) << "the unchanged dossier still shares it";
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

TEST_F(SqliteStoreTest, CommitListenersHearTheHeadBeforeTheWriterIsAnswered) {
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

TEST_F(SqliteStoreTest, PrunedNumbersAreNeverReused) {
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

}  // namespace
}  // namespace lienthong::store

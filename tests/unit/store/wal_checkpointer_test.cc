// The WAL checkpointer: the writer's automatic checkpoint is off while it runs (so no commit
// copies pages into the database file), its thread copies them instead, and stopping it gives
// the writer its automatic checkpoint back.
#include "services/store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace lienthong::store::sqlite {
namespace {

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

int64_t AutoCheckpointPages(Connection& db) {
  auto s = db.Prepare("PRAGMA wal_autocheckpoint");
  if (!s.ok()) return -1;
  auto has_row = (*s)->Step();
  const int64_t pages = has_row.ok() && *has_row ? (*s)->Int(0) : -1;
  (*s)->Reset();
  return pages;
}

TEST(WalCheckpointerTest, CheckpointsOnItsThreadNotInTheWritersCommits) {
  test::TempDir dir;
  const std::string path = dir.Path("store.db");
  auto writer = Connection::Open(path, /*read_only=*/false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                              "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);")
                  .ok());
  // The table's creation is checkpointed by none yet: the database file holds its first page.
  ASSERT_EQ(AutoCheckpointPages(**writer), 1000);
  const int64_t file_before = FileSize(path);

  auto checkpointer = WalCheckpointer::Start(**writer, path, /*pages=*/8);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  // The hook replaced SQLite's automatic checkpoint: no commit of the writer runs one.
  EXPECT_EQ(AutoCheckpointPages(**writer), 0);

  // Some 40 pages of rows, one commit each, past the 8-page threshold many times.
  for (int i = 0; i < 40; ++i) {
    auto insert = (*writer)->Prepare("INSERT INTO t (body) VALUES (zeroblob(4000))");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE((*insert)->Run().ok());
  }
  // The thread copied the pages into the database file.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (((*checkpointer)->checkpoints() == 0 || FileSize(path) <= file_before + 4000 * 8) &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GT((*checkpointer)->checkpoints(), 0);
  EXPECT_GT(FileSize(path), file_before + 4000 * 8);

  // Stopped (the thread joined): the writer checkpoints by itself again, at the same threshold,
  // so the database file grows with these rows although no thread is left to copy them.
  (*checkpointer)->Stop();
  EXPECT_EQ(AutoCheckpointPages(**writer), 8);
  const int64_t file_at_stop = FileSize(path);
  for (int i = 0; i < 20; ++i) {
    auto insert = (*writer)->Prepare("INSERT INTO t (body) VALUES (zeroblob(4000))");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE((*insert)->Run().ok());
  }
  EXPECT_GE(FileSize(path), file_at_stop + 4000 * 8);
  checkpointer->reset();
  // Every row is there, read by another connection.
  auto reader = Connection::Open(path, /*read_only=*/true);
  ASSERT_TRUE(reader.ok());
  auto count = (*reader)->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  auto has_row = (*count)->Step();
  ASSERT_TRUE(has_row.ok() && *has_row);
  EXPECT_EQ((*count)->Int(0), 60);
  (*count)->Reset();
}

// Writes `rows` rows of 4,000 bytes, one commit each, and answers the largest size the WAL file
// reached on the way (-1 on a failed write).
int64_t LargestWalWhileWriting(Connection& writer, const std::string& path, int rows) {
  int64_t largest = 0;
  for (int i = 0; i < rows; ++i) {
    auto insert = writer.Prepare("INSERT INTO t (body) VALUES (zeroblob(4000))");
    if (!insert.ok() || !(*insert)->Run().ok()) return -1;
    largest = std::max(largest, FileSize(path + "-wal"));
  }
  return largest;
}

// The thread is never woken (its threshold is out of reach), as when it falls behind a writer
// with no lull: the writer's own checkpoint at the hard cap keeps the WAL bounded, where without
// the cap it grows with every row. Deterministic: no thread checkpoints in either case.
TEST(WalCheckpointerTest, TheWriterCheckpointsAtTheHardCapSoTheWalStaysBounded) {
  constexpr int kUnreached = 1 << 30;
  constexpr int kRows = 200;  // some 200 pages of WAL when nothing checkpoints
  constexpr int64_t kFrameBytes = 4096 + 24;
  int64_t largest_wal[2] = {0, 0};
  int64_t writer_checkpoints[2] = {0, 0};
  for (int with_cap = 0; with_cap < 2; ++with_cap) {
    SCOPED_TRACE(with_cap ? "hard cap 16 pages" : "no reachable hard cap");
    test::TempDir dir;
    const std::string path = dir.Path("store.db");
    auto writer = Connection::Open(path, /*read_only=*/false);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                                "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);")
                    .ok());
    auto checkpointer = WalCheckpointer::Start(**writer, path, /*pages=*/kUnreached,
                                               /*hard_cap_pages=*/with_cap ? 16 : kUnreached);
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
    largest_wal[with_cap] = LargestWalWhileWriting(**writer, path, kRows);
    ASSERT_GT(largest_wal[with_cap], 0);
    EXPECT_EQ((*checkpointer)->checkpoints(), 0);  // the thread never ran one
    writer_checkpoints[with_cap] = (*checkpointer)->writer_checkpoints();
    checkpointer->reset();
    auto count = (*writer)->Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count.ok());
    auto has_row = (*count)->Step();
    ASSERT_TRUE(has_row.ok() && *has_row);
    EXPECT_EQ((*count)->Int(0), kRows);
    (*count)->Reset();
  }
  // Without the cap the WAL holds every row; with it, the cap plus one commit's pages.
  EXPECT_EQ(writer_checkpoints[0], 0);
  EXPECT_GE(largest_wal[0], kRows * kFrameBytes);
  EXPECT_GT(writer_checkpoints[1], 5);
  EXPECT_LE(largest_wal[1], 24 * kFrameBytes);
}

TEST(WalCheckpointerTest, RefusesThresholdsThatAreNotPositive) {
  test::TempDir dir;
  const std::string path = dir.Path("store.db");
  auto writer = Connection::Open(path, /*read_only=*/false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Exec("PRAGMA journal_mode = WAL;").ok());
  for (const auto& [pages, cap] : {std::pair{0, 10}, std::pair{10, 0}, std::pair{-1, 10}}) {
    auto checkpointer = WalCheckpointer::Start(**writer, path, pages, cap);
    EXPECT_EQ(checkpointer.status().code(), absl::StatusCode::kInvalidArgument);
  }
  // Refused before the hook is installed: the writer's automatic checkpoint is untouched.
  EXPECT_EQ(AutoCheckpointPages(**writer), 1000);
}

}  // namespace
}  // namespace lienthong::store::sqlite

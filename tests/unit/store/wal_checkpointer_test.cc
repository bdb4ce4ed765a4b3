// The WAL checkpointer: the writer's automatic checkpoint is off while it runs (so no commit
// copies pages into the database file), its thread copies them instead, and stopping it gives
// the writer its automatic checkpoint back.
#include "services/store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <string>

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

  // Stopped: the writer checkpoints by itself again, at the same threshold.
  (*checkpointer)->Stop();
  EXPECT_EQ(AutoCheckpointPages(**writer), 8);
  const int64_t after_stop = (*checkpointer)->checkpoints();
  for (int i = 0; i < 20; ++i) {
    auto insert = (*writer)->Prepare("INSERT INTO t (body) VALUES (zeroblob(4000))");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE((*insert)->Run().ok());
  }
  EXPECT_EQ((*checkpointer)->checkpoints(), after_stop);
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

}  // namespace
}  // namespace lienthong::store::sqlite

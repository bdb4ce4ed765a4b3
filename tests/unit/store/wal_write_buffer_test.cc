// The WAL write-gathering VFS: same database as the default VFS writes, readers see every commit,
// transactions larger than the page cache and than one gathered write, and far fewer writes.
#include "services/store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace lienthong::store::sqlite {
namespace {

// Counts the write system calls SQLite's unix VFS makes, through its system-call override table.
std::atomic<int> write_calls{0};
sqlite3_syscall_ptr real_pwrite = nullptr;
sqlite3_syscall_ptr real_pwrite64 = nullptr;
sqlite3_syscall_ptr real_write = nullptr;

ssize_t CountingPwrite(int fd, const void* data, size_t n, off_t offset) {
  ++write_calls;
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(real_pwrite)(fd, data, n,
                                                                                    offset);
}
ssize_t CountingPwrite64(int fd, const void* data, size_t n, off64_t offset) {
  ++write_calls;
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off64_t)>(real_pwrite64)(
      fd, data, n, offset);
}
ssize_t CountingWrite(int fd, const void* data, size_t n) {
  ++write_calls;
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t)>(real_write)(fd, data, n);
}

class SystemCallCounter {
 public:
  SystemCallCounter() : vfs_(sqlite3_vfs_find(nullptr)) {
    Swap("pwrite", &real_pwrite, reinterpret_cast<sqlite3_syscall_ptr>(CountingPwrite));
    Swap("pwrite64", &real_pwrite64, reinterpret_cast<sqlite3_syscall_ptr>(CountingPwrite64));
    Swap("write", &real_write, reinterpret_cast<sqlite3_syscall_ptr>(CountingWrite));
  }
  ~SystemCallCounter() { vfs_->xSetSystemCall(vfs_, nullptr, nullptr); }  // restores all

 private:
  void Swap(const char* name, sqlite3_syscall_ptr* saved, sqlite3_syscall_ptr counting) {
    *saved = vfs_->xGetSystemCall(vfs_, name);
    if (*saved != nullptr) vfs_->xSetSystemCall(vfs_, name, counting);
  }
  sqlite3_vfs* vfs_;
};

sqlite3* OpenDb(const std::string& path, const char* vfs, int flags) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, flags, vfs), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "") << " in: " << sql;
}

std::string Text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  } else {
    out = absl::StrCat("error: ", sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  return out;
}

// Rows, bytes, and each row's first and last 8 bytes: what a reader must see exactly.
constexpr char kDigestSql[] =
    "SELECT count(*) || ':' || sum(length(body)) || ':' || "
    "group_concat(hex(substr(body, 1, 8)) || hex(substr(body, -8)), '') FROM t";

class WalWriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto name = WalWriteBufferVfsName();
    ASSERT_TRUE(name.ok()) << name.status();
    vfs_ = *name;
  }

  // A writer connection the way SqliteStore opens its own.
  sqlite3* OpenWriter(const std::string& path, const char* vfs) {
    sqlite3* db = OpenDb(path, vfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    Exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0");
    return db;
  }

  test::TempDir dir_{"wal_write_buffer_test"};
  const char* vfs_ = nullptr;
};

TEST_F(WalWriteBufferTest, ReadersSeeEveryCommitAndTheFileIsTheSame) {
  const std::string path = dir_.Path("commits.db");
  sqlite3* writer = OpenWriter(path, vfs_);
  sqlite3* reader = OpenDb(path, nullptr, SQLITE_OPEN_READONLY);
  Exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  for (int i = 1; i <= 300; ++i) {
    Exec(writer, absl::StrCat("INSERT INTO t (body) VALUES (randomblob(", 100 + i * 7, "))"));
    // A reader on the default VFS sees the commit as soon as it returns.
    ASSERT_EQ(Text(reader, "SELECT count(*) FROM t"), absl::StrCat(i));
  }
  const std::string digest = Text(writer, kDigestSql);
  EXPECT_EQ(Text(reader, kDigestSql), digest);
  sqlite3_close(reader);
  sqlite3_close(writer);

  // Reopened on the default VFS: the same rows, and a sound file.
  sqlite3* plain = OpenDb(path, nullptr, SQLITE_OPEN_READWRITE);
  EXPECT_EQ(Text(plain, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text(plain, kDigestSql), digest);
  sqlite3_close(plain);
}

TEST_F(WalWriteBufferTest, TransactionsLargerThanTheCacheAndThanOneWriteCommitWhole) {
  const std::string path = dir_.Path("large.db");
  sqlite3* writer = OpenWriter(path, vfs_);
  // A 10-page cache makes SQLite spill frames to the WAL mid-transaction, read them back and
  // write some of them again: every path of the gathering (append, rewrite, write out on read).
  Exec(writer, "PRAGMA cache_size = 10");
  Exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  Exec(writer, "BEGIN");
  for (int i = 0; i < 2000; ++i) {
    Exec(writer, absl::StrCat("INSERT INTO t (body) VALUES (randomblob(", 500 + i % 700, "))"));
  }
  Exec(writer, "INSERT INTO t (body) VALUES (randomblob(3000000))");  // past kMaxGatheredBytes
  Exec(writer, "UPDATE t SET body = randomblob(600) WHERE id % 3 = 0");
  Exec(writer, "COMMIT");
  const std::string digest = Text(writer, kDigestSql);

  sqlite3* reader = OpenDb(path, nullptr, SQLITE_OPEN_READONLY);
  EXPECT_EQ(Text(reader, kDigestSql), digest);
  sqlite3_close(reader);

  // A transaction rolled back after spilling leaves nothing; the writer goes on.
  Exec(writer, "BEGIN");
  Exec(writer, "INSERT INTO t (body) SELECT randomblob(900) FROM t LIMIT 1500");
  Exec(writer, "ROLLBACK");
  Exec(writer, "INSERT INTO t (body) VALUES (x'01020304')");
  sqlite3_close(writer);

  sqlite3* plain = OpenDb(path, nullptr, SQLITE_OPEN_READWRITE);
  EXPECT_EQ(Text(plain, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text(plain, "SELECT count(*) FROM t"), "2002");
  EXPECT_EQ(Text(plain, "SELECT hex(body) FROM t ORDER BY id DESC LIMIT 1"), "01020304");
  sqlite3_close(plain);
}

// What the shim is for: a commit of many pages is a few writes, not two per page.
TEST_F(WalWriteBufferTest, ACommitOfManyPagesIsAFewWritesInsteadOfTwoPerPage) {
  auto writes_for_one_commit = [&](const char* vfs, const std::string& name) {
    const std::string path = dir_.Path(name);
    sqlite3* db = OpenWriter(path, vfs);
    Exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    Exec(db, "INSERT INTO t (body) VALUES (x'00')");  // the WAL exists and has its header
    int writes = 0;
    {
      SystemCallCounter counter;
      write_calls = 0;
      // 40 rows of 3,000 bytes: about 40 pages, the size of a busy group commit.
      Exec(db, "INSERT INTO t (body) SELECT randomblob(3000) FROM "
               "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
               "SELECT i FROM n)");
      writes = write_calls.load();
    }
    sqlite3_close(db);
    return writes;
  };
  const int plain = writes_for_one_commit(nullptr, "plain.db");
  const int gathered = writes_for_one_commit(vfs_, "gathered.db");
  // 40+ frames of 4,120 bytes: two writes each on the default VFS; in writes of at most
  // kMaxGatheredBytes (31 frames) through the shim.
  EXPECT_GE(plain, 80);
  EXPECT_LE(gathered, 3);
  EXPECT_GE(gathered, 1);
}

}  // namespace
}  // namespace lienthong::store::sqlite

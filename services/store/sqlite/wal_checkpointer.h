// Moves SQLite's WAL checkpoints off the commit path. By default the writer connection runs a
// checkpoint inside the COMMIT that grows the WAL past 1,000 pages: it copies those pages into
// the database file and fsyncs it before the commit returns, so that one commit's callers and
// its change-feed deliveries wait for the copy and the sync (docs/benchmarks.md, "the change
// feed's tail"). Here the writer's automatic checkpoint is replaced by a WAL hook that only
// wakes a thread of its own, which checkpoints on a connection of its own (PASSIVE: it never
// waits for the writer or the readers, and the writer goes on appending meanwhile).
//
// SQLite starts the WAL again from its beginning only when a write transaction begins after a
// checkpoint copied all of it. Under writes with no lull the writer's next transaction always
// begins before the thread's checkpoint ends, and the WAL would grow until a lull; so at a hard
// cap (ten times the threshold) the hook checkpoints on the writer itself, inside the commit, as
// SQLite's own hook does at the threshold: rare, and the WAL stays bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/store/sqlite/sqlite_db.h"

namespace lienthong::store::sqlite {

class WalCheckpointer {
 public:
  // SQLite's own threshold for its automatic checkpoint.
  static constexpr int kDefaultPages = 1000;
  // Where the writer checkpoints inside its commit (about 40 MB of WAL with 4 KiB pages).
  static constexpr int kDefaultHardCapPages = 10 * kDefaultPages;

  // Opens the checkpoint connection to `path` (synchronous=FULL, as the writer's: the database
  // file is synced after each checkpoint), installs the hook on `writer` (which replaces its
  // automatic checkpoint) and starts the thread. The thread is woken when a commit leaves
  // `pages` or more in the WAL; the writer checkpoints itself at `hard_cap_pages` or more.
  // `writer` must outlive the checkpointer or have the checkpointer stopped first.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      Connection& writer, const std::string& path, int pages = kDefaultPages,
      int hard_cap_pages = kDefaultHardCapPages);
  // Stop() then joins.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Removes the hook from the writer (its automatic checkpoint at `pages` is back) and ends the
  // thread after the checkpoint it may be running.
  void Stop();

  // Checkpoints that completed (SQLITE_OK) so far: on the thread, and on the writer at the hard
  // cap (for tests and logs).
  int64_t checkpoints() const;
  int64_t writer_checkpoints() const;

 private:
  WalCheckpointer(Connection& writer, std::unique_ptr<Connection> db, int pages,
                  int hard_cap_pages);
  // sqlite3_wal_hook's callback, on the writer's thread after each commit.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void Loop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Connection& writer_;
  std::unique_ptr<Connection> db_;  // the checkpoint thread's own
  const int pages_;
  const int hard_cap_pages_;
  mutable absl::Mutex mu_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool hooked_ ABSL_GUARDED_BY(mu_) = false;
  int64_t checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t writer_checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace lienthong::store::sqlite

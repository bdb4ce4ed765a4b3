// WalCheckpointer: the WAL hook wakes the thread; the thread checkpoints.
#include "services/store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lienthong::store::sqlite {

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(Connection& writer,
                                                                        const std::string& path,
                                                                        int pages,
                                                                        int hard_cap_pages) {
  if (pages <= 0 || hard_cap_pages <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WAL checkpoint thresholds must be positive (pages ", pages, ", hard cap ",
        hard_cap_pages, ")"));
  }
  ASSIGN_OR_RETURN(auto db, Connection::Open(path, /*read_only=*/false));
  RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL;"));
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(writer, std::move(db), pages, hard_cap_pages));
  {
    absl::MutexLock lock(&checkpointer->mu_);
    checkpointer->hooked_ = true;
  }
  // Replaces the automatic checkpoint, which SQLite installs as this same hook.
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::OnCommit, checkpointer.get());
  checkpointer->thread_ = std::thread([raw = checkpointer.get()] { raw->Loop(); });
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(Connection& writer, std::unique_ptr<Connection> db, int pages,
                                 int hard_cap_pages)
    : writer_(writer), db_(std::move(db)), pages_(pages), hard_cap_pages_(hard_cap_pages) {}

WalCheckpointer::~WalCheckpointer() { Stop(); }

void WalCheckpointer::Stop() {
  bool unhook = false;
  {
    absl::MutexLock lock(&mu_);
    unhook = hooked_;
    hooked_ = false;
    stopping_ = true;
  }
  // The writer is idle by now (the store stops its writer first): its connection is not
  // thread-safe.
  if (unhook) sqlite3_wal_autocheckpoint(writer_.handle(), pages_);
  if (thread_.joinable()) thread_.join();
}

int64_t WalCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

int64_t WalCheckpointer::writer_checkpoints() const {
  absl::MutexLock lock(&mu_);
  return writer_checkpoints_;
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= checkpointer->hard_cap_pages_) {
    // The thread has fallen behind the writer for ten thresholds: checkpoint here, between this
    // commit and the writer's next transaction, so that the next one can start the WAL again.
    // PASSIVE, as SQLite's own hook: it waits for no reader. The commit has succeeded whatever
    // this returns (SQLite ignores the hook's answer for the commit itself).
    const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                             nullptr);
    if (rc == SQLITE_OK) {
      absl::MutexLock lock(&checkpointer->mu_);
      ++checkpointer->writer_checkpoints_;
    } else if (rc != SQLITE_BUSY) {
      LogLine(LogLevel::kWarning, "WAL checkpoint on the writer failed")
          .Str("error", sqlite3_errmsg(db))
          .Int("wal_pages", wal_pages);
    }
    return SQLITE_OK;
  }
  if (wal_pages >= checkpointer->pages_) {
    absl::MutexLock lock(&checkpointer->mu_);
    checkpointer->wanted_ = true;
  }
  return SQLITE_OK;
}

bool WalCheckpointer::HasWork() const { return wanted_ || stopping_; }

void WalCheckpointer::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WalCheckpointer::HasWork));
      if (stopping_) return;
      wanted_ = false;
    }
    int wal_pages = 0;
    // PASSIVE: copies what no reader still needs, without waiting for anyone; what it leaves
    // is copied by a later one.
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_pages, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      LogLine(LogLevel::kWarning, "WAL checkpoint failed")
          .Str("error", sqlite3_errmsg(db_->handle()))
          .Int("wal_pages", wal_pages);
    }
    if (rc == SQLITE_OK) {
      absl::MutexLock lock(&mu_);
      ++checkpoints_;
    }
  }
}

}  // namespace lienthong::store::sqlite

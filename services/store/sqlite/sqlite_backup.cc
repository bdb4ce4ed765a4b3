// CopySqliteDatabase: sqlite3_backup_* from a read-only connection into a new file.
#include "services/store/sqlite/sqlite_backup.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/files.h"
#include "services/common/status_macros.h"
#include "services/store/sqlite/sqlite_db.h"

namespace lienthong::store::sqlite {
namespace {

absl::Status Copy(const std::string& source, const std::string& destination) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> from, Connection::Open(source, /*read_only=*/true));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> to,
                   Connection::Open(destination, /*read_only=*/false));
  // The copy is a file of its own, not a WAL database another process shares: a rollback
  // journal keeps it to one file once the connection closes.
  sqlite3_backup* backup = sqlite3_backup_init(to->handle(), "main", from->handle(), "main");
  if (backup == nullptr) return to->Error("sqlite3_backup_init");
  // -1: every page in one step, so in one read transaction of the source.
  int rc = sqlite3_backup_step(backup, -1);
  for (int tries = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100; ++tries) {
    sqlite3_sleep(50);
    rc = sqlite3_backup_step(backup, -1);
  }
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return absl::UnavailableError(
        absl::StrCat("copying ", source, " failed: ", sqlite3_errstr(rc)));
  }
  if (finished != SQLITE_OK) return to->Error("sqlite3_backup_finish");
  RETURN_IF_ERROR(to->Exec("PRAGMA journal_mode=DELETE"));
  return absl::OkStatus();
}

}  // namespace

absl::Status CopySqliteDatabase(const std::string& source, const std::string& destination) {
  struct stat st {};
  if (::stat(destination.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(destination, " exists"));
  }
  if (::stat(source.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("no database at ", source));
  }
  absl::Status copied = Copy(source, destination);
  if (copied.ok()) copied = SyncFile(destination);
  if (!copied.ok()) RemoveSqliteFiles(destination);
  return copied;
}

void RemoveSqliteFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    ::unlink(absl::StrCat(path, suffix).c_str());
  }
}

}  // namespace lienthong::store::sqlite

// A consistent copy of a SQLite store taken while lienthongd writes to it (SQLite's online
// backup API), for `lienthongctl backup`.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace lienthong::store::sqlite {

// Copies the database at `source` (opened read-only) into the new file `destination`, all in
// one read transaction: the copy is the database as of one commit, WAL included, and writers
// are not held up (WAL readers do not block them). The copy is fsync'd. ALREADY_EXISTS when
// `destination` exists; on failure no `destination` is left behind.
absl::Status CopySqliteDatabase(const std::string& source, const std::string& destination);

// Removes the database file at `path` and its -journal, -wal and -shm files, whichever exist.
void RemoveSqliteFiles(const std::string& path);

}  // namespace lienthong::store::sqlite

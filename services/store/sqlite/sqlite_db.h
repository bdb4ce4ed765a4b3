// Thin RAII wrappers over the SQLite C API: a connection with a prepared-statement cache, and
// statements with typed binds and columns. Errors become absl::Status naming the SQL.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lienthong::store::sqlite {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  // Resets the statement and clears its bindings, ready for reuse.
  void Reset();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);          // TEXT
  Statement& BindBlob(int index, absl::string_view bytes);     // BLOB
  Statement& Bind(int index, absl::Time time);                 // INTEGER unix micros
  Statement& Bind(int index, const std::optional<absl::Time>& time);  // NULL when unset
  Statement& BindNull(int index);

  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion of a statement that returns no rows.
  absl::Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;
  std::string Blob(int column) const;
  absl::Time Time(int column) const { return absl::FromUnixMicros(Int(column)); }
  std::optional<absl::Time> OptionalTime(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens the database file (created when missing unless read-only), through the named SQLite
  // VFS (nullptr: the default one).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                          const char* vfs = nullptr);
  ~Connection();

  // Runs one or more statements without results (PRAGMAs, DDL, BEGIN/COMMIT).
  absl::Status Exec(const char* sql);
  // Runs one statement without results from the prepared-statement cache: for the statements a
  // hot path repeats (BEGIN, SAVEPOINT, COMMIT), which Exec would parse every time.
  absl::Status ExecCached(const char* sql);
  // A cached prepared statement for `sql`, reset and ready. Owned by the connection.
  absl::StatusOr<Statement*> Prepare(const char* sql);

  sqlite3* handle() { return db_; }
  absl::Status Error(absl::string_view what) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  absl::flat_hash_map<const char*, std::pair<sqlite3_stmt*, std::unique_ptr<Statement>>> cache_;
};

}  // namespace lienthong::store::sqlite

// A thin libpq connection, shared by the PostgreSQL store and the postgres adapter: connect with
// an optional password file, run parameterised SQL, and map PostgreSQL errors onto status codes
// (an outage is UNAVAILABLE; the SQLSTATE of the last failure stays readable for callers that
// tell conflicts apart).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lienthong::pg {

// One query's result; owns the PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string Get(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row, column)));
  }
  // Typed reads of text-format columns: integers, booleans ('t'), bytea ("\\x<hex>"), and
  // bigint unix microseconds as times.
  int64_t Int(int row, int column) const;
  bool Bool(int row, int column) const { return PQgetvalue(result_.get(), row, column)[0] == 't'; }
  std::string Bytes(int row, int column) const;
  absl::Time Time(int row, int column) const { return absl::FromUnixMicros(Int(row, column)); }
  std::optional<absl::Time> OptionalTime(int row, int column) const {
    if (IsNull(row, column)) return std::nullopt;
    return Time(row, column);
  }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A query parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// Typed parameters of one statement: numbers and text in text form, bytea in binary form (no
// escaping, no hex doubling), times as bigint unix microseconds.
class PgArgs {
 public:
  PgArgs& Int(int64_t value);
  PgArgs& Text(std::string value);
  PgArgs& Bytes(std::string value);
  PgArgs& Time(absl::Time value) { return Int(absl::ToUnixMicros(value)); }
  PgArgs& Time(const std::optional<absl::Time>& value);
  PgArgs& Null();

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> formats_;
};

class PgConnection {
 public:
  // Connects with the libpq `conninfo` (keywords or URI); `password` overrides any in it when
  // not empty. connect_timeout defaults to 5 s unless the conninfo sets it. UNAVAILABLE when
  // the server cannot be reached or refuses the login.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                               const std::string& password);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs SQL (several statements allowed when there are no parameters).
  absl::Status Exec(const std::string& sql);
  // Runs one statement with text parameters and returns its rows.
  absl::StatusOr<PgResult> Query(const std::string& sql, const std::vector<PgParam>& params = {});
  // Runs one statement with typed parameters, prepared on this connection at its first use (the
  // statement is named after the order of first use; `sql` is the cache key).
  absl::StatusOr<PgResult> Run(const std::string& sql, const PgArgs& args);
  // Runs one or more statements without parameters and returns the last one's rows.
  absl::StatusOr<PgResult> QueryAll(const std::string& sql);
  // False once the server connection is lost.
  bool healthy() const;
  // The SQLSTATE of the last failed Exec or Query ("" when it had none, or it succeeded).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  PGconn* handle() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::Status ErrorOf(PGresult* result, const std::string& sql) const;
  // `result` as rows, or (cleared) as the error it reports.
  absl::StatusOr<PgResult> Finish(PGresult* result, const std::string& sql);

  PGconn* conn_;
  mutable std::string last_sqlstate_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> statement name
};

// The password a password file holds (its first line); NOT_FOUND etc. naming the file.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

// Why a libpq conninfo is not acceptable in a config (it does not parse, or it holds a password,
// which belongs in a password file: `password_file_field` names that setting); empty when fine.
std::string ConninfoProblem(const std::string& conninfo, const std::string& password_file_field);

// SQL text of a string literal array: {"a","b"} with quotes and backslashes escaped.
std::string PgTextArray(const std::vector<std::string>& values);

}  // namespace lienthong::pg

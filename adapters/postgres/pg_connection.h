// A thin libpq connection: connect with an optional password file, run parameterised SQL, and
// map PostgreSQL errors onto the adapter contract's status codes (outage vs refused content).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lienthong::adapters::postgres {

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

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A query parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

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
  // False once the server connection is lost.
  bool healthy() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::Status ErrorOf(PGresult* result, const std::string& sql) const;

  PGconn* conn_;
};

// The password a password file holds (its first line); NOT_FOUND etc. naming the file.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

// SQL text of a string literal array: {"a","b"} with quotes and backslashes escaped.
std::string PgTextArray(const std::vector<std::string>& values);

}  // namespace lienthong::adapters::postgres

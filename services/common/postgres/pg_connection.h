// A thin libpq connection, shared by the PostgreSQL store and the postgres adapter: connect with
// an optional password file, run parameterised SQL, and map PostgreSQL errors onto status codes
// (an outage is UNAVAILABLE; the SQLSTATE of the last failure stays readable for callers that
// tell conflicts apart).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
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
  // The values and lengths libpq takes (pointers into this PgArgs; NULL for SQL NULL).
  struct Arrays {
    std::vector<const char*> values;
    std::vector<int> lengths;
  };
  Arrays AsArrays() const;
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

  // Pipeline mode (libpq 14+): statements go out without waiting for each one's reply, and the
  // replies are read in order later, so a run of writes costs one round trip instead of one
  // each. The server stops at the first failure and skips everything after it up to the next
  // sync (those replies read as failures too). While in it, Run sends its statement and reads
  // every reply owed up to its own (one round trip); Exec, Query and QueryAll are refused.
  using Check = std::function<absl::Status(const PgResult&)>;
  absl::Status EnterPipeline();
  bool in_pipeline() const { return PQpipelineStatus(conn_) != PQ_PIPELINE_OFF; }
  // Sends one statement whose reply is read later and handed to `check` (may be empty); a
  // failure of either becomes pipeline_failure(). `prepare`: as Run (cached by its text);
  // otherwise sent unnamed, for one-off SQL.
  absl::Status Send(const std::string& sql, const PgArgs& args, Check check = nullptr,
                    bool prepare = true);
  // Reads every reply owed so far.
  absl::Status Drain();
  // Sends a sync, reads every reply up to it and leaves pipeline mode. Returns
  // pipeline_failure(). After a failure, an open transaction is left aborted (ROLLBACK it).
  absl::Status ExitPipeline();
  // The first failure since EnterPipeline (a statement's, or its check's); OK when none.
  const absl::Status& pipeline_failure() const { return pipeline_failure_; }
  // The SQLSTATE of the last failed Exec or Query ("" when it had none, or it succeeded).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  PGconn* handle() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::Status ErrorOf(PGresult* result, const std::string& sql) const;
  // `result` as rows, or (cleared) as the error it reports.
  absl::StatusOr<PgResult> Finish(PGresult* result, const std::string& sql);

  // A reply the pipeline still owes, in the order the statements were sent.
  struct Owed {
    enum Kind { kPrepare, kStatement, kSync } kind;
    std::string sql;   // for messages; for kPrepare, the cache key to forget if it fails
    Check check;
  };
  // The cached statement name for `sql`, sending its PREPARE first when new.
  absl::StatusOr<std::string> PreparedName(const std::string& sql, bool pipelined);
  absl::Status SendStatement(const std::string& sql, const PgArgs& args, bool prepare,
                             Check check);
  // Flushes what was sent and asks the server for its replies so far.
  absl::Status FlushPipeline();
  // Reads the front owed reply; its rows are kept when `keep` is given.
  absl::Status ReadOwed(std::optional<PgResult>* keep);
  void NotePipelineFailure(absl::Status failure);

  PGconn* conn_;
  mutable std::string last_sqlstate_;
  std::deque<Owed> owed_;
  absl::Status pipeline_failure_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> statement name
  int64_t statements_named_ = 0;  // names are never reused, even after a failed PREPARE
};

// The password a password file holds (its first line); NOT_FOUND etc. naming the file.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

// Why a libpq conninfo is not acceptable in a config (it does not parse, or it holds a password,
// which belongs in a password file: `password_file_field` names that setting); empty when fine.
std::string ConninfoProblem(const std::string& conninfo, const std::string& password_file_field);

// SQL text of a string literal array: {"a","b"} with quotes and backslashes escaped.
std::string PgTextArray(const std::vector<std::string>& values);

}  // namespace lienthong::pg

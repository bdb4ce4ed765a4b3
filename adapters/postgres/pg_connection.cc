// libpq wrapper and the SQLSTATE -> status mapping of the postgres adapter.
#include "adapters/postgres/pg_connection.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::adapters::postgres {
namespace {

// Which failures are outages (retried by the engine for as long as it takes) and which are
// refusals of the content (blamed on a record): SQLSTATE classes per PostgreSQL Appendix A.
absl::StatusCode CodeOfSqlState(absl::string_view state) {
  if (absl::StartsWith(state, "08")) return absl::StatusCode::kUnavailable;  // connection
  if (state == "57P01" || state == "57P02" || state == "57P03") {
    return absl::StatusCode::kUnavailable;  // admin/crash shutdown, cannot connect now
  }
  if (state == "57014") return absl::StatusCode::kDeadlineExceeded;  // statement timeout
  // The destination is misconfigured for every record alike (login, privileges, a schema or
  // table dropped under the adapter): an outage to fix, not a record to blame.
  if (absl::StartsWith(state, "28") || state == "42501" || state == "42P01" ||
      state == "3F000") {
    return absl::StatusCode::kUnavailable;
  }
  if (absl::StartsWith(state, "53")) return absl::StatusCode::kResourceExhausted;  // disk, memory
  if (absl::StartsWith(state, "40")) return absl::StatusCode::kAborted;  // serialization, deadlock
  if (absl::StartsWith(state, "22") || absl::StartsWith(state, "23")) {
    return absl::StatusCode::kInvalidArgument;  // data exception, integrity constraint
  }
  return absl::StatusCode::kFailedPrecondition;
}

}  // namespace

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string contents, security::ReadFileToString(path));
  const size_t newline = contents.find('\n');
  if (newline != std::string::npos) contents.resize(newline);
  absl::StripTrailingAsciiWhitespace(&contents);
  return contents;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                                    const std::string& password) {
  // Later entries override earlier ones, and the expanded conninfo overrides the defaults.
  // NOTICEs (e.g. "already exists, skipping" from the idempotent schema) would go to stderr.
  std::vector<const char*> keys = {"connect_timeout", "application_name", "options", "dbname"};
  std::vector<const char*> values = {"5", "lienthongd", "-c client_min_messages=warning",
                                     conninfo.c_str()};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    absl::StripTrailingAsciiWhitespace(&why);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("postgres: cannot connect: ", why));
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

absl::Status PgConnection::ErrorOf(PGresult* result, const std::string& sql) const {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string why = result == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(result);
  absl::StripTrailingAsciiWhitespace(&why);
  absl::StatusCode code = state == nullptr ? absl::StatusCode::kUnavailable : CodeOfSqlState(state);
  if (!healthy()) code = absl::StatusCode::kUnavailable;
  const absl::string_view statement = absl::string_view(sql).substr(0, 60);
  return absl::Status(code, absl::StrCat("postgres: ", why, state ? " (SQLSTATE " : "",
                                         state ? state : "", state ? ")" : "", " in \"",
                                         statement, sql.size() > 60 ? "...\"" : "\""));
}

absl::Status PgConnection::Exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  absl::Status outcome = absl::OkStatus();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) outcome = ErrorOf(result, sql);
  PQclear(result);
  return outcome;
}

absl::StatusOr<PgResult> PgConnection::Query(const std::string& sql,
                                             const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, /*resultFormat=*/0);
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status error = ErrorOf(result, sql);
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

}  // namespace lienthong::adapters::postgres

// libpq wrapper and the SQLSTATE -> status mapping.
#include "services/common/postgres/pg_connection.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::pg {
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

std::string ConninfoProblem(const std::string& conninfo, const std::string& password_file_field) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  std::string problem;
  if (parsed == nullptr) {
    problem = error != nullptr ? error : "does not parse";
    absl::StripTrailingAsciiWhitespace(&problem);
  } else {
    for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
      if (std::string(option->keyword) == "password" && option->val != nullptr &&
          option->val[0] != '\0') {
        problem = absl::StrCat("must not hold the password: use ", password_file_field);
      }
    }
    PQconninfoFree(parsed);
  }
  PQfreemem(error);
  return problem;
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
  // A server that vanishes (a host failing over) must not hold a call for the kernel's
  // retransmission timeout (minutes): TCP keepalives and a 10 s limit on unacknowledged data.
  std::vector<const char*> keys = {"connect_timeout", "application_name", "options",
                                   "keepalives", "keepalives_idle", "keepalives_interval",
                                   "keepalives_count", "tcp_user_timeout", "dbname"};
  std::vector<const char*> values = {"5", "lienthongd", "-c client_min_messages=warning",
                                     "1", "10", "3", "3", "10000", conninfo.c_str()};
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
  last_sqlstate_ = state == nullptr ? "" : state;
  std::string why = result == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(result);
  absl::StripTrailingAsciiWhitespace(&why);
  absl::StatusCode code = state == nullptr ? absl::StatusCode::kUnavailable : CodeOfSqlState(state);
  if (!healthy()) code = absl::StatusCode::kUnavailable;
  const absl::string_view statement = absl::string_view(sql).substr(0, 60);
  return absl::Status(code, absl::StrCat("postgres: ", why, state ? " (SQLSTATE " : "",
                                         state ? state : "", state ? ")" : "", " in \"",
                                         statement, sql.size() > 60 ? "...\"" : "\""));
}

absl::StatusOr<PgResult> PgConnection::Finish(PGresult* result, const std::string& sql) {
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status error = ErrorOf(result, sql);
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

absl::Status PgConnection::Exec(const std::string& sql) { return QueryAll(sql).status(); }

absl::StatusOr<PgResult> PgConnection::Query(const std::string& sql,
                                             const std::vector<PgParam>& params) {
  last_sqlstate_.clear();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, /*resultFormat=*/0);
  return Finish(result, sql);
}

int64_t PgResult::Int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || n[0] == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

std::string PgResult::Bytes(int row, int column) const {
  // bytea in text form is "\x" and two hex digits a byte (bytea_output = hex, the default).
  const char* text = PQgetvalue(result_.get(), row, column);
  const int length = PQgetlength(result_.get(), row, column);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  std::string bytes;
  if (length < 2 || text[0] != '\\' || text[1] != 'x') return bytes;
  bytes.resize(static_cast<size_t>((length - 2) / 2));
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((nibble(text[2 + 2 * i]) << 4) | nibble(text[3 + 2 * i]));
  }
  return bytes;
}

PgArgs& PgArgs::Int(int64_t value) {
  values_.push_back(std::to_string(value));
  null_.push_back(false);
  formats_.push_back(0);
  return *this;
}

PgArgs& PgArgs::Text(std::string value) {
  values_.push_back(std::move(value));
  null_.push_back(false);
  formats_.push_back(0);
  return *this;
}

PgArgs& PgArgs::Bytes(std::string value) {
  values_.push_back(std::move(value));
  null_.push_back(false);
  formats_.push_back(1);
  return *this;
}

PgArgs& PgArgs::Time(const std::optional<absl::Time>& value) {
  return value.has_value() ? Time(*value) : Null();
}

PgArgs::Arrays PgArgs::AsArrays() const {
  Arrays arrays;
  arrays.values.resize(values_.size());
  arrays.lengths.resize(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    arrays.values[i] = null_[i] ? nullptr : values_[i].data();
    arrays.lengths[i] = static_cast<int>(values_[i].size());
  }
  return arrays;
}

PgArgs& PgArgs::Null() {
  values_.emplace_back();
  null_.push_back(true);
  formats_.push_back(0);
  return *this;
}

absl::StatusOr<std::string> PgConnection::PreparedName(const std::string& sql, bool pipelined) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  std::string name = absl::StrCat("lt", ++statements_named_);
  if (pipelined) {
    // Its reply comes in order before the statement's; a failed one is forgotten then.
    if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) != 1) {
      return ErrorOf(nullptr, sql);
    }
    owed_.push_back(Owed{Owed::kPrepare, sql, nullptr});
  } else {
    PGresult* prepared = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      absl::Status error = ErrorOf(prepared, sql);
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
  }
  prepared_.emplace(sql, name);
  return name;
}

absl::StatusOr<PgResult> PgConnection::Run(const std::string& sql, const PgArgs& args) {
  last_sqlstate_.clear();
  if (in_pipeline()) {
    RETURN_IF_ERROR(SendStatement(sql, args, /*prepare=*/true, nullptr));
    RETURN_IF_ERROR(FlushPipeline());
    std::optional<PgResult> rows;
    absl::Status mine;
    while (!owed_.empty()) {
      const bool last = owed_.size() == 1;
      absl::Status read = ReadOwed(last ? &rows : nullptr);
      if (last) mine = read;
      if (!healthy()) {
        owed_.clear();
        return pipeline_failure_;
      }
    }
    if (!mine.ok()) return mine;
    if (!rows.has_value()) return absl::InternalError("pipeline: the statement's reply is missing");
    return std::move(*rows);
  }
  ASSIGN_OR_RETURN(std::string name, PreparedName(sql, /*pipelined=*/false));
  const size_t n = args.values_.size();
  const PgArgs::Arrays arrays = args.AsArrays();
  PGresult* result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(n), arrays.values.data(),
                                    arrays.lengths.data(), args.formats_.data(), /*resultFormat=*/0);
  return Finish(result, sql);
}

absl::Status PgConnection::EnterPipeline() {
  owed_.clear();
  pipeline_failure_ = absl::OkStatus();
  if (PQenterPipelineMode(conn_) != 1) {
    return absl::InternalError(absl::StrCat("postgres: cannot enter pipeline mode: ",
                                            PQerrorMessage(conn_)));
  }
  return absl::OkStatus();
}

absl::Status PgConnection::Send(const std::string& sql, const PgArgs& args, Check check,
                                bool prepare) {
  last_sqlstate_.clear();
  if (!in_pipeline()) return absl::FailedPreconditionError("pipeline: Send outside pipeline mode");
  return SendStatement(sql, args, prepare, std::move(check));
}

absl::Status PgConnection::SendStatement(const std::string& sql, const PgArgs& args, bool prepare,
                                         Check check) {
  const size_t n = args.values_.size();
  const PgArgs::Arrays arrays = args.AsArrays();
  int sent = 0;
  if (prepare) {
    auto name = PreparedName(sql, /*pipelined=*/true);
    if (!name.ok()) {
      NotePipelineFailure(name.status());
      return name.status();
    }
    sent = PQsendQueryPrepared(conn_, name->c_str(), static_cast<int>(n), arrays.values.data(),
                               arrays.lengths.data(), args.formats_.data(), /*resultFormat=*/0);
  } else {
    sent = PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(n), nullptr, arrays.values.data(),
                             arrays.lengths.data(), args.formats_.data(), /*resultFormat=*/0);
  }
  if (sent != 1) {
    absl::Status error = ErrorOf(nullptr, sql);
    NotePipelineFailure(error);
    return error;
  }
  owed_.push_back(Owed{Owed::kStatement, sql, std::move(check)});
  return absl::OkStatus();
}

absl::Status PgConnection::FlushPipeline() {
  if (PQsendFlushRequest(conn_) != 1 || PQflush(conn_) != 0) {
    absl::Status error = ErrorOf(nullptr, "(flush)");
    NotePipelineFailure(error);
    return error;
  }
  return absl::OkStatus();
}

void PgConnection::NotePipelineFailure(absl::Status failure) {
  if (pipeline_failure_.ok()) pipeline_failure_ = std::move(failure);
}

absl::Status PgConnection::ReadOwed(std::optional<PgResult>* keep) {
  Owed owed = std::move(owed_.front());
  owed_.pop_front();
  PGresult* result = PQgetResult(conn_);
  if (result == nullptr) {
    absl::Status error = ErrorOf(nullptr, owed.sql);
    NotePipelineFailure(error);
    return error;
  }
  const ExecStatusType status = PQresultStatus(result);
  if (owed.kind == Owed::kSync) {
    PQclear(result);
    if (status == PGRES_PIPELINE_SYNC) return absl::OkStatus();
    absl::Status error = absl::InternalError("pipeline: expected the sync's reply");
    NotePipelineFailure(error);
    return error;
  }
  // A statement's reply ends with a null result.
  if (PGresult* end = PQgetResult(conn_); end != nullptr) PQclear(end);
  absl::Status outcome;
  if (status == PGRES_PIPELINE_ABORTED) {
    PQclear(result);
    outcome = absl::Status(
        pipeline_failure_.ok() ? absl::StatusCode::kAborted : pipeline_failure_.code(),
        absl::StrCat("not run after an earlier failure in the pipeline: ",
                     pipeline_failure_.message()));
  } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    outcome = ErrorOf(result, owed.sql);
    PQclear(result);
  } else {
    PgResult rows(result);
    if (owed.check) outcome = owed.check(rows);
    if (outcome.ok() && keep != nullptr) *keep = std::move(rows);
  }
  if (owed.kind == Owed::kPrepare && !outcome.ok()) prepared_.erase(owed.sql);
  if (!outcome.ok()) NotePipelineFailure(outcome);
  return outcome;
}

absl::Status PgConnection::Drain() {
  if (owed_.empty()) return pipeline_failure_;
  RETURN_IF_ERROR(FlushPipeline());
  while (!owed_.empty()) {
    (void)ReadOwed(nullptr);
    if (!healthy()) owed_.clear();
  }
  return pipeline_failure_;
}

absl::Status PgConnection::ExitPipeline() {
  if (!in_pipeline()) return pipeline_failure_;
  if (PQpipelineSync(conn_) == 1) {
    owed_.push_back(Owed{Owed::kSync, "(sync)", nullptr});
  } else {
    NotePipelineFailure(ErrorOf(nullptr, "(sync)"));
    owed_.clear();
  }
  while (!owed_.empty()) {
    (void)ReadOwed(nullptr);
    if (!healthy()) owed_.clear();
  }
  if (PQexitPipelineMode(conn_) != 1 && healthy()) {
    NotePipelineFailure(absl::InternalError(
        absl::StrCat("postgres: cannot leave pipeline mode: ", PQerrorMessage(conn_))));
  }
  absl::Status failure = std::move(pipeline_failure_);
  pipeline_failure_ = absl::OkStatus();
  return failure;
}

absl::StatusOr<PgResult> PgConnection::QueryAll(const std::string& sql) {
  last_sqlstate_.clear();
  PGresult* result = PQexec(conn_, sql.c_str());
  return Finish(result, sql);
}

}  // namespace lienthong::pg

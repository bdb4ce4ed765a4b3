// PostgresCluster: initdb, pg_ctl start/stop, runuser when root, libpq queries.
#include "tests/support/postgres_cluster.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"

namespace lienthong::test {
namespace {

constexpr char kServerUser[] = "postgres";

absl::Status RunChecked(const std::vector<std::string>& argv, absl::Duration timeout) {
  auto result = RunProcess(argv, timeout);
  if (!result.ok()) return result.status();
  if (!result->exit.Succeeded()) {
    return absl::InternalError(absl::StrCat(absl::StrJoin(argv, " "), ": ",
                                            result->exit.ToString(), "\n", result->stdout_text,
                                            result->stderr_text));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> PostgresCluster::AsServerUser(std::vector<std::string> argv) const {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", kServerUser, "--"});
  return argv;
}

absl::StatusOr<std::unique_ptr<PostgresCluster>> PostgresCluster::Start(
    const PostgresClusterOptions& options) {
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  cluster->options_ = options;
  const char* bin = std::getenv("LIENTHONG_PG_BIN");
  cluster->bin_ = bin != nullptr ? bin : "/usr/lib/postgresql/15/bin";
  if (::access((cluster->bin_ + "/initdb").c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no PostgreSQL 15 in ", cluster->bin_,
                     ": install postgresql-15 (bash deploy/install-deps.sh --with-postgres)"));
  }
  if (cluster->dir_.path().empty()) return absl::InternalError("cannot make a temporary folder");
  if (::geteuid() == 0) {
    struct passwd* user = ::getpwnam(kServerUser);
    if (user == nullptr) {
      return absl::FailedPreconditionError(
          "running as root but there is no 'postgres' user (the postgresql-15 package makes it)");
    }
    if (::chown(cluster->dir_.path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      return absl::InternalError("cannot hand the cluster folder to the postgres user");
    }
  }
  cluster->data_ = cluster->dir_.Path("data");
  if (absl::Status made = RunChecked(
          cluster->AsServerUser({cluster->bin_ + "/initdb", "-D", cluster->data_, "-A", "trust",
                                 "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"}),
          absl::Seconds(120));
      !made.ok()) {
    return made;
  }
  auto port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  cluster->port_ = *port;
  if (absl::Status started = cluster->Restart(); !started.ok()) return started;
  return cluster;
}

PostgresCluster::~PostgresCluster() {
  if (running_) (void)PgCtl({"stop", "-m", "immediate", "-w", "-t", "30"});
}

absl::Status PostgresCluster::PgCtl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bin_ + "/pg_ctl", "-D", data_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunChecked(AsServerUser(argv), absl::Seconds(60));
}

absl::Status PostgresCluster::Restart() {
  std::vector<std::string> settings = {
      absl::StrCat("-c port=", port_), "-c listen_addresses=127.0.0.1",
      absl::StrCat("-c unix_socket_directories=", dir_.path()),
      absl::StrCat("-c fsync=", options_.fsync ? "on" : "off")};
  for (const auto& setting : options_.settings) settings.push_back("-c " + setting);
  absl::Status started = PgCtl({"start", "-w", "-t", "60", "-l", dir_.Path("server.log"), "-o",
                                absl::StrJoin(settings, " ")});
  if (started.ok()) running_ = true;
  return started;
}

absl::Status PostgresCluster::Stop() {
  absl::Status stopped = PgCtl({"stop", "-m", "fast", "-w", "-t", "60"});
  if (stopped.ok()) running_ = false;
  return stopped;
}

std::string PostgresCluster::conninfo(const std::string& dbname) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=postgres dbname=", dbname);
}

absl::StatusOr<std::vector<std::vector<std::string>>> PostgresCluster::Query(
    const std::string& sql) const {
  PGconn* conn = PQconnectdb(conninfo().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect: ", why));
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string why = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    return absl::InternalError(absl::StrCat(sql, ": ", why));
  }
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(result); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(result); ++c) {
      row.push_back(PQgetisnull(result, r, c) ? "\\N" : PQgetvalue(result, r, c));
    }
    rows.push_back(std::move(row));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

absl::StatusOr<std::string> PostgresCluster::QueryValue(const std::string& sql) const {
  auto rows = Query(sql);
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1 || rows->front().size() != 1) {
    return absl::InternalError(absl::StrCat(sql, ": expected one value, got ", rows->size(),
                                            " rows"));
  }
  return rows->front().front();
}

PostgresCluster* PostgresSuite::cluster_ = nullptr;

void PostgresSuite::SetUpTestSuite() {
  auto cluster = PostgresCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  cluster_ = std::move(cluster).value().release();
}

void PostgresSuite::TearDownTestSuite() {
  delete cluster_;
  cluster_ = nullptr;
}

void PostgresSuite::SetUp() { ASSERT_NE(cluster_, nullptr) << "no PostgreSQL for this suite"; }

std::string PostgresSuite::SchemaForThisTest(const std::string& prefix) {
  std::string schema = prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : schema) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  schema.resize(std::min<size_t>(schema.size(), 40));
  return schema;
}

}  // namespace lienthong::test

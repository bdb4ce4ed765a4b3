// A throwaway PostgreSQL 15 server for tests and benchmarks: initdb into a temporary folder,
// listen on 127.0.0.1 on a free port, stop (and start again: outage tests), remove on teardown.
//
// PostgreSQL refuses to run as root; when the process is root (CI), initdb and pg_ctl run as the
// `postgres` system user of the postgresql-15 package, through runuser. Binaries are taken from
// $LIENTHONG_PG_BIN or /usr/lib/postgresql/15/bin.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace lienthong::test {

struct PostgresClusterOptions {
  // fsync=off makes tests fast; benchmarks keep it on to measure what production pays.
  bool fsync = false;
  // More "-c name=value" server settings.
  std::vector<std::string> settings;
};

class PostgresCluster {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresCluster>> Start(
      const PostgresClusterOptions& options = {});
  // Stops the server at once (if running) and removes its folder.
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  int port() const { return port_; }
  // libpq keywords for `dbname` as the superuser "postgres" over TCP on 127.0.0.1.
  std::string conninfo(const std::string& dbname = "postgres") const;

  // Fast shutdown (clients are disconnected), waiting until the server is gone.
  absl::Status Stop();
  // Starts the stopped server again on the same port and data.
  absl::Status Restart();

  // Runs `sql` (several statements allowed) and returns the rows of the last one as text, NULL
  // as "\\N".
  absl::StatusOr<std::vector<std::vector<std::string>>> Query(const std::string& sql) const;
  // The single value of a one-row, one-column query.
  absl::StatusOr<std::string> QueryValue(const std::string& sql) const;

 private:
  PostgresCluster() : dir_("lienthong_pg") {}
  absl::Status PgCtl(const std::vector<std::string>& args);
  std::vector<std::string> AsServerUser(std::vector<std::string> argv) const;

  TempDir dir_;
  std::string bin_;
  std::string data_;
  PostgresClusterOptions options_;
  int port_ = 0;
  bool running_ = false;
};

// A test suite sharing one cluster: started before the suite's first test, removed after its
// last. Derived fixtures that override SetUp call PostgresSuite::SetUp() first.
class PostgresSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  static PostgresCluster* cluster() { return cluster_; }
  // `prefix` + this test's name in lower case, cut to 40 bytes: a schema of its own (PostgreSQL
  // identifiers stop at 63 bytes).
  static std::string SchemaForThisTest(const std::string& prefix);

 private:
  static PostgresCluster* cluster_;
};

}  // namespace lienthong::test

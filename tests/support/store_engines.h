// Store engines for tests: one harness per engine, so that a test written once runs on SQLite
// (a file in a temporary folder) and on PostgreSQL (a schema of its own in a throwaway cluster
// that this test process starts at first use and stops at exit).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/store.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/temp_dir.h"

namespace lienthong::test {

enum class StoreEngine { kSqlite, kPostgres };

// "sqlite" / "postgres": for parameterised test names.
std::string EngineName(StoreEngine engine);

struct StoreOpenOptions {
  absl::Duration group_commit_linger = absl::ZeroDuration();
  int group_commit_max_batch = 512;
  // PostgreSQL only.
  int writer_connections = 4;
  absl::Duration poll_interval = absl::Milliseconds(250);
};

// One database of one engine. Every Open() opens the same database (a reopen, or another replica
// on PostgreSQL).
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  static absl::StatusOr<std::unique_ptr<StoreHarness>> Make(StoreEngine engine);

  virtual StoreEngine engine() const = 0;
  virtual absl::StatusOr<std::unique_ptr<store::Store>> Open(const StoreOpenOptions& options = {}) = 0;
  // Runs SQL on the database directly, behind the store's back (an admin or an attacker).
  virtual absl::Status Tamper(const std::string& sql) = 0;
  // The schema version recorded in the database, and setting it (a database of another build).
  virtual absl::StatusOr<int> SchemaVersion() = 0;
  virtual absl::Status SetSchemaVersion(int version) = 0;
  // The schema version this build writes.
  virtual int CurrentSchemaVersion() const = 0;
  // PostgreSQL only: the cluster and the conninfo that selects this harness's schema.
  virtual PostgresCluster* cluster() { return nullptr; }
  virtual std::string conninfo() const { return ""; }
  // SQLite only: the database file.
  virtual std::string sqlite_path() const { return ""; }
};

// The PostgreSQL cluster this test process shares (started at first use, stopped at exit).
absl::StatusOr<PostgresCluster*> SharedPostgresCluster();

}  // namespace lienthong::test

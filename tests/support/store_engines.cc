// StoreHarness for SQLite (a temporary file) and PostgreSQL (a fresh schema in a shared cluster).
#include "tests/support/store_engines.h"

#include <sqlite3.h>

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/store/postgres/postgres_store.h"
#include "services/store/sqlite/sqlite_store.h"

namespace lienthong::test {
namespace {

class SqliteHarness final : public StoreHarness {
 public:
  StoreEngine engine() const override { return StoreEngine::kSqlite; }

  absl::StatusOr<std::unique_ptr<store::Store>> Open(const StoreOpenOptions& options) override {
    store::sqlite::SqliteOptions sqlite;
    sqlite.path = path_;
    sqlite.group_commit_linger = options.group_commit_linger;
    sqlite.group_commit_max_batch = options.group_commit_max_batch;
    auto opened = store::sqlite::SqliteStore::Open(sqlite);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<store::Store>(std::move(*opened));
  }

  absl::Status Tamper(const std::string& sql) override {
    sqlite3* db = nullptr;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) {
      sqlite3_close(db);
      return absl::InternalError("cannot open the database file");
    }
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string why = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat(sql, ": ", why));
    return absl::OkStatus();
  }

  absl::StatusOr<int> SchemaVersion() override {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    int version = -1;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      version = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    if (version < 0) return absl::InternalError("cannot read PRAGMA user_version");
    return version;
  }

  absl::Status SetSchemaVersion(int version) override {
    return Tamper(absl::StrCat("PRAGMA user_version = ", version));
  }
  int CurrentSchemaVersion() const override { return store::sqlite::kSchemaVersion; }

  std::string sqlite_path() const override { return path_; }

 private:
  TempDir dir_{"store_engine"};
  const std::string path_ = dir_.Path("store.db");
};

class PostgresHarness final : public StoreHarness {
 public:
  PostgresHarness(PostgresCluster* cluster, std::string schema)
      : cluster_(cluster), schema_(std::move(schema)) {}

  StoreEngine engine() const override { return StoreEngine::kPostgres; }

  absl::StatusOr<std::unique_ptr<store::Store>> Open(const StoreOpenOptions& options) override {
    store::postgres::PostgresOptions pg;
    pg.conninfo = conninfo();
    pg.group_commit_linger = options.group_commit_linger;
    pg.group_commit_max_batch = options.group_commit_max_batch;
    pg.writer_connections = options.writer_connections;
    pg.poll_interval = options.poll_interval;
    pg.reader_connections = 2;
    auto opened = store::postgres::PostgresStore::Open(pg);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<store::Store>(std::move(*opened));
  }

  absl::Status Tamper(const std::string& sql) override {
    return cluster_->Query(absl::StrCat("SET search_path = ", schema_, "; ", sql)).status();
  }

  absl::StatusOr<int> SchemaVersion() override {
    auto value = cluster_->QueryValue(absl::StrCat(
        "SELECT value FROM ", schema_, ".lienthong_meta WHERE key = 'schema_version'"));
    if (!value.ok()) return value.status();
    return std::stoi(*value);
  }

  absl::Status SetSchemaVersion(int version) override {
    return Tamper(absl::StrCat("UPDATE lienthong_meta SET value = ", version,
                               " WHERE key = 'schema_version'"));
  }
  int CurrentSchemaVersion() const override { return store::postgres::kPostgresSchemaVersion; }
  PostgresCluster* cluster() override { return cluster_; }
  std::string conninfo() const override {
    return absl::StrCat(cluster_->conninfo(), " options='-c search_path=", schema_, "'");
  }

 private:
  PostgresCluster* cluster_;
  std::string schema_;
};

// Stops the shared cluster when the test program ends.
class SharedClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { cluster.reset(); }
  std::unique_ptr<PostgresCluster> cluster;
};

SharedClusterEnvironment* Environment() {
  static SharedClusterEnvironment* environment = [] {
    auto* env = new SharedClusterEnvironment();
    ::testing::AddGlobalTestEnvironment(env);  // gtest owns it
    return env;
  }();
  return environment;
}
// Registered before main() runs, so that gtest tears it down.
[[maybe_unused]] const SharedClusterEnvironment* const kRegistered = Environment();

}  // namespace

std::string EngineName(StoreEngine engine) {
  return engine == StoreEngine::kSqlite ? "sqlite" : "postgres";
}

absl::StatusOr<PostgresCluster*> SharedPostgresCluster() {
  SharedClusterEnvironment* env = Environment();
  if (env->cluster == nullptr) {
    auto cluster = PostgresCluster::Start();
    if (!cluster.ok()) return cluster.status();
    env->cluster = std::move(*cluster);
  }
  return env->cluster.get();
}

absl::StatusOr<std::unique_ptr<StoreHarness>> StoreHarness::Make(StoreEngine engine) {
  if (engine == StoreEngine::kSqlite) return std::make_unique<SqliteHarness>();
  auto cluster = SharedPostgresCluster();
  if (!cluster.ok()) return cluster.status();
  static std::atomic<int> next{0};
  const std::string schema = absl::StrCat("lt_store_", ::getpid(), "_", next++);
  auto made = (*cluster)->Query(absl::StrCat("CREATE SCHEMA ", schema));
  if (!made.ok()) return made.status();
  return std::make_unique<PostgresHarness>(*cluster, schema);
}

}  // namespace lienthong::test

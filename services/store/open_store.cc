// Store settings from the config, and the engine they name.
#include "services/store/open_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/store/postgres/postgres_store.h"
#include "services/store/sqlite/sqlite_store.h"

namespace lienthong::store {
namespace {

sqlite::SqliteOptions SqliteOptionsOf(const config::v1::Store& config) {
  sqlite::SqliteOptions options;
  options.path = config.sqlite_file();
  if (config.has_group_commit_linger()) {
    options.group_commit_linger = FromProtoDuration(config.group_commit_linger());
  }
  if (config.group_commit_max_batch() > 0) {
    options.group_commit_max_batch = static_cast<int>(config.group_commit_max_batch());
  }
  return options;
}

postgres::PostgresOptions PostgresOptionsOf(const config::v1::Store& config) {
  const auto& pg = config.postgres();
  postgres::PostgresOptions options;
  options.conninfo = pg.conninfo();
  options.password_file = pg.password_file();
  if (pg.writer_connections() > 0) {
    options.writer_connections = static_cast<int>(pg.writer_connections());
  }
  if (pg.reader_connections() > 0) {
    options.reader_connections = static_cast<int>(pg.reader_connections());
  }
  if (config.has_group_commit_linger()) {
    options.group_commit_linger = FromProtoDuration(config.group_commit_linger());
  }
  if (config.group_commit_max_batch() > 0) {
    options.group_commit_max_batch = static_cast<int>(config.group_commit_max_batch());
  }
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const config::v1::Store& config) {
  switch (config.kind()) {
    case config::v1::STORE_KIND_POSTGRES: {
      ASSIGN_OR_RETURN(auto postgres, postgres::PostgresStore::Open(PostgresOptionsOf(config)));
      return std::unique_ptr<Store>(std::move(postgres));
    }
    case config::v1::STORE_KIND_UNSPECIFIED:
    case config::v1::STORE_KIND_SQLITE: {
      ASSIGN_OR_RETURN(auto sqlite, sqlite::SqliteStore::Open(SqliteOptionsOf(config)));
      return std::unique_ptr<Store>(std::move(sqlite));
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("store.kind: unknown engine ", static_cast<int>(config.kind())));
  }
}

}  // namespace lienthong::store

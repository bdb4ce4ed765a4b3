// PostgresAdapter: writes change events into a sector PostgreSQL database, one transaction per
// batch: natural-key upserts that only move forward in version, and an applied-event table that
// makes a re-sent or replayed event a no-op.
#pragma once

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "adapters/adapter.h"
#include "services/common/postgres/pg_connection.h"

namespace lienthong::adapters::postgres {

using ::lienthong::pg::PgConnection;
using ::lienthong::pg::PgParam;
using ::lienthong::pg::PgResult;
using ::lienthong::pg::PgTextArray;
using ::lienthong::pg::ReadPasswordFile;

struct PostgresOptions {
  std::string conninfo;       // libpq keywords or URI, without the password
  std::string password_file;  // optional; read at every (re)connect so a new password applies
  std::string schema = "lienthong_sync";
};

// Connects on first use and after a lost connection; the schema is created then (idempotent).
// A batch that finds its connection broken reconnects once at once before reporting
// UNAVAILABLE, so a server restart between batches costs no backoff. Thread-safe.
class PostgresAdapter final : public Adapter {
 public:
  explicit PostgresAdapter(PostgresOptions options) : options_(std::move(options)) {}

  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override;

 private:
  absl::Status ConnectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyInTransactionLocked(absl::Span<const v1::ChangeEvent> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PostgresOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<PgConnection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::adapters::postgres

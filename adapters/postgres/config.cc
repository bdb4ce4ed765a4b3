// The "postgres" adapter factory.
#include "adapters/postgres/config.h"

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/postgres/pg_connection.h"

namespace lienthong::adapters::postgres {
namespace {

// Schema names are spliced into SQL, so only plain lower-case identifiers are allowed.
bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!absl::ascii_islower(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

void PostgresAdapterFactory::ValidateKind(const config::v1::PostgresAdapterConfig& pg,
                                          FieldViolations* violations) const {
  if (pg.conninfo().empty()) {
    violations->Add("postgres.conninfo", "required (libpq keywords or a postgresql:// URI)");
  } else {
    const std::string problem = pg::ConninfoProblem(pg.conninfo(), "postgres.password_file");
    if (!problem.empty()) violations->Add("postgres.conninfo", problem);
  }
  if (!pg.schema().empty() && !IsPlainIdentifier(pg.schema())) {
    violations->Add("postgres.schema", "1-63 characters of [a-z0-9_], not starting with a digit");
  }
}

absl::StatusOr<std::unique_ptr<Adapter>> PostgresAdapterFactory::CreateKind(
    const config::v1::Adapter&, const config::v1::PostgresAdapterConfig& pg) const {
  PostgresOptions options;
  options.conninfo = pg.conninfo();
  options.password_file = pg.password_file();
  if (!pg.schema().empty()) options.schema = pg.schema();
  return std::make_unique<PostgresAdapter>(std::move(options));
}

}  // namespace lienthong::adapters::postgres

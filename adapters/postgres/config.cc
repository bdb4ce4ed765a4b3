// The "postgres" adapter factory.
#include "adapters/postgres/config.h"

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/postgres/pg_connection.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"

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

std::vector<v1::RecordType> PostgresAdapterFactory::record_types() const {
  return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
          v1::RECORD_TYPE_DIPLOMA};
}

absl::Status PostgresAdapterFactory::Validate(const config::v1::Adapter& config) const {
  FieldViolations violations;
  if (!config.has_postgres()) {
    violations.Add("postgres", "required for an adapter of kind postgres");
    return violations.ToStatus();
  }
  const auto& pg = config.postgres();
  if (pg.conninfo().empty()) {
    violations.Add("postgres.conninfo", "required (libpq keywords or a postgresql:// URI)");
  } else {
    const std::string problem = pg::ConninfoProblem(pg.conninfo(), "postgres.password_file");
    if (!problem.empty()) violations.Add("postgres.conninfo", problem);
  }
  if (!pg.schema().empty() && !IsPlainIdentifier(pg.schema())) {
    violations.Add("postgres.schema", "1-63 characters of [a-z0-9_], not starting with a digit");
  }
  return violations.ToStatus();
}

absl::StatusOr<std::unique_ptr<Adapter>> PostgresAdapterFactory::Create(
    const config::v1::Adapter& config) const {
  RETURN_IF_ERROR(Validate(config));
  PostgresOptions options;
  options.conninfo = config.postgres().conninfo();
  options.password_file = config.postgres().password_file();
  if (!config.postgres().schema().empty()) options.schema = config.postgres().schema();
  return std::make_unique<PostgresAdapter>(std::move(options));
}

}  // namespace lienthong::adapters::postgres

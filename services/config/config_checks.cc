// The semantic checks of the gateway config (ValidateGatewayConfig), one function per section of
// the file. Structure is the YAML loader's; these add the meaning: required fields, addresses,
// files that must exist, well-formed codes, names that refer to something.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "adapters/adapter_registry.h"
#include "adapters/builtin_adapters.h"
#include "google/protobuf/descriptor.h"
#include "lienthong/v1/admin_service.pb.h"
#include "lienthong/v1/change_feed_service.pb.h"
#include "lienthong/v1/dossier_service.pb.h"
#include "lienthong/v1/education_record_service.pb.h"
#include "lienthong/v1/sector_sink_service.pb.h"
#include "services/common/files.h"
#include "services/common/host_port.h"
#include "services/common/postgres/pg_connection.h"
#include "services/common/rpc_status.h"
#include "services/config/gateway_config.h"
#include "services/domain/codes.h"
#include "services/domain/kpi_names.h"

namespace lienthong::config {
namespace {

namespace contracts = ::lienthong::v1;

class ErrorList {
 public:
  explicit ErrorList(std::string file) : file_(std::move(file)) {}
  void Add(const std::string& path, const std::string& what) {
    errors_.push_back(absl::StrCat(file_, ": ", path, ": ", what));
  }
  absl::Status ToStatus() const {
    if (errors_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

void RequireReadableFile(ErrorList& errors, const std::string& path, const std::string& value,
                         bool required) {
  if (value.empty()) {
    if (required) errors.Add(path, "required");
    return;
  }
  if (const std::string problem = UnreadableFileProblem(value); !problem.empty()) {
    errors.Add(path, problem);
  }
}

// `address` as host:port (port 0 asks for a free port).
void RequireHostPort(ErrorList& errors, const std::string& path, const std::string& address) {
  if (!ParseHostPort(address)) {
    errors.Add(path, absl::StrCat("'", address, "' is not host:port (port 0-65535)"));
  }
}

void RequireDirectory(ErrorList& errors, const std::string& path, const std::string& value) {
  if (value.empty()) return;
  struct stat st {};
  if (::stat(value.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    errors.Add(path, absl::StrCat("directory not found: ", value));
  }
}

void CheckPositiveDuration(ErrorList& errors, const std::string& path, bool has,
                           const google::protobuf::Duration& d) {
  if (has && (d.seconds() < 0 || d.nanos() < 0 || (d.seconds() == 0 && d.nanos() == 0))) {
    errors.Add(path, "must be a positive duration");
  }
}

// "pkg.Service/Method", "pkg.Service/*" or "*", naming a service the gateway serves.
std::string CheckMethodPattern(const std::string& pattern) {
  if (pattern == "*") return "";
  const std::vector<std::string> parts = absl::StrSplit(pattern, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return "must be \"package.Service/Method\", \"package.Service/*\" or \"*\"";
  }
  // Touching one message of each contract file registers it in the generated pool even in
  // binaries (lienthongctl) that link none of the services.
  static const bool contracts_loaded = [] {
    contracts::SubmitDossierRequest::descriptor();
    contracts::UpsertRecordsRequest::descriptor();
    contracts::SubscribeRequest::descriptor();
    contracts::GetStatusRequest::descriptor();
    contracts::ApplyChangesRequest::descriptor();
    return true;
  }();
  (void)contracts_loaded;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* service = pool->FindServiceByName(parts[0]);
  if (service == nullptr) {
    // Standard services are not in this binary's pool; accept their well-known names.
    static const std::set<std::string> kStandard = {
        "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"};
    if (kStandard.count(parts[0]) != 0) return "";
    return absl::StrCat("unknown service '", parts[0], "'");
  }
  if (parts[1] != "*" && service->FindMethodByName(parts[1]) == nullptr) {
    return absl::StrCat("service ", parts[0], " has no method '", parts[1], "'");
  }
  return "";
}

void CheckGrant(ErrorList& errors, const std::string& path, const v1::Grant& grant) {
  for (int i = 0; i < grant.methods_size(); ++i) {
    std::string problem = CheckMethodPattern(grant.methods(i));
    if (!problem.empty()) errors.Add(absl::StrCat(path, ".methods[", i, "]"), problem);
  }
  auto check_types = [&](const char* field, const auto& list) {
    for (int i = 0; i < list.size(); ++i) {
      if (!IsRecordTypeName(list.Get(i))) {
        errors.Add(absl::StrCat(path, ".", field, "[", i, "]"),
                   absl::StrCat("unknown record type '", list.Get(i),
                                "' (dossier, school, student, diploma or *)"));
      }
    }
  };
  check_types("write_record_types", grant.write_record_types());
  check_types("read_record_types", grant.read_record_types());
  check_types("subscribe_record_types", grant.subscribe_record_types());
  for (int i = 0; i < grant.agencies_size(); ++i) {
    if (grant.agencies(i) != "*" && !domain::IsValidAgencyCode(grant.agencies(i))) {
      errors.Add(absl::StrCat(path, ".agencies[", i, "]"),
                 absl::StrCat("'", grant.agencies(i), "' is not an agency code"));
    }
  }
}

// store.postgres.replica_name: 1-64 characters of [A-Za-z0-9._:-].
bool IsReplicaName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
         });
}

// store.postgres, when store.kind is POSTGRES.
void CheckPostgresStore(ErrorList& errors, const v1::PostgresStore& pg) {
  if (pg.conninfo().empty()) {
    errors.Add("store.postgres.conninfo",
               "required when store.kind is POSTGRES (libpq keywords or a postgresql:// URI)");
  } else if (const std::string problem =
                 pg::ConninfoProblem(pg.conninfo(), "store.postgres.password_file");
             !problem.empty()) {
    errors.Add("store.postgres.conninfo", problem);
  }
  RequireReadableFile(errors, "store.postgres.password_file", pg.password_file(), false);
  if (pg.writer_connections() > 64) {
    errors.Add("store.postgres.writer_connections", "must be between 1 and 64 (default 2)");
  }
  if (pg.reader_connections() > 256) {
    errors.Add("store.postgres.reader_connections", "must be between 1 and 256 (default 4)");
  }
  const std::string& name = pg.replica_name();
  if (!name.empty() && !IsReplicaName(name)) {
    errors.Add("store.postgres.replica_name",
               absl::StrCat("'", name, "' is not 1-64 characters of [A-Za-z0-9._:-]"));
  }
}

bool IsIsoDate(const std::string& value, int* year) {
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day)) return false;
  if (year != nullptr) *year = static_cast<int>(day.year());
  return true;
}

// listener: mutual TLS is mandatory.
void CheckListener(ErrorList& errors, const v1::GatewayConfig& config) {
  if (!config.has_listener()) {
    errors.Add("listener", "required (the gateway listens only with mutual TLS)");
    return;
  }
  const auto& listener = config.listener();
  if (listener.address().empty()) {
    errors.Add("listener.address", "required, e.g. \"127.0.0.1:7443\"");
  } else {
    RequireHostPort(errors, "listener.address", listener.address());
  }
  if (!listener.has_tls()) {
    errors.Add("listener.tls", "required: key_file, cert_file and client_ca_file");
  } else {
    const auto& tls = listener.tls();
    RequireReadableFile(errors, "listener.tls.key_file", tls.key_file(), true);
    RequireReadableFile(errors, "listener.tls.cert_file", tls.cert_file(), true);
    RequireReadableFile(errors, "listener.tls.client_ca_file", tls.client_ca_file(), true);
    RequireDirectory(errors, "listener.tls.crl_dir", tls.crl_dir());
    CheckPositiveDuration(errors, "listener.tls.watch_interval", tls.has_watch_interval(),
                          tls.watch_interval());
  }
  CheckPositiveDuration(errors, "listener.max_connection_age", listener.has_max_connection_age(),
                        listener.max_connection_age());
  CheckPositiveDuration(errors, "listener.keepalive_time", listener.has_keepalive_time(),
                        listener.keepalive_time());
  CheckPositiveDuration(errors, "listener.shutdown_grace", listener.has_shutdown_grace(),
                        listener.shutdown_grace());
}

void CheckAdminHttp(ErrorList& errors, const v1::GatewayConfig& config) {
  const v1::AdminHttp& admin_http = config.admin_http();
  if (admin_http.disabled()) return;
  if (!admin_http.address().empty()) {
    RequireHostPort(errors, "admin_http.address", admin_http.address());
    // The console shows dossiers and steers adapters: off loopback only over TLS with client
    // certificates (docs/console.md).
    const std::optional<HostPort> address = ParseHostPort(admin_http.address());
    const bool loopback = address.has_value() && IsLoopbackHost(address->host);
    if (address.has_value() && !loopback && !admin_http.tls()) {
      errors.Add("admin_http.tls",
                 absl::StrCat("must be true: ", admin_http.address(),
                              " is not a loopback address, and the console is only served there "
                              "over TLS with client certificates"));
    }
  }
  if (!admin_http.loopback_member().empty()) {
    if (admin_http.tls()) {
      errors.Add("admin_http.loopback_member",
                 "only used without TLS (with tls: true the client certificate names the member)");
    }
    bool listed = false;
    for (const auto& member : config.access_policy().members()) {
      listed = listed || member.agency_code() == admin_http.loopback_member();
    }
    if (!listed) {
      errors.Add("admin_http.loopback_member",
                 absl::StrCat("\"", admin_http.loopback_member(),
                              "\" is not a member of access_policy: the console would be refused "
                              "everything"));
    }
  }
  for (const auto& [name, target] : admin_http.console_targets()) {
    if (!domain::IsKpiRateName(name)) {
      std::vector<std::string> names;
      for (const auto& known : domain::kKpiRateNames) names.emplace_back(known.name);
      errors.Add(absl::StrCat("admin_http.console_targets.", name),
                 absl::StrCat("unknown indicator; one of ", absl::StrJoin(names, ", ")));
    } else if (!(target >= 0.0 && target <= 1.0)) {
      errors.Add(absl::StrCat("admin_http.console_targets.", name),
                 "a rate from 0 to 1 (0.8 for 80 %)");
    }
  }
}

void CheckStore(ErrorList& errors, const v1::Store& store) {
  if (store.kind() == v1::STORE_KIND_POSTGRES) {
    CheckPostgresStore(errors, store.postgres());
  } else if (store.has_postgres()) {
    // Not silently ignored: an operator must not believe the gateway runs on PostgreSQL.
    errors.Add("store.postgres",
               "only read when store.kind is POSTGRES (the store is SQLite): set kind: POSTGRES "
               "or remove this block");
  }
  if (store.group_commit_max_batch() > 100000) {
    errors.Add("store.group_commit_max_batch", "at most 100000");
  }
}

// access_policy: default deny, so every name must refer to something real.
void CheckAccessPolicy(ErrorList& errors, const v1::AccessPolicy& policy) {
  for (const auto& [name, grant] : policy.groups()) {
    CheckGrant(errors, absl::StrCat("access_policy.groups[\"", name, "\"]"), grant);
  }
  std::set<std::string> member_codes;
  for (int i = 0; i < policy.members_size(); ++i) {
    const auto& member = policy.members(i);
    const std::string path = absl::StrCat("access_policy.members[", i, "]");
    if (member.agency_code().empty()) {
      errors.Add(path + ".agency_code", "required");
    } else if (!domain::IsValidAgencyCode(member.agency_code())) {
      errors.Add(path + ".agency_code",
                 absl::StrCat("'", member.agency_code(),
                              "' is not an agency code (QCVN 102:2016 or Decision 20/2020 form)"));
    } else if (!member_codes.insert(member.agency_code()).second) {
      errors.Add(path + ".agency_code",
                 absl::StrCat("member '", member.agency_code(), "' is listed twice"));
    }
    for (int g = 0; g < member.groups_size(); ++g) {
      if (policy.groups().count(member.groups(g)) == 0) {
        errors.Add(absl::StrCat(path, ".groups[", g, "]"),
                   absl::StrCat("no group named '", member.groups(g), "' in access_policy.groups"));
      }
    }
    CheckGrant(errors, path + ".grant", member.grant());
  }
}

// adapters: the adapter registry's checks, the same the sync engine makes when it builds them
// (names, batch sizes, record types, and each kind's own fields).
void CheckAdapters(ErrorList& errors,
                   const google::protobuf::RepeatedPtrField<v1::Adapter>& adapters) {
  static const adapters::AdapterRegistry* const registry = [] {
    auto* built = new adapters::AdapterRegistry();
    adapters::RegisterBuiltinAdapters(built);
    return built;
  }();
  const absl::Status checked = registry->CheckEntries(adapters);
  if (checked.ok()) return;
  google::rpc::BadRequest bad;
  if (!GetBadRequest(checked, &bad)) {
    errors.Add("adapters", std::string(checked.message()));
    return;
  }
  for (const auto& violation : bad.field_violations()) {
    errors.Add(violation.field(), violation.description());
  }
}

// calendar: holidays per year, each date inside its year, and the calendar as a whole (e.g. a
// year missing one of the fixed Labour Code holidays).
void CheckCalendar(ErrorList& errors, const v1::Calendar& calendar) {
  for (const auto& [year_key, year] : calendar.years()) {
    int year_number = 0;
    const std::string path = absl::StrCat("calendar.years[\"", year_key, "\"]");
    if (year_key.size() != 4 || !absl::SimpleAtoi(year_key, &year_number) ||
        year_number < 1900) {
      errors.Add(path, "year key must be four digits, e.g. \"2026\"");
      continue;
    }
    // year_key by an init-capture: C++17 does not let a lambda capture a structured binding
    // (gcc accepts it, clang 14 refuses, and the sanitizer and fuzz builds use clang).
    auto check_dates = [&, &year_key = year_key](const char* field, const auto& dates) {
      for (int i = 0; i < dates.size(); ++i) {
        int date_year = 0;
        const std::string date_path = absl::StrCat(path, ".", field, "[", i, "]");
        if (!IsIsoDate(dates.Get(i), &date_year)) {
          errors.Add(date_path, absl::StrCat("'", dates.Get(i), "' is not a YYYY-MM-DD date"));
        } else if (date_year != year_number) {
          errors.Add(date_path, absl::StrCat(dates.Get(i), " is not in ", year_key));
        }
      }
    };
    check_dates("holidays", year.holidays());
    check_dates("extra_working_days", year.extra_working_days());
  }
  if (auto built = BuildDueDateCalendar(calendar); !built.ok()) {
    // The calendar's own messages already begin with "calendar: ".
    errors.Add("calendar", std::string(absl::StripPrefix(built.status().message(), "calendar: ")));
  }
}

void CheckProcedures(ErrorList& errors,
                     const google::protobuf::RepeatedPtrField<v1::Procedure>& procedures) {
  std::set<std::string> codes;
  for (int i = 0; i < procedures.size(); ++i) {
    const auto& procedure = procedures.Get(i);
    const std::string path = absl::StrCat("procedures[", i, "]");
    if (!domain::IsValidProcedureCode(procedure.code())) {
      errors.Add(path + ".code",
                 absl::StrCat("'", procedure.code(), "' is not a procedure code like 2.002481"));
    } else if (!codes.insert(procedure.code()).second) {
      errors.Add(path + ".code", absl::StrCat("procedure '", procedure.code(), "' is listed twice"));
    }
    if (procedure.processing_days() > 365) {
      errors.Add(path + ".processing_days", "at most 365 working days");
    }
  }
}

// diploma_register_keepers: who keeps an abolished issuer's diploma register (docs/domain.md).
void CheckDiplomaRegisterKeepers(
    ErrorList& errors,
    const google::protobuf::RepeatedPtrField<v1::DiplomaRegisterKeeper>& keepers) {
  std::set<std::string> former_issuers;
  for (int i = 0; i < keepers.size(); ++i) {
    const auto& keeper = keepers.Get(i);
    const std::string path = absl::StrCat("diploma_register_keepers[", i, "]");
    if (!domain::IsValidAgencyCode(keeper.former_issuer_code())) {
      errors.Add(path + ".former_issuer_code", "required: an agency code");
    } else if (!former_issuers.insert(keeper.former_issuer_code()).second) {
      errors.Add(path + ".former_issuer_code",
                 absl::StrCat("'", keeper.former_issuer_code(), "' is listed twice"));
    }
    if (!domain::IsValidAgencyCode(keeper.keeper_code())) {
      errors.Add(path + ".keeper_code", "required: an agency code");
    } else if (keeper.keeper_code() == keeper.former_issuer_code()) {
      errors.Add(path + ".keeper_code", "must differ from former_issuer_code");
    }
  }
}

// backup: scheduled backups of the SQLite store.
void CheckBackup(ErrorList& errors, const v1::Backup& backup, const v1::Store& store) {
  if (backup.target_dir().empty()) {
    if (backup.has_interval() || backup.keep() != 0 || backup.has_max_age()) {
      errors.Add("backup.target_dir", "required when backups are configured");
    }
    return;
  }
  RequireDirectory(errors, "backup.target_dir", backup.target_dir());
  if (store.kind() == v1::STORE_KIND_POSTGRES) {
    errors.Add("backup", "scheduled backups are for the SQLite store; back a PostgreSQL store "
                         "up with pg_basebackup or pg_dump");
  }
  CheckPositiveDuration(errors, "backup.interval", backup.has_interval(), backup.interval());
  if (backup.has_interval() && backup.interval().seconds() < 1) {
    errors.Add("backup.interval", "at least 1s");
  }
  CheckPositiveDuration(errors, "backup.max_age", backup.has_max_age(), backup.max_age());
  if (backup.keep() > 1000) errors.Add("backup.keep", "at most 1000 (default 7)");
}

// retention.exchange_log_archive: where entries past retention are archived.
void CheckExchangeLogArchive(ErrorList& errors, const v1::ExchangeLogArchive& archive) {
  const std::string path = "retention.exchange_log_archive";
  if (archive.dir().empty()) {
    if (archive.entries_per_file() != 0 || archive.command_size() > 0 ||
        archive.has_command_timeout()) {
      errors.Add(path + ".dir", "required when the archive is configured");
    }
    return;
  }
  if (archive.dir().front() != '/') {
    errors.Add(path + ".dir", absl::StrCat("must be an absolute path: ", archive.dir()));
  } else {
    RequireDirectory(errors, path + ".dir", archive.dir());
    struct stat st {};
    if (::stat(archive.dir().c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
        ::access(archive.dir().c_str(), W_OK | X_OK) != 0) {
      errors.Add(path + ".dir", absl::StrCat("not writable by this user: ", archive.dir()));
    }
  }
  if (archive.entries_per_file() > 1000000) {
    errors.Add(path + ".entries_per_file", "at most 1000000 (default 10000)");
  }
  if (archive.command_size() > 0) {
    const std::string& program = archive.command(0);
    if (program.empty() || program.front() != '/') {
      errors.Add(path + ".command", "its first element must be the program's absolute path");
    } else if (::access(program.c_str(), X_OK) != 0) {
      errors.Add(path + ".command", absl::StrCat("not an executable file: ", program));
    }
  }
  CheckPositiveDuration(errors, path + ".command_timeout", archive.has_command_timeout(),
                        archive.command_timeout());
}

// exchange_log.timestamping: the TSA that stamps the exchange log's head.
void CheckExchangeLogTimestamping(ErrorList& errors, const v1::ExchangeLogTimestamping& ts) {
  const std::string path = "exchange_log.timestamping";
  const std::string& url = ts.tsa_url();
  if (url.empty()) {
    if (!ts.tsa_ca_file().empty() || ts.has_every() || ts.every_entries() != 0 ||
        !ts.policy_oid().empty() || ts.has_timeout()) {
      errors.Add(path + ".tsa_url", "required when timestamping is configured");
    }
    return;
  }
  const std::string lower = absl::AsciiStrToLower(url);
  const size_t scheme_end = lower.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : lower.substr(0, scheme_end);
  const std::string rest = scheme_end == std::string::npos ? "" : url.substr(scheme_end + 3);
  if (scheme != "http" && scheme != "https") {
    errors.Add(path + ".tsa_url", absl::StrCat("'", url, "' is not an http:// or https:// URL"));
  } else if (rest.empty() || rest.front() == '/' || rest.front() == ':' ||
             rest.find_first_of(" \t\r\n") != std::string::npos) {
    errors.Add(path + ".tsa_url", absl::StrCat("'", url, "' names no host"));
  }
  RequireReadableFile(errors, path + ".tsa_ca_file", ts.tsa_ca_file(), /*required=*/true);
  CheckPositiveDuration(errors, path + ".every", ts.has_every(), ts.every());
  if (ts.has_every() && ts.every().seconds() < 1) errors.Add(path + ".every", "at least 1s");
  if (ts.every_entries() > 100000000) {
    errors.Add(path + ".every_entries", "at most 100000000 (default 1000)");
  }
  if (!ts.policy_oid().empty()) {
    const std::vector<std::string> arcs = absl::StrSplit(ts.policy_oid(), '.');
    bool dotted = arcs.size() >= 2;
    for (const std::string& arc : arcs) {
      dotted = dotted && !arc.empty() &&
               std::all_of(arc.begin(), arc.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
    if (!dotted) {
      errors.Add(path + ".policy_oid",
                 absl::StrCat("'", ts.policy_oid(), "' is not a dotted OID such as 1.2.3.4"));
    }
  }
  CheckPositiveDuration(errors, path + ".timeout", ts.has_timeout(), ts.timeout());
  if (ts.has_timeout() && ts.timeout().seconds() > 300) {
    errors.Add(path + ".timeout", "at most 5m (default 30s)");
  }
}

void CheckLimits(ErrorList& errors, const v1::Limits& limits) {
  if (limits.max_request_bytes() != 0 &&
      (limits.max_request_bytes() < 1024 || limits.max_request_bytes() > (256u << 20))) {
    errors.Add("limits.max_request_bytes", "must be between 1024 and 268435456");
  }
  if (limits.max_page_size() > 10000) errors.Add("limits.max_page_size", "at most 10000");
  if (limits.max_upsert_batch() > 100000) errors.Add("limits.max_upsert_batch", "at most 100000");
}

}  // namespace

absl::Status ValidateGatewayConfig(const v1::GatewayConfig& config,
                                   const std::string& file_name) {
  ErrorList errors(file_name);
  CheckListener(errors, config);
  CheckAdminHttp(errors, config);
  CheckStore(errors, config.store());
  CheckAccessPolicy(errors, config.access_policy());
  CheckAdapters(errors, config.adapters());
  CheckCalendar(errors, config.calendar());
  CheckProcedures(errors, config.procedures());
  CheckDiplomaRegisterKeepers(errors, config.diploma_register_keepers());
  CheckLimits(errors, config.limits());
  CheckBackup(errors, config.backup(), config.store());
  CheckExchangeLogArchive(errors, config.retention().exchange_log_archive());
  CheckExchangeLogTimestamping(errors, config.exchange_log().timestamping());
  return errors.ToStatus();
}

}  // namespace lienthong::config

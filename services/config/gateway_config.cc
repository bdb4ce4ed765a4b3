// Semantic checks and defaults of the gateway config.
#include "services/config/gateway_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "lienthong/v1/admin_service.pb.h"
#include "lienthong/v1/change_feed_service.pb.h"
#include "lienthong/v1/dossier_service.pb.h"
#include "lienthong/v1/education_record_service.pb.h"
#include "lienthong/v1/sector_sink_service.pb.h"
#include "services/common/postgres/pg_connection.h"
#include "services/common/record_type_names.h"
#include "services/config/yaml_proto.h"
#include "services/domain/codes.h"

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

bool IsHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return false;
  } else if (host.find(':') != std::string::npos) {
    return false;  // IPv6 must be bracketed
  }
  int port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

void RequireReadableFile(ErrorList& errors, const std::string& path, const std::string& value,
                         bool required) {
  if (value.empty()) {
    if (required) errors.Add(path, "required");
    return;
  }
  struct stat st {};
  if (::stat(value.c_str(), &st) != 0) {
    errors.Add(path, absl::StrCat("file not found: ", value));
  } else if (!S_ISREG(st.st_mode)) {
    errors.Add(path, absl::StrCat("not a regular file: ", value));
  } else if (::access(value.c_str(), R_OK) != 0) {
    errors.Add(path, absl::StrCat("file not readable by this user: ", value));
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

}  // namespace

bool IsRecordTypeName(const std::string& name) {
  return name == "*" || RecordTypeFromName(name).has_value();
}

absl::StatusOr<domain::DueDateCalendar> BuildDueDateCalendar(const v1::Calendar& calendar) {
  domain::DueDateCalendarConfig config;
  if (calendar.has_in_person_cutoff()) {
    config.in_person_cutoff_applies = calendar.in_person_cutoff().applies();
    const std::string& time = calendar.in_person_cutoff().time();
    if (!time.empty()) {
      int hours = 0;
      int minutes = 0;
      if (time.size() != 5 || time[2] != ':' || !absl::SimpleAtoi(time.substr(0, 2), &hours) ||
          !absl::SimpleAtoi(time.substr(3, 2), &minutes) || hours > 23 || minutes > 59) {
        return absl::InvalidArgumentError(
            absl::StrCat("in_person_cutoff.time: '", time, "' is not HH:MM"));
      }
      config.in_person_cutoff = absl::Hours(hours) + absl::Minutes(minutes);
    }
  }
  for (const auto& [year_key, year] : calendar.years()) {
    int year_number = 0;
    if (!absl::SimpleAtoi(year_key, &year_number)) {
      return absl::InvalidArgumentError(absl::StrCat("year key '", year_key, "' is not a year"));
    }
    auto& days_off = config.days_off_by_year[year_number];
    for (const std::string& date : year.holidays()) {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(date, &day)) {
        return absl::InvalidArgumentError(absl::StrCat("'", date, "' is not a YYYY-MM-DD date"));
      }
      days_off.push_back(day);
    }
    for (const std::string& date : year.extra_working_days()) {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(date, &day)) {
        return absl::InvalidArgumentError(absl::StrCat("'", date, "' is not a YYYY-MM-DD date"));
      }
      config.make_up_working_days.push_back(day);
    }
  }
  return domain::DueDateCalendar::Create(config);
}

absl::Status ValidateGatewayConfig(const v1::GatewayConfig& config,
                                   const std::string& file_name) {
  ErrorList errors(file_name);

  // Listener: mutual TLS is mandatory.
  const auto& listener = config.listener();
  if (!config.has_listener()) {
    errors.Add("listener", "required (the gateway listens only with mutual TLS)");
  } else {
    if (listener.address().empty()) {
      errors.Add("listener.address", "required, e.g. \"127.0.0.1:7443\"");
    } else if (!IsHostPort(listener.address())) {
      errors.Add("listener.address",
                 absl::StrCat("'", listener.address(), "' is not host:port (port 0-65535)"));
    }
    if (!listener.has_tls()) {
      errors.Add("listener.tls", "required: key_file, cert_file and client_ca_file");
    } else {
      RequireReadableFile(errors, "listener.tls.key_file", listener.tls().key_file(), true);
      RequireReadableFile(errors, "listener.tls.cert_file", listener.tls().cert_file(), true);
      RequireReadableFile(errors, "listener.tls.client_ca_file", listener.tls().client_ca_file(),
                          true);
      RequireDirectory(errors, "listener.tls.crl_dir", listener.tls().crl_dir());
      CheckPositiveDuration(errors, "listener.tls.watch_interval",
                            listener.tls().has_watch_interval(), listener.tls().watch_interval());
    }
    CheckPositiveDuration(errors, "listener.max_connection_age", listener.has_max_connection_age(),
                          listener.max_connection_age());
    CheckPositiveDuration(errors, "listener.keepalive_time", listener.has_keepalive_time(),
                          listener.keepalive_time());
    CheckPositiveDuration(errors, "listener.shutdown_grace", listener.has_shutdown_grace(),
                          listener.shutdown_grace());
  }

  if (!config.admin_http().disabled() && !config.admin_http().address().empty() &&
      !IsHostPort(config.admin_http().address())) {
    errors.Add("admin_http.address",
               absl::StrCat("'", config.admin_http().address(), "' is not host:port"));
  }

  // Store.
  const auto& store = config.store();
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

  // Access policy: default deny, so every name must refer to something real.
  const auto& policy = config.access_policy();
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

  // Adapters.
  std::set<std::string> adapter_names;
  for (int i = 0; i < config.adapters_size(); ++i) {
    const auto& adapter = config.adapters(i);
    const std::string path = absl::StrCat("adapters[", i, "]");
    const std::string& name = adapter.name();
    const bool name_ok = !name.empty() && name.size() <= 64 &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
                                  c == '-';
                         });
    if (!name_ok) {
      errors.Add(path + ".name", "required, 1-64 characters of [a-z0-9_-]");
    } else if (!adapter_names.insert(name).second) {
      errors.Add(path + ".name", absl::StrCat("adapter name '", name, "' is used twice"));
    }
    if (adapter.kind_case() == v1::Adapter::KIND_NOT_SET) {
      errors.Add(path, "one of postgres, grpc or jsonl is required");
    }
    for (int t = 0; t < adapter.record_types_size(); ++t) {
      if (!IsRecordTypeName(adapter.record_types(t))) {
        errors.Add(absl::StrCat(path, ".record_types[", t, "]"),
                   absl::StrCat("unknown record type '", adapter.record_types(t), "'"));
      }
    }
    if (adapter.has_postgres() && adapter.postgres().conninfo().empty()) {
      errors.Add(path + ".postgres.conninfo", "required");
    }
    if (adapter.has_grpc()) {
      const auto& grpc = adapter.grpc();
      if (!IsHostPort(grpc.target())) errors.Add(path + ".grpc.target", "required host:port");
      RequireReadableFile(errors, path + ".grpc.key_file", grpc.key_file(), true);
      RequireReadableFile(errors, path + ".grpc.cert_file", grpc.cert_file(), true);
      RequireReadableFile(errors, path + ".grpc.ca_file", grpc.ca_file(), true);
    }
    if (adapter.has_jsonl() && adapter.jsonl().output_file().empty()) {
      errors.Add(path + ".jsonl.output_file", "required");
    }
  }

  // Calendar: holidays per year, each date inside its year.
  for (const auto& [year_key, year] : config.calendar().years()) {
    int year_number = 0;
    const std::string path = absl::StrCat("calendar.years[\"", year_key, "\"]");
    if (year_key.size() != 4 || !absl::SimpleAtoi(year_key, &year_number) ||
        year_number < 1900) {
      errors.Add(path, "year key must be four digits, e.g. \"2026\"");
      continue;
    }
    auto check_dates = [&](const char* field, const auto& dates) {
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

  // The calendar as a whole (e.g. a year missing one of the fixed Labour Code holidays).
  if (auto calendar = BuildDueDateCalendar(config.calendar()); !calendar.ok()) {
    errors.Add("calendar", std::string(calendar.status().message()));
  }

  // Procedures.
  std::set<std::string> procedure_codes;
  for (int i = 0; i < config.procedures_size(); ++i) {
    const auto& procedure = config.procedures(i);
    const std::string path = absl::StrCat("procedures[", i, "]");
    if (!domain::IsValidProcedureCode(procedure.code())) {
      errors.Add(path + ".code",
                 absl::StrCat("'", procedure.code(), "' is not a procedure code like 2.002481"));
    } else if (!procedure_codes.insert(procedure.code()).second) {
      errors.Add(path + ".code", absl::StrCat("procedure '", procedure.code(), "' is listed twice"));
    }
    if (procedure.processing_days() > 365) {
      errors.Add(path + ".processing_days", "at most 365 working days");
    }
  }

  // Keepers of abolished issuers' diploma registers (docs/domain.md).
  std::set<std::string> former_issuers;
  for (int i = 0; i < config.diploma_register_keepers_size(); ++i) {
    const auto& keeper = config.diploma_register_keepers(i);
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

  // Limits.
  const auto& limits = config.limits();
  if (limits.max_request_bytes() != 0 &&
      (limits.max_request_bytes() < 1024 || limits.max_request_bytes() > (256u << 20))) {
    errors.Add("limits.max_request_bytes", "must be between 1024 and 268435456");
  }
  if (limits.max_page_size() > 10000) errors.Add("limits.max_page_size", "at most 10000");
  if (limits.max_upsert_batch() > 100000) errors.Add("limits.max_upsert_batch", "at most 100000");

  return errors.ToStatus();
}

void ApplyDefaults(v1::GatewayConfig* config, const std::string& config_dir) {
  auto* store = config->mutable_store();
  if (store->kind() == v1::STORE_KIND_UNSPECIFIED) store->set_kind(v1::STORE_KIND_SQLITE);
  if (store->kind() == v1::STORE_KIND_POSTGRES) {
    auto* postgres = store->mutable_postgres();
    if (postgres->writer_connections() == 0) postgres->set_writer_connections(2);
    if (postgres->reader_connections() == 0) postgres->set_reader_connections(4);
  } else if (store->sqlite_file().empty()) {
    store->set_sqlite_file(config_dir.empty() ? "lienthong.db"
                                              : absl::StrCat(config_dir, "/lienthong.db"));
  }
  if (store->group_commit_max_batch() == 0) store->set_group_commit_max_batch(512);
  auto* tls = config->mutable_listener()->mutable_tls();
  if (tls->member_id_source() == v1::MEMBER_ID_SOURCE_UNSPECIFIED) {
    tls->set_member_id_source(v1::MEMBER_ID_SOURCE_URI_SAN);
  }
  if (!config->admin_http().disabled() && config->admin_http().address().empty()) {
    config->mutable_admin_http()->set_address("127.0.0.1:9464");
  }
  auto* limits = config->mutable_limits();
  if (limits->max_request_bytes() == 0) limits->set_max_request_bytes(4u << 20);
  if (limits->max_response_bytes() == 0) limits->set_max_response_bytes(16u << 20);
  if (limits->max_upsert_batch() == 0) limits->set_max_upsert_batch(1000);
  if (limits->max_page_size() == 0) limits->set_max_page_size(1000);
  if (limits->max_concurrent_streams() == 0) limits->set_max_concurrent_streams(1000);
  if (config->logging().level() == v1::LOG_LEVEL_UNSPECIFIED) {
    config->mutable_logging()->set_level(v1::LOG_LEVEL_INFO);
  }
}

absl::StatusOr<v1::GatewayConfig> LoadGatewayConfig(const std::string& path) {
  v1::GatewayConfig config;
  absl::Status loaded = LoadYamlFileIntoMessage(path, &config);
  if (!loaded.ok()) return loaded;
  absl::Status valid = ValidateGatewayConfig(config, path);
  if (!valid.ok()) return valid;
  std::string dir = ".";
  if (const size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = path.substr(0, slash);
  }
  ApplyDefaults(&config, dir);
  return config;
}

}  // namespace lienthong::config

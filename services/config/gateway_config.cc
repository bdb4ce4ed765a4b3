// Loading the gateway config: YAML into GatewayConfig, the checks (config_checks.cc), defaults;
// and the working-day calendar the config describes.
#include "services/config/gateway_config.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/record_type_names.h"
#include "services/config/yaml_proto.h"

namespace lienthong::config {

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

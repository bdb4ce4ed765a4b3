// Loads and checks the gateway's config file (lienthong.config.v1.GatewayConfig).
//
// Structure (unknown keys, wrong types, bad enum names) is checked by the YAML loader; this
// adds the meaning: required fields, addresses, files that must exist, codes that must be
// well formed, names that must refer to something. Every error names the file and field path.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/domain/working_day_calendar.h"

namespace lienthong::config {

// Reads `path`, checks it, and fills defaults. INVALID_ARGUMENT lists every error, one a line,
// "<file>: <field.path>: <what is wrong>" (with line:col for structural errors).
absl::StatusOr<v1::GatewayConfig> LoadGatewayConfig(const std::string& path);

// The semantic checks alone, for a config built in code (tests) or already loaded.
absl::Status ValidateGatewayConfig(const v1::GatewayConfig& config, const std::string& file_name);

// Fills unset fields with the documented defaults; idempotent.
void ApplyDefaults(v1::GatewayConfig* config, const std::string& config_dir);

// The working-day calendar the config describes (holidays per year, make-up days).
absl::StatusOr<domain::DueDateCalendar> BuildDueDateCalendar(const v1::Calendar& calendar);

// The record-type names the access policy and adapters use ("dossier", "school", "student",
// "diploma"), and "*".
bool IsRecordTypeName(const std::string& name);

}  // namespace lienthong::config

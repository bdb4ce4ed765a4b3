// Sector schema DDL and the ChangeEvent -> row mapping.
#include "adapters/postgres/sector_schema.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/proto_time.h"

namespace lienthong::adapters::postgres {
namespace {

const std::array<SectorTable, kSectorTableCount>& Tables() {
  static const auto* tables = new std::array<SectorTable, kSectorTableCount>{{
      {"schools",
       {{"school_code", "text"},
        {"name", "text"},
        {"level", "integer"},
        {"ownership", "integer"},
        {"managing_agency_code", "text"},
        {"commune_code", "text"},
        {"establishment_decision_number", "text"},
        {"establishment_decision_date", "date"},
        {"status", "integer"},
        {"version", "bigint"},
        {"updated_by", "text"},
        {"updated_at", "timestamptz"},
        {"event_id", "text"},
        {"document", "jsonb"}},
       {"school_code"},
       true},
      {"students",
       {{"student_id", "text"},
        {"personal_id", "text"},
        {"full_name", "text"},
        {"date_of_birth", "date"},
        {"sex", "integer"},
        {"ethnicity", "text"},
        {"birthplace", "text"},
        {"school_code", "text"},
        {"class_name", "text"},
        {"school_year", "text"},
        {"status", "integer"},
        {"version", "bigint"},
        {"updated_by", "text"},
        {"updated_at", "timestamptz"},
        {"event_id", "text"},
        {"document", "jsonb"}},
       {"student_id"},
       true},
      {"diplomas",
       {{"issuing_agency_code", "text"},
        {"register_number", "text"},
        {"type", "integer"},
        {"serial_number", "text"},
        {"holder_full_name", "text"},
        {"holder_date_of_birth", "date"},
        {"holder_birthplace", "text"},
        {"holder_sex", "integer"},
        {"holder_ethnicity", "text"},
        {"holder_personal_id", "text"},
        {"school_or_council", "text"},
        {"graduation_year", "integer"},
        {"ranking", "integer"},
        {"recognition_decision_number", "text"},
        {"recognition_decision_date", "date"},
        {"issue_date", "date"},
        {"signer", "text"},
        {"status", "integer"},
        {"version", "bigint"},
        {"updated_by", "text"},
        {"updated_at", "timestamptz"},
        {"event_id", "text"},
        {"document", "jsonb"}},
       {"issuing_agency_code", "register_number"},
       true},
      {"dossiers",
       {{"code", "text"},
        {"receipt_number", "text"},
        {"procedure_code", "text"},
        {"procedure_name", "text"},
        {"field_code", "text"},
        {"receiving_agency_code", "text"},
        {"handling_agency_code", "text"},
        {"channel", "integer"},
        {"online_level", "integer"},
        {"summary", "text"},
        {"submitted_at", "timestamptz"},
        {"received_at", "timestamptz"},
        {"due_at", "timestamptz"},
        {"finished_at", "timestamptz"},
        {"returned_at", "timestamptz"},
        {"refused_at", "timestamptz"},
        {"status", "integer"},
        {"result_delivery", "integer"},
        {"processing_days", "integer"},
        {"extension_count", "integer"},
        {"digitised", "boolean"},
        {"paid_online", "boolean"},
        {"applicant_kind", "integer"},
        {"applicant_name", "text"},
        {"applicant_id_number", "text"},
        {"version", "bigint"},
        {"submitted_by", "text"},
        {"updated_at", "timestamptz"},
        {"event_id", "text"},
        {"document", "jsonb"}},
       {"code"},
       true},
      {"dossier_steps",
       {{"dossier_code", "text"},
        {"sequence", "integer"},
        {"from_status", "integer"},
        {"to_status", "integer"},
        {"from_unit", "text"},
        {"to_unit", "text"},
        {"at", "timestamptz"},
        {"handler", "text"},
        {"content", "text"},
        {"step_due_at", "timestamptz"},
        {"timeliness", "integer"},
        {"recorded_by", "text"}},
       {"dossier_code", "sequence"},
       false},
  }};
  return *tables;
}

PgParam Text(const std::string& value) { return value; }
// Optional text fields (dates) that proto3 leaves empty become NULL.
PgParam TextOrNull(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}
PgParam Int(int64_t value) { return absl::StrCat(value); }
PgParam Bool(bool value) { return value ? std::string("true") : std::string("false"); }
PgParam Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return std::nullopt;
  return absl::FormatTime(absl::RFC3339_full, FromProtoTimestamp(ts), absl::UTCTimeZone());
}
PgParam Json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return std::nullopt;
  }
  return json;
}

}  // namespace

const SectorTable& SectorTableOf(SectorTableId id) { return Tables()[id]; }

std::string SectorSchemaDdl(const std::string& schema) {
  std::string ddl = absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", schema, ";\n");
  for (const SectorTable& table : Tables()) {
    std::vector<std::string> columns;
    for (const SectorColumn& column : table.columns) {
      const bool in_key = std::find_if(table.key.begin(), table.key.end(), [&](const char* k) {
                            return std::string(k) == column.name;
                          }) != table.key.end();
      columns.push_back(
          absl::StrCat(column.name, " ", column.type, in_key ? " NOT NULL" : ""));
    }
    absl::StrAppend(&ddl, "CREATE TABLE IF NOT EXISTS ", schema, ".", table.name, " (",
                    absl::StrJoin(columns, ", "), ", PRIMARY KEY (",
                    absl::StrJoin(table.key, ", "), "));\n");
  }
  // Secondary lookups a sector system makes: a diploma by its serial number, a student by
  // personal ID, dossiers by agency and status.
  absl::StrAppend(&ddl, "CREATE INDEX IF NOT EXISTS diplomas_serial ON ", schema,
                  ".diplomas (serial_number);\n", "CREATE INDEX IF NOT EXISTS students_personal_id ON ",
                  schema, ".students (personal_id);\n",
                  "CREATE INDEX IF NOT EXISTS dossiers_agency_status ON ", schema,
                  ".dossiers (receiving_agency_code, status);\n");
  // One row per applied change: what makes a re-sent or replayed event a no-op.
  absl::StrAppend(&ddl, "CREATE TABLE IF NOT EXISTS ", schema,
                  ".applied_events (event_id text PRIMARY KEY, change_cursor text NOT NULL, "
                  "record_type text NOT NULL, record_key text NOT NULL, "
                  "applied_at timestamptz NOT NULL DEFAULT now());\n");
  return ddl;
}

absl::Status AppendSectorRows(const v1::ChangeEvent& event, SectorRows* rows) {
  if (event.has_dossier()) {
    const v1::Dossier& d = event.dossier();
    const v1::Applicant& a = d.applicant();
    (*rows)[kDossiers].push_back(
        {Text(d.code()), Text(d.receipt_number()), Text(d.procedure_code()),
         Text(d.procedure_name()), Text(d.field_code()), Text(d.receiving_agency_code()),
         Text(d.handling_agency_code()), Int(d.channel()), Int(d.online_level()),
         Text(d.summary()), Time(d.submitted_at()), Time(d.received_at()), Time(d.due_at()),
         Time(d.finished_at()), Time(d.returned_at()), Time(d.refused_at()), Int(d.status()),
         Int(d.result_delivery()), Int(d.processing_days()), Int(d.extension_count()),
         Bool(d.digitised()), Bool(d.paid_online()), Int(a.kind()), Text(a.full_name()),
         Text(a.id_number()), Int(event.version()), Text(d.submitted_by()), Time(d.updated_at()),
         Text(event.event_id()), Json(d)});
    for (const v1::ProcessingStep& s : d.history()) {
      (*rows)[kDossierSteps].push_back(
          {Text(d.code()), Int(s.sequence()), Int(s.from_status()), Int(s.to_status()),
           Text(s.from_unit()), Text(s.to_unit()), Time(s.at()), Text(s.handler()),
           Text(s.content()), Time(s.step_due_at()), Int(s.timeliness()),
           Text(s.recorded_by())});
    }
    return absl::OkStatus();
  }
  if (!event.has_education_record()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", event.event_id(), " carries no record"));
  }
  const v1::EducationRecord& r = event.education_record();
  switch (r.record_case()) {
    case v1::EducationRecord::kSchool: {
      const v1::School& s = r.school();
      (*rows)[kSchools].push_back(
          {Text(s.school_code()), Text(s.name()), Int(s.level()), Int(s.ownership()),
           Text(s.managing_agency_code()), Text(s.commune_code()),
           Text(s.establishment_decision_number()), TextOrNull(s.establishment_decision_date()),
           Int(s.status()), Int(event.version()), Text(r.updated_by()), Time(r.updated_at()),
           Text(event.event_id()), Json(r)});
      return absl::OkStatus();
    }
    case v1::EducationRecord::kStudent: {
      const v1::Student& s = r.student();
      (*rows)[kStudents].push_back(
          {Text(s.student_id()), Text(s.personal_id()), Text(s.full_name()),
           TextOrNull(s.date_of_birth()), Int(s.sex()), Text(s.ethnicity()), Text(s.birthplace()),
           Text(s.school_code()), Text(s.class_name()), Text(s.school_year()), Int(s.status()),
           Int(event.version()), Text(r.updated_by()), Time(r.updated_at()),
           Text(event.event_id()), Json(r)});
      return absl::OkStatus();
    }
    case v1::EducationRecord::kDiploma: {
      const v1::Diploma& d = r.diploma();
      const v1::DiplomaHolder& h = d.holder();
      (*rows)[kDiplomas].push_back(
          {Text(d.issuing_agency_code()), Text(d.register_number()), Int(d.type()),
           Text(d.serial_number()), Text(h.full_name()), TextOrNull(h.date_of_birth()),
           Text(h.birthplace()), Int(h.sex()), Text(h.ethnicity()), Text(h.personal_id()),
           Text(d.school_or_council()), Int(d.graduation_year()), Int(d.ranking()),
           Text(d.recognition_decision_number()), TextOrNull(d.recognition_decision_date()),
           TextOrNull(d.issue_date()), Text(d.signer()), Int(d.status()), Int(event.version()),
           Text(r.updated_by()), Time(r.updated_at()), Text(event.event_id()), Json(r)});
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("event ", event.event_id(), " carries an empty education record"));
  }
}

std::string SectorInsertSql(const std::string& schema, SectorTableId id, size_t row_count,
                            bool upsert) {
  const SectorTable& table = Tables()[id];
  std::vector<std::string> names;
  for (const SectorColumn& column : table.columns) names.push_back(column.name);
  std::string sql = absl::StrCat("INSERT INTO ", schema, ".", table.name, " AS t (",
                                 absl::StrJoin(names, ", "), ") VALUES ");
  size_t param = 1;
  for (size_t r = 0; r < row_count; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (");
    for (size_t c = 0; c < table.columns.size(); ++c) {
      absl::StrAppend(&sql, c == 0 ? "" : ", ", "$", param++, "::", table.columns[c].type);
    }
    sql.push_back(')');
  }
  if (!upsert) return sql;
  absl::StrAppend(&sql, " ON CONFLICT (", absl::StrJoin(table.key, ", "), ") ");
  if (!table.versioned) return sql + "DO NOTHING";
  std::vector<std::string> updates;
  for (size_t c = table.key.size(); c < table.columns.size(); ++c) {
    updates.push_back(absl::StrCat(table.columns[c].name, " = EXCLUDED.", table.columns[c].name));
  }
  absl::StrAppend(&sql, "DO UPDATE SET ", absl::StrJoin(updates, ", "),
                  " WHERE t.version <= EXCLUDED.version");
  return sql;
}

size_t MaxRowsPerStatement(SectorTableId id) {
  return 60000 / Tables()[id].columns.size();
}

}  // namespace lienthong::adapters::postgres

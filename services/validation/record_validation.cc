// EducationRecordService request validation: schools, students and diplomas, field by field.
#include "services/validation/record_validation.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "lienthong/v1/common.pb.h"
#include "services/domain/codes.h"
#include "services/validation/field_rules.h"
#include "services/validation/field_scope.h"

namespace lienthong::validation {
namespace {

using domain::CodeKind;

void CheckSerialNumber(const FieldScope& at, absl::string_view value, Presence presence) {
  if (value.empty() && presence == Presence::kOptional) return;
  if (IsDiplomaSerialNumber(value)) return;
  at.Add("serial_number",
         absl::StrCat(value.empty() ? "required; " : "",
                      "expected the serial number printed on "
                      "the blank: 1 to ",
                      kDiplomaSerialNumberMaxLength, " characters of [A-Za-z0-9/.-]"));
}

void CheckRegisterNumber(const FieldScope& at, absl::string_view value, Presence presence) {
  if (value.empty() && presence == Presence::kOptional) return;
  if (IsRegisterNumber(value)) return;
  at.Add("register_number", absl::StrCat(value.empty() ? "required; " : "",
                                         "expected the number in the original "
                                         "register: 1 to ",
                                         kRegisterNumberMaxCodePoints,
                                         " printable characters, "
                                         "no space at either end"));
}

// Education records are schools, students and diplomas; dossiers have their own service.
void CheckEducationRecordType(const FieldScope& at, absl::string_view leaf, v1::RecordType type) {
  if (type == v1::RECORD_TYPE_SCHOOL || type == v1::RECORD_TYPE_STUDENT ||
      type == v1::RECORD_TYPE_DIPLOMA) {
    return;
  }
  at.Add(leaf,
         "required: RECORD_TYPE_SCHOOL (2), RECORD_TYPE_STUDENT (3) or RECORD_TYPE_DIPLOMA "
         "(4); dossiers are read through DossierService");
}

void CheckSchool(const v1::School& school, const FieldScope& at) {
  at.OpaqueIdentifier("school_code", school.school_code(), Presence::kRequired);
  at.Text("name", school.name(), kRequiredName);
  at.Enum("level", school.level(), *v1::SchoolLevel_descriptor(), Presence::kRequired);
  at.Enum("ownership", school.ownership(), *v1::SchoolOwnership_descriptor(), Presence::kRequired);
  at.Code("managing_agency_code", CodeKind::kAgency, school.managing_agency_code(),
          Presence::kRequired);
  at.UnitCode("commune_code", school.commune_code());
  at.Text("establishment_decision_number", school.establishment_decision_number(),
          kOptionalReference);
  at.IsoDate("establishment_decision_date", school.establishment_decision_date(),
             Presence::kOptional);
  at.Enum("status", school.status(), *v1::RecordStatus_descriptor(), Presence::kOptional);
}

void CheckStudent(const v1::Student& student, const FieldScope& at, absl::CivilDay today) {
  at.OpaqueIdentifier("student_id", student.student_id(), Presence::kRequired);
  at.Text("full_name", student.full_name(), kRequiredName);
  const std::optional<PartialDate> birth =
      at.BirthDate("date_of_birth", student.date_of_birth(), Presence::kRequired, false, today);
  at.Enum("sex", student.sex(), *v1::Sex_descriptor(), Presence::kOptional);
  if (!student.personal_id().empty()) {
    at.PersonalId("personal_id", student.personal_id(),
                  birth.has_value() ? std::optional<int>(birth->year) : std::nullopt,
                  SexFromWire(student.sex()));
  }
  at.Text("ethnicity", student.ethnicity(), kOptionalName);
  at.Text("birthplace", student.birthplace(), kOptionalLine);
  at.OpaqueIdentifier("school_code", student.school_code(), Presence::kRequired);
  at.Text("class_name", student.class_name(), kOptionalReference);
  if (!student.school_year().empty() && !IsSchoolYear(student.school_year())) {
    at.Add("school_year", "expected \"YYYY-YYYY\" with consecutive years, such as 2025-2026");
  }
  at.Enum("status", student.status(), *v1::RecordStatus_descriptor(), Presence::kOptional);
}

// A diploma's holder as written to the register (`presence` kRequired: name and date of birth
// required, the personal ID agreeing with them) or as presented for verification (kOptional:
// the form of what is given, nothing else).
void CheckHolder(const v1::DiplomaHolder& holder, const FieldScope& at, Presence presence,
                 std::optional<absl::CivilDay> today) {
  const bool registered = presence == Presence::kRequired;
  at.Text("full_name", holder.full_name(), registered ? kRequiredName : kOptionalName);
  const std::optional<PartialDate> birth =
      at.BirthDate("date_of_birth", holder.date_of_birth(), presence, false, today);
  at.Enum("sex", holder.sex(), *v1::Sex_descriptor(), Presence::kOptional);
  at.Text("birthplace", holder.birthplace(), kOptionalLine);
  at.Text("ethnicity", holder.ethnicity(), kOptionalName);
  if (holder.personal_id().empty()) return;
  if (registered) {
    at.PersonalId("personal_id", holder.personal_id(),
                  birth.has_value() ? std::optional<int>(birth->year) : std::nullopt,
                  SexFromWire(holder.sex()));
  } else {
    at.PersonalId("personal_id", holder.personal_id(), std::nullopt, std::nullopt);
  }
}

void CheckCorrection(const v1::DiplomaCorrection& correction, const FieldScope& at) {
  at.Text("decision_number", correction.decision_number(), kRequiredReference);
  at.IsoDate("decision_date", correction.decision_date(), Presence::kRequired);
  at.Text("corrected_field", correction.corrected_field(), kOptionalReference);
  at.Text("old_value", correction.old_value(), kOptionalLine);
  at.Text("new_value", correction.new_value(), kOptionalLine);
  at.Text("reason", correction.reason(), kOptionalParagraph);
}

void CheckCopy(const v1::DiplomaCopy& copy, const FieldScope& at) {
  at.IsoDate("issued_date", copy.issued_date(), Presence::kRequired);
  if (copy.copies() < 1) at.Add("copies", "expected the number of copies handed over, 1 or more");
  at.Text("signer", copy.signer(), kOptionalName);
  at.Text("recipient", copy.recipient(), kOptionalName);
  at.Text("copy_register_number", copy.copy_register_number(), kOptionalReference);
}

// Circular 21/2019/TT-BGDĐT: the register entry of a diploma, its corrections and its copies.
//
// Amended Education Law (passed 10 December 2025, in force 1 January 2026; secondary sources,
// docs/domain.md): no lower-secondary diploma for graduation years from
// kEducationLaw2025FirstYear; the upper-secondary diploma is issued by the school's principal,
// so its issuer may be a school code (and that of the certificate of completion, whose issuer
// is unconfirmed, may be either).
void CheckDiploma(const v1::Diploma& diploma, const FieldScope& at, absl::CivilDay today) {
  at.Enum("type", diploma.type(), *v1::DiplomaType_descriptor(), Presence::kRequired);
  if (diploma.type() == v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION &&
      diploma.graduation_year() >= kEducationLaw2025FirstYear) {
    at.Add("type", absl::StrCat("the lower-secondary (THCS) diploma was abolished by the amended "
                                "Education Law for graduation years from ",
                                kEducationLaw2025FirstYear,
                                ": completing lower secondary is confirmed in the school record "
                                "(học bạ), not by a diploma"));
  }
  CheckSerialNumber(at, diploma.serial_number(), Presence::kRequired);
  CheckRegisterNumber(at, diploma.register_number(), Presence::kRequired);
  if (!IsDiplomaIssuer(diploma.type(), diploma.graduation_year(), diploma.issuing_agency_code())) {
    at.Add("issuing_agency_code",
           absl::StrCat(diploma.issuing_agency_code().empty() ? "required; " : "",
                        "expected an agency code (QCVN 102:2016 or Decision 20/2020 form)",
                        IssuedBySchoolFrom2026(diploma.type()) &&
                                diploma.graduation_year() >= kEducationLaw2025FirstYear
                            ? ", or the issuing school's code (1 to 64 of [A-Za-z0-9._-])"
                            : ""));
  }
  CheckHolder(diploma.holder(), at.Field("holder"), Presence::kRequired, today);
  at.Text("school_or_council", diploma.school_or_council(), kOptionalName);
  // A diploma may be entered ahead of a graduation that ends the next calendar year.
  const int latest_graduation_year = static_cast<int>(today.year()) + 1;
  const bool graduation_year_valid = diploma.graduation_year() >= kEarliestGraduationYear &&
                                     diploma.graduation_year() <= latest_graduation_year;
  at.Range("graduation_year", diploma.graduation_year(), kEarliestGraduationYear,
           latest_graduation_year, "a graduation year");
  at.Enum("ranking", diploma.ranking(), *v1::DiplomaRanking_descriptor(), Presence::kOptional);
  at.Text("recognition_decision_number", diploma.recognition_decision_number(), kOptionalReference);
  at.IsoDate("recognition_decision_date", diploma.recognition_decision_date(), Presence::kOptional);
  const std::optional<absl::CivilDay> issued =
      at.IsoDate("issue_date", diploma.issue_date(), Presence::kOptional);
  if (issued.has_value() && graduation_year_valid && issued->year() < diploma.graduation_year()) {
    at.Add("issue_date", "must not be before graduation_year");
  }
  at.Text("signer", diploma.signer(), kOptionalName);
  at.Enum("status", diploma.status(), *v1::DiplomaStatus_descriptor(), Presence::kRequired);
  for (int i = 0; i < diploma.corrections_size(); ++i) {
    CheckCorrection(diploma.corrections(i), at.Element("corrections", i));
  }
  for (int i = 0; i < diploma.copies_size(); ++i) {
    CheckCopy(diploma.copies(i), at.Element("copies", i));
  }
}

void CheckRecord(const v1::EducationRecord& record, const FieldScope& at,
                 const ValidationContext& context) {
  switch (record.record_case()) {
    case v1::EducationRecord::kSchool:
      CheckSchool(record.school(), at.Field("school"));
      break;
    case v1::EducationRecord::kStudent:
      CheckStudent(record.student(), at.Field("student"), VietnamDay(context.now));
      break;
    case v1::EducationRecord::kDiploma:
      CheckDiploma(record.diploma(), at.Field("diploma"), VietnamDay(context.now));
      break;
    case v1::EducationRecord::RECORD_NOT_SET:
      at.Add("record", "required: exactly one of school, student or diploma");
      break;
  }
  at.Unset("version", record.version() != 0, kSetByGateway);
  at.Unset("updated_by", !record.updated_by().empty(), kSetByGateway);
  at.Unset("updated_at", record.has_updated_at(), kSetByGateway);
}

// A record's natural key, as RecordKey names it, without building the key string: school code,
// student identifier, or issuing agency and register number. `leaf` is the field that carries
// it, where a duplicate is reported.
struct BatchKey {
  int type;
  absl::string_view agency;
  absl::string_view id;
  int index;
  absl::string_view leaf;

  friend bool operator<(const BatchKey& a, const BatchKey& b) {
    return std::tie(a.type, a.agency, a.id, a.index) < std::tie(b.type, b.agency, b.id, b.index);
  }
  bool SameRecord(const BatchKey& other) const {
    return type == other.type && agency == other.agency && id == other.id;
  }
};

// The key of a record whose key fields are valid; the others are reported already.
std::optional<BatchKey> KeyOf(const v1::EducationRecord& record, int index) {
  switch (record.record_case()) {
    case v1::EducationRecord::kSchool:
      if (!IsOpaqueIdentifier(record.school().school_code())) return std::nullopt;
      return BatchKey{v1::RECORD_TYPE_SCHOOL, "", record.school().school_code(), index,
                      "school.school_code"};
    case v1::EducationRecord::kStudent:
      if (!IsOpaqueIdentifier(record.student().student_id())) return std::nullopt;
      return BatchKey{v1::RECORD_TYPE_STUDENT, "", record.student().student_id(), index,
                      "student.student_id"};
    case v1::EducationRecord::kDiploma:
      if (!IsDiplomaIssuer(record.diploma().type(), record.diploma().graduation_year(),
                           record.diploma().issuing_agency_code()) ||
          !IsRegisterNumber(record.diploma().register_number())) {
        return std::nullopt;
      }
      return BatchKey{v1::RECORD_TYPE_DIPLOMA, record.diploma().issuing_agency_code(),
                      record.diploma().register_number(), index, "diploma.register_number"};
    case v1::EducationRecord::RECORD_NOT_SET:
      break;
  }
  return std::nullopt;
}

// A batch writes each record once: a second copy of a key would make the outcome depend on order.
void CheckDistinctKeys(const v1::UpsertRecordsRequest& request, const FieldScope& at) {
  absl::InlinedVector<BatchKey, 16> keys;
  keys.reserve(static_cast<std::size_t>(request.records_size()));
  for (int i = 0; i < request.records_size(); ++i) {
    if (std::optional<BatchKey> key = KeyOf(request.records(i), i)) keys.push_back(*key);
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t first = 0, i = 1; i < keys.size(); ++i) {
    if (!keys[i].SameRecord(keys[first])) {
      first = i;
      continue;
    }
    at.Element("records", keys[i].index)
        .Add(keys[i].leaf, absl::StrCat("the same record key as records[", keys[first].index,
                                        "]; a batch carries each record once"));
  }
}

}  // namespace

bool IssuedBySchoolFrom2026(v1::DiplomaType type) {
  return type == v1::DIPLOMA_TYPE_UPPER_SECONDARY_GRADUATION ||
         type == v1::DIPLOMA_TYPE_COMPLETION_CERTIFICATE;
}

bool IsDiplomaIssuer(v1::DiplomaType type, int graduation_year, absl::string_view issuer) {
  if (domain::IsValidAgencyCode(issuer)) return true;
  return IssuedBySchoolFrom2026(type) && graduation_year >= kEducationLaw2025FirstYear &&
         IsOpaqueIdentifier(issuer);
}

bool IsAnyDiplomaIssuer(absl::string_view issuer) {
  return domain::IsValidAgencyCode(issuer) || IsOpaqueIdentifier(issuer);
}

void ValidateEducationRecord(const v1::EducationRecord& record, absl::string_view path_prefix,
                             const ValidationContext& context, FieldViolations* violations) {
  CheckRecord(record, FieldScope(path_prefix, violations), context);
}

void ValidateUpsertRecords(const v1::UpsertRecordsRequest& request,
                           const ValidationContext& context, FieldViolations* violations) {
  const FieldScope at("", violations);
  const auto count = static_cast<std::size_t>(request.records_size());
  if (count == 0 || count > context.max_upsert_batch) {
    at.Add("records", absl::StrCat(count == 0 ? "required: " : "expected ", "1 to ",
                                   context.max_upsert_batch, " records"));
  }
  for (int i = 0; i < request.records_size(); ++i) {
    CheckRecord(request.records(i), at.Element("records", i), context);
  }
  CheckDistinctKeys(request, at);
  at.RequestId("request_id", request.request_id());
}

void ValidateGetRecord(const v1::GetRecordRequest& request, FieldViolations* violations) {
  const FieldScope at("", violations);
  const FieldScope key = at.Field("key");
  const v1::RecordType type = request.key().type();
  const absl::string_view value = request.key().key();
  CheckEducationRecordType(key, "type", type);
  if (value.empty()) {
    key.Add("key",
            "required: the school code, the student identifier, or "
            "\"<issuing agency code>/<register number>\" for a diploma");
    return;
  }
  if (type == v1::RECORD_TYPE_SCHOOL || type == v1::RECORD_TYPE_STUDENT) {
    key.OpaqueIdentifier("key", value, Presence::kRequired);
  } else if (type == v1::RECORD_TYPE_DIPLOMA) {
    // Agency codes hold no '/', so the first one ends the agency part.
    const std::size_t slash = value.find('/');
    if (slash == absl::string_view::npos || !IsAnyDiplomaIssuer(value.substr(0, slash)) ||
        !IsRegisterNumber(value.substr(slash + 1))) {
      key.Add("key", "expected \"<issuer code>/<register number>\" for a diploma (an agency "
                     "code, or a school code for upper-secondary diplomas from 2026)");
    }
  }
}

void ValidateListRecords(const v1::ListRecordsRequest& request, const ValidationContext& context,
                         FieldViolations* violations) {
  const FieldScope at("", violations);
  CheckEducationRecordType(at, "type", request.type());
  at.Code("agency_code", CodeKind::kAgency, request.agency_code(), Presence::kOptional);
  at.OpaqueIdentifier("school_code", request.school_code(), Presence::kOptional);
  at.PageSize("page_size", request.page_size(), context.max_page_size);
}

void ValidateVerifyDiploma(const v1::VerifyDiplomaRequest& request, FieldViolations* violations) {
  const FieldScope at("", violations);
  const bool has_serial = !request.serial_number().empty();
  const bool has_register = !request.register_number().empty();
  CheckSerialNumber(at, request.serial_number(), Presence::kOptional);
  CheckRegisterNumber(at, request.register_number(), Presence::kOptional);
  if (!request.issuing_agency_code().empty() &&
      !IsAnyDiplomaIssuer(request.issuing_agency_code())) {
    at.Add("issuing_agency_code",
           "expected an agency code, or a school code for upper-secondary diplomas from 2026");
  }
  if (!has_serial && !has_register) {
    at.Add("serial_number", "required unless register_number and issuing_agency_code are given");
  }
  if (has_register && request.issuing_agency_code().empty()) {
    at.Add("issuing_agency_code",
           "required with register_number: register numbers are unique "
           "per issuing agency (Circular 21/2019/TT-BGDĐT)");
  }
  if (request.has_holder()) {
    CheckHolder(request.holder(), at.Field("holder"), Presence::kOptional, std::nullopt);
  }
  if (request.graduation_year() != 0) {
    at.Range("graduation_year", request.graduation_year(), kEarliestGraduationYear,
             kLatestTimestampYear, "a graduation year");
  }
  at.Enum("type", request.type(), *v1::DiplomaType_descriptor(), Presence::kOptional);
}

}  // namespace lienthong::validation

// Tests of EducationRecordService request validation: schools, students, diplomas and batches.
#include "services/validation/record_validation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/validation/rule_case.h"
#include "tests/unit/validation/samples.h"

namespace lienthong::validation {
namespace {

using samples::ViolatedFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------------------------------------
// UpsertRecords: records[0] is the school, records[1] the student, records[2] the diploma.

using UpsertCase = RuleCase<v1::UpsertRecordsRequest>;

v1::School& School(v1::UpsertRecordsRequest* r) { return *r->mutable_records(0)->mutable_school(); }
v1::Student& Student(v1::UpsertRecordsRequest* r) {
  return *r->mutable_records(1)->mutable_student();
}
v1::Diploma& Diploma(v1::UpsertRecordsRequest* r) {
  return *r->mutable_records(2)->mutable_diploma();
}
v1::DiplomaHolder& Holder(v1::UpsertRecordsRequest* r) { return *Diploma(r).mutable_holder(); }

class UpsertRecordsRule : public ::testing::TestWithParam<UpsertCase> {};

TEST_P(UpsertRecordsRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::UpsertRecordsRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateUpsertRecords(request, samples::Context(), violations);
                 });
}

const UpsertCase kUpsertCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    // The batch.
    {"no_records", [](auto* r) { r->clear_records(); }, {"records"}},
    {"request_id_not_a_uuid", [](auto* r) { r->set_request_id("batch-7"); }, {"request_id"}},
    {"record_kind_missing",
     [](auto* r) { r->mutable_records(1)->clear_student(); },
     {"records[1].record"}},
    {"record_version_set",
     [](auto* r) { r->mutable_records(0)->set_version(4); },
     {"records[0].version"}},
    {"record_updated_by_set",
     [](auto* r) { r->mutable_records(1)->set_updated_by("000.00.21.H49"); },
     {"records[1].updated_by"}},
    {"record_updated_at_set",
     [](auto* r) { r->mutable_records(2)->mutable_updated_at()->set_seconds(1763607600); },
     {"records[2].updated_at"}},
    {"duplicate_school",
     [](auto* r) { *r->add_records() = samples::SchoolRecord(); },
     {"records[3].school.school_code"}},
    {"duplicate_student_twice",
     [](auto* r) {
       *r->add_records() = samples::StudentRecord();
       *r->add_records() = samples::StudentRecord();
     },
     {"records[3].student.student_id", "records[4].student.student_id"}},
    {"duplicate_diploma",
     [](auto* r) {
       v1::EducationRecord again = samples::DiplomaRecord();
       again.mutable_diploma()->set_serial_number("QN-2025/0099999");
       *r->add_records() = again;
     },
     {"records[3].diploma.register_number"}},
    {"same_register_number_other_agency_passes",
     [](auto* r) {
       v1::EducationRecord other = samples::DiplomaRecord();
       other.mutable_diploma()->set_issuing_agency_code("000.00.21.H22");
       *r->add_records() = other;
     },
     {}},
    {"school_code_equal_to_student_id_passes",
     [](auto* r) { School(r).set_school_code(Student(r).student_id()); },
     {}},
    // School.
    {"school_code_missing",
     [](auto* r) { School(r).clear_school_code(); },
     {"records[0].school.school_code"}},
    {"school_code_with_spaces",
     [](auto* r) { School(r).set_school_code("THPT Hạ Long"); },
     {"records[0].school.school_code"}},
    {"school_code_too_long",
     [](auto* r) { School(r).set_school_code(std::string(65, '2')); },
     {"records[0].school.school_code"}},
    {"school_name_missing", [](auto* r) { School(r).clear_name(); }, {"records[0].school.name"}},
    {"school_level_unspecified",
     [](auto* r) { School(r).clear_level(); },
     {"records[0].school.level"}},
    {"school_level_undefined",
     [](auto* r) { School(r).set_level(static_cast<v1::SchoolLevel>(7)); },
     {"records[0].school.level"}},
    {"school_ownership_unspecified",
     [](auto* r) { School(r).clear_ownership(); },
     {"records[0].school.ownership"}},
    {"managing_agency_missing",
     [](auto* r) { School(r).clear_managing_agency_code(); },
     {"records[0].school.managing_agency_code"}},
    {"managing_agency_malformed",
     [](auto* r) { School(r).set_managing_agency_code("Sở GDĐT"); },
     {"records[0].school.managing_agency_code"}},
    {"school_commune_code_not_digits",
     [](auto* r) { School(r).set_commune_code("066-58"); },
     {"records[0].school.commune_code"}},
    {"establishment_date_not_a_day",
     [](auto* r) { School(r).set_establishment_decision_date("1959-02-30"); },
     {"records[0].school.establishment_decision_date"}},
    {"school_status_undefined",
     [](auto* r) { School(r).set_status(static_cast<v1::RecordStatus>(8)); },
     {"records[0].school.status"}},
    {"school_status_unset_passes", [](auto* r) { School(r).clear_status(); }, {}},
    // Student.
    {"student_id_missing",
     [](auto* r) { Student(r).clear_student_id(); },
     {"records[1].student.student_id"}},
    {"student_id_with_slash",
     [](auto* r) { Student(r).set_student_id("HS/2025/1"); },
     {"records[1].student.student_id"}},
    {"student_personal_id_malformed",
     [](auto* r) { Student(r).set_personal_id("03121000012"); },
     {"records[1].student.personal_id"}},
    {"student_personal_id_birth_year_disagrees",
     [](auto* r) { Student(r).set_personal_id("031209000123"); },
     {"records[1].student.personal_id"}},
    {"student_personal_id_sex_disagrees",
     [](auto* r) { Student(r).set_sex(v1::SEX_FEMALE); },
     {"records[1].student.personal_id"}},
    {"student_personal_id_absent_passes", [](auto* r) { Student(r).clear_personal_id(); }, {}},
    {"student_full_name_missing",
     [](auto* r) { Student(r).clear_full_name(); },
     {"records[1].student.full_name"}},
    {"student_date_of_birth_missing",
     [](auto* r) { Student(r).clear_date_of_birth(); },
     {"records[1].student.date_of_birth"}},
    {"student_date_of_birth_year_only",
     [](auto* r) { Student(r).set_date_of_birth("2010"); },
     {"records[1].student.date_of_birth"}},
    {"student_date_of_birth_unpadded",
     [](auto* r) { Student(r).set_date_of_birth("2010-9-5"); },
     {"records[1].student.date_of_birth"}},
    {"student_date_of_birth_in_future",
     [](auto* r) { Student(r).set_date_of_birth("2025-11-21"); },
     {"records[1].student.date_of_birth"}},
    {"student_school_code_missing",
     [](auto* r) { Student(r).clear_school_code(); },
     {"records[1].student.school_code"}},
    {"student_school_year_skips_a_year",
     [](auto* r) { Student(r).set_school_year("2025-2027"); },
     {"records[1].student.school_year"}},
    {"student_school_year_with_slash",
     [](auto* r) { Student(r).set_school_year("2025/2026"); },
     {"records[1].student.school_year"}},
    {"student_status_undefined",
     [](auto* r) { Student(r).set_status(static_cast<v1::RecordStatus>(4)); },
     {"records[1].student.status"}},
    // Diploma (Circular 21/2019/TT-BGDĐT).
    {"diploma_type_unspecified",
     [](auto* r) { Diploma(r).clear_type(); },
     {"records[2].diploma.type"}},
    {"serial_number_missing",
     [](auto* r) { Diploma(r).clear_serial_number(); },
     {"records[2].diploma.serial_number"}},
    {"serial_number_with_space",
     [](auto* r) { Diploma(r).set_serial_number("QN 0012345"); },
     {"records[2].diploma.serial_number"}},
    {"serial_number_too_long",
     [](auto* r) { Diploma(r).set_serial_number(std::string(33, '9')); },
     {"records[2].diploma.serial_number"}},
    {"register_number_missing",
     [](auto* r) { Diploma(r).clear_register_number(); },
     {"records[2].diploma.register_number"}},
    {"register_number_leading_space",
     [](auto* r) { Diploma(r).set_register_number(" THPT-2025/01234"); },
     {"records[2].diploma.register_number"}},
    {"register_number_too_long",
     [](auto* r) { Diploma(r).set_register_number(std::string(33, 'A')); },
     {"records[2].diploma.register_number"}},
    {"issuing_agency_malformed",
     [](auto* r) { Diploma(r).set_issuing_agency_code("H49-21"); },
     {"records[2].diploma.issuing_agency_code"}},
    // Amended Education Law, from graduation year 2026: no lower-secondary (THCS) diploma, a
    // certificate of completion instead, upper-secondary diplomas issued by the school.
    {"lower_secondary_diploma_before_2026_passes",
     [](auto* r) { Diploma(r).set_type(v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION); },
     {}},
    {"lower_secondary_diploma_from_2026_refused",
     [](auto* r) {
       Diploma(r).set_type(v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION);
       Diploma(r).set_graduation_year(2026);
       Diploma(r).set_issue_date("2026-06-30");
     },
     {"records[2].diploma.type"}},
    {"completion_certificate_from_2026_passes",
     [](auto* r) {
       Diploma(r).set_type(v1::DIPLOMA_TYPE_COMPLETION_CERTIFICATE);
       Diploma(r).set_graduation_year(2026);
       Diploma(r).set_issue_date("2026-06-30");
     },
     {}},
    {"upper_secondary_issued_by_school_code_from_2026_passes",
     [](auto* r) {
       Diploma(r).set_graduation_year(2026);
       Diploma(r).set_issue_date("2026-07-20");
       Diploma(r).set_issuing_agency_code("THPT-HONGGAI-01");
     },
     {}},
    {"upper_secondary_school_code_issuer_before_2026_refused",
     [](auto* r) { Diploma(r).set_issuing_agency_code("THPT-HONGGAI-01"); },
     {"records[2].diploma.issuing_agency_code"}},
    {"completion_certificate_school_code_issuer_from_2026_passes",
     [](auto* r) {
       Diploma(r).set_type(v1::DIPLOMA_TYPE_COMPLETION_CERTIFICATE);
       Diploma(r).set_graduation_year(2026);
       Diploma(r).set_issue_date("2026-06-30");
       Diploma(r).set_issuing_agency_code("THPT-HONGGAI-01");
     },
     {}},
    {"lower_secondary_school_code_issuer_refused",
     [](auto* r) {
       Diploma(r).set_type(v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION);
       Diploma(r).set_issuing_agency_code("THCS-HONGGAI-01");
     },
     {"records[2].diploma.issuing_agency_code"}},
    {"holder_missing",
     [](auto* r) { Diploma(r).clear_holder(); },
     {"records[2].diploma.holder.full_name", "records[2].diploma.holder.date_of_birth"}},
    {"holder_date_of_birth_malformed",
     [](auto* r) { Holder(r).set_date_of_birth("20-02-2007"); },
     {"records[2].diploma.holder.date_of_birth"}},
    {"holder_personal_id_disagrees",
     [](auto* r) { Holder(r).set_personal_id("022207001234"); },
     {"records[2].diploma.holder.personal_id"}},
    {"graduation_year_before_1945",
     [](auto* r) { Diploma(r).set_graduation_year(1944); },
     {"records[2].diploma.graduation_year"}},
    {"graduation_year_missing",
     [](auto* r) { Diploma(r).clear_graduation_year(); },
     {"records[2].diploma.graduation_year"}},
    {"graduation_year_two_years_ahead",
     [](auto* r) {
       Diploma(r).set_graduation_year(2027);
       Diploma(r).clear_issue_date();
     },
     {"records[2].diploma.graduation_year"}},
    {"graduation_year_next_year_passes",
     [](auto* r) {
       Diploma(r).set_graduation_year(2026);
       Diploma(r).clear_issue_date();
     },
     {}},
    {"recognition_date_malformed",
     [](auto* r) { Diploma(r).set_recognition_decision_date("15/07/2025"); },
     {"records[2].diploma.recognition_decision_date"}},
    {"issue_date_malformed",
     [](auto* r) { Diploma(r).set_issue_date("2025-08"); },
     {"records[2].diploma.issue_date"}},
    {"issue_date_before_graduation_year",
     [](auto* r) { Diploma(r).set_issue_date("2024-12-31"); },
     {"records[2].diploma.issue_date"}},
    {"diploma_status_unspecified",
     [](auto* r) { Diploma(r).clear_status(); },
     {"records[2].diploma.status"}},
    {"diploma_ranking_undefined",
     [](auto* r) { Diploma(r).set_ranking(static_cast<v1::DiplomaRanking>(9)); },
     {"records[2].diploma.ranking"}},
    {"correction_decision_number_missing",
     [](auto* r) { Diploma(r).mutable_corrections(0)->clear_decision_number(); },
     {"records[2].diploma.corrections[0].decision_number"}},
    {"correction_decision_date_missing",
     [](auto* r) { Diploma(r).mutable_corrections(0)->clear_decision_date(); },
     {"records[2].diploma.corrections[0].decision_date"}},
    {"correction_decision_date_malformed",
     [](auto* r) {
       *Diploma(r).add_corrections() = Diploma(r).corrections(0);
       Diploma(r).mutable_corrections(1)->set_decision_date("2025-09-31");
     },
     {"records[2].diploma.corrections[1].decision_date"}},
    {"copy_issued_date_missing",
     [](auto* r) { Diploma(r).mutable_copies(0)->clear_issued_date(); },
     {"records[2].diploma.copies[0].issued_date"}},
    {"copy_count_zero",
     [](auto* r) { Diploma(r).mutable_copies(0)->set_copies(0); },
     {"records[2].diploma.copies[0].copies"}},
};

INSTANTIATE_TEST_SUITE_P(Rules, UpsertRecordsRule, ::testing::ValuesIn(kUpsertCases),
                         RuleCaseName());

TEST(UpsertRecords, BatchLimitComesFromTheContext) {
  ValidationContext context = samples::Context();
  context.max_upsert_batch = 3;
  FieldViolations at_limit;
  ValidateUpsertRecords(samples::UpsertRecordsRequest(), context, &at_limit);
  EXPECT_TRUE(at_limit.empty());

  context.max_upsert_batch = 2;
  FieldViolations over;
  ValidateUpsertRecords(samples::UpsertRecordsRequest(), context, &over);
  EXPECT_THAT(ViolatedFields(over), ElementsAre("records"));
  EXPECT_EQ(over.proto().field_violations(0).description(), "expected 1 to 2 records");
}

TEST(UpsertRecords, ReportsEveryBadFieldOfEveryRecord) {
  v1::UpsertRecordsRequest request = samples::UpsertRecordsRequest();
  School(&request).set_ownership(v1::SCHOOL_OWNERSHIP_UNSPECIFIED);
  Student(&request).set_school_year("2026-2025");
  Holder(&request).clear_date_of_birth();
  Diploma(&request).mutable_copies(0)->set_copies(-1);
  request.set_request_id("42");
  FieldViolations violations;
  ValidateUpsertRecords(request, samples::Context(), &violations);
  EXPECT_EQ(violations.size(), 5);
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("records[0].school.ownership", "records[1].student.school_year",
                          "records[2].diploma.holder.date_of_birth",
                          "records[2].diploma.copies[0].copies", "request_id"));
}

TEST(UpsertRecords, DuplicateNamesTheFirstOccurrence) {
  v1::UpsertRecordsRequest request = samples::UpsertRecordsRequest();
  *request.add_records() = samples::DiplomaRecord();
  FieldViolations violations;
  ValidateUpsertRecords(request, samples::Context(), &violations);
  ASSERT_EQ(violations.size(), 1);
  EXPECT_THAT(violations.proto().field_violations(0).description(), HasSubstr("records[2]"));
}

TEST(UpsertRecords, DescriptionsNeverQuotePersonalData) {
  v1::UpsertRecordsRequest request = samples::UpsertRecordsRequest();
  Student(&request).set_personal_id("031210000999");
  Student(&request).set_date_of_birth("2011-01-01");
  Holder(&request).set_personal_id("0223070012");
  FieldViolations violations;
  ValidateUpsertRecords(request, samples::Context(), &violations);
  ASSERT_EQ(violations.size(), 2) << violations.ToStatus();
  for (const auto& violation : violations.proto().field_violations()) {
    EXPECT_THAT(violation.description(), Not(HasSubstr("031210000999")));
    EXPECT_THAT(violation.description(), Not(HasSubstr("0223070012")));
    EXPECT_THAT(violation.description(), Not(HasSubstr("2011")));
  }
}

// ---------------------------------------------------------------------------------------------
// ValidateEducationRecord on its own.

TEST(EducationRecord, EachSampleKindIsValid) {
  for (const v1::EducationRecord& record :
       {samples::SchoolRecord(), samples::StudentRecord(), samples::DiplomaRecord()}) {
    FieldViolations violations;
    ValidateEducationRecord(record, "", samples::Context(), &violations);
    EXPECT_TRUE(violations.empty()) << violations.ToStatus();
  }
}

TEST(EducationRecord, PathsStartAtThePrefix) {
  v1::EducationRecord record = samples::DiplomaRecord();
  record.mutable_diploma()->mutable_holder()->set_date_of_birth("2007-02-30");
  FieldViolations top;
  ValidateEducationRecord(record, "", samples::Context(), &top);
  EXPECT_THAT(ViolatedFields(top), ElementsAre("diploma.holder.date_of_birth"));
  FieldViolations nested;
  ValidateEducationRecord(record, "events[7].record", samples::Context(), &nested);
  EXPECT_THAT(ViolatedFields(nested), ElementsAre("events[7].record.diploma.holder.date_of_birth"));
}

TEST(EducationRecord, NoKindAtTheTop) {
  FieldViolations violations;
  ValidateEducationRecord(v1::EducationRecord(), "", samples::Context(), &violations);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("record"));
}

// ---------------------------------------------------------------------------------------------
// GetRecord

FieldViolations ValidateGet(v1::RecordType type, const std::string& key) {
  v1::GetRecordRequest request;
  request.mutable_key()->set_type(type);
  request.mutable_key()->set_key(key);
  FieldViolations violations;
  ValidateGetRecord(request, &violations);
  return violations;
}

TEST(GetRecord, AcceptsTheKeyOfEachKind) {
  EXPECT_TRUE(ValidateGet(v1::RECORD_TYPE_SCHOOL, "22.THPT.HL-01").empty());
  EXPECT_TRUE(ValidateGet(v1::RECORD_TYPE_STUDENT, "3100512345").empty());
  EXPECT_TRUE(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "000.00.21.H49/THPT-2025/01234").empty());
  // An upper-secondary diploma issued by the school (from 2026) is keyed by the school's code.
  EXPECT_TRUE(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "THPT-HONGGAI-01/THPT-2026/00012").empty());
}

TEST(GetRecord, NeedsAnEducationRecordType) {
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_UNSPECIFIED, "3100512345")),
              ElementsAre("key.type"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_DOSSIER, "3100512345")),
              ElementsAre("key.type"));
  EXPECT_THAT(ViolatedFields(ValidateGet(static_cast<v1::RecordType>(9), "3100512345")),
              ElementsAre("key.type"));
}

TEST(GetRecord, NeedsAWellFormedKey) {
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_SCHOOL, "")), ElementsAre("key.key"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_SCHOOL, "THPT Hạ Long")),
              ElementsAre("key.key"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "/THPT-2025/01234")),
              ElementsAre("key.key"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "THPT Hạ Long/01234")),
              ElementsAre("key.key"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "000.00.21.H49/")),
              ElementsAre("key.key"));
  EXPECT_THAT(ViolatedFields(ValidateGet(v1::RECORD_TYPE_DIPLOMA, "000.00.21.H49")),
              ElementsAre("key.key"));
}

TEST(GetRecord, EmptyRequestNamesBothKeyFields) {
  FieldViolations violations;
  ValidateGetRecord(v1::GetRecordRequest(), &violations);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("key.type", "key.key"));
}

// ---------------------------------------------------------------------------------------------
// ListRecords

using ListRecordsCase = RuleCase<v1::ListRecordsRequest>;
class ListRecordsRule : public ::testing::TestWithParam<ListRecordsCase> {};

v1::ListRecordsRequest ListStudentsOfOneSchool() {
  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_STUDENT);
  request.set_school_code("22.THPT.HL-01");
  request.set_page_size(200);
  return request;
}

TEST_P(ListRecordsRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(ListStudentsOfOneSchool(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateListRecords(request, samples::Context(), violations);
                 });
}

const ListRecordsCase kListRecordsCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    {"type_missing", [](auto* r) { r->clear_type(); }, {"type"}},
    {"type_dossier", [](auto* r) { r->set_type(v1::RECORD_TYPE_DOSSIER); }, {"type"}},
    {"page_size_over_limit", [](auto* r) { r->set_page_size(1001); }, {"page_size"}},
    {"page_size_negative", [](auto* r) { r->set_page_size(-10); }, {"page_size"}},
    {"agency_code_malformed",
     [](auto* r) {
       r->set_type(v1::RECORD_TYPE_DIPLOMA);
       r->set_agency_code("000.00.21");
     },
     {"agency_code"}},
    {"school_code_malformed", [](auto* r) { r->set_school_code("22 THPT"); }, {"school_code"}},
    {"snapshot_cursor_passes", [](auto* r) { r->set_at_cursor("c:000000000042"); }, {}},
};

INSTANTIATE_TEST_SUITE_P(Rules, ListRecordsRule, ::testing::ValuesIn(kListRecordsCases),
                         RuleCaseName());

// ---------------------------------------------------------------------------------------------
// VerifyDiploma

using VerifyCase = RuleCase<v1::VerifyDiplomaRequest>;
class VerifyDiplomaRule : public ::testing::TestWithParam<VerifyCase> {};

TEST_P(VerifyDiplomaRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::VerifyDiplomaRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateVerifyDiploma(request, violations);
                 });
}

const VerifyCase kVerifyCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    {"serial_only_passes",
     [](auto* r) {
       r->clear_register_number();
       r->clear_issuing_agency_code();
       r->clear_holder();
     },
     {}},
    {"register_and_agency_only_pass", [](auto* r) { r->clear_serial_number(); }, {}},
    {"neither_serial_nor_register",
     [](auto* r) {
       r->clear_serial_number();
       r->clear_register_number();
     },
     {"serial_number"}},
    {"register_without_agency",
     [](auto* r) { r->clear_issuing_agency_code(); },
     {"issuing_agency_code"}},
    {"serial_malformed", [](auto* r) { r->set_serial_number("QN 2025"); }, {"serial_number"}},
    {"register_malformed", [](auto* r) { r->set_register_number("01234 "); }, {"register_number"}},
    {"agency_malformed",
     [](auto* r) { r->set_issuing_agency_code("Sở GDĐT Quảng Ninh"); },
     {"issuing_agency_code"}},
    {"school_code_issuer_passes",
     [](auto* r) { r->set_issuing_agency_code("THPT-HONGGAI-01"); },
     {}},
    {"holder_date_of_birth_malformed",
     [](auto* r) { r->mutable_holder()->set_date_of_birth("20/02/2007"); },
     {"holder.date_of_birth"}},
    {"holder_personal_id_malformed",
     [](auto* r) { r->mutable_holder()->set_personal_id("02230700123X"); },
     {"holder.personal_id"}},
    {"holder_personal_id_disagreeing_is_the_verdicts_business",
     [](auto* r) { r->mutable_holder()->set_date_of_birth("2006-02-20"); },
     {}},
    {"holder_name_control_character",
     [](auto* r) { r->mutable_holder()->set_full_name("Phạm Thị\nLan"); },
     {"holder.full_name"}},
    {"graduation_year_too_early",
     [](auto* r) { r->set_graduation_year(1900); },
     {"graduation_year"}},
    {"graduation_year_zero_skips", [](auto* r) { r->clear_graduation_year(); }, {}},
    {"type_undefined", [](auto* r) { r->set_type(static_cast<v1::DiplomaType>(5)); }, {"type"}},
};

INSTANTIATE_TEST_SUITE_P(Rules, VerifyDiplomaRule, ::testing::ValuesIn(kVerifyCases),
                         RuleCaseName());

}  // namespace
}  // namespace lienthong::validation

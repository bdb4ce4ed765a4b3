// The sample data the load generator sends is valid and distinct (tests/support).
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/domain/codes.h"
#include "services/domain/personal_id.h"
#include "services/validation/dossier_validation.h"
#include "services/validation/record_validation.h"
#include "tests/support/sample_dossiers.h"

namespace lienthong::demo {
namespace {

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 60 * 60);

// 2026-03-02 20:30 UTC is already 3 March in Vietnam: the code must say 260303.
const absl::Time kReceivedAt = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 20, 30, 0),
                                               absl::UTCTimeZone());

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::optional<domain::Sex> ToDomainSex(v1::Sex sex) {
  if (sex == v1::SEX_MALE) return domain::Sex::kMale;
  if (sex == v1::SEX_FEMALE) return domain::Sex::kFemale;
  return std::nullopt;
}

// The personal ID parses and its century-and-sex and birth-year digits agree with the person.
void ExpectPersonalIdAgrees(const std::string& id, const std::string& date_of_birth,
                            v1::Sex sex) {
  auto parts = domain::ParsePersonalId(id);
  ASSERT_TRUE(parts.ok()) << id << ": " << parts.status();
  const int birth_year = std::stoi(date_of_birth.substr(0, 4));
  EXPECT_TRUE(domain::CheckPersonalIdAgreement(*parts, birth_year, ToDomainSex(sex)).ok())
      << id << " born " << date_of_birth << " sex " << sex;
}

TEST(SampleDossierTest, CodesAreDistinctAndDatedOnTheLocalReceiptDay) {
  absl::flat_hash_set<std::string> codes;
  for (uint64_t i = 0; i < 100000; ++i) {
    const v1::Dossier dossier = MakeSampleDossier(i, kReceivedAt);
    ASSERT_TRUE(codes.insert(dossier.code()).second) << "index " << i << ": " << dossier.code();
    auto parts = domain::ParseDossierCode(dossier.code());
    ASSERT_TRUE(parts.ok()) << dossier.code() << ": " << parts.status();
    EXPECT_EQ(parts->agency_code, dossier.receiving_agency_code());
    EXPECT_EQ(parts->receipt_day, absl::CivilDay(2026, 3, 3)) << dossier.code();
    EXPECT_EQ(parts->receipt_day, absl::ToCivilDay(ToTime(dossier.received_at()), kVietnam));
  }
  EXPECT_EQ(MakeSampleDossier(0, kReceivedAt).code(), "000.00.00.H49-260303-0001");
  EXPECT_EQ(MakeSampleDossier(9999, kReceivedAt).code(), "000.00.01.H49-260303-0001");
}

TEST(SampleDossierTest, ApplicantsHaveIdsAgreeingWithBirthAndSex) {
  int female = 0;
  int born_2000s = 0;
  for (uint64_t i = 0; i < 20000; ++i) {
    const v1::Dossier dossier = MakeSampleDossier(i, kReceivedAt);
    const v1::Applicant& applicant = dossier.applicant();
    EXPECT_EQ(applicant.kind(), v1::APPLICANT_KIND_CITIZEN);
    EXPECT_EQ(applicant.id_type(), v1::ID_TYPE_CCCD);
    ExpectPersonalIdAgrees(applicant.id_number(), applicant.date_of_birth(), applicant.sex());
    if (applicant.has_representative()) {
      EXPECT_TRUE(domain::ParsePersonalId(applicant.representative().id_number()).ok());
    }
    EXPECT_EQ(applicant.phone().size(), 10u);
    EXPECT_EQ(applicant.phone().substr(0, 2), "09");
    female += applicant.sex() == v1::SEX_FEMALE;
    born_2000s += applicant.date_of_birth() >= "2000";
  }
  // Every century-and-sex digit 0 to 3 occurs.
  EXPECT_GT(female, 8000);
  EXPECT_LT(female, 12000);
  EXPECT_GT(born_2000s, 1000);
}

TEST(SampleDossierTest, FieldsFollowTheDomainRules) {
  int online = 0;
  int in_person = 0;
  int postal = 0;
  int with_fee = 0;
  int paid_online = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    const v1::Dossier d = MakeSampleDossier(i, kReceivedAt);
    EXPECT_TRUE(domain::IsValidProcedureCode(d.procedure_code())) << d.procedure_code();
    EXPECT_FALSE(d.procedure_name().empty());
    EXPECT_TRUE(domain::IsValidSectorCode(d.field_code()));
    EXPECT_TRUE(domain::IsQcvn102AgencyCode(d.receiving_agency_code()));
    EXPECT_TRUE(domain::IsQcvn102AgencyCode(d.handling_agency_code()));
    EXPECT_EQ(d.status(), v1::DOSSIER_STATUS_ACCEPTED);
    EXPECT_GT(d.processing_days(), 0);
    EXPECT_LE(ToTime(d.submitted_at()), ToTime(d.received_at()));
    EXPECT_EQ(ToTime(d.received_at()), kReceivedAt);
    EXPECT_FALSE(d.has_due_at());
    EXPECT_EQ(d.history_size(), 0);
    EXPECT_EQ(d.version(), 0);
    EXPECT_TRUE(d.submitted_by().empty());
    EXPECT_FALSE(d.has_updated_at());
    ASSERT_GE(d.attachments_size(), 1);
    ASSERT_LE(d.attachments_size(), 3);
    for (const v1::Attachment& attachment : d.attachments()) {
      EXPECT_TRUE(domain::IsSha256Hex(attachment.sha256())) << attachment.sha256();
      EXPECT_GT(attachment.size_bytes(), 0);
      EXPECT_FALSE(attachment.name().empty());
      EXPECT_FALSE(attachment.uri().empty());
    }
    switch (d.channel()) {
      case v1::CHANNEL_ONLINE:
        ++online;
        EXPECT_TRUE(d.online_level() == v1::ONLINE_LEVEL_PARTIAL ||
                    d.online_level() == v1::ONLINE_LEVEL_END_TO_END);
        break;
      case v1::CHANNEL_IN_PERSON:
        ++in_person;
        break;
      case v1::CHANNEL_POSTAL:
        ++postal;
        break;
      default:
        ADD_FAILURE() << "channel " << d.channel();
    }
    with_fee += d.fees_size() > 0;
    paid_online += d.paid_online();
  }
  EXPECT_NEAR(online, 6000, 300);
  EXPECT_NEAR(in_person, 3000, 300);
  EXPECT_NEAR(postal, 1000, 300);
  EXPECT_GT(with_fee, 0);
  EXPECT_GT(paid_online, 0);
  EXPECT_LT(paid_online, with_fee);
}

TEST(SampleDossierTest, SameIndexGivesTheSameDossier) {
  EXPECT_EQ(MakeSampleDossier(4242, kReceivedAt).SerializeAsString(),
            MakeSampleDossier(4242, kReceivedAt).SerializeAsString());
  EXPECT_NE(MakeSampleDossier(4242, kReceivedAt).SerializeAsString(),
            MakeSampleDossier(4243, kReceivedAt).SerializeAsString());
}

TEST(SampleDossierTest, ReassignedBodyCarriesTheOtherIndexIdentity) {
  v1::Dossier reused = MakeSampleDossier(7, kReceivedAt);
  AssignSampleDossierIdentity(123456, kReceivedAt, &reused);
  const v1::Dossier original = MakeSampleDossier(123456, kReceivedAt);
  EXPECT_EQ(reused.code(), original.code());
  EXPECT_EQ(reused.receiving_agency_code(), original.receiving_agency_code());
  EXPECT_EQ(ToTime(reused.received_at()), kReceivedAt);
}

TEST(SampleDossierTest, IndicesBeyondOneDayMoveToTheDayBefore) {
  const v1::Dossier first = MakeSampleDossier(5, kReceivedAt);
  v1::Dossier later = first;
  AssignSampleDossierIdentity(kSampleDossiersPerDay + 5, kReceivedAt, &later);
  EXPECT_NE(later.code(), first.code());
  EXPECT_EQ(ToTime(later.received_at()), kReceivedAt - absl::Hours(24));
  EXPECT_EQ(ToTime(later.submitted_at()), ToTime(first.submitted_at()) - absl::Hours(24));
  auto parts = domain::ParseDossierCode(later.code());
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->receipt_day, absl::CivilDay(2026, 3, 2));
  EXPECT_EQ(later.code(), MakeSampleDossier(kSampleDossiersPerDay + 5, kReceivedAt).code());
}

TEST(SampleEducationRecordTest, KeysAreDistinct) {
  absl::flat_hash_set<std::string> schools;
  absl::flat_hash_set<std::string> students;
  absl::flat_hash_set<std::string> serials;
  absl::flat_hash_set<std::string> registers;
  for (uint64_t i = 0; i < 100000; ++i) {
    ASSERT_TRUE(schools.insert(MakeSampleSchool(i).school().school_code()).second) << i;
    ASSERT_TRUE(students.insert(MakeSampleStudent(i, "22000001").student().student_id()).second)
        << i;
    const v1::Diploma diploma = MakeSampleDiploma(i).diploma();
    ASSERT_TRUE(serials.insert(diploma.serial_number()).second) << i;
    ASSERT_TRUE(registers.insert(diploma.register_number()).second) << i;
  }
}

TEST(SampleEducationRecordTest, RecordsFollowTheDomainRules) {
  for (uint64_t i = 0; i < 5000; ++i) {
    const v1::School school = MakeSampleSchool(i).school();
    EXPECT_NE(school.level(), v1::SCHOOL_LEVEL_UNSPECIFIED);
    EXPECT_TRUE(domain::IsQcvn102AgencyCode(school.managing_agency_code()))
        << school.managing_agency_code();
    EXPECT_EQ(school.status(), v1::RECORD_STATUS_ACTIVE);

    const v1::Student student = MakeSampleStudent(i, school.school_code()).student();
    EXPECT_EQ(student.school_code(), school.school_code());
    ExpectPersonalIdAgrees(student.personal_id(), student.date_of_birth(), student.sex());
    EXPECT_EQ(student.school_year(), "2025-2026");

    const v1::EducationRecord record = MakeSampleDiploma(i);
    ASSERT_TRUE(record.has_diploma());
    const v1::Diploma& diploma = record.diploma();
    EXPECT_EQ(diploma.issuing_agency_code(), kSampleDiplomaIssuer);
    EXPECT_GE(diploma.graduation_year(), 2020);
    EXPECT_LE(diploma.graduation_year(), 2025);
    EXPECT_EQ(diploma.status(), v1::DIPLOMA_STATUS_ISSUED);
    EXPECT_NE(diploma.type(), v1::DIPLOMA_TYPE_UNSPECIFIED);
    ExpectPersonalIdAgrees(diploma.holder().personal_id(), diploma.holder().date_of_birth(),
                           diploma.holder().sex());
    EXPECT_LT(diploma.recognition_decision_date(), diploma.issue_date());
    EXPECT_EQ(record.version(), 0);
  }
}

// The gateway's own request validation finds nothing to report, a minute after receipt.
TEST(SampleDataValidationTest, SamplesPassTheGatewayValidation) {
  validation::ValidationContext context;
  context.now = kReceivedAt + absl::Minutes(1);
  for (uint64_t i = 0; i < 5000; ++i) {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = MakeSampleDossier(i, kReceivedAt);
    FieldViolations dossier_violations;
    validation::ValidateSubmitDossier(request, context, &dossier_violations);
    EXPECT_TRUE(dossier_violations.empty()) << "dossier " << i << ": "
                                            << dossier_violations.proto().DebugString();

    const v1::EducationRecord school = MakeSampleSchool(i);
    for (const v1::EducationRecord& record :
         {school, MakeSampleStudent(i, school.school().school_code()), MakeSampleDiploma(i)}) {
      FieldViolations record_violations;
      validation::ValidateEducationRecord(record, "", context, &record_violations);
      EXPECT_TRUE(record_violations.empty()) << "record " << i << ": "
                                             << record_violations.proto().DebugString();
    }
  }

  // The check is live: a code dated the day before the receipt is reported.
  v1::SubmitDossierRequest misdated;
  *misdated.mutable_dossier() = MakeSampleDossier(0, kReceivedAt);
  misdated.mutable_dossier()->set_code("000.00.00.H49-260302-0001");
  FieldViolations violations;
  validation::ValidateSubmitDossier(misdated, context, &violations);
  EXPECT_FALSE(violations.empty());
}

}  // namespace
}  // namespace lienthong::demo

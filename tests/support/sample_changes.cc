// Sample records and change-log appends.
#include "tests/support/sample_changes.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/store/change_event.h"

namespace lienthong::test {
namespace {

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(123000);
  return ts;
}

store::ChangeRow Row(v1::RecordType type, std::string key, std::string agency, int64_t version,
                     std::string payload) {
  store::ChangeRow row;
  row.type = type;
  row.key = std::move(key);
  row.operation = version == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
  row.version = version;
  row.origin_member = kSampleEducationAgency;
  row.agency = std::move(agency);
  row.payload = std::move(payload);
  return row;
}

std::string EducationPayload(v1::EducationRecord record, int64_t version) {
  record.set_version(version);
  record.set_updated_by(kSampleEducationAgency);
  *record.mutable_updated_at() = At(1767225600 + version);
  return record.SerializeAsString();
}

}  // namespace

v1::School SampleSchool(int n, const std::string& agency) {
  v1::School school;
  school.set_school_code(absl::StrFormat("SCH%05d", n));
  school.set_name(absl::StrCat("Trường THCS Hạ Long số ", n));
  school.set_level(v1::SCHOOL_LEVEL_LOWER_SECONDARY);
  school.set_ownership(v1::SCHOOL_OWNERSHIP_PUBLIC);
  school.set_managing_agency_code(agency);
  school.set_commune_code("22012");
  school.set_establishment_decision_number(absl::StrCat(n, "/QĐ-UBND"));
  school.set_establishment_decision_date("2001-09-05");
  school.set_status(v1::RECORD_STATUS_ACTIVE);
  return school;
}

v1::Student SampleStudent(int n) {
  v1::Student student;
  student.set_student_id(absl::StrFormat("HS%08d", n));
  student.set_personal_id(absl::StrFormat("0222%08d", n));
  student.set_full_name(absl::StrCat("Nguyễn Văn An ", n));
  student.set_date_of_birth("2010-03-15");
  student.set_sex(v1::SEX_MALE);
  student.set_ethnicity("Kinh");
  student.set_birthplace("Quảng Ninh");
  student.set_school_code(absl::StrFormat("SCH%05d", n % 10));
  student.set_class_name("9A1");
  student.set_school_year("2025-2026");
  student.set_status(v1::RECORD_STATUS_ACTIVE);
  return student;
}

v1::Diploma SampleDiploma(int n) {
  v1::Diploma diploma;
  diploma.set_type(v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION);
  diploma.set_serial_number(absl::StrFormat("A%07d", n));
  diploma.set_register_number(absl::StrFormat("%d/2025", n));
  auto* holder = diploma.mutable_holder();
  holder->set_full_name(absl::StrCat("Trần Thị Bình ", n));
  holder->set_date_of_birth("2010-07-01");
  holder->set_birthplace("Hạ Long");
  holder->set_sex(v1::SEX_FEMALE);
  holder->set_ethnicity("Kinh");
  holder->set_personal_id(absl::StrFormat("0223%08d", n));
  diploma.set_school_or_council("SCH00001");
  diploma.set_graduation_year(2025);
  diploma.set_ranking(v1::DIPLOMA_RANKING_GOOD);
  diploma.set_recognition_decision_number("123/QĐ-SGDĐT");
  diploma.set_recognition_decision_date("2025-06-20");
  diploma.set_issue_date("2025-07-01");
  diploma.set_issuing_agency_code(kSampleEducationAgency);
  diploma.set_signer("Phạm Văn Cường");
  diploma.set_status(v1::DIPLOMA_STATUS_ISSUED);
  auto* copy = diploma.add_copies();
  copy->set_issued_date("2025-08-01");
  copy->set_copies(2);
  copy->set_signer("Phạm Văn Cường");
  copy->set_recipient(holder->full_name());
  return diploma;
}

v1::Dossier SampleDossier(int n, int steps) {
  v1::Dossier dossier;
  // 4 to 7 sequence digits are valid, so numbers stay unique up to 9,999,999.
  dossier.set_code(absl::StrFormat("000.00.15.H49-260105-%04d", n));
  dossier.set_receipt_number(absl::StrCat("BN-", n));
  dossier.set_procedure_code("2.002481");
  dossier.set_procedure_name("Chuyển trường đối với học sinh trung học cơ sở");
  dossier.set_field_code("G03-GD10");
  dossier.set_receiving_agency_code("000.00.15.H49");
  dossier.set_handling_agency_code(kSampleEducationAgency);
  dossier.set_channel(v1::CHANNEL_ONLINE);
  dossier.set_online_level(v1::ONLINE_LEVEL_END_TO_END);
  dossier.set_summary("Xin chuyển trường cho con");
  *dossier.mutable_received_at() = At(1767576000);
  *dossier.mutable_due_at() = At(1767576000 + 3 * 86400);
  dossier.set_status(steps > 1 ? v1::DOSSIER_STATUS_IN_PROCESS : v1::DOSSIER_STATUS_ACCEPTED);
  dossier.set_result_delivery(v1::RESULT_DELIVERY_ONLINE);
  dossier.set_processing_days(3);
  dossier.set_paid_online(true);
  auto* applicant = dossier.mutable_applicant();
  applicant->set_kind(v1::APPLICANT_KIND_CITIZEN);
  applicant->set_full_name(absl::StrCat("Lê Thị Dung ", n));
  applicant->set_id_type(v1::ID_TYPE_CCCD);
  applicant->set_id_number(absl::StrFormat("0221%08d", n));
  for (int s = 1; s <= steps; ++s) {
    auto* step = dossier.add_history();
    step->set_sequence(s);
    step->set_from_status(s == 1 ? v1::DOSSIER_STATUS_NEWLY_REGISTERED
                                 : v1::DOSSIER_STATUS_ACCEPTED);
    step->set_to_status(s == 1 ? v1::DOSSIER_STATUS_ACCEPTED : v1::DOSSIER_STATUS_IN_PROCESS);
    step->set_from_unit("000.00.15.H49");
    step->set_to_unit(kSampleEducationAgency);
    *step->mutable_at() = At(1767576000 + s * 3600);
    step->set_handler("canbo01");
    step->set_content(absl::StrCat("Bước ", s));
    step->set_timeliness(v1::STEP_TIMELINESS_ON_TIME);
    step->set_recorded_by("000.00.00.H49");
  }
  dossier.set_version(steps);
  dossier.set_submitted_by("000.00.00.H49");
  *dossier.mutable_updated_at() = At(1767576000 + steps * 3600);
  return dossier;
}

store::ChangeRow SchoolChange(const v1::School& school, int64_t version) {
  v1::EducationRecord record;
  *record.mutable_school() = school;
  return Row(v1::RECORD_TYPE_SCHOOL, school.school_code(), school.managing_agency_code(), version,
             EducationPayload(record, version));
}

store::ChangeRow StudentChange(const v1::Student& student, int64_t version) {
  v1::EducationRecord record;
  *record.mutable_student() = student;
  return Row(v1::RECORD_TYPE_STUDENT, student.student_id(), "", version,
             EducationPayload(record, version));
}

store::ChangeRow DiplomaChange(const v1::Diploma& diploma, int64_t version) {
  v1::EducationRecord record;
  *record.mutable_diploma() = diploma;
  return Row(v1::RECORD_TYPE_DIPLOMA,
             absl::StrCat(diploma.issuing_agency_code(), "/", diploma.register_number()),
             diploma.issuing_agency_code(), version, EducationPayload(record, version));
}

store::ChangeRow DossierChange(const v1::Dossier& dossier, int64_t version) {
  v1::Dossier copy = dossier;
  copy.set_version(version);
  return Row(v1::RECORD_TYPE_DOSSIER, dossier.code(), dossier.receiving_agency_code(), version,
             copy.SerializeAsString());
}

absl::Status AppendChanges(store::Store* store, std::vector<store::ChangeRow> rows) {
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = kSampleEducationAgency;
  entry.method = "test/AppendChanges";
  absl::Notification done;
  absl::Status outcome;
  store->Write(
      std::move(entry),
      [rows = std::move(rows)](store::WriteTransaction& txn) mutable -> absl::Status {
        for (auto& row : rows) {
          auto cursor = txn.AppendChange(row);
          if (!cursor.ok()) return cursor.status();
        }
        return absl::OkStatus();
      },
      [&](absl::Status status) {
        outcome = std::move(status);
        done.Notify();
      });
  done.WaitForNotification();
  return outcome;
}

v1::ChangeEvent EventOf(store::ChangeRow row, int64_t seq) {
  row.cursor = store::ChangeCursor{seq};
  row.event_id = absl::StrFormat("00000000-0000-4000-8000-%012d", seq);
  row.commit_time = absl::FromUnixSeconds(1767576000 + seq);
  v1::ChangeEvent event;
  (void)store::ToChangeEvent(row, &event);
  return event;
}

}  // namespace lienthong::test

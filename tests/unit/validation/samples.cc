// The valid sample requests of samples.h.
#include "tests/unit/validation/samples.h"

#include "absl/time/civil_time.h"

namespace lienthong::validation::samples {

absl::Time VietnamTime(int year, int month, int day, int hour, int minute) {
  static const absl::TimeZone zone = absl::FixedTimeZone(7 * 60 * 60);
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), zone);
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(since_epoch);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
  return timestamp;
}

google::protobuf::Timestamp VietnamTimestamp(int year, int month, int day, int hour, int minute) {
  return ToTimestamp(VietnamTime(year, month, day, hour, minute));
}

absl::Time Now() { return VietnamTime(2025, 11, 20, 10, 0); }

ValidationContext Context() {
  ValidationContext context;
  context.now = Now();
  return context;
}

std::vector<std::string> ViolatedFields(const FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const auto& violation : violations.proto().field_violations()) {
    fields.push_back(violation.field());
  }
  return fields;
}

v1::SubmitDossierRequest SubmitDossierRequest() {
  v1::SubmitDossierRequest request;
  request.set_request_id("3f2b8c1e-9a4d-4e7b-8f21-6c0d5a9e7b13");
  v1::Dossier& dossier = *request.mutable_dossier();
  dossier.set_code("000.00.15.H26-251120-0001");
  dossier.set_receipt_number("BN-2025-0001");
  dossier.set_procedure_code("3.000181");
  dossier.set_procedure_name("Tuyển sinh trung học phổ thông");
  dossier.set_field_code("G03-GD10");
  dossier.set_receiving_agency_code("000.00.15.H26");
  dossier.set_handling_agency_code("000.00.21.H26");
  dossier.set_channel(v1::CHANNEL_ONLINE);
  dossier.set_online_level(v1::ONLINE_LEVEL_END_TO_END);
  dossier.set_summary("Đăng ký tuyển sinh lớp 10 năm học 2026-2027 cho con");
  *dossier.mutable_submitted_at() = VietnamTimestamp(2025, 11, 19, 22, 10);
  *dossier.mutable_received_at() = VietnamTimestamp(2025, 11, 20, 8, 30);
  *dossier.mutable_due_at() = VietnamTimestamp(2025, 11, 27, 17, 0);
  dossier.set_status(v1::DOSSIER_STATUS_ACCEPTED);
  dossier.set_result_delivery(v1::RESULT_DELIVERY_ONLINE);
  dossier.set_processing_days(5);
  dossier.set_digitised(true);
  dossier.set_paid_online(true);

  v1::Applicant& applicant = *dossier.mutable_applicant();
  applicant.set_kind(v1::APPLICANT_KIND_CITIZEN);
  applicant.set_full_name("Nguyễn Thị Hương");
  applicant.set_id_type(v1::ID_TYPE_CCCD);
  applicant.set_id_number("001188012345");
  applicant.set_date_of_birth("1988-04-15");
  applicant.set_sex(v1::SEX_FEMALE);
  applicant.set_phone("0912345678");
  applicant.set_email("huong.nt@example.vn");
  applicant.mutable_address()->set_line("Số 12 phố Hàng Bài, phường Hoàn Kiếm");
  applicant.mutable_address()->set_commune_code("00070");
  applicant.mutable_address()->set_province_code("01");
  v1::Representative& representative = *applicant.mutable_representative();
  representative.set_full_name("Trần Văn Nam");
  representative.set_id_type(v1::ID_TYPE_CCCD);
  representative.set_id_number("079201004567");
  representative.set_phone("+84987654321");
  representative.set_authorisation_reference("Giấy ủy quyền số 15/2025/UQ");

  v1::Attachment& form = *dossier.add_attachments();
  form.set_name("Đơn đăng ký dự tuyển.pdf");
  form.set_component_code("TP01");
  form.set_uri("https://motcua.example.vn/files/2025/11/don-dang-ky.pdf");
  form.set_sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  form.set_size_bytes(184320);
  v1::Attachment& certificate = *dossier.add_attachments();
  certificate.set_name("giay-khai-sinh.pdf");
  certificate.set_component_code("TP02");
  certificate.set_uri("https://motcua.example.vn/files/2025/11/giay-khai-sinh.pdf");
  certificate.set_sha256("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  certificate.set_size_bytes(0);
  certificate.set_reused(true);

  v1::Fee& fee = *dossier.add_fees();
  fee.set_description("Lệ phí tuyển sinh");
  fee.mutable_amount()->set_amount_vnd(50000);
  fee.set_paid_online(true);
  *fee.mutable_paid_at() = VietnamTimestamp(2025, 11, 19, 22, 12);
  return request;
}

v1::UpdateDossierStatusRequest UpdateDossierStatusRequest() {
  v1::UpdateDossierStatusRequest request;
  request.set_code("000.00.15.H26-251120-0001");
  request.set_expected_version(2);
  request.set_new_status(v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED);
  request.set_from_unit("000.00.15.H26");
  request.set_to_unit("000.00.21.H26");
  request.set_handler("Đỗ Thu Trang");
  request.set_content("Hồ sơ thiếu học bạ THCS.\nĐề nghị bổ sung bản sao có chứng thực.");
  *request.mutable_at() = VietnamTimestamp(2025, 11, 20, 9, 45);
  *request.mutable_step_due_at() = VietnamTimestamp(2025, 11, 21, 17, 0);
  request.set_supplement_request("Bản sao học bạ trung học cơ sở có chứng thực");
  return request;
}

v1::ListDossiersRequest ListDossiersRequest() {
  v1::ListDossiersRequest request;
  request.set_agency_code("000.00.15.H26");
  request.set_procedure_code("2.000815.000.00.00.H55.02");
  request.add_statuses(v1::DOSSIER_STATUS_ACCEPTED);
  request.add_statuses(v1::DOSSIER_STATUS_IN_PROCESS);
  request.set_channel(v1::CHANNEL_POSTAL);
  *request.mutable_received_from() = VietnamTimestamp(2025, 11, 1, 0, 0);
  *request.mutable_received_to() = VietnamTimestamp(2025, 12, 1, 0, 0);
  request.set_page_size(1000);
  return request;
}

v1::GetDossierStatsRequest GetDossierStatsRequest() {
  v1::GetDossierStatsRequest request;
  *request.mutable_from() = VietnamTimestamp(2025, 1, 1, 0, 0);
  *request.mutable_to() = VietnamTimestamp(2026, 1, 1, 0, 0);
  request.set_agency_code("H15.50.05.13");
  request.set_procedure_code("2.002481");
  return request;
}

v1::EducationRecord SchoolRecord() {
  v1::EducationRecord record;
  v1::School& school = *record.mutable_school();
  school.set_school_code("22.THPT.HL-01");
  school.set_name("Trường THPT chuyên Hạ Long");
  school.set_level(v1::SCHOOL_LEVEL_UPPER_SECONDARY);
  school.set_ownership(v1::SCHOOL_OWNERSHIP_PUBLIC);
  school.set_managing_agency_code("000.00.21.H49");
  school.set_commune_code("06658");
  school.set_establishment_decision_number("1021/QĐ-UBND");
  school.set_establishment_decision_date("1959-09-05");
  school.set_status(v1::RECORD_STATUS_ACTIVE);
  return record;
}

v1::EducationRecord StudentRecord() {
  v1::EducationRecord record;
  v1::Student& student = *record.mutable_student();
  student.set_student_id("3100512345");
  student.set_personal_id("031210000123");
  student.set_full_name("Lê Minh Khôi");
  student.set_date_of_birth("2010-09-05");
  student.set_sex(v1::SEX_MALE);
  student.set_ethnicity("Kinh");
  student.set_birthplace("Hải Phòng");
  student.set_school_code("22.THPT.HL-01");
  student.set_class_name("10A1");
  student.set_school_year("2025-2026");
  student.set_status(v1::RECORD_STATUS_ACTIVE);
  return record;
}

v1::EducationRecord DiplomaRecord() {
  v1::EducationRecord record;
  v1::Diploma& diploma = *record.mutable_diploma();
  diploma.set_type(v1::DIPLOMA_TYPE_UPPER_SECONDARY_GRADUATION);
  diploma.set_serial_number("QN-2025/0012345");
  diploma.set_register_number("THPT-2025/01234");
  v1::DiplomaHolder& holder = *diploma.mutable_holder();
  holder.set_full_name("Phạm Thị Lan");
  holder.set_date_of_birth("2007-02-20");
  holder.set_birthplace("Quảng Ninh");
  holder.set_sex(v1::SEX_FEMALE);
  holder.set_ethnicity("Tày");
  holder.set_personal_id("022307001234");
  diploma.set_school_or_council("Hội đồng thi Sở GDĐT Quảng Ninh");
  diploma.set_graduation_year(2025);
  diploma.set_recognition_decision_number("812/QĐ-SGDĐT");
  diploma.set_recognition_decision_date("2025-07-15");
  diploma.set_issue_date("2025-08-05");
  diploma.set_issuing_agency_code("000.00.21.H49");
  diploma.set_signer("Nguyễn Văn Hùng");
  diploma.set_status(v1::DIPLOMA_STATUS_CORRECTED);
  v1::DiplomaCorrection& correction = *diploma.add_corrections();
  correction.set_decision_number("125/QĐ-SGDĐT");
  correction.set_decision_date("2025-09-10");
  correction.set_corrected_field("holder.birthplace");
  correction.set_old_value("Quảng Nam");
  correction.set_new_value("Quảng Ninh");
  correction.set_reason("Ghi nhầm nơi sinh so với giấy khai sinh");
  v1::DiplomaCopy& copy = *diploma.add_copies();
  copy.set_issued_date("2025-10-02");
  copy.set_copies(2);
  copy.set_signer("Nguyễn Văn Hùng");
  copy.set_recipient("Phạm Thị Lan");
  copy.set_copy_register_number("BS-2025/0456");
  return record;
}

v1::UpsertRecordsRequest UpsertRecordsRequest() {
  v1::UpsertRecordsRequest request;
  *request.add_records() = SchoolRecord();
  *request.add_records() = StudentRecord();
  *request.add_records() = DiplomaRecord();
  request.set_request_id("A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D");
  return request;
}

v1::VerifyDiplomaRequest VerifyDiplomaRequest() {
  const v1::Diploma diploma = DiplomaRecord().diploma();
  v1::VerifyDiplomaRequest request;
  request.set_serial_number(diploma.serial_number());
  request.set_register_number(diploma.register_number());
  request.set_issuing_agency_code(diploma.issuing_agency_code());
  request.mutable_holder()->set_full_name(diploma.holder().full_name());
  request.mutable_holder()->set_date_of_birth(diploma.holder().date_of_birth());
  request.mutable_holder()->set_personal_id(diploma.holder().personal_id());
  request.set_graduation_year(diploma.graduation_year());
  request.set_type(diploma.type());
  return request;
}

}  // namespace lienthong::validation::samples

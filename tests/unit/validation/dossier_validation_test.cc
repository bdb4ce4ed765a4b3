// Tests of DossierService request validation: each rule broken alone names exactly its field.
#include "services/validation/dossier_validation.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/validation/rule_case.h"
#include "tests/unit/validation/samples.h"

namespace lienthong::validation {
namespace {

using samples::VietnamTimestamp;
using samples::ViolatedFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------------------------------------
// SubmitDossier

using SubmitCase = RuleCase<v1::SubmitDossierRequest>;

v1::Dossier& D(v1::SubmitDossierRequest* request) { return *request->mutable_dossier(); }
v1::Applicant& A(v1::SubmitDossierRequest* request) { return *D(request).mutable_applicant(); }

FieldViolations ValidateSubmit(const v1::SubmitDossierRequest& request) {
  FieldViolations violations;
  ValidateSubmitDossier(request, samples::Context(), &violations);
  return violations;
}

class SubmitDossierRule : public ::testing::TestWithParam<SubmitCase> {};

TEST_P(SubmitDossierRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::SubmitDossierRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateSubmitDossier(request, samples::Context(), violations);
                 });
}

const SubmitCase kSubmitCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    // The dossier and its code (Circular 01/2018/TT-VPCP Art. 19).
    {"dossier_missing", [](auto* r) { r->clear_dossier(); }, {"dossier"}},
    {"code_missing", [](auto* r) { D(r).clear_code(); }, {"dossier.code"}},
    {"code_malformed",
     [](auto* r) { D(r).set_code("000.00.15.H26-2511200001"); },
     {"dossier.code"}},
    {"code_date_not_a_day",
     [](auto* r) { D(r).set_code("000.00.15.H26-251131-0001"); },
     {"dossier.code"}},
    {"code_date_not_receipt_day",
     [](auto* r) { D(r).set_code("000.00.15.H26-251119-0001"); },
     {"dossier.code"}},
    {"code_agency_not_receiving_agency",
     [](auto* r) { D(r).set_code("000.00.16.H26-251120-0001"); },
     {"dossier.code"}},
    {"code_date_and_agency_both_wrong",
     [](auto* r) { D(r).set_code("000.00.16.H26-251121-0001"); },
     {"dossier.code", "dossier.code"}},
    {"code_with_decision20_agency_and_long_sequence",
     [](auto* r) {
       D(r).set_code("H15.50.05.13-251120-0000975");
       D(r).set_receiving_agency_code("H15.50.05.13");
     },
     {}},
    // Codes of agencies, procedures and sectors.
    {"receiving_agency_missing",
     [](auto* r) { D(r).clear_receiving_agency_code(); },
     {"dossier.receiving_agency_code"}},
    {"receiving_agency_malformed",
     [](auto* r) { D(r).set_receiving_agency_code("H26-15"); },
     {"dossier.receiving_agency_code"}},
    {"handling_agency_malformed",
     [](auto* r) { D(r).set_handling_agency_code("000.00.21.h26"); },
     {"dossier.handling_agency_code"}},
    {"handling_agency_absent_passes", [](auto* r) { D(r).clear_handling_agency_code(); }, {}},
    {"procedure_missing", [](auto* r) { D(r).clear_procedure_code(); }, {"dossier.procedure_code"}},
    {"procedure_malformed",
     [](auto* r) { D(r).set_procedure_code("3.00018"); },
     {"dossier.procedure_code"}},
    {"procedure_local_variant_passes",
     [](auto* r) { D(r).set_procedure_code("2.000815.000.00.00.H55.02"); },
     {}},
    {"field_code_malformed",
     [](auto* r) { D(r).set_field_code("G03-GD1"); },
     {"dossier.field_code"}},
    {"field_code_with_d_stroke_passes", [](auto* r) { D(r).set_field_code("G07-LĐ01"); }, {}},
    // Enumerations.
    {"channel_unspecified",
     [](auto* r) { D(r).set_channel(v1::CHANNEL_UNSPECIFIED); },
     {"dossier.channel"}},
    {"channel_undefined",
     [](auto* r) { D(r).set_channel(static_cast<v1::Channel>(4)); },
     {"dossier.channel"}},
    {"online_level_undefined",
     [](auto* r) { D(r).set_online_level(static_cast<v1::OnlineLevel>(1)); },
     {"dossier.online_level"}},
    {"online_level_unset_passes", [](auto* r) { D(r).clear_online_level(); }, {}},
    {"result_delivery_undefined",
     [](auto* r) { D(r).set_result_delivery(static_cast<v1::ResultDelivery>(7)); },
     {"dossier.result_delivery"}},
    // Status of a new dossier.
    {"status_in_process",
     [](auto* r) { D(r).set_status(v1::DOSSIER_STATUS_IN_PROCESS); },
     {"dossier.status"}},
    {"status_result_returned",
     [](auto* r) { D(r).set_status(v1::DOSSIER_STATUS_RESULT_RETURNED); },
     {"dossier.status"}},
    {"status_undefined",
     [](auto* r) { D(r).set_status(static_cast<v1::DossierStatus>(42)); },
     {"dossier.status"}},
    {"status_newly_registered_passes",
     [](auto* r) { D(r).set_status(v1::DOSSIER_STATUS_NEWLY_REGISTERED); },
     {}},
    {"status_unset_passes", [](auto* r) { D(r).clear_status(); }, {}},
    // Times.
    {"received_at_missing", [](auto* r) { D(r).clear_received_at(); }, {"dossier.received_at"}},
    {"received_at_more_than_5_minutes_ahead",
     [](auto* r) { *D(r).mutable_received_at() = VietnamTimestamp(2025, 11, 20, 10, 6); },
     {"dossier.received_at"}},
    {"received_at_within_5_minutes_passes",
     [](auto* r) { *D(r).mutable_received_at() = VietnamTimestamp(2025, 11, 20, 10, 5); },
     {}},
    {"received_at_nanos_negative",
     [](auto* r) { D(r).mutable_received_at()->set_nanos(-1); },
     {"dossier.received_at"}},
    {"received_at_nanos_too_large",
     [](auto* r) { D(r).mutable_received_at()->set_nanos(1000000000); },
     {"dossier.received_at"}},
    {"submitted_at_before_2000",
     [](auto* r) { *D(r).mutable_submitted_at() = VietnamTimestamp(1999, 12, 31, 23, 0); },
     {"dossier.submitted_at"}},
    {"due_at_after_2100",
     [](auto* r) { *D(r).mutable_due_at() = VietnamTimestamp(2101, 1, 2, 17, 0); },
     {"dossier.due_at"}},
    {"submitted_after_received",
     [](auto* r) { *D(r).mutable_submitted_at() = VietnamTimestamp(2025, 11, 20, 8, 31); },
     {"dossier.submitted_at"}},
    {"submitted_when_received_passes",
     [](auto* r) { *D(r).mutable_submitted_at() = D(r).received_at(); },
     {}},
    {"due_at_not_after_received",
     [](auto* r) { *D(r).mutable_due_at() = D(r).received_at(); },
     {"dossier.due_at"}},
    {"finished_at_set",
     [](auto* r) { *D(r).mutable_finished_at() = VietnamTimestamp(2025, 11, 20, 9, 0); },
     {"dossier.finished_at"}},
    {"returned_at_set",
     [](auto* r) { *D(r).mutable_returned_at() = VietnamTimestamp(2025, 11, 20, 9, 0); },
     {"dossier.returned_at"}},
    {"refused_at_set",
     [](auto* r) { *D(r).mutable_refused_at() = VietnamTimestamp(2025, 11, 20, 9, 0); },
     {"dossier.refused_at"}},
    // Counters.
    {"processing_days_negative",
     [](auto* r) { D(r).set_processing_days(-1); },
     {"dossier.processing_days"}},
    {"processing_days_over_365",
     [](auto* r) { D(r).set_processing_days(366); },
     {"dossier.processing_days"}},
    {"processing_days_365_passes", [](auto* r) { D(r).set_processing_days(365); }, {}},
    {"extension_count_on_submit",
     [](auto* r) { D(r).set_extension_count(1); },
     {"dossier.extension_count"}},
    // Gateway-set fields.
    {"history_set", [](auto* r) { D(r).add_history()->set_sequence(1); }, {"dossier.history"}},
    {"version_set", [](auto* r) { D(r).set_version(1); }, {"dossier.version"}},
    {"submitted_by_set",
     [](auto* r) { D(r).set_submitted_by("000.00.15.H26"); },
     {"dossier.submitted_by"}},
    {"updated_at_set",
     [](auto* r) { *D(r).mutable_updated_at() = VietnamTimestamp(2025, 11, 20, 9, 0); },
     {"dossier.updated_at"}},
    // The original due date is kept by the gateway when an extension moves due_at.
    {"original_due_at_set",
     [](auto* r) { *D(r).mutable_original_due_at() = VietnamTimestamp(2025, 11, 27, 17, 0); },
     {"dossier.original_due_at"}},
    // Free text.
    {"summary_over_2000_characters",
     [](auto* r) {
       std::string summary;
       for (int i = 0; i < 2001; ++i) summary += "ệ";
       D(r).set_summary(summary);
     },
     {"dossier.summary"}},
    {"summary_of_2000_characters_passes",
     [](auto* r) {
       std::string summary;
       for (int i = 0; i < 2000; ++i) summary += "ệ";
       D(r).set_summary(summary);
     },
     {}},
    {"procedure_name_with_line_break",
     [](auto* r) { D(r).set_procedure_name("Tuyển sinh\ntrung học phổ thông"); },
     {"dossier.procedure_name"}},
    {"request_id_not_a_uuid", [](auto* r) { r->set_request_id("retry-1"); }, {"request_id"}},
    {"request_id_absent_passes", [](auto* r) { r->clear_request_id(); }, {}},
    // Applicant.
    {"applicant_missing", [](auto* r) { D(r).clear_applicant(); }, {"dossier.applicant"}},
    {"applicant_kind_undefined",
     [](auto* r) { A(r).set_kind(static_cast<v1::ApplicantKind>(9)); },
     {"dossier.applicant.kind"}},
    {"applicant_full_name_missing",
     [](auto* r) { A(r).clear_full_name(); },
     {"dossier.applicant.full_name"}},
    {"applicant_full_name_over_200_characters",
     [](auto* r) {
       std::string name;
       for (int i = 0; i < 201; ++i) name += "ư";
       A(r).set_full_name(name);
     },
     {"dossier.applicant.full_name"}},
    {"applicant_full_name_invalid_utf8",
     [](auto* r) { A(r).set_full_name("Nguy\xC3\x28n"); },
     {"dossier.applicant.full_name"}},
    {"applicant_full_name_control_character",
     [](auto* r) { A(r).set_full_name("Nguyễn Thị\tHương"); },
     {"dossier.applicant.full_name"}},
    {"id_type_undefined",
     [](auto* r) { A(r).set_id_type(static_cast<v1::IdType>(2)); },
     {"dossier.applicant.id_type"}},
    {"id_number_missing_for_citizen",
     [](auto* r) { A(r).clear_id_number(); },
     {"dossier.applicant.id_number"}},
    {"id_number_optional_for_business",
     [](auto* r) {
       A(r).set_kind(v1::APPLICANT_KIND_BUSINESS);
       A(r).set_full_name("Công ty TNHH Giáo dục Hạ Long");
       A(r).clear_id_number();
       A(r).clear_date_of_birth();
       A(r).clear_sex();
     },
     {}},
    {"cccd_eleven_digits",
     [](auto* r) { A(r).set_id_number("00118801234"); },
     {"dossier.applicant.id_number"}},
    {"cccd_unknown_province",
     [](auto* r) { A(r).set_id_number("003188012345"); },
     {"dossier.applicant.id_number"}},
    {"cccd_birth_year_disagrees",
     [](auto* r) { A(r).set_date_of_birth("1989-04-15"); },
     {"dossier.applicant.id_number"}},
    {"cccd_sex_disagrees",
     [](auto* r) { A(r).set_sex(v1::SEX_MALE); },
     {"dossier.applicant.id_number"}},
    {"cccd_year_and_sex_disagree",
     [](auto* r) {
       A(r).set_date_of_birth("2002");
       A(r).set_sex(v1::SEX_MALE);
     },
     {"dossier.applicant.id_number", "dossier.applicant.id_number"}},
    {"cccd_agrees_with_birth_year_only", [](auto* r) { A(r).set_date_of_birth("1988"); }, {}},
    {"cccd_without_birth_date_or_sex",
     [](auto* r) {
       A(r).clear_date_of_birth();
       A(r).clear_sex();
     },
     {}},
    // Identity Law 2023 Art. 46: CMND cards were valid until 31 December 2024; the sample is
    // received on 20 November 2025.
    {"cmnd_nine_digits_refused_after_2024",
     [](auto* r) {
       A(r).set_id_type(v1::ID_TYPE_CMND);
       A(r).set_id_number("012345678");
     },
     {"dossier.applicant.id_type"}},
    {"cmnd_of_representative_refused_after_2024",
     [](auto* r) {
       A(r).mutable_representative()->set_id_type(v1::ID_TYPE_CMND);
       A(r).mutable_representative()->set_id_number("012345678");
     },
     {"dossier.applicant.representative.id_type"}},
    {"cmnd_twelve_digits",
     [](auto* r) { A(r).set_id_type(v1::ID_TYPE_CMND); },
     {"dossier.applicant.id_number"}},
    {"passport_passes",
     [](auto* r) {
       A(r).set_id_type(v1::ID_TYPE_PASSPORT);
       A(r).set_id_number("C1234567");
     },
     {}},
    {"passport_lowercase",
     [](auto* r) {
       A(r).set_id_type(v1::ID_TYPE_PASSPORT);
       A(r).set_id_number("c1234567");
     },
     {"dossier.applicant.id_number"}},
    {"date_of_birth_day_first",
     [](auto* r) { A(r).set_date_of_birth("15/04/1988"); },
     {"dossier.applicant.date_of_birth"}},
    {"date_of_birth_in_future",
     [](auto* r) { A(r).set_date_of_birth("2025-11-21"); },
     {"dossier.applicant.date_of_birth"}},
    {"date_of_birth_year_in_future",
     [](auto* r) { A(r).set_date_of_birth("2026"); },
     {"dossier.applicant.date_of_birth"}},
    {"date_of_birth_before_1900",
     [](auto* r) { A(r).set_date_of_birth("1899-12-31"); },
     {"dossier.applicant.date_of_birth"}},
    {"sex_undefined",
     [](auto* r) { A(r).set_sex(static_cast<v1::Sex>(5)); },
     {"dossier.applicant.sex"}},
    {"phone_with_dashes",
     [](auto* r) { A(r).set_phone("091-234-5678"); },
     {"dossier.applicant.phone"}},
    {"phone_too_short", [](auto* r) { A(r).set_phone("+8491234"); }, {"dossier.applicant.phone"}},
    {"email_without_dot_in_domain",
     [](auto* r) { A(r).set_email("huong.nt@example"); },
     {"dossier.applicant.email"}},
    {"email_with_two_at_signs",
     [](auto* r) { A(r).set_email("huong@nt@example.vn"); },
     {"dossier.applicant.email"}},
    {"commune_code_not_digits",
     [](auto* r) { A(r).mutable_address()->set_commune_code("0007A"); },
     {"dossier.applicant.address.commune_code"}},
    {"province_code_not_digits",
     [](auto* r) { A(r).mutable_address()->set_province_code("H01"); },
     {"dossier.applicant.address.province_code"}},
    {"representative_full_name_missing",
     [](auto* r) { A(r).mutable_representative()->clear_full_name(); },
     {"dossier.applicant.representative.full_name"}},
    {"representative_id_number_malformed",
     [](auto* r) { A(r).mutable_representative()->set_id_number("07920100456"); },
     {"dossier.applicant.representative.id_number"}},
    {"representative_id_number_missing",
     [](auto* r) { A(r).mutable_representative()->clear_id_number(); },
     {"dossier.applicant.representative.id_number"}},
    {"representative_phone_malformed",
     [](auto* r) { A(r).mutable_representative()->set_phone("0987 654 321"); },
     {"dossier.applicant.representative.phone"}},
    // Attachments, fees, results, supplements.
    {"attachments_over_200",
     [](auto* r) {
       while (D(r).attachments_size() < 201) *D(r).add_attachments() = D(r).attachments(0);
     },
     {"dossier.attachments"}},
    {"attachments_200_pass",
     [](auto* r) {
       while (D(r).attachments_size() < 200) *D(r).add_attachments() = D(r).attachments(0);
     },
     {}},
    {"attachment_name_missing",
     [](auto* r) { D(r).mutable_attachments(1)->clear_name(); },
     {"dossier.attachments[1].name"}},
    {"attachment_sha256_short",
     [](auto* r) { D(r).mutable_attachments(1)->set_sha256("e3b0c44298fc1c14"); },
     {"dossier.attachments[1].sha256"}},
    {"attachment_sha256_missing",
     [](auto* r) { D(r).mutable_attachments(0)->clear_sha256(); },
     {"dossier.attachments[0].sha256"}},
    {"attachment_size_negative",
     [](auto* r) { D(r).mutable_attachments(1)->set_size_bytes(-1); },
     {"dossier.attachments[1].size_bytes"}},
    {"attachment_uri_missing",
     [](auto* r) { D(r).mutable_attachments(0)->clear_uri(); },
     {"dossier.attachments[0].uri"}},
    {"fee_amount_negative",
     [](auto* r) { D(r).mutable_fees(0)->mutable_amount()->set_amount_vnd(-50000); },
     {"dossier.fees[0].amount.amount_vnd"}},
    {"fee_paid_in_future",
     [](auto* r) {
       *D(r).mutable_fees(0)->mutable_paid_at() = VietnamTimestamp(2025, 11, 21, 8, 0);
     },
     {"dossier.fees[0].paid_at"}},
    {"result_sha256_malformed",
     [](auto* r) {
       v1::Result& result = *D(r).add_results();
       result.set_name("Giấy báo trúng tuyển");
       result.set_sha256("not-a-digest");
     },
     {"dossier.results[0].sha256"}},
    {"result_without_digest_passes",
     [](auto* r) { D(r).add_results()->set_name("Giấy báo trúng tuyển"); },
     {}},
    {"supplements_on_submit",
     [](auto* r) { D(r).add_supplements()->set_requested_content("Học bạ THCS"); },
     {"dossier.supplements"}},
};

INSTANTIATE_TEST_SUITE_P(Rules, SubmitDossierRule, ::testing::ValuesIn(kSubmitCases),
                         RuleCaseName());

TEST(SubmitDossier, ReportsEveryBadFieldNotJustTheFirst) {
  v1::SubmitDossierRequest request = samples::SubmitDossierRequest();
  D(&request).set_channel(v1::CHANNEL_UNSPECIFIED);
  D(&request).set_version(3);
  A(&request).set_phone("số máy bàn");
  D(&request).mutable_attachments(1)->set_sha256("xyz");
  request.set_request_id("not-a-uuid");
  const FieldViolations violations = ValidateSubmit(request);
  EXPECT_EQ(violations.size(), 5);
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("dossier.channel", "dossier.version", "dossier.applicant.phone",
                          "dossier.attachments[1].sha256", "request_id"));
  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(GetBadRequest(status, &bad_request));
  EXPECT_EQ(bad_request.field_violations_size(), 5);
}

// Identity Law 2023 Art. 46: a CMND identifies the applicant of a dossier received up to the
// end of 31 December 2024 (Vietnam's day), not later.
TEST(CmndValidity, AcceptedUpTo31December2024RefusedAfter) {
  auto with_cmnd_received = [](int year, int month, int day, int hour) {
    v1::SubmitDossierRequest request = samples::SubmitDossierRequest();
    v1::Dossier& dossier = *request.mutable_dossier();
    dossier.set_code(absl::StrFormat("000.00.15.H26-%02d%02d%02d-0001", year % 100, month, day));
    *dossier.mutable_submitted_at() = VietnamTimestamp(year, month, day, hour, 0);
    *dossier.mutable_received_at() = VietnamTimestamp(year, month, day, hour, 0);
    dossier.clear_due_at();
    dossier.mutable_fees(0)->clear_paid_at();
    dossier.mutable_applicant()->set_id_type(v1::ID_TYPE_CMND);
    dossier.mutable_applicant()->set_id_number("012345678");
    return request;
  };
  // 31 Dec 2024, 23:00 in Vietnam: still valid.
  EXPECT_THAT(ViolatedFields(ValidateSubmit(with_cmnd_received(2024, 12, 31, 23))), ElementsAre());
  EXPECT_THAT(ViolatedFields(ValidateSubmit(with_cmnd_received(2024, 6, 3, 9))), ElementsAre());
  // 1 Jan 2025 and later: refused, with a message naming the rule.
  for (const auto& request :
       {with_cmnd_received(2025, 1, 1, 0), with_cmnd_received(2025, 11, 20, 8)}) {
    const FieldViolations violations = ValidateSubmit(request);
    EXPECT_THAT(ViolatedFields(violations), ElementsAre("dossier.applicant.id_type"));
    EXPECT_THAT(violations.proto().field_violations(0).description(),
                HasSubstr("Identity Law 2023 Art. 46"));
  }
}

TEST(SubmitDossier, CodeDateIsTheReceiptDayInVietnam) {
  // Received at 06:30 on 20 Nov in Hà Nội, still 19 Nov in UTC.
  v1::SubmitDossierRequest request = samples::SubmitDossierRequest();
  *D(&request).mutable_submitted_at() = VietnamTimestamp(2025, 11, 20, 6, 0);
  *D(&request).mutable_received_at() = VietnamTimestamp(2025, 11, 20, 6, 30);
  EXPECT_TRUE(ValidateSubmit(request).empty());
  D(&request).set_code("000.00.15.H26-251119-0001");
  const FieldViolations violations = ValidateSubmit(request);
  EXPECT_THAT(ViolatedFields(violations), ElementsAre("dossier.code"));
  EXPECT_THAT(violations.proto().field_violations(0).description(), HasSubstr("Asia/Ho_Chi_Minh"));
}

TEST(SubmitDossier, DescriptionsNeverQuotePersonalData) {
  v1::SubmitDossierRequest request = samples::SubmitDossierRequest();
  A(&request).set_id_number("001199012345");  // Born 1999: disagrees with 1988-04-15.
  A(&request).mutable_representative()->set_id_number("07920100456");
  A(&request).set_phone("091234");
  A(&request).set_email("huong.nt.example.vn");
  const FieldViolations violations = ValidateSubmit(request);
  ASSERT_EQ(violations.size(), 4);
  for (const auto& violation : violations.proto().field_violations()) {
    for (const char* personal : {"001199012345", "07920100456", "091234", "huong.nt"}) {
      EXPECT_THAT(violation.description(), Not(HasSubstr(personal))) << violation.field();
    }
  }
  EXPECT_THAT(violations.proto().field_violations(0).description(), HasSubstr("Decree 137/2015"));
}

TEST(SubmitDossier, DescriptionsSayTheExpectedForm) {
  v1::SubmitDossierRequest request = samples::SubmitDossierRequest();
  D(&request).set_status(v1::DOSSIER_STATUS_FINISHED);
  D(&request).set_version(1);
  D(&request).set_channel(v1::CHANNEL_UNSPECIFIED);
  const FieldViolations violations = ValidateSubmit(request);
  ASSERT_EQ(violations.size(), 3);
  EXPECT_EQ(violations.proto().field_violations(0).description(),
            "required: one of CHANNEL_IN_PERSON (1), CHANNEL_ONLINE (2), CHANNEL_POSTAL (3)");
  EXPECT_THAT(violations.proto().field_violations(1).description(),
              HasSubstr("later statuses come through UpdateDossierStatus"));
  EXPECT_EQ(violations.proto().field_violations(2).description(),
            "must be empty: set by the gateway");
}

// ---------------------------------------------------------------------------------------------
// GetDossier

TEST(GetDossier, NeedsAWellFormedCode) {
  v1::GetDossierRequest request;
  request.set_code("000.00.15.H26-251120-0001");
  FieldViolations good;
  ValidateGetDossier(request, &good);
  EXPECT_TRUE(good.empty());

  request.clear_code();
  FieldViolations missing;
  ValidateGetDossier(request, &missing);
  ASSERT_EQ(missing.size(), 1);
  EXPECT_EQ(missing.proto().field_violations(0).description(),
            "required; expected <agency code>-<YYMMDD>-<sequence> (Circular 03/2025/TT-VPCP, as "
            "in Circular 01/2018/TT-VPCP Art. 19)");

  for (const char* code :
       {"", "000.00.15.H26-251120-1", "000.00.15.H26-250230-0001", "000.00.15.H26-251120-0000"}) {
    request.set_code(code);
    FieldViolations violations;
    ValidateGetDossier(request, &violations);
    EXPECT_THAT(ViolatedFields(violations), ElementsAre("code")) << code;
  }
}

// ---------------------------------------------------------------------------------------------
// UpdateDossierStatus

using UpdateCase = RuleCase<v1::UpdateDossierStatusRequest>;
class UpdateDossierStatusRule : public ::testing::TestWithParam<UpdateCase> {};

TEST_P(UpdateDossierStatusRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::UpdateDossierStatusRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateUpdateDossierStatus(request, samples::Context(), violations);
                 });
}

const UpdateCase kUpdateCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    {"code_missing", [](auto* r) { r->clear_code(); }, {"code"}},
    {"code_malformed", [](auto* r) { r->set_code("000.00.15.H26/251120/0001"); }, {"code"}},
    {"expected_version_zero", [](auto* r) { r->set_expected_version(0); }, {"expected_version"}},
    {"expected_version_negative",
     [](auto* r) { r->set_expected_version(-2); },
     {"expected_version"}},
    {"new_status_unspecified",
     [](auto* r) {
       r->set_new_status(v1::DOSSIER_STATUS_UNSPECIFIED);
       r->clear_supplement_request();
     },
     {"new_status"}},
    {"new_status_undefined",
     [](auto* r) {
       r->set_new_status(static_cast<v1::DossierStatus>(11));
       r->clear_supplement_request();
     },
     {"new_status"}},
    {"at_more_than_5_minutes_ahead",
     [](auto* r) { *r->mutable_at() = VietnamTimestamp(2025, 11, 20, 10, 6); },
     {"at"}},
    {"at_unset_passes", [](auto* r) { r->clear_at(); }, {}},
    {"at_nanos_out_of_range", [](auto* r) { r->mutable_at()->set_nanos(-5); }, {"at"}},
    {"step_due_at_year_1970",
     [](auto* r) { r->mutable_step_due_at()->set_seconds(0); },
     {"step_due_at"}},
    {"new_due_at_after_2100",
     [](auto* r) { *r->mutable_new_due_at() = VietnamTimestamp(2101, 6, 1, 17, 0); },
     {"new_due_at"}},
    {"new_due_at_with_any_move_passes",
     [](auto* r) {
       r->set_new_status(v1::DOSSIER_STATUS_IN_PROCESS);
       r->clear_supplement_request();
       *r->mutable_new_due_at() = VietnamTimestamp(2025, 12, 4, 17, 0);
     },
     {}},
    {"from_unit_malformed", [](auto* r) { r->set_from_unit("000.00.15"); }, {"from_unit"}},
    {"to_unit_malformed", [](auto* r) { r->set_to_unit("Phòng GDĐT"); }, {"to_unit"}},
    {"units_absent_pass",
     [](auto* r) {
       r->clear_from_unit();
       r->clear_to_unit();
     },
     {}},
    {"paper_transfer_between_two_units_passes",
     [](auto* r) {
       r->set_from_unit("000.00.15.H49");
       r->set_to_unit("000.00.31.H49");
       r->set_paper_transfer(true);
     },
     {}},
    {"paper_transfer_without_to_unit",
     [](auto* r) {
       r->set_from_unit("000.00.15.H49");
       r->clear_to_unit();
       r->set_paper_transfer(true);
     },
     {"paper_transfer"}},
    {"paper_transfer_without_units",
     [](auto* r) {
       r->clear_from_unit();
       r->clear_to_unit();
       r->set_paper_transfer(true);
     },
     {"paper_transfer"}},
    {"paper_transfer_within_one_unit",
     [](auto* r) {
       r->set_from_unit("000.00.31.H49");
       r->set_to_unit("000.00.31.H49");
       r->set_paper_transfer(true);
     },
     {"paper_transfer"}},
    {"content_control_character", [](auto* r) { r->set_content("Thiếu\x07học bạ"); }, {"content"}},
    {"supplement_request_missing",
     [](auto* r) { r->clear_supplement_request(); },
     {"supplement_request"}},
    {"supplement_request_with_other_status",
     [](auto* r) { r->set_new_status(v1::DOSSIER_STATUS_IN_PROCESS); },
     {"supplement_request"}},
    {"result_sha256_malformed",
     [](auto* r) {
       r->set_new_status(v1::DOSSIER_STATUS_FINISHED);
       r->clear_supplement_request();
       r->add_results()->set_sha256(
           "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0");
       r->add_results()->set_sha256(
           "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g");
     },
     {"results[0].sha256", "results[1].sha256"}},
};

INSTANTIATE_TEST_SUITE_P(Rules, UpdateDossierStatusRule, ::testing::ValuesIn(kUpdateCases),
                         RuleCaseName());

TEST(UpdateDossierStatus, ChecksShapeNotTransition) {
  // 10 -> 1 is never allowed, but only the core knows the stored status.
  v1::UpdateDossierStatusRequest request = samples::UpdateDossierStatusRequest();
  request.set_new_status(v1::DOSSIER_STATUS_NEWLY_REGISTERED);
  request.clear_supplement_request();
  FieldViolations violations;
  ValidateUpdateDossierStatus(request, samples::Context(), &violations);
  EXPECT_TRUE(violations.empty()) << violations.ToStatus();
}

// ---------------------------------------------------------------------------------------------
// ListDossiers

using ListCase = RuleCase<v1::ListDossiersRequest>;
class ListDossiersRule : public ::testing::TestWithParam<ListCase> {};

TEST_P(ListDossiersRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::ListDossiersRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateListDossiers(request, samples::Context(), violations);
                 });
}

const ListCase kListCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    {"page_size_negative", [](auto* r) { r->set_page_size(-1); }, {"page_size"}},
    {"page_size_over_limit", [](auto* r) { r->set_page_size(1001); }, {"page_size"}},
    {"page_size_zero_passes", [](auto* r) { r->set_page_size(0); }, {}},
    {"agency_code_malformed", [](auto* r) { r->set_agency_code("000.00.15.H2"); }, {"agency_code"}},
    {"procedure_code_malformed",
     [](auto* r) { r->set_procedure_code("2.000815.H55"); },
     {"procedure_code"}},
    {"status_unspecified",
     [](auto* r) { r->add_statuses(v1::DOSSIER_STATUS_UNSPECIFIED); },
     {"statuses[2]"}},
    {"status_undefined",
     [](auto* r) { r->set_statuses(0, static_cast<v1::DossierStatus>(12)); },
     {"statuses[0]"}},
    {"channel_undefined",
     [](auto* r) { r->set_channel(static_cast<v1::Channel>(9)); },
     {"channel"}},
    {"received_to_not_after_from",
     [](auto* r) { *r->mutable_received_to() = r->received_from(); },
     {"received_to"}},
    {"received_from_invalid",
     [](auto* r) { r->mutable_received_from()->set_nanos(2000000000); },
     {"received_from"}},
    {"no_filters_pass", [](auto* r) { r->Clear(); }, {}},
};

INSTANTIATE_TEST_SUITE_P(Rules, ListDossiersRule, ::testing::ValuesIn(kListCases), RuleCaseName());

TEST(ListDossiers, PageSizeLimitComesFromTheContext) {
  ValidationContext context = samples::Context();
  context.max_page_size = 50;
  v1::ListDossiersRequest request = samples::ListDossiersRequest();
  request.set_page_size(50);
  FieldViolations at_limit;
  ValidateListDossiers(request, context, &at_limit);
  EXPECT_TRUE(at_limit.empty());
  request.set_page_size(51);
  FieldViolations over;
  ValidateListDossiers(request, context, &over);
  EXPECT_THAT(ViolatedFields(over), ElementsAre("page_size"));
  EXPECT_EQ(over.proto().field_violations(0).description(),
            "expected 1 to 50, or 0 for the default page size");
}

// ---------------------------------------------------------------------------------------------
// GetDossierStats

using StatsCase = RuleCase<v1::GetDossierStatsRequest>;
class GetDossierStatsRule : public ::testing::TestWithParam<StatsCase> {};

TEST_P(GetDossierStatsRule, ReportsExactlyTheBrokenFields) {
  ExpectRuleCase(samples::GetDossierStatsRequest(), GetParam(),
                 [](const auto& request, FieldViolations* violations) {
                   ValidateGetDossierStats(request, violations);
                 });
}

const StatsCase kStatsCases[] = {
    {"sample_is_valid", [](auto*) {}, {}},
    {"from_missing", [](auto* r) { r->clear_from(); }, {"from"}},
    {"to_missing", [](auto* r) { r->clear_to(); }, {"to"}},
    {"both_missing", [](auto* r) { r->Clear(); }, {"from", "to"}},
    {"to_equals_from", [](auto* r) { *r->mutable_to() = r->from(); }, {"to"}},
    {"to_before_from",
     [](auto* r) { *r->mutable_to() = VietnamTimestamp(2024, 12, 31, 0, 0); },
     {"to"}},
    {"five_years_pass", [](auto* r) { *r->mutable_to() = VietnamTimestamp(2030, 1, 1, 0, 0); }, {}},
    {"over_five_years",
     [](auto* r) {
       *r->mutable_to() = VietnamTimestamp(2030, 1, 1, 0, 0);
       r->mutable_to()->set_nanos(1);
     },
     {"to"}},
    {"agency_code_malformed", [](auto* r) { r->set_agency_code("H15.50..05"); }, {"agency_code"}},
    {"procedure_code_malformed",
     [](auto* r) { r->set_procedure_code("2002481"); },
     {"procedure_code"}},
};

INSTANTIATE_TEST_SUITE_P(Rules, GetDossierStatsRule, ::testing::ValuesIn(kStatsCases),
                         RuleCaseName());

}  // namespace
}  // namespace lienthong::validation

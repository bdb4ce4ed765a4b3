// DossierService request validation: the dossier rules of docs/domain.md, field by field.
#include "services/validation/dossier_validation.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/proto_time.h"
#include "services/domain/codes.h"
#include "services/domain/personal_id.h"
#include "services/validation/field_rules.h"
#include "services/validation/field_scope.h"

namespace lienthong::validation {
namespace {

using domain::CodeKind;

constexpr TextRule kSummaryRule{false, kMaxSummaryCodePoints, false};

void CheckPhone(const FieldScope& at, absl::string_view leaf, absl::string_view phone) {
  if (phone.empty() || IsPhoneNumber(phone)) return;
  at.Add(leaf, absl::StrCat("expected a phone number of ", kPhoneMinDigits, " to ", kPhoneMaxDigits,
                            " digits, optionally after a leading '+'"));
}

// id_type and id_number of an applicant or representative. The number is compared with the
// birth year and sex only for a personal identification number, the one that encodes them. A
// CMND is refused for a dossier received after 31 December 2024 (`received_day`, when known).
void CheckIdPaper(const FieldScope& at, v1::IdType wire_type, absl::string_view number,
                  Presence presence, std::optional<int> birth_year,
                  std::optional<domain::Sex> sex, std::optional<absl::CivilDay> received_day) {
  at.Enum("id_type", wire_type, *v1::IdType_descriptor(), Presence::kOptional);
  if (number.empty()) {
    if (presence == Presence::kRequired) {
      at.Add("id_number",
             "required: the number of the ID paper named by id_type (12 digits for "
             "ID_TYPE_CCCD)");
    }
    return;
  }
  const std::optional<domain::IdType> type = domain::IdTypeFromCode(wire_type);
  if (!type.has_value()) return;  // id_type is reported; the number has no rule to meet.
  if (*type == domain::IdType::kCccd) {
    at.PersonalId("id_number", number, birth_year, sex);
    return;
  }
  const absl::Status status = domain::CheckIdNumber(*type, number);
  if (!status.ok()) {
    at.Add("id_number", std::string(status.message()));
  } else if (*type == domain::IdType::kCmnd && received_day.has_value()) {
    const absl::Status valid = domain::CheckCmndValidOn(*received_day);
    if (!valid.ok()) at.Add("id_type", std::string(valid.message()));
  }
}

void CheckRepresentative(const v1::Representative& representative, const FieldScope& at,
                         std::optional<absl::CivilDay> received_day) {
  at.Text("full_name", representative.full_name(), kRequiredName);
  CheckIdPaper(at, representative.id_type(), representative.id_number(), Presence::kRequired,
               std::nullopt, std::nullopt, received_day);
  CheckPhone(at, "phone", representative.phone());
  at.Text("authorisation_reference", representative.authorisation_reference(), kOptionalReference);
}

void CheckApplicant(const v1::Applicant& applicant, const FieldScope& at, absl::CivilDay today,
                    std::optional<absl::CivilDay> received_day) {
  at.Enum("kind", applicant.kind(), *v1::ApplicantKind_descriptor(), Presence::kOptional);
  at.Text("full_name", applicant.full_name(), kRequiredName);
  const std::optional<PartialDate> birth =
      at.BirthDate("date_of_birth", applicant.date_of_birth(), Presence::kOptional, true, today);
  at.Enum("sex", applicant.sex(), *v1::Sex_descriptor(), Presence::kOptional);
  // A business or organisation is known by its name; a person by an ID paper.
  const bool is_person = applicant.kind() == v1::APPLICANT_KIND_CITIZEN ||
                         applicant.kind() == v1::APPLICANT_KIND_UNSPECIFIED;
  CheckIdPaper(at, applicant.id_type(), applicant.id_number(),
               is_person ? Presence::kRequired : Presence::kOptional,
               birth.has_value() ? std::optional<int>(birth->year) : std::nullopt,
               SexFromWire(applicant.sex()), received_day);
  CheckPhone(at, "phone", applicant.phone());
  if (!applicant.email().empty() && !IsEmailAddress(applicant.email())) {
    at.Add("email", "expected an email address such as name@example.vn");
  }
  if (applicant.has_address()) {
    const FieldScope address = at.Field("address");
    address.Text("line", applicant.address().line(), kOptionalLine);
    address.UnitCode("commune_code", applicant.address().commune_code());
    address.UnitCode("province_code", applicant.address().province_code());
  }
  if (applicant.has_representative()) {
    CheckRepresentative(applicant.representative(), at.Field("representative"), received_day);
  }
}

void CheckAttachment(const v1::Attachment& attachment, const FieldScope& at) {
  at.Text("name", attachment.name(), kRequiredFileName);
  at.Text("component_code", attachment.component_code(), kOptionalReference);
  at.Text("uri", attachment.uri(), kRequiredUri);
  at.Sha256("sha256", attachment.sha256(), Presence::kRequired);
  if (attachment.size_bytes() < 0) at.Add("size_bytes", "expected a size in bytes, 0 or more");
}

void CheckFee(const v1::Fee& fee, const FieldScope& at, absl::Time now) {
  at.Text("description", fee.description(), kOptionalLine);
  if (fee.amount().amount_vnd() < 0) {
    at.Add("amount.amount_vnd", "expected an amount in đồng, 0 or more");
  }
  if (const std::optional<absl::Time> paid =
          at.Timestamp("paid_at", fee.has_paid_at(), fee.paid_at(), Presence::kOptional)) {
    at.NotInFuture("paid_at", *paid, now);
  }
}

void CheckResult(const v1::Result& result, const FieldScope& at) {
  at.Text("name", result.name(), kOptionalLine);
  at.Text("document_number", result.document_number(), kOptionalReference);
  at.Text("uri", result.uri(), kOptionalUri);
  at.Sha256("sha256", result.sha256(), Presence::kOptional);
  at.Timestamp("issued_at", result.has_issued_at(), result.issued_at(), Presence::kOptional);
}

// The portal's status codes (Circular 03/2025/TT-VPCP; docs/domain.md): a dossier enters the
// system as newly registered (1) or accepted (2); unset means accepted.
void CheckStatusOnSubmit(const FieldScope& at, v1::DossierStatus status) {
  if (status == v1::DOSSIER_STATUS_UNSPECIFIED || status == v1::DOSSIER_STATUS_NEWLY_REGISTERED ||
      status == v1::DOSSIER_STATUS_ACCEPTED) {
    return;
  }
  at.Add("status",
         "expected DOSSIER_STATUS_NEWLY_REGISTERED (1) or DOSSIER_STATUS_ACCEPTED (2) "
         "for a new dossier, or unset for ACCEPTED; later statuses come through "
         "UpdateDossierStatus");
}

// Receipt, appointment and lifecycle times of a new dossier, and the code's date part.
void CheckNewDossierTimes(const v1::Dossier& dossier, const FieldScope& at,
                          const std::optional<domain::DossierCodeParts>& code, absl::Time now) {
  const std::optional<absl::Time> received = at.Timestamp(
      "received_at", dossier.has_received_at(), dossier.received_at(), Presence::kRequired);
  const std::optional<absl::Time> submitted = at.Timestamp(
      "submitted_at", dossier.has_submitted_at(), dossier.submitted_at(), Presence::kOptional);
  const std::optional<absl::Time> due =
      at.Timestamp("due_at", dossier.has_due_at(), dossier.due_at(), Presence::kOptional);
  at.Unset("finished_at", dossier.has_finished_at(),
           "set by the step to DOSSIER_STATUS_FINISHED through UpdateDossierStatus");
  at.Unset("returned_at", dossier.has_returned_at(),
           "set by the step to DOSSIER_STATUS_RESULT_RETURNED through UpdateDossierStatus");
  at.Unset("refused_at", dossier.has_refused_at(),
           "set by the step to DOSSIER_STATUS_REFUSED_AT_INTAKE through UpdateDossierStatus");
  if (!received.has_value()) return;
  at.NotInFuture("received_at", *received, now);
  if (submitted.has_value() && *submitted > *received) {
    at.Add("submitted_at", "must not be after received_at");
  }
  if (due.has_value() && *due <= *received) at.Add("due_at", "must be after received_at");
  if (code.has_value() && !domain::CheckDossierCodeReceiptDay(*code, VietnamDay(*received)).ok()) {
    at.Add("code",
           "the YYMMDD part must be the day of received_at in Asia/Ho_Chi_Minh (UTC+7) "
           "(Circular 03/2025/TT-VPCP, as in Circular 01/2018/TT-VPCP Art. 19)");
  }
}

void CheckNewDossier(const v1::Dossier& dossier, const FieldScope& at,
                     const ValidationContext& context) {
  const std::optional<domain::DossierCodeParts> code = at.DossierCode("code", dossier.code());
  at.Code("receiving_agency_code", CodeKind::kAgency, dossier.receiving_agency_code(),
          Presence::kRequired);
  if (code.has_value() && domain::IsValidAgencyCode(dossier.receiving_agency_code()) &&
      code->agency_code != dossier.receiving_agency_code()) {
    at.Add("code",
           "the agency part must be receiving_agency_code (Circular 03/2025/TT-VPCP, as in "
           "Circular 01/2018/TT-VPCP Art. 19)");
  }
  at.Code("handling_agency_code", CodeKind::kAgency, dossier.handling_agency_code(),
          Presence::kOptional);
  at.Code("procedure_code", CodeKind::kProcedure, dossier.procedure_code(), Presence::kRequired);
  at.Code("field_code", CodeKind::kSector, dossier.field_code(), Presence::kOptional);
  at.Text("receipt_number", dossier.receipt_number(), kOptionalReference);
  at.Text("procedure_name", dossier.procedure_name(), kOptionalLine);
  at.Text("summary", dossier.summary(), kSummaryRule);
  at.Enum("channel", dossier.channel(), *v1::Channel_descriptor(), Presence::kRequired);
  at.Enum("online_level", dossier.online_level(), *v1::OnlineLevel_descriptor(),
          Presence::kOptional);
  at.Enum("result_delivery", dossier.result_delivery(), *v1::ResultDelivery_descriptor(),
          Presence::kOptional);
  CheckStatusOnSubmit(at, dossier.status());
  CheckNewDossierTimes(dossier, at, code, context.now);
  at.Range("processing_days", dossier.processing_days(), 0, kMaxProcessingDays, "working days");
  if (dossier.extension_count() != 0) {
    at.Add("extension_count",
           "must be 0 for a new dossier: the one new appointment date "
           "(Decree 118/2025/NĐ-CP) is given through UpdateDossierStatus");
  }

  at.Unset("history", dossier.history_size() > 0, kSetByGateway);
  at.Unset("version", dossier.version() != 0, kSetByGateway);
  at.Unset("submitted_by", !dossier.submitted_by().empty(), kSetByGateway);
  at.Unset("updated_at", dossier.has_updated_at(), kSetByGateway);
  at.Unset("original_due_at", dossier.has_original_due_at(),
           "set by the gateway when an extension moves due_at");

  if (dossier.has_applicant()) {
    std::optional<absl::CivilDay> received_day;
    if (dossier.has_received_at()) {
      received_day = VietnamDay(FromProtoTimestamp(dossier.received_at()));
    }
    CheckApplicant(dossier.applicant(), at.Field("applicant"), VietnamDay(context.now),
                   received_day);
  } else {
    at.Add("applicant", "required: the applicant (chủ hồ sơ)");
  }
  if (static_cast<std::size_t>(dossier.attachments_size()) > kMaxAttachments) {
    at.Add("attachments", absl::StrCat("expected at most ", kMaxAttachments, " attachments"));
  }
  for (int i = 0; i < dossier.attachments_size(); ++i) {
    CheckAttachment(dossier.attachments(i), at.Element("attachments", i));
  }
  for (int i = 0; i < dossier.fees_size(); ++i) {
    CheckFee(dossier.fees(i), at.Element("fees", i), context.now);
  }
  for (int i = 0; i < dossier.results_size(); ++i) {
    CheckResult(dossier.results(i), at.Element("results", i));
  }
  at.Unset("supplements", dossier.supplements_size() > 0,
           "supplements are requested through UpdateDossierStatus with "
           "DOSSIER_STATUS_SUPPLEMENT_REQUESTED");
}

}  // namespace

void ValidateSubmitDossier(const v1::SubmitDossierRequest& request,
                           const ValidationContext& context, FieldViolations* violations) {
  const FieldScope at("", violations);
  if (request.has_dossier()) {
    CheckNewDossier(request.dossier(), at.Field("dossier"), context);
  } else {
    at.Add("dossier", "required: the dossier to submit");
  }
  at.RequestId("request_id", request.request_id());
}

void ValidateGetDossier(const v1::GetDossierRequest& request, FieldViolations* violations) {
  const FieldScope at("", violations);
  at.DossierCode("code", request.code());
}

void ValidateListDossiers(const v1::ListDossiersRequest& request, const ValidationContext& context,
                          FieldViolations* violations) {
  const FieldScope at("", violations);
  at.Code("agency_code", CodeKind::kAgency, request.agency_code(), Presence::kOptional);
  at.Code("procedure_code", CodeKind::kProcedure, request.procedure_code(), Presence::kOptional);
  for (int i = 0; i < request.statuses_size(); ++i) {
    at.Element("statuses", i)
        .Enum("", request.statuses(i), *v1::DossierStatus_descriptor(), Presence::kRequired);
  }
  at.Enum("channel", request.channel(), *v1::Channel_descriptor(), Presence::kOptional);
  const std::optional<absl::Time> from = at.Timestamp("received_from", request.has_received_from(),
                                                      request.received_from(), Presence::kOptional);
  const std::optional<absl::Time> to = at.Timestamp("received_to", request.has_received_to(),
                                                    request.received_to(), Presence::kOptional);
  if (from.has_value() && to.has_value() && *from >= *to) {
    at.Add("received_to", "must be after received_from");
  }
  at.Timestamp("due_before", request.has_due_before(), request.due_before(), Presence::kOptional);
  at.PageSize("page_size", request.page_size(), context.max_page_size);
}

void ValidateUpdateDossierStatus(const v1::UpdateDossierStatusRequest& request,
                                 const ValidationContext& context, FieldViolations* violations) {
  const FieldScope at("", violations);
  at.DossierCode("code", request.code());
  if (request.expected_version() < 1) {
    at.Add("expected_version", "expected the dossier's version as last read, 1 or more");
  }
  at.Enum("new_status", request.new_status(), *v1::DossierStatus_descriptor(), Presence::kRequired);
  at.Code("from_unit", CodeKind::kAgency, request.from_unit(), Presence::kOptional);
  at.Code("to_unit", CodeKind::kAgency, request.to_unit(), Presence::kOptional);
  if (request.paper_transfer() &&
      (request.from_unit().empty() || request.to_unit().empty() ||
       request.from_unit() == request.to_unit())) {
    at.Add("paper_transfer",
           "a paper transfer is a hand-off between two units: give from_unit and to_unit, "
           "different from each other");
  }
  at.Text("handler", request.handler(), kOptionalName);
  at.Text("content", request.content(), kOptionalParagraph);
  if (const std::optional<absl::Time> step_at =
          at.Timestamp("at", request.has_at(), request.at(), Presence::kOptional)) {
    at.NotInFuture("at", *step_at, context.now);
  }
  at.Timestamp("step_due_at", request.has_step_due_at(), request.step_due_at(),
               Presence::kOptional);
  at.Timestamp("new_due_at", request.has_new_due_at(), request.new_due_at(), Presence::kOptional);

  at.Text("supplement_request", request.supplement_request(), kOptionalParagraph);
  const bool supplement_step = request.new_status() == v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED;
  if (supplement_step && request.supplement_request().empty()) {
    at.Add("supplement_request",
           "required with new_status DOSSIER_STATUS_SUPPLEMENT_REQUESTED: "
           "what the applicant must supplement");
  } else if (!supplement_step && !request.supplement_request().empty()) {
    at.Add("supplement_request",
           "must be empty unless new_status is DOSSIER_STATUS_SUPPLEMENT_REQUESTED");
  }
  for (int i = 0; i < request.results_size(); ++i) {
    CheckResult(request.results(i), at.Element("results", i));
  }
}

void ValidateGetDossierStats(const v1::GetDossierStatsRequest& request,
                             FieldViolations* violations) {
  const FieldScope at("", violations);
  const std::optional<absl::Time> from =
      at.Timestamp("from", request.has_from(), request.from(), Presence::kRequired);
  const std::optional<absl::Time> to =
      at.Timestamp("to", request.has_to(), request.to(), Presence::kRequired);
  if (from.has_value() && to.has_value()) {
    // The same UTC date and time kMaxStatsPeriodYears later (29 Feb becomes 1 Mar).
    const absl::TimeZone utc = absl::UTCTimeZone();
    const absl::CivilSecond start = absl::ToCivilSecond(*from, utc);
    const absl::CivilSecond limit(start.year() + kMaxStatsPeriodYears, start.month(), start.day(),
                                  start.hour(), start.minute(), start.second());
    const absl::Duration subsecond = *from - absl::FromCivil(start, utc);
    if (*from >= *to) {
      at.Add("to", "must be after from");
    } else if (*to > absl::FromCivil(limit, utc) + subsecond) {
      at.Add("to", absl::StrCat("expected a period of at most ", kMaxStatsPeriodYears,
                                " years after from"));
    }
  }
  at.Code("agency_code", CodeKind::kAgency, request.agency_code(), Presence::kOptional);
  at.Code("procedure_code", CodeKind::kProcedure, request.procedure_code(), Presence::kOptional);
}

}  // namespace lienthong::validation

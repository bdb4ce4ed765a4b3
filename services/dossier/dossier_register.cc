// The dossier register: submission, status moves, reads, pages and statistics.
#include "services/dossier/dossier_register.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/page_token.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/domain/dossier_status.h"
#include "services/domain/kpi.h"
#include "services/domain/working_day_calendar.h"
#include "services/store/exchange_log.h"
#include "services/store/kpi_counts.h"

namespace lienthong::dossier {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

std::optional<absl::Time> OptionalTime(bool has, const Timestamp& ts) {
  if (!has) return std::nullopt;
  return FromProtoTimestamp(ts);
}

// Early / on time / late of a step against its own due time: early when finished on an earlier
// local day than the due day (the same rule as the dossier KPIs).
v1::StepTimeliness StepTimelinessOf(absl::Time at, absl::Time due) {
  const absl::TimeZone zone = domain::VietnamTimeZone();
  if (absl::ToCivilDay(at, zone) < absl::ToCivilDay(due, zone)) return v1::STEP_TIMELINESS_EARLY;
  return at <= due ? v1::STEP_TIMELINESS_ON_TIME : v1::STEP_TIMELINESS_LATE;
}

bool AnyDigitised(const v1::Dossier& d) {
  if (d.digitised()) return true;
  for (const auto& a : d.attachments()) if (a.digitised()) return true;
  for (const auto& r : d.results()) if (r.digitised()) return true;
  return false;
}

bool AnyPaidOnline(const v1::Dossier& d) {
  if (d.paid_online()) return true;
  for (const auto& f : d.fees()) if (f.paid_online()) return true;
  return false;
}

std::string DossierKey(const std::string& code) { return code; }

// Whether the dossier reached status 5 (supplement requested) from 1 (newly registered): the
// supplement was asked for at intake, before acceptance.
bool SupplementBeforeAcceptance(const v1::Dossier& d) {
  for (int i = d.history_size() - 1; i >= 0; --i) {
    if (d.history(i).to_status() == v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED) {
      return d.history(i).from_status() == v1::DOSSIER_STATUS_NEWLY_REGISTERED;
    }
  }
  return false;
}

// An extension (a new appointment date with an apology), Decree 118/2025 (as in Decree 61/2018
// Art. 19), once (checked by the caller): given at least kDecree118ExtensionMinDaysBeforeDue
// local calendar days before the due date (FAILED_PRECONDITION otherwise), to a date after it
// (INVALID_ARGUMENT otherwise); nothing is written when refused.
absl::Status CheckExtension(const v1::Dossier& d, absl::Time step_time, const Timestamp& new_due) {
  if (!d.has_due_at()) return absl::OkStatus();
  const absl::TimeZone zone = domain::VietnamTimeZone();
  const absl::CivilDay due_day = absl::ToCivilDay(FromProtoTimestamp(d.due_at()), zone);
  const absl::CivilDay step_day = absl::ToCivilDay(step_time, zone);
  if (step_day > due_day - domain::kDecree118ExtensionMinDaysBeforeDue) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dossier ", d.code(), ": the apology and new appointment date must be given at least ",
        domain::kDecree118ExtensionMinDaysBeforeDue, " day before the due date ",
        absl::FormatCivilTime(due_day),
        " (Decree 118/2025/NĐ-CP, as in Decree 61/2018 Art. 19); a late extension is refused"));
  }
  if (FromProtoTimestamp(new_due) <= FromProtoTimestamp(d.due_at())) {
    FieldViolations v;
    v.Add("new_due_at", "an extension's new appointment date must be after the current due_at");
    return v.ToStatus();
  }
  return absl::OkStatus();
}

// Page tokens: "<received micros>|<code>|<filter fingerprint>", base64url. The fingerprint ties
// a token to the filters it was issued for.
std::string FilterFingerprint(const v1::ListDossiersRequest& request) {
  v1::ListDossiersRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  return absl::BytesToHexString(exchange::MessageDigest(filters).substr(0, 8));
}

}  // namespace

store::DossierRow DossierRowOf(const v1::Dossier& d) {
  store::DossierRow row;
  row.code = d.code();
  row.receiving_agency = d.receiving_agency_code();
  row.handling_agency = d.handling_agency_code();
  row.procedure_code = d.procedure_code();
  row.status = d.status();
  row.channel = d.channel();
  row.result_delivery = d.result_delivery();
  row.paid_online = AnyPaidOnline(d);
  row.digitised = AnyDigitised(d);
  row.received_at = FromProtoTimestamp(d.received_at());
  // The rule's due date: the original one when an extension moved due_at (so overdue listings
  // and the indicators judge by the rule, not by a date moved after the fact).
  row.due_at = d.has_original_due_at() ? std::optional<absl::Time>(FromProtoTimestamp(d.original_due_at()))
                                       : OptionalTime(d.has_due_at(), d.due_at());
  row.finished_at = OptionalTime(d.has_finished_at(), d.finished_at());
  row.version = d.version();
  row.kpi_flags = store::DossierKpiFlagsOf(d);
  return row;
}

absl::StatusOr<absl::Time> DossierRegister::ComputeDueTime(const v1::Dossier& dossier,
                                                           absl::Time start,
                                                           int* processing_days) const {
  const std::optional<int> days = ProcessingDaysOf(dossier);
  if (!days.has_value()) {
    FieldViolations violations;
    violations.Add("dossier.due_at",
                   absl::StrCat("required: procedure ", dossier.procedure_code(),
                                " has no processing time in the gateway's config, and the "
                                "dossier gives neither due_at nor processing_days"));
    return violations.ToStatus();
  }
  *processing_days = *days;
  return calendar_->DueTime(start, *days, dossier.channel() == v1::CHANNEL_IN_PERSON);
}

std::optional<int> DossierRegister::ProcessingDaysOf(const v1::Dossier& dossier) const {
  if (dossier.processing_days() != 0) return dossier.processing_days();
  auto it = procedures_.find(dossier.procedure_code());
  if (it == procedures_.end()) return std::nullopt;
  return it->second;
}

void DossierRegister::Submit(exchange::ExchangeCall call, const v1::SubmitDossierRequest& request,
                             v1::SubmitDossierResponse* response, Done done) {
  // Everything that does not depend on stored state happens here, on the caller's thread, so
  // the store's single writer only looks up, inserts and commits.
  // The dossier's digest, from the request bytes the call already serialized for its log entry.
  auto dossier_wire = exchange::EmbeddedMessageBytes(
      call.request_wire, v1::SubmitDossierRequest::kDossierFieldNumber);
  const std::string digest = dossier_wire.ok() && !call.request_wire.empty()
                                 ? store::Sha256(*dossier_wire)
                                 : exchange::MessageDigest(request.dossier());
  v1::Dossier* dossier = response->mutable_dossier();
  *dossier = request.dossier();
  if (dossier->status() == v1::DOSSIER_STATUS_UNSPECIFIED) {
    dossier->set_status(v1::DOSSIER_STATUS_ACCEPTED);
  }
  if (!dossier->has_due_at()) {
    int processing_days = 0;
    auto due = ComputeDueTime(*dossier, FromProtoTimestamp(dossier->received_at()), &processing_days);
    if (!due.ok()) {
      exchange::LogReadOnlyCall(*gateway_, std::move(call), due.status(), 0);
      done(due.status());
      return;
    }
    dossier->set_processing_days(processing_days);
    ToProtoTimestamp(*due, dossier->mutable_due_at());
  }
  dossier->set_version(1);
  dossier->set_submitted_by(call.member);
  ToProtoTimestamp(absl::Now(), dossier->mutable_updated_at());

  auto row = std::make_shared<store::DossierRow>(DossierRowOf(*dossier));
  row->request_digest = digest;
  dossier->SerializeToString(&row->payload);

  auto fn = [row, response, member = call.member, request_id = request.request_id(),
             digest](store::WriteTransaction& txn) -> absl::Status {
    if (!request_id.empty()) {
      ASSIGN_OR_RETURN(auto earlier, txn.FindRequest(member, request_id));
      if (earlier.has_value()) {
        if (earlier->request_digest != digest) {
          return absl::AlreadyExistsError(absl::StrCat(
              "request_id ", request_id, " was already used for a different dossier"));
        }
        response->ParseFromString(earlier->response);
        response->set_already_existed(true);
        exchange::RecordResponse(*response, &txn.log_entry());
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(row->code));
    if (stored.has_value()) {
      if (stored->request_digest != digest) {
        return absl::AlreadyExistsError(
            absl::StrCat("dossier ", row->code, " already exists with different content"));
      }
      // The same dossier again: answer with what is stored, write nothing.
      response->mutable_dossier()->ParseFromString(stored->payload);
      response->set_already_existed(true);
      response->set_cursor(store::EncodeCursor(stored->created_change));
      exchange::RecordResponse(*response, &txn.log_entry());
      return absl::OkStatus();
    }
    store::ChangeRow change;
    change.type = v1::RECORD_TYPE_DOSSIER;
    change.key = DossierKey(row->code);
    change.operation = v1::OPERATION_CREATE;
    change.version = 1;
    change.origin_member = member;
    change.agency = row->receiving_agency;
    change.payload_is_dossier_row = true;  // the payload is row->payload, put just below
    ASSIGN_OR_RETURN(row->created_change, txn.AppendChange(change));
    RETURN_IF_ERROR(txn.PutDossier(*row));
    response->set_cursor(store::EncodeCursor(row->created_change));
    if (!request_id.empty()) {
      RETURN_IF_ERROR(txn.PutRequest(member, request_id,
                                     store::StoredRequest{digest, response->SerializeAsString()}));
    }
    exchange::RecordResponse(*response, &txn.log_entry());
    return absl::OkStatus();
  };
  store::ReadAhead read_ahead;
  read_ahead.dossier_codes.push_back(row->code);
  if (!request.request_id().empty()) read_ahead.requests.emplace_back(call.member, request.request_id());
  gateway_->store->Write(std::move(call.log), std::move(fn), std::move(done), std::move(read_ahead));
}

void DossierRegister::UpdateStatus(exchange::ExchangeCall call,
                                   const v1::UpdateDossierStatusRequest& request,
                                   v1::Dossier* response, Done done) {
  const absl::Time step_time =
      request.has_at() ? FromProtoTimestamp(request.at()) : absl::Now();
  auto fn = [this, &request, response, member = call.member, policy = call.policy,
             step_time](store::WriteTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto stored, txn.FindDossier(request.code()));
    if (!stored.has_value()) {
      return absl::NotFoundError(absl::StrCat("no dossier ", request.code()));
    }
    if (policy == nullptr) return absl::PermissionDeniedError("no access policy");
    RETURN_IF_ERROR(policy->CheckDossier(member, "update", request.code(),
                                         stored->receiving_agency, stored->handling_agency));
    if (stored->version != request.expected_version()) {
      return absl::AbortedError(absl::StrCat("dossier ", request.code(), " is at version ",
                                             stored->version, ", not ", request.expected_version(),
                                             ": read it again and retry"));
    }
    v1::Dossier& d = *response;
    if (!d.ParseFromString(stored->payload)) {
      return absl::DataLossError(absl::StrCat("stored dossier ", request.code(), " is corrupt"));
    }
    const auto from = static_cast<domain::DossierStatus>(d.status());
    const auto to = static_cast<domain::DossierStatus>(request.new_status());
    RETURN_IF_ERROR(domain::CheckTransitionFrom(from, to, SupplementBeforeAcceptance(d)));

    // Decree 118/2025 (as in Decree 61/2018): once supplemented, the processing clock restarts
    // from the supplement's arrival. A new_due_at given then is the restarted clock's due date,
    // not an extension.
    const bool restarts_clock = from == domain::DossierStatus::kSupplementRequested &&
                                to == domain::DossierStatus::kInProcess && d.supplements_size() > 0;
    if (request.has_new_due_at()) {
      if (!restarts_clock && !domain::MayGiveNewAppointment(d.extension_count())) {
        return absl::FailedPreconditionError(absl::StrCat(
            "dossier ", d.code(),
            " was already given a new appointment date once (Decree 118/2025/NĐ-CP, as in "
            "Decree 61/2018 Art. 19)"));
      }
      if (FromProtoTimestamp(request.new_due_at()) <= step_time) {
        FieldViolations v;
        v.Add("new_due_at", "must be after the time of the step");
        return v.ToStatus();
      }
      if (!restarts_clock) RETURN_IF_ERROR(CheckExtension(d, step_time, request.new_due_at()));
      if (restarts_clock) {
        d.clear_original_due_at();  // the restarted clock's due date is the rule's again
      } else if (!d.has_original_due_at() && d.has_due_at()) {
        *d.mutable_original_due_at() = d.due_at();
      }
      *d.mutable_due_at() = request.new_due_at();
      if (!restarts_clock) d.set_extension_count(d.extension_count() + 1);
    }

    auto* step = d.add_history();
    step->set_sequence(d.history_size());
    step->set_from_status(d.status());
    step->set_to_status(request.new_status());
    step->set_from_unit(request.from_unit());
    step->set_to_unit(request.to_unit());
    step->set_paper_transfer(request.paper_transfer());
    ToProtoTimestamp(step_time, step->mutable_at());
    step->set_handler(request.handler());
    step->set_content(request.content());
    if (request.has_step_due_at()) {
      *step->mutable_step_due_at() = request.step_due_at();
      step->set_timeliness(StepTimelinessOf(step_time, FromProtoTimestamp(request.step_due_at())));
    }
    step->set_recorded_by(member);

    switch (request.new_status()) {
      case v1::DOSSIER_STATUS_REFUSED_AT_INTAKE:
        ToProtoTimestamp(step_time, d.mutable_refused_at());
        break;
      case v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED: {
        auto* supplement = d.add_supplements();
        supplement->set_requested_content(request.supplement_request());
        ToProtoTimestamp(step_time, supplement->mutable_requested_at());
        break;
      }
      case v1::DOSSIER_STATUS_IN_PROCESS:
        if (restarts_clock) {
          ToProtoTimestamp(step_time, d.mutable_supplements(d.supplements_size() - 1)->mutable_supplied_at());
          if (!request.has_new_due_at()) {
            d.clear_original_due_at();
            if (!ProcessingDaysOf(d).has_value()) {
              // Its due date was given at submission, so the gateway cannot count it again.
              FieldViolations v;
              v.Add("new_due_at",
                    absl::StrCat("required: the processing time of dossier ", d.code(),
                                 " restarts now that the supplement has arrived, and it is not "
                                 "known (the dossier has no processing_days and procedure ",
                                 d.procedure_code(), " has no processing time in the gateway's "
                                 "config); give the new appointment date"));
              return v.ToStatus();
            }
            int days = 0;
            ASSIGN_OR_RETURN(absl::Time due, ComputeDueTime(d, step_time, &days));
            ToProtoTimestamp(due, d.mutable_due_at());
          }
        }
        break;
      case v1::DOSSIER_STATUS_WITHDRAWN:
      case v1::DOSSIER_STATUS_FINISHED:
        ToProtoTimestamp(step_time, d.mutable_finished_at());
        break;
      case v1::DOSSIER_STATUS_RESULT_RETURNED:
        ToProtoTimestamp(step_time, d.mutable_returned_at());
        if (!d.has_finished_at()) ToProtoTimestamp(step_time, d.mutable_finished_at());
        break;
      default:
        break;
    }
    for (const auto& result : request.results()) *d.add_results() = result;
    d.set_status(request.new_status());
    d.set_version(stored->version + 1);
    ToProtoTimestamp(txn.now(), d.mutable_updated_at());

    store::DossierRow row = DossierRowOf(d);
    row.created_change = stored->created_change;
    row.request_digest = std::move(stored->request_digest);
    d.SerializeToString(&row.payload);
    store::ChangeRow change;
    change.type = v1::RECORD_TYPE_DOSSIER;
    change.key = DossierKey(row.code);
    change.operation = v1::OPERATION_UPDATE;
    change.version = row.version;
    change.origin_member = member;
    change.agency = row.receiving_agency;
    change.payload = row.payload;
    RETURN_IF_ERROR(txn.AppendChange(change).status());
    RETURN_IF_ERROR(txn.PutDossier(row));
    exchange::RecordResponse(d, &txn.log_entry());
    return absl::OkStatus();
  };
  // `request` outlives the write: the reactor holding it finishes only in `done`.
  store::ReadAhead read_ahead;
  read_ahead.dossier_codes.push_back(request.code());
  gateway_->store->Write(std::move(call.log), std::move(fn), std::move(done), std::move(read_ahead));
}

absl::Status DossierRegister::Get(const std::string& code, v1::Dossier* out) {
  ASSIGN_OR_RETURN(auto row, gateway_->store->GetDossier(code));
  if (!row.has_value()) return absl::NotFoundError(absl::StrCat("no dossier ", code));
  if (!out->ParseFromString(row->payload)) {
    return absl::DataLossError(absl::StrCat("stored dossier ", code, " is corrupt"));
  }
  return absl::OkStatus();
}

absl::Status DossierRegister::List(const v1::ListDossiersRequest& request,
                                   const AgencyFilter& visible, v1::ListDossiersResponse* out) {
  store::DossierQuery query;
  query.agency = request.agency_code();
  query.procedure_code = request.procedure_code();
  for (int status : request.statuses()) query.statuses.push_back(status);
  query.channel = request.channel();
  if (request.has_received_from()) query.received_from = FromProtoTimestamp(request.received_from());
  if (request.has_received_to()) query.received_to = FromProtoTimestamp(request.received_to());
  if (request.overdue_only()) query.overdue_at = absl::Now();
  if (request.has_due_before()) {
    const absl::Time due_before = FromProtoTimestamp(request.due_before());
    if (!query.overdue_at.has_value() || due_before < *query.overdue_at) query.overdue_at = due_before;
  }
  query.limit = request.page_size() == 0 ? 100 : request.page_size();
  const std::string fingerprint = FilterFingerprint(request);
  if (!request.page_token().empty()) {
    const std::optional<PageToken> token = DecodePageToken(request.page_token());
    if (!token.has_value() || token->third != fingerprint) {
      FieldViolations v;
      v.Add("page_token", "not a token from a previous page of this same listing");
      return v.ToStatus();
    }
    query.after = std::make_pair(absl::FromUnixMicros(token->number), token->second);
  }
  // One row more than the page tells whether there is a next page. Rows the caller may not see
  // are skipped; the scan is bounded so that a caller who sees little cannot make one call read
  // the whole table: past the bound the page ends short, with a token where the scan stopped.
  const int page_size = query.limit;
  const int scan_bound = std::max(1000, 10 * page_size);
  query.limit = page_size + 1;
  std::vector<store::DossierRow> rows;
  std::optional<std::pair<absl::Time, std::string>> resume;  // where a short page stopped
  bool more = false;
  for (int scanned = 0;;) {
    ASSIGN_OR_RETURN(auto batch, gateway_->store->ListDossiers(query));
    const bool exhausted = static_cast<int>(batch.size()) < query.limit;
    for (auto& row : batch) {
      ++scanned;
      query.after = std::make_pair(row.received_at, row.code);
      if (visible && !visible(row.receiving_agency, row.handling_agency)) continue;
      if (static_cast<int>(rows.size()) == page_size) {
        more = true;
        break;
      }
      rows.push_back(std::move(row));
    }
    if (more || exhausted) break;
    if (scanned >= scan_bound) {
      resume = query.after;
      break;
    }
  }
  for (const auto& row : rows) {
    if (!out->add_dossiers()->ParseFromString(row.payload)) {
      return absl::DataLossError(absl::StrCat("stored dossier ", row.code, " is corrupt"));
    }
  }
  if (more && !rows.empty()) resume = std::make_pair(rows.back().received_at, rows.back().code);
  if (resume.has_value()) {
    out->set_next_page_token(
        EncodePageToken(absl::ToUnixMicros(resume->first), resume->second, fingerprint));
  }
  return absl::OkStatus();
}

namespace {
void FillKpis(const domain::KpiCounters& c, v1::DossierKpis* out) {
  out->set_received(c.received);
  out->set_received_online(c.received_online);
  out->set_received_or_returned_postal(c.received_or_returned_postal);
  out->set_finished(c.finished);
  out->set_finished_early(c.finished_early);
  out->set_finished_on_time(c.finished_on_time);
  out->set_finished_late(c.finished_late);
  out->set_overdue_in_process(c.overdue_in_process);
  out->set_paid_online(c.paid_online);
  out->set_digitised(c.digitised);
  const domain::KpiRates rates = domain::ComputeKpiRates(c);
  out->set_online_rate(rates.online);
  out->set_postal_rate(rates.postal);
  out->set_on_time_rate(rates.on_time);
  out->set_online_payment_rate(rates.online_payment);
  out->set_digitisation_rate(rates.digitisation);
  out->set_carrying_fees(c.carrying_fees);
  out->set_finished_with_result(c.finished_with_result);
  out->set_electronic_results(c.electronic_results);
  out->set_electronic_result_rate(rates.electronic_result);
  out->set_reused_data(c.reused_data);
  out->set_reused_data_rate(rates.reused_data);
  out->set_received_offered_online(c.received_offered_online);
  out->set_received_online_of_offered(c.received_online_of_offered);
  out->set_online_rate_of_offered(rates.online_of_offered);
  out->set_inter_agency(c.inter_agency);
  out->set_exchanged_electronically(c.exchanged_electronically);
  out->set_electronic_exchange_rate(rates.electronic_exchange);
}
}  // namespace

namespace {

// The facts the indicators need, read from the stored dossier itself (the fee, result,
// attachment and online-level facts are not columns of the store).
domain::DossierKpiFacts KpiFactsOf(const v1::Dossier& d) {
  domain::DossierKpiFacts facts;
  facts.received_at = FromProtoTimestamp(d.received_at());
  facts.channel = static_cast<domain::Channel>(d.channel());
  facts.result_returned_by_post = d.result_delivery() == v1::RESULT_DELIVERY_POSTAL;
  facts.status = static_cast<domain::DossierStatus>(d.status());
  facts.finished_at = OptionalTime(d.has_finished_at(), d.finished_at());
  facts.due_at = d.has_original_due_at() ? std::optional<absl::Time>(FromProtoTimestamp(d.original_due_at()))
                                         : OptionalTime(d.has_due_at(), d.due_at());
  facts.has_digitised_components = AnyDigitised(d);
  facts.paid_online = AnyPaidOnline(d);
  // The same reading of the payload as the store's KPI counts, so both ways agree.
  store::ApplyKpiFlags(store::DossierKpiFlagsOf(d), &facts);
  return facts;
}

// The statistics' three views of the counters: in total, per receiving agency, per procedure.
struct KpiTotals {
  domain::KpiCounters total;
  absl::flat_hash_map<std::string, domain::KpiCounters> by_agency;
  absl::flat_hash_map<std::string, domain::KpiCounters> by_procedure;

  void Add(const std::string& agency, const std::string& procedure,
           const domain::KpiCounters& counters) {
    total += counters;
    by_agency[agency] += counters;
    by_procedure[procedure] += counters;
  }
  void Fill(v1::GetDossierStatsResponse* out) const {
    FillKpis(total, out->mutable_total());
    for (const auto& [agency, c] : by_agency) FillKpis(c, &(*out->mutable_by_agency())[agency]);
    for (const auto& [code, c] : by_procedure) FillKpis(c, &(*out->mutable_by_procedure())[code]);
  }
};

}  // namespace

absl::Status DossierRegister::StatsAt(const v1::GetDossierStatsRequest& request,
                                      const AgencyFilter& visible, absl::Time now,
                                      v1::GetDossierStatsResponse* out) {
  const domain::KpiPeriod period{FromProtoTimestamp(request.from()),
                                 FromProtoTimestamp(request.to())};
  if (!store::KpiCountsAnswer(period)) return StatsByScan(request, visible, now, out);
  ASSIGN_OR_RETURN(store::KpiCountsByKey counts,
                   store::ReadKpiCounts(*gateway_->store, period, now,
                                        request.agency_code(), request.procedure_code()));
  KpiTotals totals;
  for (const auto& [key, counters] : counts) {
    if (visible && !visible(key.first, "")) continue;
    totals.Add(key.first, key.second, counters);
  }
  totals.Fill(out);
  return absl::OkStatus();
}

absl::Status DossierRegister::StatsByScan(const v1::GetDossierStatsRequest& request,
                                          const AgencyFilter& visible, absl::Time now,
                                          v1::GetDossierStatsResponse* out) {
  const domain::KpiPeriod period{FromProtoTimestamp(request.from()), FromProtoTimestamp(request.to())};
  KpiTotals totals;
  // Every dossier received before the period ends can count (received in it, finished in it,
  // or overdue in process at its end), so read them all, in pages, with their content.
  store::DossierQuery query;
  query.agency = request.agency_code();
  query.procedure_code = request.procedure_code();
  query.received_to = period.to;
  query.limit = 1000;
  for (;;) {
    ASSIGN_OR_RETURN(auto batch, gateway_->store->ListDossiers(query));
    for (const auto& row : batch) {
      query.after = std::make_pair(row.received_at, row.code);
      if (!request.agency_code().empty() && row.receiving_agency != request.agency_code()) {
        continue;  // the listing matches handling agencies too; statistics go by receiving
      }
      if (visible && !visible(row.receiving_agency, "")) continue;
      v1::Dossier d;
      if (!d.ParseFromString(row.payload)) {
        return absl::DataLossError(absl::StrCat("stored dossier ", row.code, " is corrupt"));
      }
      totals.Add(row.receiving_agency, row.procedure_code,
                 domain::ClassifyDossier(KpiFactsOf(d), period, now));
    }
    if (static_cast<int>(batch.size()) < query.limit) break;
  }
  totals.Fill(out);
  return absl::OkStatus();
}

}  // namespace lienthong::dossier

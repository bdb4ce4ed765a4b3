// Education records: upsert, read, snapshot listing, diploma verification.
#include "services/education/record_register.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/page_token.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/domain/name_comparison.h"

namespace lienthong::education {
namespace {

// The record without the gateway-set fields, serialized deterministically: equal content
// gives equal bytes, so an identical upsert is recognised and changes nothing.
std::string ContentDigest(const v1::EducationRecord& record) {
  v1::EducationRecord content = record;
  content.clear_version();
  content.clear_updated_by();
  content.clear_updated_at();
  return exchange::MessageDigest(content);
}

const char* TypeName(v1::RecordType type) {
  switch (type) {
    case v1::RECORD_TYPE_SCHOOL: return "school";
    case v1::RECORD_TYPE_STUDENT: return "student";
    case v1::RECORD_TYPE_DIPLOMA: return "diploma";
    default: return "record";
  }
}

// What a page token is bound to: the listing's filters, not its position or page size.
std::string ListFiltersDigest(const v1::ListRecordsRequest& request) {
  v1::ListRecordsRequest filters;
  filters.set_type(request.type());
  filters.set_agency_code(request.agency_code());
  filters.set_school_code(request.school_code());
  return absl::BytesToHexString(exchange::MessageDigest(filters).substr(0, 8));
}

}  // namespace

RecordIndex IndexOf(const v1::EducationRecord& record) {
  RecordIndex index;
  switch (record.record_case()) {
    case v1::EducationRecord::kSchool:
      index.type = v1::RECORD_TYPE_SCHOOL;
      index.key = record.school().school_code();
      index.agency = record.school().managing_agency_code();
      index.school_code = record.school().school_code();
      break;
    case v1::EducationRecord::kStudent:
      index.type = v1::RECORD_TYPE_STUDENT;
      index.key = record.student().student_id();
      index.school_code = record.student().school_code();
      index.secondary_key = record.student().personal_id();
      break;
    case v1::EducationRecord::kDiploma:
      index.type = v1::RECORD_TYPE_DIPLOMA;
      index.key =
          absl::StrCat(record.diploma().issuing_agency_code(), "/", record.diploma().register_number());
      index.agency = record.diploma().issuing_agency_code();
      index.school_code = record.diploma().school_or_council();
      index.secondary_key = record.diploma().serial_number();
      break;
    default:
      break;
  }
  return index;
}

namespace {

// Whether a record read back as it was at a snapshot (RecordRow::from_change_log) passes the
// listing's agency and school filters, judged by the agency and school it had then.
bool MatchesListFilters(const store::RecordRow& row, const v1::ListRecordsRequest& request) {
  v1::EducationRecord record;
  if (!record.ParseFromString(row.payload)) return true;  // let the caller report it as corrupt
  const RecordIndex index = IndexOf(record);
  return (request.agency_code().empty() || index.agency == request.agency_code()) &&
         (request.school_code().empty() || index.school_code == request.school_code());
}

}  // namespace

void RecordRegister::Upsert(exchange::ExchangeCall call, const v1::UpsertRecordsRequest& request,
                            v1::UpsertRecordsResponse* response, Done done) {
  auto fn = [this, &request, response,
             member = call.member](store::WriteTransaction& txn) -> absl::Status {
    // A store may run this more than once (write_transaction.h): start each run afresh.
    response->Clear();
    if (!request.request_id().empty()) {
      ASSIGN_OR_RETURN(auto earlier, txn.FindRequest(member, request.request_id()));
      if (earlier.has_value()) {
        if (earlier->request_digest != exchange::MessageDigest(request)) {
          return absl::AlreadyExistsError(absl::StrCat(
              "request_id ", request.request_id(), " was already used for a different batch"));
        }
        response->ParseFromString(earlier->response);
        exchange::RecordResponse(*response, &txn.log_entry());
        return absl::OkStatus();
      }
    }
    for (int i = 0; i < request.records_size(); ++i) {
      const v1::EducationRecord& incoming = request.records(i);
      const RecordIndex index = IndexOf(incoming);
      auto* outcome = response->add_outcomes();
      outcome->mutable_key()->set_type(index.type);
      outcome->mutable_key()->set_key(index.key);

      // Circular 42/2021: an identifier is issued once. The same personal ID (student) or
      // serial number (diploma) under another identifier would be a second identifier.
      if (!index.secondary_key.empty()) {
        ASSIGN_OR_RETURN(auto holders, txn.FindKeysBySecondaryKey(index.type, index.secondary_key));
        for (const auto& other : holders) {
          if (other != index.key) {
            return absl::FailedPreconditionError(absl::StrCat(
                "records[", i, "]: ", index.type == v1::RECORD_TYPE_STUDENT
                                          ? "this personal ID already belongs to student "
                                          : "this serial number already belongs to diploma ",
                other, "; identifiers are immutable once issued (Circular 42/2021/TT-BGDĐT)"));
          }
        }
      }
      // A register kept by another code (diploma_register_keepers) holds each diploma once: one
      // written under the other code of its register would be a second entry.
      if (incoming.has_diploma()) {
        for (const std::string& code : IssuerCodesOf(incoming.diploma().issuing_agency_code())) {
          if (code == incoming.diploma().issuing_agency_code()) continue;
          const std::string alias =
              absl::StrCat(code, "/", incoming.diploma().register_number());
          ASSIGN_OR_RETURN(auto kept, txn.FindRecord(v1::RECORD_TYPE_DIPLOMA, alias));
          if (kept.has_value()) {
            return absl::FailedPreconditionError(absl::StrCat(
                "records[", i, "]: this register entry is kept as diploma ", alias,
                " (diploma_register_keepers): write it under that key"));
          }
        }
      }
      ASSIGN_OR_RETURN(auto stored, txn.FindRecord(index.type, index.key));
      v1::EducationRecord record = incoming;
      int64_t version = 1;
      v1::Operation operation = v1::OPERATION_CREATE;
      if (stored.has_value()) {
        v1::EducationRecord previous;
        if (!previous.ParseFromString(stored->payload)) {
          return absl::DataLossError(absl::StrCat("stored ", TypeName(index.type), " ", index.key,
                                                  " is corrupt"));
        }
        if (ContentDigest(previous) == ContentDigest(incoming)) {
          outcome->set_operation(v1::OPERATION_UNSPECIFIED);  // identical: nothing changes
          outcome->set_version(stored->version);
          continue;
        }
        version = stored->version + 1;
        operation = v1::OPERATION_UPDATE;
      }
      record.set_version(version);
      record.set_updated_by(member);
      ToProtoTimestamp(txn.now(), record.mutable_updated_at());

      store::RecordRow row;
      row.type = index.type;
      row.key = index.key;
      row.agency = index.agency;
      row.school_code = index.school_code;
      row.secondary_key = index.secondary_key;
      row.version = version;
      record.SerializeToString(&row.payload);
      store::ChangeRow change;
      change.type = index.type;
      change.key = index.key;
      change.operation = operation;
      change.version = version;
      change.origin_member = member;
      change.agency = index.agency;
      change.payload = row.payload;
      ASSIGN_OR_RETURN(row.last_change, txn.AppendChange(change));
      RETURN_IF_ERROR(txn.PutRecord(row));
      outcome->set_operation(operation);
      outcome->set_version(version);
      outcome->set_cursor(store::EncodeCursor(row.last_change));
    }
    if (!request.request_id().empty()) {
      RETURN_IF_ERROR(txn.PutRequest(
          member, request.request_id(),
          store::StoredRequest{exchange::MessageDigest(request), response->SerializeAsString()}));
    }
    exchange::RecordResponse(*response, &txn.log_entry());
    return absl::OkStatus();
  };
  // A failed batch must not leave outcomes of the records before the failure.
  auto finish = [response, done = std::move(done)](absl::Status status) mutable {
    if (!status.ok()) response->Clear();
    done(std::move(status));
  };
  // The keys the WriteFn looks up first, so that a store can fetch a batch's at once (a
  // diploma's kept-register aliases are read when asked).
  store::ReadAhead read_ahead;
  if (!request.request_id().empty()) read_ahead.requests.emplace_back(call.member, request.request_id());
  for (const v1::EducationRecord& record : request.records()) {
    const RecordIndex index = IndexOf(record);
    read_ahead.records.emplace_back(index.type, index.key);
  }
  gateway_->store->Write(std::move(call.log), std::move(fn), std::move(finish),
                         std::move(read_ahead));
}

std::vector<std::string> RecordRegister::IssuerCodesOf(const std::string& issuer) const {
  std::vector<std::string> codes{issuer};
  if (auto it = keepers_.find(issuer); it != keepers_.end()) codes.push_back(it->second);
  std::vector<std::string> kept;
  for (const auto& [former, keeper] : keepers_) {
    if (keeper == issuer) kept.push_back(former);
  }
  std::sort(kept.begin(), kept.end());
  codes.insert(codes.end(), kept.begin(), kept.end());
  return codes;
}

absl::StatusOr<std::optional<store::RecordRow>> RecordRegister::FindDiploma(
    const std::string& issuer, const std::string& register_number) {
  for (const std::string& code : IssuerCodesOf(issuer)) {
    ASSIGN_OR_RETURN(auto row, gateway_->store->GetRecord(
                                   v1::RECORD_TYPE_DIPLOMA, absl::StrCat(code, "/", register_number)));
    if (row.has_value()) return row;
  }
  return std::nullopt;
}

absl::Status RecordRegister::Get(const v1::RecordKey& key, v1::EducationRecord* out) {
  std::optional<store::RecordRow> row;
  const std::size_t slash = key.key().find('/');
  if (key.type() == v1::RECORD_TYPE_DIPLOMA && slash != std::string::npos) {
    ASSIGN_OR_RETURN(row, FindDiploma(key.key().substr(0, slash), key.key().substr(slash + 1)));
  } else {
    ASSIGN_OR_RETURN(row, gateway_->store->GetRecord(key.type(), key.key()));
  }
  if (!row.has_value()) {
    return absl::NotFoundError(absl::StrCat("no ", TypeName(key.type()), " ", key.key()));
  }
  if (!out->ParseFromString(row->payload)) {
    return absl::DataLossError(absl::StrCat("stored record ", key.key(), " is corrupt"));
  }
  return absl::OkStatus();
}

absl::Status RecordRegister::List(const v1::ListRecordsRequest& request,
                                  v1::ListRecordsResponse* out) {
  store::RecordQuery query;
  query.type = request.type();
  query.agency = request.agency_code();
  query.school_code = request.school_code();
  const int page_size = request.page_size() == 0 ? 100 : request.page_size();
  query.limit = page_size + 1;

  // Page tokens carry the snapshot, the listing's filters (a digest) and the last key:
  // "<seq>|<filters>|<key>", base64url. A token is refused with other filters than its own.
  const std::string filters = ListFiltersDigest(request);
  if (!request.page_token().empty()) {
    const std::optional<PageToken> token = DecodePageToken(request.page_token());
    if (!token.has_value()) {
      FieldViolations v;
      v.Add("page_token", "not a token from a previous page of this listing");
      return v.ToStatus();
    }
    if (token->second != filters) {
      FieldViolations v;
      v.Add("page_token", "was issued for other filters (type, agency_code, school_code)");
      return v.ToStatus();
    }
    query.at = store::ChangeCursor{token->number};
    query.after_key = token->third;
  } else if (!request.at_cursor().empty()) {
    auto at = store::DecodeCursor(request.at_cursor());
    if (!at.ok()) {
      FieldViolations v;
      v.Add("at_cursor", std::string(at.status().message()));
      return v.ToStatus();
    }
    query.at = *at;
  } else {
    // The first page fixes the snapshot at the newest commit.
    ASSIGN_OR_RETURN(auto bounds, gateway_->store->GetChangeBounds());
    query.at = bounds.head;
  }
  ASSIGN_OR_RETURN(auto bounds, gateway_->store->GetChangeBounds());
  // A snapshot at a committed cursor that is not readable yet (an older transaction still open
  // on PostgreSQL) waits for it, briefly: it would otherwise miss what that transaction writes.
  for (int waited_ms = 0; query.at->seq > bounds.head.seq && query.at->seq <= bounds.newest.seq;
       waited_ms += 20) {
    if (waited_ms >= 5000) {
      return absl::UnavailableError(
          "the snapshot cursor is committed but not readable yet (a transaction that began "
          "before it is still open); try again");
    }
    absl::SleepFor(absl::Milliseconds(20));
    ASSIGN_OR_RETURN(bounds, gateway_->store->GetChangeBounds());
  }
  if (query.at->seq > bounds.newest.seq) {
    FieldViolations v;
    v.Add(request.page_token().empty() ? "at_cursor" : "page_token",
          "is ahead of the newest change this gateway has committed");
    return v.ToStatus();
  }
  if (query.at->seq < bounds.pruned_through.seq) {
    return WithErrorInfo(
        absl::OutOfRangeError("the snapshot cursor is older than the change log keeps; list "
                              "again without at_cursor"),
        "CURSOR_EXPIRED", {{"oldest_cursor", store::EncodeCursor(bounds.oldest)}});
  }
  // Records changed after the snapshot come back as they were, unfiltered (the store keeps
  // only the newest agency and school as columns): filter those by their content here, and
  // read on until the page is full or the listing ends.
  std::vector<store::RecordRow> rows;
  for (;;) {
    ASSIGN_OR_RETURN(auto scanned, gateway_->store->ListRecords(query));
    const bool scan_ended = static_cast<int>(scanned.size()) < query.limit;
    std::string last_scanned = scanned.empty() ? std::string() : scanned.back().key;
    for (auto& row : scanned) {
      if (row.from_change_log && !MatchesListFilters(row, request)) continue;
      rows.push_back(std::move(row));
      if (static_cast<int>(rows.size()) > page_size) break;
    }
    if (static_cast<int>(rows.size()) > page_size || scan_ended) break;
    query.after_key = std::move(last_scanned);
  }
  const bool more = static_cast<int>(rows.size()) > page_size;
  if (more) rows.resize(page_size);
  for (const auto& row : rows) {
    if (!out->add_records()->ParseFromString(row.payload)) {
      return absl::DataLossError(absl::StrCat("stored record ", row.key, " is corrupt"));
    }
  }
  out->set_snapshot_cursor(store::EncodeCursor(*query.at));
  if (more) {
    out->set_next_page_token(EncodePageToken(query.at->seq, filters, rows.back().key));
  }
  return absl::OkStatus();
}

absl::Status RecordRegister::VerifyDiploma(const v1::VerifyDiplomaRequest& request,
                                           v1::VerifyDiplomaResponse* out) {
  std::string key;
  std::optional<store::RecordRow> row;
  if (!request.register_number().empty()) {
    key = absl::StrCat(request.issuing_agency_code(), "/", request.register_number());
    ASSIGN_OR_RETURN(row, FindDiploma(request.issuing_agency_code(), request.register_number()));
  } else {
    ASSIGN_OR_RETURN(auto keys, gateway_->store->FindKeysBySecondaryKey(v1::RECORD_TYPE_DIPLOMA,
                                                                        request.serial_number()));
    if (keys.empty()) {
      out->set_verdict(v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);
      return absl::OkStatus();
    }
    key = keys.front();
    ASSIGN_OR_RETURN(row, gateway_->store->GetRecord(v1::RECORD_TYPE_DIPLOMA, key));
  }
  if (!row.has_value()) {
    out->set_verdict(v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);
    return absl::OkStatus();
  }
  v1::EducationRecord record;
  if (!record.ParseFromString(row->payload)) {
    return absl::DataLossError(absl::StrCat("stored diploma ", key, " is corrupt"));
  }
  const v1::Diploma& diploma = record.diploma();
  const v1::DiplomaHolder& presented = request.holder();
  const v1::DiplomaHolder& stored = diploma.holder();
  auto differs = [out](bool given, bool equal, const char* field) {
    if (given && !equal) out->add_mismatched_fields(field);
  };
  differs(!request.serial_number().empty(), request.serial_number() == diploma.serial_number(),
          "serial_number");
  // Names and places as typed on a form: case, spacing and Unicode form aside (name_comparison.h).
  auto same_text = [](const std::string& a, const std::string& b) {
    return domain::NameForComparison(a) == domain::NameForComparison(b);
  };
  differs(!presented.full_name().empty(), same_text(presented.full_name(), stored.full_name()),
          "holder.full_name");
  differs(!presented.date_of_birth().empty(), presented.date_of_birth() == stored.date_of_birth(),
          "holder.date_of_birth");
  differs(!presented.birthplace().empty(), same_text(presented.birthplace(), stored.birthplace()),
          "holder.birthplace");
  differs(presented.sex() != v1::SEX_UNSPECIFIED, presented.sex() == stored.sex(), "holder.sex");
  differs(!presented.ethnicity().empty(), same_text(presented.ethnicity(), stored.ethnicity()),
          "holder.ethnicity");
  differs(!presented.personal_id().empty(), presented.personal_id() == stored.personal_id(),
          "holder.personal_id");
  differs(request.graduation_year() != 0, request.graduation_year() == diploma.graduation_year(),
          "graduation_year");
  differs(request.type() != v1::DIPLOMA_TYPE_UNSPECIFIED, request.type() == diploma.type(), "type");
  out->set_verdict(out->mismatched_fields().empty() ? v1::VerifyDiplomaResponse::VERDICT_MATCH
                                                    : v1::VerifyDiplomaResponse::VERDICT_MISMATCH);
  out->set_diploma_status(diploma.status());
  return absl::OkStatus();
}

}  // namespace lienthong::education

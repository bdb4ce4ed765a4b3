// The exchange-log search.
#include "services/admin/exchange_log_query.h"

#include <algorithm>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/page_token.h"
#include "services/common/proto_time.h"
#include "services/common/record_type_names.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::admin {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kChunk = 1000;

// "OK", "ERROR" or a gRPC code name; the code (or -1 for ERROR); nullopt when unknown.
std::optional<int> StatusFilter(const std::string& name) {
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (name == "ERROR") return -1;
  for (int code = 0; code <= 16; ++code) {
    if (name == kNames[code]) return code;
  }
  return std::nullopt;
}

const char* CodeName(int code) {
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}

// Entries name records "<type number>:<key>" (the store's form); people and scripts write
// "<type name>:<key>". Other "<word>:<text>" records (config_change:, checkpoint_to:) are kept.
std::string RecordAsStored(const std::string& record) {
  const size_t colon = record.find(':');
  if (colon == std::string::npos) return record;
  auto type = RecordTypeFromName(absl::string_view(record).substr(0, colon));
  if (!type.has_value()) return record;
  return absl::StrCat(static_cast<int>(*type), record.substr(colon));
}

std::string RecordAsShown(const std::string& record) {
  const size_t colon = record.find(':');
  int type = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(record.substr(0, colon), &type)) return record;
  return absl::StrCat(RecordTypeName(static_cast<v1::RecordType>(type)), record.substr(colon));
}

std::string Fingerprint(const v1::QueryExchangeLogRequest& request) {
  v1::QueryExchangeLogRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  return absl::BytesToHexString(exchange::MessageDigest(filters).substr(0, 8));
}

}  // namespace

absl::Status QueryExchangeLog(store::ExchangeLogReads& log, const v1::QueryExchangeLogRequest& request,
                              v1::QueryExchangeLogResponse* response) {
  FieldViolations violations;
  std::optional<int> status_filter;
  if (!request.status().empty()) {
    status_filter = StatusFilter(request.status());
    if (!status_filter.has_value()) {
      violations.Add("status", "expected OK, ERROR or a gRPC code name such as PERMISSION_DENIED");
    }
  }
  if (!request.record().empty()) {
    const size_t colon = request.record().find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == request.record().size()) {
      violations.Add("record", "expected <type>:<key>, e.g. dossier:000.00.31.H49-260201-0001");
    }
  }
  if (!request.method().empty() && request.method().front() != '/') {
    violations.Add("method", "expected /package.Service/Method or a prefix /package.Service/");
  }
  std::optional<absl::Time> from, to;
  if (request.has_from()) from = FromProtoTimestamp(request.from());
  if (request.has_to()) to = FromProtoTimestamp(request.to());
  if (from.has_value() && to.has_value() && *from >= *to) violations.Add("to", "must be after from");
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    violations.Add("page_size", absl::StrCat("expected 0..", kMaxPageSize));
  }
  const std::string fingerprint = Fingerprint(request);
  int64_t before = 0;  // 0: from the head
  if (!request.page_token().empty()) {
    const std::optional<PageToken> token = DecodePageToken(request.page_token());
    if (!token.has_value() || token->third != fingerprint || token->number < 1) {
      violations.Add("page_token", "not a token from a previous page of this same query");
    } else {
      before = token->number;
    }
  }
  if (!violations.empty()) return violations.ToStatus();

  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  const bool method_prefix = !request.method().empty() && request.method().back() == '/';
  const std::string record = RecordAsStored(request.record());
  auto matches = [&](const store::ExchangeLogEntry& e) {
    if (!request.member().empty() && e.member != request.member()) return false;
    if (!request.method().empty()) {
      if (method_prefix ? !absl::StartsWith(e.method, request.method()) : e.method != request.method()) {
        return false;
      }
    }
    if (from.has_value() && e.time < *from) return false;
    if (to.has_value() && e.time >= *to) return false;
    if (status_filter.has_value()) {
      if (*status_filter == -1 ? e.status_code == 0 : e.status_code != *status_filter) return false;
    }
    if (!record.empty() && std::find(e.records.begin(), e.records.end(), record) == e.records.end()) {
      return false;
    }
    return true;
  };

  ASSIGN_OR_RETURN(const store::ExchangeLogEnds ends, log.GetExchangeLogEnds());
  if (before == 0 || before > ends.head_seq + 1) before = ends.head_seq + 1;
  int64_t examined = 0;
  int64_t next = before;  // entries with seq < next are still to be looked at
  // Every pass moves `next` down by at least one; the reads are bounded too, for a log that
  // retention emptied below us while we read (empty chunks examine nothing).
  for (int reads = 0; next > ends.anchor_seq + 1 && response->entries_size() < page_size &&
                      examined < kMaxExaminedPerPage && reads < kMaxExaminedPerPage / kChunk * 2;
       ++reads) {
    const int64_t after = std::max(ends.anchor_seq, next - 1 - kChunk);
    ASSIGN_OR_RETURN(std::vector<store::ExchangeLogEntry> chunk,
                     log.ReadExchangeLog(after, static_cast<int>(next - 1 - after)));
    int64_t lowest = next;  // the oldest entry looked at
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      if (it->seq >= next || it->seq <= after) continue;
      ++examined;
      lowest = it->seq;
      if (matches(*it)) {
        v1::ExchangeLogEntryView* view = response->add_entries();
        view->set_seq(it->seq);
        ToProtoTimestamp(it->time, view->mutable_time());
        view->set_member(it->member);
        view->set_method(it->method);
        view->set_status(CodeName(it->status_code));
        for (const std::string& r : it->records) view->add_records(RecordAsShown(r));
        view->set_request_bytes(it->request_bytes);
        view->set_response_bytes(it->response_bytes);
        view->set_request_digest(absl::BytesToHexString(it->request_digest));
        view->set_response_digest(absl::BytesToHexString(it->response_digest));
        view->set_end_user(it->end_user);
        view->set_correlation_id(it->correlation_id);
        if (response->entries_size() == page_size) break;
      }
    }
    // A full page stops at its oldest entry; otherwise all of (after, next) has been looked at.
    next = response->entries_size() == page_size ? lowest : after + 1;
  }
  response->set_examined(examined);
  if (next > ends.anchor_seq + 1) {
    response->set_next_page_token(EncodePageToken(next, "", fingerprint));
  }
  return absl::OkStatus();
}

}  // namespace lienthong::admin

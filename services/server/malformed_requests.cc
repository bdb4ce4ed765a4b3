// The refusal of requests that do not parse: status, metric, exchange log, rate-limited log.
#include "services/server/malformed_requests.h"

#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "services/common/log.h"
#include "services/common/rpc_status.h"
#include "services/exchange/malformed_request.h"
#include "services/security/member_identity.h"

namespace lienthong::server {
namespace {
// Members seen in the last interval are few (each is an agency with a certificate); past this
// many entries, those idle for an interval are dropped so the map cannot grow without bound.
constexpr size_t kMaxTrackedMembers = 4096;
}  // namespace

void RouteProtobufLogs() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file,
                                       int line, const std::string& message) {
      if (absl::StrContains(message, "invalid UTF-8 data when parsing")) return;
      const LogLevel ours = level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
                            : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                          : LogLevel::kInfo;
      LogLine(ours, "protobuf").Str("message", message).Str("at", file).Int("line", line);
    });
  });
}

std::string ExpectedRequestType(absl::string_view method) {
  // "/lienthong.v1.DossierService/SubmitDossier" -> "lienthong.v1.DossierService.SubmitDossier"
  absl::ConsumePrefix(&method, "/");
  std::string full_name(method);
  const size_t slash = full_name.rfind('/');
  if (slash == std::string::npos) return "";
  full_name[slash] = '.';
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
  return descriptor == nullptr ? "" : descriptor->input_type()->full_name();
}

MalformedRequests::MalformedRequests(prometheus::Registry& registry,
                                     const exchange::GatewayContext* gateway,
                                     absl::Duration log_interval)
    : counter_(prometheus::BuildCounter()
                   .Name("lienthong_rpc_malformed_requests_total")
                   .Help("Requests whose bytes did not parse as the method's request message "
                         "(answered INVALID_ARGUMENT), by method")
                   .Register(registry)),
      gateway_(gateway),
      log_interval_(log_interval) {}

grpc::Status MalformedRequests::RefusalOf(const std::string& method) {
  const std::string type = ExpectedRequestType(method);
  return ToGrpcStatus(exchange::MalformedRequestError(type.empty() ? "request message" : type));
}

bool MalformedRequests::IsRefusal(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT ||
      !absl::StartsWith(status.error_message(), exchange::kMalformedRequestPrefix)) {
    return false;
  }
  google::rpc::ErrorInfo info;
  return GetErrorInfo(FromGrpcStatus(status), &info) &&
         info.reason() == exchange::kMalformedRequestReason;
}

void MalformedRequests::Account(const std::string& method, grpc::ServerContextBase* context) {
  counter_.Add({{"method", method}}).Increment();
  const config::v1::MemberIdSource source =
      gateway_ != nullptr ? gateway_->member_id_source : config::v1::MEMBER_ID_SOURCE_URI_SAN;
  std::string member;
  if (context != nullptr && context->auth_context() != nullptr) {
    auto id = security::MemberFromAuthContext(*context->auth_context(), source);
    if (id.ok()) member = *std::move(id);
  }
  const absl::Time now = absl::Now();
  if (gateway_ != nullptr && gateway_->store != nullptr) {
    // Who asked what and the outcome, as for any refused call; the bytes are not available to
    // digest (gRPC drops them after the failed parse), so the digest stays empty.
    store::ExchangeLogEntry entry;
    entry.time = now;
    entry.member = member;
    entry.method = method;
    entry.status_code = static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT);
    gateway_->store->LogExchange(std::move(entry));
  }
  int64_t suppressed = 0;
  if (MayLog(member, now, &suppressed)) {
    LogLine(LogLevel::kWarning, "malformed request")
        .Str("member", member.empty() ? "-" : member)
        .Str("method", method)
        .Str("expected_type", ExpectedRequestType(method))
        .Int("not_logged_since_last", suppressed);
  }
}

bool MalformedRequests::MayLog(const std::string& member, absl::Time now, int64_t* suppressed) {
  absl::MutexLock lock(&mu_);
  if (log_state_.size() >= kMaxTrackedMembers && !log_state_.contains(member)) {
    absl::erase_if(log_state_, [&](const auto& entry) {
      return now - entry.second.last_logged >= log_interval_;
    });
  }
  LogState& state = log_state_[member];
  if (now - state.last_logged < log_interval_) {
    ++state.suppressed;
    return false;
  }
  *suppressed = state.suppressed;
  state.suppressed = 0;
  state.last_logged = now;
  return true;
}

}  // namespace lienthong::server

// Access log and metrics for every call.
#include "services/server/call_observer.h"

#include <string>

#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "services/common/log.h"
#include "services/security/member_identity.h"

namespace lienthong::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallObserver : public grpc::experimental::Interceptor {
 public:
  CallObserver(grpc::experimental::ServerRpcInfo* info, GatewayMetrics* metrics,
               config::v1::MemberIdSource source, bool access_log, MalformedRequests* malformed)
      : info_(info), metrics_(metrics), source_(source), access_log_(access_log),
        malformed_(malformed), start_(absl::Now()) {}

  ~CallObserver() override {
    // A call cancelled by its client never sends a status.
    if (!recorded_) Record(static_cast<int>(grpc::StatusCode::CANCELLED), "cancelled");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // The one request of a unary or server-streaming call arrives with no message when its bytes
    // did not parse; gRPC then answers UNIMPLEMENTED itself (see malformed_requests.h).
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr && SingleRequest()) {
      unparsed_request_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (unparsed_request_ && malformed_ != nullptr &&
          status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        status = MalformedRequests::RefusalOf(info_->method());
        methods->ModifySendStatus(status);
      }
      if (malformed_ != nullptr && MalformedRequests::IsRefusal(status)) {
        malformed_->Account(info_->method(), info_->server_context());
        recorded_ = true;  // Account logs it, at most once per member per minute
        metrics_->RecordCall(info_->method(), status.error_code(), absl::Now() - start_);
      } else {
        Record(status.error_code(), status.error_message());
      }
    }
    methods->Proceed();
  }

 private:
  bool SingleRequest() const {
    return info_->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
           info_->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING;
  }

  void Record(int code, const std::string& message) {
    recorded_ = true;
    const absl::Duration latency = absl::Now() - start_;
    metrics_->RecordCall(info_->method(), code, latency);
    const LogLevel level = code == 0 ? LogLevel::kInfo : LogLevel::kWarning;
    if (!access_log_ || !LogEnabled(level)) return;
    std::string member = "-";
    if (auto* ctx = info_->server_context(); ctx != nullptr && ctx->auth_context() != nullptr) {
      auto id = security::MemberFromAuthContext(*ctx->auth_context(), source_);
      if (id.ok()) member = *id;
    }
    LogLine line(level, "rpc");
    line.Str("member", member).Str("method", info_->method()).Str("code", GrpcCodeName(code))
        .Num("latency_ms", absl::ToDoubleMilliseconds(latency));
    if (code != 0) line.Str("error", message);
  }

  grpc::experimental::ServerRpcInfo* info_;
  GatewayMetrics* metrics_;
  config::v1::MemberIdSource source_;
  bool access_log_;
  MalformedRequests* malformed_;
  absl::Time start_;
  bool recorded_ = false;
  bool unparsed_request_ = false;
};

}  // namespace

grpc::experimental::Interceptor* CallObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallObserver(info, metrics_, source_, access_log_, malformed_);
}

}  // namespace lienthong::server

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
               config::v1::MemberIdSource source, bool access_log)
      : info_(info), metrics_(metrics), source_(source), access_log_(access_log),
        start_(absl::Now()) {}

  ~CallObserver() override {
    // A call cancelled by its client never sends a status.
    if (!recorded_) Record(static_cast<int>(grpc::StatusCode::CANCELLED), "cancelled");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      Record(status.error_code(), status.error_message());
    }
    methods->Proceed();
  }

 private:
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
  absl::Time start_;
  bool recorded_ = false;
};

}  // namespace

grpc::experimental::Interceptor* CallObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallObserver(info, metrics_, source_, access_log_);
}

}  // namespace lienthong::server

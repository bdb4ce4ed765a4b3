// GrpcAdapter: certificate refresh and the ApplyChanges call.
#include "adapters/grpc/grpc_adapter.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "services/common/log.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::adapters::grpc_sink {

absl::Status GrpcAdapter::RefreshLocked() {
  const absl::Time now = absl::Now();
  if (stub_ != nullptr && now < next_check_) return absl::OkStatus();
  next_check_ = now + options_.watch_interval;
  Stamps stamps;
  const std::string* paths[] = {&options_.files.key_file, &options_.files.cert_file,
                                &options_.files.ca_file};
  for (size_t i = 0; i < stamps.size(); ++i) {
    struct stat st;
    if (::stat(paths[i]->c_str(), &st) == 0) {
      stamps[i].mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
      stamps[i].size = st.st_size;
    }
  }
  if (seen_.has_value() && stamps == *seen_) {
    if (stub_ != nullptr) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("grpc adapter ", options_.adapter_name,
                                               ": no usable client certificate: ",
                                               last_refusal_.message()));
  }
  seen_ = stamps;
  auto candidate = [&]() -> absl::StatusOr<security::ClientTlsPem> {
    ASSIGN_OR_RETURN(security::ClientTlsPem pem, security::ReadClientTlsFiles(options_.files));
    RETURN_IF_ERROR(security::ValidateKeyCertPair(pem.key_pem, pem.cert_pem, pem.ca_pem, now));
    return pem;
  }();
  if (!candidate.ok()) {
    last_refusal_ = candidate.status();
    LogLine(LogLevel::kWarning, stub_ ? "adapter client certificate refused; keeping the old one"
                                      : "adapter client certificate refused")
        .Str("adapter", options_.adapter_name)
        .Str("cert_file", options_.files.cert_file)
        .Str("error", candidate.status().message());
    if (stub_ != nullptr) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("grpc adapter ", options_.adapter_name,
                                               ": no usable client certificate: ",
                                               candidate.status().message()));
  }
  std::string serial;
  if (auto certs = security::InspectCertificates(candidate->cert_pem); certs.ok()) {
    serial = certs->front().serial_hex;
  }
  // A channel of its own, so the new certificate makes a new handshake rather than riding on a
  // connection shared with another channel.
  ::grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = security::MakeMutualTlsChannel(options_.target, *candidate,
                                                options_.server_name, args);
  const bool rotated = stub_ != nullptr;
  stub_ = v1::SectorSinkService::NewStub(channel);
  serial_ = serial;
  last_refusal_ = absl::OkStatus();
  LogLine(LogLevel::kInfo, rotated ? "adapter client certificate rotated"
                                   : "adapter client certificate loaded")
      .Str("adapter", options_.adapter_name)
      .Str("serial", serial);
  return absl::OkStatus();
}

absl::Status GrpcAdapter::Apply(absl::Span<const v1::ChangeEvent> events) {
  std::shared_ptr<v1::SectorSinkService::Stub> stub;
  {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(RefreshLocked());
    stub = stub_;
  }
  v1::ApplyChangesRequest request;
  request.set_adapter(options_.adapter_name);
  request.mutable_events()->Reserve(static_cast<int>(events.size()));
  for (const auto& event : events) *request.add_events() = event;
  v1::ApplyChangesResponse response;
  ::grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  const ::grpc::Status status = stub->ApplyChanges(&context, request, &response);
  return FromGrpcStatus(status);
}

std::string GrpcAdapter::certificate_serial() const {
  absl::MutexLock lock(&mu_);
  return serial_;
}

}  // namespace lienthong::adapters::grpc_sink

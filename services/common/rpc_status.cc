// Status mapping between absl::Status (inside) and grpc::Status (on the wire).
#include "services/common/rpc_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"

namespace lienthong {

void FieldViolations::Add(std::string field, std::string description) {
  auto* violation = violations_.add_field_violations();
  violation->set_field(std::move(field));
  violation->set_description(std::move(description));
}

absl::Status FieldViolations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  std::string message = "invalid request: ";
  for (int i = 0; i < violations_.field_violations_size(); ++i) {
    const auto& v = violations_.field_violations(i);
    if (i > 0) message += "; ";
    absl::StrAppend(&message, v.field(), ": ", v.description());
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(violations_.SerializeAsString()));
  return status;
}

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [key, value] : metadata) (*info.mutable_metadata())[key] = std::move(value);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

namespace {
template <typename Message>
bool GetPayload(const absl::Status& status, absl::string_view type_url, Message* out) {
  auto payload = status.GetPayload(type_url);
  return payload.has_value() && out->ParseFromString(std::string(*payload));
}
}  // namespace

bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* out) {
  return GetPayload(status, kBadRequestTypeUrl, out);
}

bool GetErrorInfo(const absl::Status& status, google::rpc::ErrorInfo* out) {
  return GetPayload(status, kErrorInfoTypeUrl, out);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  google::rpc::Status details;
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  if (details.details().empty()) return grpc::Status(code, message);
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace lienthong

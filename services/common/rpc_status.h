// The one place where internal absl::Status becomes grpc::Status, with google.rpc details.
//
// Inside the gateway every fallible function returns absl::Status; rich details travel as
// status payloads keyed by their type URL (BadRequest, ErrorInfo). ToGrpcStatus packs them into
// google.rpc.Status in the grpc-status-details-bin trailer, so any standard client decodes them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"

namespace lienthong {

inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kErrorDomain = "lienthong.gov.vn";

// Collects every bad field of a request; validation reports all of them at once.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.field_violations().empty(); }
  int size() const { return violations_.field_violations_size(); }
  const google::rpc::BadRequest& proto() const { return violations_; }
  // INVALID_ARGUMENT naming each field, with the BadRequest attached; OK when empty.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest violations_;
};

// `status` with a google.rpc.ErrorInfo attached (reason UPPER_SNAKE_CASE, domain kErrorDomain).
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata = {});

// Reads back the BadRequest / ErrorInfo a status carries (false when absent).
bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* out);
bool GetErrorInfo(const absl::Status& status, google::rpc::ErrorInfo* out);

// Abseil's codes are gRPC's codes; payloads become google.rpc.Status details.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of the gateway (lienthongctl, adapters, tests): decodes the details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lienthong

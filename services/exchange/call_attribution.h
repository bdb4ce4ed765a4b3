// Attribution (Decree 47/2020 Art. 45, who made the request): the member is the calling system,
// named by its certificate; the person inside it, and the caller's own id for the exchange, come
// as optional call metadata and are recorded in the exchange-log entry (covered by its hash).
//
//   x-lienthong-user            "officer:<id>"  an officer (cán bộ) of the member: 1 to 64 of
//                                               A-Z a-z 0-9 . _ - starting with a letter or digit
//                               "citizen:<id>"  a citizen (công dân): the 12-digit personal
//                                               identification number
//   x-lienthong-correlation-id  1 to 128 of A-Z a-z 0-9 . _ : - (a UUID fits)
//
// A value of another form, or a key given more than once, is INVALID_ARGUMENT with a field
// violation naming the metadata key; the call then does nothing but its exchange-log entry.
// Whether a member must send them is the access policy's (AccessPolicy::CheckAttribution).
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/string_ref.h"

namespace lienthong::exchange {

inline constexpr char kUserMetadataKey[] = "x-lienthong-user";
inline constexpr char kCorrelationIdMetadataKey[] = "x-lienthong-correlation-id";
inline constexpr size_t kMaxOfficerIdLength = 64;
inline constexpr size_t kCitizenIdLength = 12;
inline constexpr size_t kMaxCorrelationIdLength = 128;

struct CallAttribution {
  std::string user;            // empty when not given
  std::string correlation_id;  // empty when not given
};

// Empty when `value` is a well-formed x-lienthong-user value; else what is wrong with it.
std::string UserFormProblem(absl::string_view value);
// Empty when `value` is a well-formed x-lienthong-correlation-id value; else what is wrong.
std::string CorrelationIdFormProblem(absl::string_view value);

// Reads both keys from a call's client metadata. INVALID_ARGUMENT with one field violation per
// bad key (field: the metadata key).
absl::StatusOr<CallAttribution> AttributionFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace lienthong::exchange

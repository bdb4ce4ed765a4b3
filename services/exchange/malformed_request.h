// The refusal of a request whose bytes do not parse as the method's request message, shared by
// the listener (services/server/malformed_requests.h, for every generated method) and the few
// raw-bytes methods that parse their request themselves (ChangeFeedService/Subscribe).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/rpc_status.h"

namespace lienthong::exchange {

// The ErrorInfo reason a malformed-request refusal carries; the listener counts and logs the
// calls that end with it.
inline constexpr absl::string_view kMalformedRequestReason = "MALFORMED_REQUEST";
inline constexpr absl::string_view kMalformedRequestPrefix = "request is not a valid ";

// INVALID_ARGUMENT "request is not a valid <type>" (`type` the message's full name, e.g.
// lienthong.v1.SubmitDossierRequest) with ErrorInfo MALFORMED_REQUEST {expected_type: type}.
inline absl::Status MalformedRequestError(absl::string_view type) {
  return WithErrorInfo(absl::InvalidArgumentError(absl::StrCat(kMalformedRequestPrefix, type)),
                       kMalformedRequestReason, {{"expected_type", std::string(type)}});
}

}  // namespace lienthong::exchange

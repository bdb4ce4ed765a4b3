// The RFC 3161 HTTP transport (section 3.4 of the RFC): a TimeStampReq POSTed as
// application/timestamp-query, the TimeStampResp answered as application/timestamp-reply.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lienthong::admin {

// POSTs `query_der` to `url` (http or https; https verifies the server against the system CA
// store) and returns the answer's body. DEADLINE_EXCEEDED past `timeout`; UNAVAILABLE when no
// answer came (refused, reset, DNS, TLS) or the answer is not HTTP 200, naming the URL.
absl::StatusOr<std::string> PostTimestampQuery(const std::string& url, absl::string_view query_der,
                                               absl::Duration timeout);

}  // namespace lienthong::admin

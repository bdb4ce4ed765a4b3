// Loopback networking for tests: a free port to hand to a child, a minimal HTTP GET, and reading
// one sample of a Prometheus exposition got that way.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::test {

// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, closed.
// For processes that must be told their port (lienthongd); in-process servers bind port 0.
absl::StatusOr<int> FreeLoopbackPort();

struct HttpResponse {
  int status_code = 0;  // e.g. 200
  std::string body;
};

// GET http://127.0.0.1:`port``path` with HTTP/1.0 over a plain socket, bounded by `timeout`.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path,
                                     absl::Duration timeout = absl::Seconds(5));

// The value of the sample line `series` (name and labels exactly as exposed, e.g.
// `lienthong_rpc_requests_total{code="OK",method="/m"}`) in a Prometheus text exposition, or ""
// when absent.
std::string PrometheusSample(const std::string& exposition, const std::string& series);

}  // namespace lienthong::test

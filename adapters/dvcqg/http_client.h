// HttpJsonClient: POSTs JSON bodies over HTTP(S) with libcurl and says whose fault a failure is
// (the adapter contract's status codes, adapters/adapter.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lienthong::adapters::dvcqg {

struct HttpOptions {
  // CA bundle that signs the server's certificate; empty: the system store.
  std::string ca_file;
  // Whole-call bound (connect, send, answer).
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpReply {
  long status_code = 0;  // e.g. 200
  std::string body;
};

// What PortalSession needs of HTTP: one POST of a JSON body and the answer as it came.
// HttpJsonClient is the real one; the fuzz target of the portal's answers
// (tests/fuzz/dvcqg_answer_fuzz.cc) hands the session answers without a network.
class JsonPoster {
 public:
  virtual ~JsonPoster() = default;
  virtual absl::StatusOr<HttpReply> PostJson(const std::string& url,
                                             const std::vector<std::string>& headers,
                                             const std::string& json) = 0;
};

// One libcurl easy handle, reused so that connections (and TLS sessions) are kept between
// calls. Not thread-safe: one caller at a time (the adapter's worker, see adapters/adapter.h).
class HttpJsonClient final : public JsonPoster {
 public:
  explicit HttpJsonClient(HttpOptions options);
  ~HttpJsonClient();
  HttpJsonClient(const HttpJsonClient&) = delete;
  HttpJsonClient& operator=(const HttpJsonClient&) = delete;

  // POSTs `json` to `url` with "Content-Type: application/json" and `headers` ("name: value").
  // Any HTTP answer is returned as it is. Failures to get one: DEADLINE_EXCEEDED for a timeout,
  // UNAVAILABLE for everything else on the way (connection refused, reset, DNS, TLS handshake,
  // certificate not verified), naming the URL but never the body.
  absl::StatusOr<HttpReply> PostJson(const std::string& url,
                                     const std::vector<std::string>& headers,
                                     const std::string& json) override;

 private:
  const HttpOptions options_;
  void* curl_;  // CURL*, kept out of the header
};

namespace internal {
// What a curl_easy_setopt result means for the call: OK, or UNAVAILABLE naming `option`.
absl::Status CurlOptionStatus(int curl_code, absl::string_view option);
}  // namespace internal

}  // namespace lienthong::adapters::dvcqg

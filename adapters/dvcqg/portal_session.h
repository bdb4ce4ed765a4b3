// PortalSession: the portal's login session and its integration calls (docs/dvcqg.md,
// "Protocol"): logs in when it has no session, renews an expired one once per call, and turns
// the portal's answers into the adapter contract's status codes (adapters/adapter.h).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/dvcqg/http_client.h"
#include "nlohmann/json.hpp"

namespace lienthong::adapters::dvcqg {

struct PortalAccount {
  std::string base_url;  // "https://host[:port]"
  std::string auth_path;
  std::string integration_path;
  std::string username;
  std::string password_file;  // read at each login, so a changed password needs no restart
  std::string dstcode;
  std::string madonvi;
  // error_code values that mean "session expired" (HTTP 401 always does).
  std::set<int64_t> session_expired_error_codes;
};

// Not thread-safe: one caller at a time (the adapter's, adapters/adapter.h).
class PortalSession {
 public:
  PortalSession(PortalAccount account, std::unique_ptr<JsonPoster> http)
      : account_(std::move(account)), http_(std::move(http)) {}

  // POSTs {"session", "madonvi", "service": service, ...fields} to the integration path and
  // returns the portal's answer when its error_code is 0. An expired session is renewed and the
  // call sent once more. Failures:
  //   UNAVAILABLE / DEADLINE_EXCEEDED: no answer, HTTP 5xx or a 4xx that is not the content's
  //     fault (403, 404, 405, 407, 408, 425, 429), an answer that is not JSON or has no numeric
  //     error_code, a login the portal refused, a password file that cannot be read or is not
  //     UTF-8, a session expired twice in a row;
  //   INVALID_ARGUMENT: the portal refused the content (a whole-number error_code not 0, any
  //     other HTTP 4xx), with the portal's own message; data that is not UTF-8.
  // Never throws. No error ever holds the password or a session.
  absl::StatusOr<nlohmann::json> Call(const std::string& service, nlohmann::ordered_json fields);

  // Whether the last Call POSTed its request: after a failure, the portal may then hold what it
  // asked for (the answer was lost, or came from a proxy after the portal acted).
  bool last_call_posted() const { return posted_; }

  // Logins made so far (tests, benchmarks).
  int logins() const { return logins_; }

 private:
  enum class Outcome { kOk, kSessionExpired };
  absl::Status Login();
  // One POST of `request` (the whole body) with the current session put in it.
  absl::StatusOr<Outcome> SendOnce(const std::string& service, nlohmann::ordered_json& request,
                                   nlohmann::json* answer);

  const PortalAccount account_;
  const std::unique_ptr<JsonPoster> http_;
  std::string session_;  // empty until logged in
  int logins_ = 0;
  bool posted_ = false;
};

}  // namespace lienthong::adapters::dvcqg

// PortalSession: login, session renewal, and the portal's answers as status codes.
#include "adapters/dvcqg/portal_session.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::dvcqg {
namespace {

// The portal's error_code: a JSON integer, or a string of digits only (a portal that quotes
// its numbers). nullopt for anything else (absent, a float, a bool, "0abc", "-1"): such an
// answer is not the portal's own (a proxy, a maintenance page), so it says nothing of the
// dossiers.
std::optional<int64_t> ErrorCodeOf(const nlohmann::json& answer) {
  if (!answer.is_object()) return std::nullopt;
  const auto it = answer.find("error_code");
  if (it == answer.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const uint64_t code = it->get<uint64_t>();
    if (code > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(code);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t code = 0;
  // SimpleAtoi alone takes "+7" and " 7"; std::stoll took "0abc" as 0 (success).
  if (text.empty() || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &code)) {
    return std::nullopt;
  }
  return code;
}

// The answer says nothing of the dossiers: retried, never dead-lettered.
absl::Status NotThePortalsAnswer(const std::string& what) {
  return absl::UnavailableError(
      absl::StrCat(what, ": the answer has no numeric error_code (a proxy or maintenance page?)"));
}

// `json` as text, or nullopt when a string in it is not UTF-8 (nlohmann's strict dump throws
// type_error 316 for it; its message quotes the byte, so it is never passed on).
template <typename Json>
std::optional<std::string> DumpStrict(const Json& json) {
  try {
    return json.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// The portal's explanation, under whichever name it used.
std::string MessageOf(const nlohmann::json& answer) {
  for (const char* key : {"message", "error_message", "msg", "error"}) {
    if (answer.is_object() && answer.contains(key) && answer[key].is_string()) {
      return answer[key].get<std::string>();
    }
  }
  return "(no message)";
}

// HTTP statuses that say nothing against the request's content: the account (403, 407), the
// path or method (404, 405), time or rate (408, 425, 429). Retried: the batch waits (visible in
// `adapters status`) and nothing is dead-lettered for them. 401 is the session (Call renews it).
bool IsTransientHttpStatus(long status_code) {
  switch (status_code) {
    case 403: case 404: case 405: case 407: case 408: case 425: case 429:
      return true;
    default:
      return status_code >= 500;
  }
}

// What an HTTP status other than 200-299 (and 401) means for the call.
absl::Status HttpFailure(long status_code, const std::string& what, const std::string& body) {
  std::string text = absl::StrCat(what, ": HTTP ", status_code);
  if (IsTransientHttpStatus(status_code) || status_code < 400) {
    // 5xx: the portal is down; 3xx (redirects are not followed), 1xx: not an answer to act on.
    return absl::UnavailableError(text);
  }
  // Every other 4xx (400, 409, 410, 413, 415, 422...): the portal read the request and refused
  // what it holds; the engine isolates the one dossier rather than block the pipeline.
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_discarded()) absl::StrAppend(&text, ": ", MessageOf(answer));
  return absl::InvalidArgumentError(text);
}

}  // namespace

absl::Status PortalSession::Login() {
  session_.clear();
  std::ifstream in(account_.password_file);
  std::string password;
  if (!in || !std::getline(in, password)) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the portal password file ", account_.password_file));
  }
  password = std::string(absl::StripAsciiWhitespace(password));
  if (password.empty()) {
    // Sent, it would read as a wrong password; the file is what needs fixing.
    return absl::UnavailableError(absl::StrCat("the portal password file ",
                                               account_.password_file, " has an empty first line"));
  }
  const nlohmann::json request = {{"username", account_.username}, {"password", password}};
  // A password saved in a legacy encoding (Windows-1258, TCVN3) cannot go in JSON; said once,
  // without the value, and retried (a fixed file needs no restart).
  const std::optional<std::string> body = DumpStrict(request);
  if (!body.has_value()) {
    return absl::UnavailableError(absl::StrCat("the password file ", account_.password_file,
                                               " is not UTF-8 (or the username is not)"));
  }
  const std::string what = absl::StrCat("login of ", account_.username, " at ",
                                        account_.base_url, account_.auth_path);
  ++logins_;
  ASSIGN_OR_RETURN(HttpReply reply,
                   http_->PostJson(account_.base_url + account_.auth_path,
                                   {absl::StrCat("dstcode: ", account_.dstcode)}, *body));
  if (reply.status_code < 200 || reply.status_code > 299) {
    // A refused login is the account's problem, never a dossier's: retried, not dead-lettered.
    return absl::UnavailableError(absl::StrCat(what, ": HTTP ", reply.status_code));
  }
  const nlohmann::json answer = nlohmann::json::parse(reply.body, nullptr, false);
  if (answer.is_discarded()) return absl::UnavailableError(absl::StrCat(what, ": not JSON"));
  const std::optional<int64_t> code = ErrorCodeOf(answer);
  if (!code.has_value()) return NotThePortalsAnswer(what);
  if (*code != 0) {
    return absl::UnavailableError(
        absl::StrCat(what, " refused: error_code ", *code, ": ", MessageOf(answer)));
  }
  const auto session = answer.find("session");  // answer is an object: it has an error_code
  if (session == answer.end() || !session->is_string() ||
      session->get_ref<const std::string&>().empty()) {
    return absl::UnavailableError(absl::StrCat(what, ": the answer holds no session"));
  }
  session_ = session->get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<PortalSession::Outcome> PortalSession::SendOnce(
    const std::string& service, nlohmann::ordered_json& request, nlohmann::json* answer) {
  request["session"] = session_;
  const std::string what = absl::StrCat(service, " at ", account_.base_url,
                                        account_.integration_path);
  const std::optional<std::string> body = DumpStrict(request);
  if (!body.has_value()) {
    // The account's fields come from the (UTF-8) config and the session from parsed JSON: the
    // bytes are in the dossiers, so the content is refused and the engine isolates it.
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a text field of the data is not valid UTF-8"));
  }
  posted_ = true;
  ASSIGN_OR_RETURN(HttpReply reply, http_->PostJson(account_.base_url + account_.integration_path,
                                                    {absl::StrCat("dstcode: ", account_.dstcode)},
                                                    *body));
  if (reply.status_code == 401) return Outcome::kSessionExpired;
  if (reply.status_code < 200 || reply.status_code > 299) {
    return HttpFailure(reply.status_code, what, reply.body);
  }
  *answer = nlohmann::json::parse(reply.body, nullptr, false);
  if (answer->is_discarded()) {
    // A proxy's error page, a truncated answer: the portal is not answering properly.
    return absl::UnavailableError(absl::StrCat(what, ": the answer is not JSON"));
  }
  const std::optional<int64_t> code = ErrorCodeOf(*answer);
  if (!code.has_value()) return NotThePortalsAnswer(what);
  if (*code == 0) return Outcome::kOk;
  if (account_.session_expired_error_codes.count(*code) > 0) return Outcome::kSessionExpired;
  return absl::InvalidArgumentError(
      absl::StrCat("portal refused ", service, ": error_code ", *code, ": ", MessageOf(*answer)));
}

absl::StatusOr<nlohmann::json> PortalSession::Call(const std::string& service,
                                                   nlohmann::ordered_json fields) {
  posted_ = false;
  if (session_.empty()) RETURN_IF_ERROR(Login());
  // Built once (the data moved, not copied); a renewed session only replaces "session".
  nlohmann::ordered_json request = {
      {"session", ""}, {"madonvi", account_.madonvi}, {"service", service}};
  for (auto& [key, value] : fields.items()) request[key] = std::move(value);
  nlohmann::json answer;
  ASSIGN_OR_RETURN(Outcome outcome, SendOnce(service, request, &answer));
  if (outcome == Outcome::kOk) return answer;
  // Expired: renew once and send again; a second expiry is the portal's trouble, retried later.
  RETURN_IF_ERROR(Login());
  ASSIGN_OR_RETURN(outcome, SendOnce(service, request, &answer));
  if (outcome == Outcome::kOk) return answer;
  session_.clear();
  return absl::UnavailableError(
      absl::StrCat(service, ": the portal called a fresh session expired"));
}

}  // namespace lienthong::adapters::dvcqg

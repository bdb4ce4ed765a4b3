// PortalSession: login, session renewal, and the portal's answers as status codes.
#include "adapters/dvcqg/portal_session.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::dvcqg {
namespace {

// The portal's error_code, sent as a number or a numeric string; -1 when absent or unreadable.
int64_t ErrorCodeOf(const nlohmann::json& answer) {
  if (!answer.is_object() || !answer.contains("error_code")) return -1;
  const auto& code = answer["error_code"];
  if (code.is_number_integer()) return code.get<int64_t>();
  if (code.is_string()) {
    try {
      return std::stoll(code.get<std::string>());
    } catch (...) {
      return -1;
    }
  }
  return -1;
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

// What an HTTP status other than 200-299 means for the call.
absl::Status HttpFailure(long status_code, const std::string& what, const std::string& body) {
  std::string text = absl::StrCat(what, ": HTTP ", status_code);
  if (status_code == 400 || status_code == 413 || status_code == 422) {
    // The portal read the request and refused what it holds.
    nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (!answer.is_discarded()) absl::StrAppend(&text, ": ", MessageOf(answer));
    return absl::InvalidArgumentError(text);
  }
  // 5xx: the portal is down; 403/404/405/429: the account, path or rate is wrong or limited,
  // not the dossier: retried (visible in `adapters status`), so nothing is dead-lettered for it.
  return absl::UnavailableError(text);
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
  const nlohmann::json request = {{"username", account_.username}, {"password", password}};
  const std::string what = absl::StrCat("login of ", account_.username, " at ",
                                        account_.base_url, account_.auth_path);
  ++logins_;
  ASSIGN_OR_RETURN(HttpReply reply,
                   http_->PostJson(account_.base_url + account_.auth_path,
                                   {absl::StrCat("dstcode: ", account_.dstcode)}, request.dump()));
  if (reply.status_code < 200 || reply.status_code > 299) {
    // A refused login is the account's problem, never a dossier's: retried, not dead-lettered.
    return absl::UnavailableError(absl::StrCat(what, ": HTTP ", reply.status_code));
  }
  nlohmann::json answer = nlohmann::json::parse(reply.body, nullptr, false);
  if (answer.is_discarded()) return absl::UnavailableError(absl::StrCat(what, ": not JSON"));
  if (ErrorCodeOf(answer) != 0) {
    return absl::UnavailableError(absl::StrCat(what, " refused: error_code ",
                                               ErrorCodeOf(answer), ": ", MessageOf(answer)));
  }
  if (!answer.contains("session") || !answer["session"].is_string() ||
      answer["session"].get<std::string>().empty()) {
    return absl::UnavailableError(absl::StrCat(what, ": the answer holds no session"));
  }
  session_ = answer["session"].get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<PortalSession::Outcome> PortalSession::SendOnce(
    const std::string& service, nlohmann::ordered_json& request, nlohmann::json* answer) {
  request["session"] = session_;
  const std::string what = absl::StrCat(service, " at ", account_.base_url,
                                        account_.integration_path);
  ASSIGN_OR_RETURN(HttpReply reply, http_->PostJson(account_.base_url + account_.integration_path,
                                                    {absl::StrCat("dstcode: ", account_.dstcode)},
                                                    request.dump()));
  if (reply.status_code == 401) return Outcome::kSessionExpired;
  if (reply.status_code < 200 || reply.status_code > 299) {
    return HttpFailure(reply.status_code, what, reply.body);
  }
  *answer = nlohmann::json::parse(reply.body, nullptr, false);
  if (answer->is_discarded()) {
    // A proxy's error page, a truncated answer: the portal is not answering properly.
    return absl::UnavailableError(absl::StrCat(what, ": the answer is not JSON"));
  }
  const int64_t code = ErrorCodeOf(*answer);
  if (code == 0) return Outcome::kOk;
  if (account_.session_expired_error_codes.count(code) > 0) return Outcome::kSessionExpired;
  return absl::InvalidArgumentError(
      absl::StrCat("portal refused ", service, ": error_code ", code, ": ", MessageOf(*answer)));
}

absl::StatusOr<nlohmann::json> PortalSession::Call(const std::string& service,
                                                   nlohmann::ordered_json fields) {
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

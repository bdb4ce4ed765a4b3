// Fuzz target: the dvcqg adapter's reading of the national portal's answers
// (adapters/dvcqg/portal_session.cc): login answers, integration answers, HTTP statuses, a
// session expiring, data fields that are not UTF-8. The portal is a JsonPoster that answers
// with what the input says, so no network and no libcurl are involved.
//
// Checks beyond "no crash, no exception, no sanitizer report": the outcome is one of the
// adapter contract's codes (OK, UNAVAILABLE, INVALID_ARGUMENT); OK only for an answer whose
// error_code is 0; no message ever holds the password; at most two logins and two integration
// POSTs per call; every body sent is JSON.
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "adapters/dvcqg/portal_session.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"

namespace {

using lienthong::adapters::dvcqg::HttpReply;

constexpr char kPassword[] = "fuzz-portal-password-5b1f";
std::string g_password_file;

// Answers from the input, in order; "no answer" (UNAVAILABLE) once they run out.
class ScriptedPortal final : public lienthong::adapters::dvcqg::JsonPoster {
 public:
  explicit ScriptedPortal(std::deque<HttpReply> replies) : replies_(std::move(replies)) {}
  absl::StatusOr<HttpReply> PostJson(const std::string& url, const std::vector<std::string>&,
                                     const std::string& json) override {
    ++(url.find("/auth") != std::string::npos ? logins : posts);
    LIENTHONG_FUZZ_CHECK(!nlohmann::json::parse(json, nullptr, false).is_discarded(),
                         "every body sent is JSON");
    if (replies_.empty()) return absl::UnavailableError("no answer");
    HttpReply reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }
  int logins = 0;
  int posts = 0;

 private:
  std::deque<HttpReply> replies_;
};

// The input: "<data field>" then up to four answers, each "\n--\n<HTTP status>\n<body>", in the
// order the session asks (login, integration call, login again, call again).
std::deque<HttpReply> ReadAnswers(const std::vector<std::string>& sections) {
  std::deque<HttpReply> replies;
  for (size_t i = 1; i < sections.size(); ++i) {
    const size_t newline = sections[i].find('\n');
    HttpReply reply;
    if (!absl::SimpleAtoi(sections[i].substr(0, newline), &reply.status_code)) reply.status_code = 200;
    if (newline != std::string::npos) reply.body = sections[i].substr(newline + 1);
    replies.push_back(std::move(reply));
  }
  return replies;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char path[] = "/tmp/dvcqg_answer_fuzz.XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) std::abort();
  ::close(fd);
  g_password_file = path;
  std::ofstream(g_password_file, std::ios::trunc) << kPassword << "\n";
  std::atexit([] { ::unlink(g_password_file.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong::adapters::dvcqg;  // NOLINT: a fuzz entry point
  PortalAccount account;
  account.base_url = "https://portal.invalid";
  account.auth_path = "/auth";
  account.integration_path = "/integration";
  account.username = "lienthong";
  account.password_file = g_password_file;
  account.dstcode = "000.00.00.H00";
  account.madonvi = "000.00.00.H00";
  account.session_expired_error_codes = {2, 401};
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> sections =
      absl::StrSplit(input, absl::MaxSplits("\n--\n", 4));
  // The data field (it may be bytes that are not UTF-8), then the portal's answers.
  const std::string& field = sections[0];
  std::deque<HttpReply> replies = ReadAnswers(sections);
  auto owned = std::make_unique<ScriptedPortal>(std::move(replies));
  ScriptedPortal* portal = owned.get();
  PortalSession session(account, std::move(owned));
  nlohmann::ordered_json fields = {{"isUpdating", false},
                                   {"data", nlohmann::ordered_json::array({{{"MaHoSo", field}}})}};
  const absl::StatusOr<nlohmann::json> answer = session.Call("DongBoHoSoMC", std::move(fields));
  const absl::StatusCode code = answer.status().code();
  LIENTHONG_FUZZ_CHECK(code == absl::StatusCode::kOk || code == absl::StatusCode::kUnavailable ||
                           code == absl::StatusCode::kInvalidArgument,
                       "the outcome is OK, UNAVAILABLE or INVALID_ARGUMENT");
  // (Unless the portal's own answer quoted it: the fuzzer may learn the string from this check.)
  LIENTHONG_FUZZ_CHECK(input.find(kPassword) != absl::string_view::npos ||
                           answer.status().message().find(kPassword) == absl::string_view::npos,
                       "no message holds the password");
  if (answer.ok()) {
    const auto& error_code = answer->at("error_code");
    LIENTHONG_FUZZ_CHECK((error_code.is_number_integer() && error_code.get<int64_t>() == 0) ||
                             (error_code.is_string() &&
                              error_code.get_ref<const std::string&>().find_first_not_of('0') ==
                                  std::string::npos),
                         "OK only for an answer whose error_code is 0");
  }
  LIENTHONG_FUZZ_CHECK(portal->logins <= 2 && portal->posts <= 2,
                       "at most two logins and two integration POSTs per call");
  LIENTHONG_FUZZ_CHECK(session.logins() == portal->logins, "logins are counted");
  return 0;
}

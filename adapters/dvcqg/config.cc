// The "dvcqg" adapter factory: every bad field named, plain HTTP only to a loopback host.
#include "adapters/dvcqg/config.h"

#include <arpa/inet.h>

#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"

namespace lienthong::adapters::dvcqg {
namespace {

constexpr char kDefaultAuthPath[] = "/api/auth/login";
constexpr char kDefaultIntegrationPath[] = "/api/integration";
constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);
constexpr absl::Duration kMaxTimeout = absl::Minutes(10);
constexpr int64_t kDefaultSessionExpiredCode = 401;

struct ParsedUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
};

// "scheme://host[:port]" with nothing after the authority but an optional "/"; nullopt else.
std::optional<ParsedUrl> ParseBaseUrl(const std::string& url) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  ParsedUrl parsed{absl::AsciiStrToLower(url.substr(0, sep)), ""};
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) return std::nullopt;
  std::string port;
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    parsed.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return std::nullopt;
      port = rest.substr(close + 2);
    }
  } else {
    const size_t colon = rest.find(':');
    parsed.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  int number = 0;
  if (parsed.host.empty()) return std::nullopt;
  if (!port.empty() && (!absl::SimpleAtoi(port, &number) || number <= 0 || number > 65535)) {
    return std::nullopt;
  }
  return parsed;
}

// localhost, 127.0.0.0/8 and ::1: a connection that never leaves the machine.
bool IsLoopbackHost(const std::string& host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

void CheckPath(const std::string& field, const std::string& path, FieldViolations* violations) {
  if (!path.empty() && (path.front() != '/' || path.find_first_of(" ?#") != std::string::npos)) {
    violations->Add(field, "must be a path starting with '/', without spaces, '?' or '#'");
  }
}

}  // namespace

DvcqgOptions DvcqgOptionsFromConfig(const config::v1::DvcqgAdapterConfig& config) {
  DvcqgOptions options;
  PortalAccount& account = options.account;
  account.base_url = config.base_url();
  if (!account.base_url.empty() && account.base_url.back() == '/') account.base_url.pop_back();
  account.auth_path = config.auth_path().empty() ? kDefaultAuthPath : config.auth_path();
  account.integration_path =
      config.integration_path().empty() ? kDefaultIntegrationPath : config.integration_path();
  account.username = config.username();
  account.password_file = config.password_file();
  account.dstcode = config.dstcode();
  account.madonvi = config.madonvi();
  account.session_expired_error_codes.insert(config.session_expired_error_codes().begin(),
                                             config.session_expired_error_codes().end());
  if (account.session_expired_error_codes.empty()) {
    account.session_expired_error_codes.insert(kDefaultSessionExpiredCode);
  }
  options.http.ca_file = config.ca_file();
  options.http.timeout =
      config.has_timeout() ? FromProtoDuration(config.timeout()) : kDefaultTimeout;
  options.codes.procedure_codes.insert(config.procedure_codes().begin(),
                                       config.procedure_codes().end());
  options.codes.status_codes.insert(config.status_codes().begin(), config.status_codes().end());
  return options;
}

void DvcqgAdapterFactory::ValidateKind(const config::v1::DvcqgAdapterConfig& dvcqg,
                                       FieldViolations* violations) const {
  // Messages never quote the password file's contents (it is never read here) and name the
  // URL only by its host, which holds no secret.
  const auto url = ParseBaseUrl(dvcqg.base_url());
  if (dvcqg.base_url().empty()) {
    violations->Add("dvcqg.base_url", "required, https://host[:port]");
  } else if (!url.has_value()) {
    violations->Add("dvcqg.base_url",
                    "must be https://host[:port] with no path, query or user name");
  } else if (url->scheme == "http") {
    if (!IsLoopbackHost(url->host)) {
      violations->Add("dvcqg.base_url",
                      absl::StrCat("plain http:// is refused for host ", url->host,
                                   " (not a loopback address): use https://"));
    }
  } else if (url->scheme != "https") {
    violations->Add("dvcqg.base_url", absl::StrCat("scheme ", url->scheme, " is not https"));
  }
  CheckPath("dvcqg.auth_path", dvcqg.auth_path(), violations);
  CheckPath("dvcqg.integration_path", dvcqg.integration_path(), violations);
  if (dvcqg.username().empty()) violations->Add("dvcqg.username", "required");
  // Both files are read at send time; a wrong path found only then is retried forever.
  if (dvcqg.password_file().empty()) {
    violations->Add("dvcqg.password_file", "required (a file holding the password, mode 0600)");
  } else if (const std::string problem = UnreadableFileProblem(dvcqg.password_file());
             !problem.empty()) {
    violations->Add("dvcqg.password_file", problem);
  }
  if (!dvcqg.ca_file().empty()) {
    if (const std::string problem = UnreadableFileProblem(dvcqg.ca_file()); !problem.empty()) {
      violations->Add("dvcqg.ca_file", problem);
    }
  }
  if (dvcqg.dstcode().empty()) violations->Add("dvcqg.dstcode", "required");
  if (dvcqg.dstcode().find_first_of("\r\n") != std::string::npos) {
    violations->Add("dvcqg.dstcode", "must be one line (it is an HTTP header)");
  }
  if (dvcqg.madonvi().empty()) violations->Add("dvcqg.madonvi", "required");
  if (dvcqg.has_timeout()) {
    const absl::Duration timeout = FromProtoDuration(dvcqg.timeout());
    if (timeout < absl::Milliseconds(1) || timeout > kMaxTimeout) {
      violations->Add("dvcqg.timeout", "must be between 1ms and 10m");
    }
  }
  // Proto maps iterate in no set order; violations are listed in key order.
  const std::map<std::string, std::string> procedures(dvcqg.procedure_codes().begin(),
                                                      dvcqg.procedure_codes().end());
  const std::map<uint32_t, std::string> statuses(dvcqg.status_codes().begin(),
                                                 dvcqg.status_codes().end());
  for (const auto& [local, national] : procedures) {
    if (local.empty() || national.empty()) {
      violations->Add(absl::StrCat("dvcqg.procedure_codes[", local, "]"),
                      "local and national procedure codes must both be given");
    }
  }
  for (const auto& [status, code] : statuses) {
    if (status < 1 || status > 10) {
      violations->Add(absl::StrCat("dvcqg.status_codes[", status, "]"),
                      "the key must be a dossier status 1..10");
    } else if (code.empty()) {
      violations->Add(absl::StrCat("dvcqg.status_codes[", status, "]"),
                      "the portal's code must not be empty");
    }
  }
}

absl::StatusOr<std::unique_ptr<Adapter>> DvcqgAdapterFactory::CreateKind(
    const config::v1::Adapter&, const config::v1::DvcqgAdapterConfig& dvcqg) const {
  return std::make_unique<DvcqgAdapter>(DvcqgOptionsFromConfig(dvcqg));
}

}  // namespace lienthong::adapters::dvcqg

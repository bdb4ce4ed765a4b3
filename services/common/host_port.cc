// ParseHostPort and IsLoopbackHost: see host_port.h.
#include "services/common/host_port.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace lienthong {

std::optional<HostPort> ParseHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return std::nullopt;
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port_text = address.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
  } else if (host.find(':') != absl::string_view::npos) {
    return std::nullopt;  // an IPv6 address must be bracketed
  }
  for (char c : host) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '/') return std::nullopt;
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  for (char c : port_text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;  // no "+80"
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port > 65535) return std::nullopt;
  return HostPort{std::string(host), port};
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  if (!absl::StartsWith(host, "127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace lienthong

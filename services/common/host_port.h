// The one reading of "host:port" in config files: listener and admin addresses, adapter targets.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lienthong {

struct HostPort {
  std::string host;  // an IPv6 address keeps its brackets: "[::1]"
  int port = 0;      // 0..65535; 0 asks the system for a free port where a caller allows it
};

// "name:port", "1.2.3.4:port" or "[v6]:port". nullopt for anything else: no port, a port outside
// 0..65535 or not all digits, an empty host, an IPv6 address without brackets (its colons would
// be ambiguous), a host with spaces or slashes (a URI such as "dns:///host:443" is not taken).
std::optional<HostPort> ParseHostPort(absl::string_view address);

// Whether a host of ParseHostPort is this machine's loopback: 127.0.0.0/8 written as four numbers,
// [::1], or localhost.
bool IsLoopbackHost(absl::string_view host);

}  // namespace lienthong

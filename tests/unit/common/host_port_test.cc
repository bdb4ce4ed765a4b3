// ParseHostPort: the one reading of "host:port" that listener, admin and adapter addresses share.
#include "services/common/host_port.h"

#include "gtest/gtest.h"

namespace lienthong {
namespace {

TEST(ParseHostPort, TakesNamesAddressesAndBracketedIpv6) {
  auto parsed = ParseHostPort("sodb.example.vn:7443");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->host, "sodb.example.vn");
  EXPECT_EQ(parsed->port, 7443);
  parsed = ParseHostPort("127.0.0.1:0");  // port 0: a free port, where the caller allows it
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->port, 0);
  parsed = ParseHostPort("[::1]:65535");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->host, "[::1]");
  EXPECT_EQ(parsed->port, 65535);
}

TEST(ParseHostPort, RefusesEverythingElse) {
  for (const char* address :
       {"", "localhost", ":7443", "host:", "host:65536", "host:-1", "host:+80", "host:80x",
        "host:0000080", "::1:7443", "[::1:7443", "[]:7443", "dns:///sodb:443", "so db:80",
        "host/path:80"}) {
    EXPECT_FALSE(ParseHostPort(address).has_value()) << address;
  }
}

}  // namespace
}  // namespace lienthong

// The development PKI that `lienthongctl pki init` and the README's run command make: one CA, the
// gateway's certificate and one client certificate per example member, in a fixed layout.
// Development only: the CA key lies unencrypted next to what it signed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/security/pki.h"

namespace lienthong::security {

// One member certificate of a development PKI: members/<name>.crt and members/<name>.key.
struct DevMember {
  std::string name;         // file name stem: [a-z0-9_-]+
  std::string agency_code;  // the member identity (an example code)
  std::string description;  // subject OU, e.g. "Department of Education and Training"
};

// The example members: "motcua" (the provincial e-one-stop system, 000.00.00.H49), "giaoduc"
// (the provincial Department of Education and Training as an education consumer,
// 000.00.31.H49) and "admin" (an administrator, 000.00.99.H49). The codes are examples.
std::vector<DevMember> DefaultDevelopmentMembers();

struct DevPkiSpec {
  bool force = false;  // replace an existing CA (every certificate it issued stops verifying)
  absl::Time now = absl::Now();
  std::string organization = "lienthong development";
  std::vector<DevMember> members = DefaultDevelopmentMembers();
};

// Creates a development PKI in `dir` (made with mode 0700 if absent, set to 0700 otherwise):
//   ca.crt, ca.key                 the CA, 10 years
//   gateway.crt, gateway.key       CN=lienthong-gateway, DNS localhost, IP 127.0.0.1 and ::1,
//                                  serverAuth + clientAuth, 825 days
//   members/<name>.crt, .key       one client certificate per member, 825 days
//   README.txt                     says these are development certificates with example codes
// Keys are written with mode 0600, certificates with 0644, members/ with 0700.
// FAILED_PRECONDITION when dir/ca.crt or dir/ca.key exists and spec.force is false.
absl::Status InitDevelopmentPki(const std::string& dir, const DevPkiSpec& spec = DevPkiSpec());

}  // namespace lienthong::security

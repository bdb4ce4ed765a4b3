// A throwaway PKI for tests: a CA, the gateway's certificate and member certificates, on disk.
//
// Certificates follow the member identity convention of services/security/pki.h (CN = agency
// code, URI SAN urn:lienthong:member:<code>); options make the broken ones tests need: expired,
// not yet valid, from another CA, without a member identity, naming two members.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/security/client_credentials.h"
#include "services/security/pki.h"

namespace lienthong::test {

// Example member codes (QCVN 102:2016 form, province H49), as in config/lienthong.dev.yaml.
inline constexpr char kOneStopMember[] = "000.00.00.H49";
inline constexpr char kEducationMember[] = "000.00.31.H49";
inline constexpr char kAdminMember[] = "000.00.99.H49";

// How IssueMember makes a member certificate. The defaults give a valid member certificate.
struct MemberCertOptions {
  absl::Time not_before = absl::Now() - absl::Minutes(5);
  absl::Time not_after = absl::Now() + absl::Hours(24);
  bool with_common_name = true;             // subject CN = agency code
  bool with_member_uri = true;              // URI SAN urn:lienthong:member:<agency code>
  std::vector<std::string> extra_uri_sans;  // more URI SANs, e.g. a second member's
  // The signing CA; nullptr for the PKI's own CA. See MakeTestCa for an unrelated one.
  const security::KeyAndCert* issuer = nullptr;
  security::CertificateUsage usage = security::CertificateUsage::kClient;
};

// A member certificate as a client uses it.
struct TestMember {
  std::string agency_code;
  security::ClientTlsPem pem;      // its key and certificate, and the CA that signs the gateway
  security::ClientTlsFiles files;  // the same, as files (for lienthongctl --cert/--key/--ca)
};

// A self-signed CA valid from 5 minutes ago for a year, unrelated to any other.
absl::StatusOr<security::KeyAndCert> MakeTestCa(absl::string_view common_name);

class TestPki {
 public:
  // Creates `dir` if needed and writes ca.crt/ca.key and gateway.crt/gateway.key into it (keys
  // mode 0600). The gateway certificate names localhost, 127.0.0.1 and ::1.
  static absl::StatusOr<TestPki> Create(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  std::string gateway_cert_file() const { return dir_ + "/gateway.crt"; }
  std::string gateway_key_file() const { return dir_ + "/gateway.key"; }
  const security::KeyAndCert& ca() const { return ca_; }
  const security::KeyAndCert& gateway() const { return gateway_; }

  // Issues a member certificate for `agency_code` and writes it to
  // members/<agency_code>-<n>.crt/.key (n counts certificates issued by this PKI).
  absl::StatusOr<TestMember> IssueMember(absl::string_view agency_code,
                                         const MemberCertOptions& options = {});

 private:
  TestPki() = default;

  std::string dir_;
  security::KeyAndCert ca_;
  security::KeyAndCert gateway_;
  int issued_ = 0;
};

}  // namespace lienthong::test

// Test PKI: issuance through services/security/pki.h, files written as the gateway expects them.
#include "tests/support/test_pki.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::test {
namespace {

// Creates `dir` and its missing parents; `dir` itself gets mode 0700, as a PKI folder should.
absl::Status MakeDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", error.message()));
  if (::chmod(dir.c_str(), security::kPrivateDirMode) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot chmod ", dir));
  }
  return absl::OkStatus();
}

absl::Status WriteKeyAndCert(const security::KeyAndCert& pair, const std::string& stem) {
  RETURN_IF_ERROR(
      security::WritePrivateFile(stem + ".key", pair.key_pem, security::kPrivateKeyMode));
  return security::WritePrivateFile(stem + ".crt", pair.cert_pem, security::kCertificateMode);
}

}  // namespace

absl::StatusOr<security::KeyAndCert> MakeTestCa(absl::string_view common_name) {
  security::CaSpec spec;
  spec.subject.common_name = std::string(common_name);
  spec.subject.organization = "lienthong tests";
  spec.not_before = absl::Now() - absl::Minutes(5);
  spec.not_after = absl::Now() + absl::Hours(24 * 365);
  return security::CreateCertificateAuthority(spec);
}

absl::StatusOr<TestPki> TestPki::Create(const std::string& dir) {
  RETURN_IF_ERROR(MakeDir(dir));
  TestPki pki;
  pki.dir_ = dir;
  ASSIGN_OR_RETURN(pki.ca_, MakeTestCa("lienthong test CA"));

  security::LeafSpec gateway;
  gateway.subject.common_name = "lienthong-gateway";
  gateway.subject.organization = "lienthong tests";
  gateway.dns_sans = {"localhost"};
  gateway.ip_sans = {"127.0.0.1", "::1"};
  gateway.not_before = absl::Now() - absl::Minutes(5);
  gateway.not_after = absl::Now() + absl::Hours(24 * 30);
  gateway.usage = security::CertificateUsage::kServerAndClient;
  ASSIGN_OR_RETURN(pki.gateway_, security::IssueCertificate(pki.ca_, gateway));

  RETURN_IF_ERROR(WriteKeyAndCert(pki.ca_, dir + "/ca"));
  RETURN_IF_ERROR(WriteKeyAndCert(pki.gateway_, dir + "/gateway"));
  return pki;
}

absl::StatusOr<TestMember> TestPki::IssueMember(absl::string_view agency_code,
                                                const MemberCertOptions& options) {
  security::LeafSpec spec;
  if (options.with_common_name) spec.subject.common_name = std::string(agency_code);
  spec.subject.organization = "lienthong tests";
  if (options.with_member_uri) {
    spec.uri_sans.push_back(absl::StrCat(security::kMemberUriPrefix, agency_code));
  }
  spec.uri_sans.insert(spec.uri_sans.end(), options.extra_uri_sans.begin(),
                       options.extra_uri_sans.end());
  // A certificate must name something; one without a member identity gets a plain DNS name.
  if (spec.subject.common_name.empty() && spec.uri_sans.empty()) {
    spec.dns_sans.push_back("client.example");
  }
  spec.not_before = options.not_before;
  spec.not_after = options.not_after;
  spec.usage = options.usage;
  ASSIGN_OR_RETURN(security::KeyAndCert leaf,
                   security::IssueCertificate(options.issuer ? *options.issuer : ca_, spec));

  RETURN_IF_ERROR(MakeDir(dir_ + "/members"));
  const std::string stem = absl::StrCat(dir_, "/members/", agency_code, "-", ++issued_);
  RETURN_IF_ERROR(WriteKeyAndCert(leaf, stem));

  TestMember member;
  member.agency_code = std::string(agency_code);
  member.pem = {leaf.key_pem, leaf.cert_pem, ca_.cert_pem};
  member.files = {stem + ".key", stem + ".crt", ca_file()};
  return member;
}

}  // namespace lienthong::test

// Refusals at the handshake over real mutual TLS: a certificate of another CA, expired, not
// yet valid, without a member identity, or revoked by a CRL (fail closed: CRLs are checked
// by the gateway itself, reloaded without restart, and a bad CRL folder is refused), members
// of an issuing (intermediate) CA checked against that CA's CRL.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/security/pki.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;

class HandshakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();  // each test writes the policy it needs
    test::AddMember(&config_, test::kOneStopMember, test::FullGrant());
    test::AddMember(&config_, test::kEducationMember, test::FullGrant());
    test::SetWatchInterval(&config_, absl::Milliseconds(100));
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  // Writes a CRL of `ca` revoking `serials` into the CRL folder, replacing the one there.
  void WriteCrl(const security::KeyAndCert& ca, const std::vector<std::string>& serials,
                const std::string& name = "ca.crl") {
    ASSERT_OK_AND_ASSIGN(const std::string crl,
                         security::CreateCrl(ca, serials, absl::Now() - absl::Minutes(1),
                                             absl::Now() + absl::Hours(24)));
    ASSERT_OK(security::WritePrivateFile(dir_.Path("crl/" + name), crl,
                                         security::kCertificateMode));
  }

  void UseCrlFolder() {
    ASSERT_OK(test::WriteFile(dir_.Path("crl/.keep"), ""));
    config_.mutable_listener()->mutable_tls()->set_crl_dir(dir_.Path("crl"));
  }

  void Start() { ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config_)); }

  test::TestMember Issue(const std::string& code, const test::MemberCertOptions& options = {}) {
    auto member = pki_->IssueMember(code, options);
    EXPECT_TRUE(member.ok()) << member.status();
    return member.ok() ? *member : test::TestMember{};
  }

  // The status of a health check over a new connection presenting `member`.
  absl::StatusCode Connect(const test::TestMember& member) {
    return test::CheckHealth(test::MakeClientChannel(app_->port(), member.pem)).status().code();
  }

  double RotationFailures() {
    auto value = test::MetricValue(app_->metrics_port(),
                                   "lienthong_tls_rotation_failures_total{role=\"server\"}");
    return value.ok() ? *value : 0;
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(HandshakeTest, EachBadCertificateIsRefused) {
  Start();
  ASSERT_OK_AND_ASSIGN(const auto other_ca, test::MakeTestCa("not the gateway's CA"));
  test::MemberCertOptions wrong_ca;
  wrong_ca.issuer = &other_ca;
  test::MemberCertOptions expired;
  expired.not_before = absl::Now() - absl::Hours(48);
  expired.not_after = absl::Now() - absl::Hours(24);
  test::MemberCertOptions not_yet_valid;
  not_yet_valid.not_before = absl::Now() + absl::Hours(24);
  not_yet_valid.not_after = absl::Now() + absl::Hours(48);
  test::MemberCertOptions no_identity;
  no_identity.with_common_name = false;
  no_identity.with_member_uri = false;

  EXPECT_EQ(Connect(Issue(test::kOneStopMember)), absl::StatusCode::kOk);
  EXPECT_EQ(Connect(Issue(test::kOneStopMember, wrong_ca)), absl::StatusCode::kUnavailable)
      << "wrong CA";
  EXPECT_EQ(Connect(Issue(test::kOneStopMember, expired)), absl::StatusCode::kUnavailable)
      << "expired";
  EXPECT_EQ(Connect(Issue(test::kOneStopMember, not_yet_valid)), absl::StatusCode::kUnavailable)
      << "not yet valid";
  EXPECT_EQ(Connect(Issue(test::kOneStopMember, no_identity)), absl::StatusCode::kUnavailable)
      << "no member identity";
}

TEST_F(HandshakeTest, ARevokedCertificateIsRefusedAndOthersPass) {
  const test::TestMember revoked = Issue(test::kOneStopMember);
  const test::TestMember kept = Issue(test::kEducationMember);
  UseCrlFolder();
  WriteCrl(pki_->ca(), {test::SerialOf(revoked.pem.cert_pem)});
  Start();
  EXPECT_EQ(Connect(revoked), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Connect(kept), absl::StatusCode::kOk);
}

TEST_F(HandshakeTest, ANewCrlTakesEffectWithoutRestart) {
  const test::TestMember member = Issue(test::kOneStopMember);
  UseCrlFolder();
  WriteCrl(pki_->ca(), {});
  Start();
  ASSERT_EQ(Connect(member), absl::StatusCode::kOk);
  WriteCrl(pki_->ca(), {test::SerialOf(member.pem.cert_pem)});
  EXPECT_TRUE(test::PollUntil([&] { return Connect(member) == absl::StatusCode::kUnavailable; },
                              absl::Seconds(10)));
  EXPECT_EQ(Connect(Issue(test::kEducationMember)), absl::StatusCode::kOk);
}

TEST_F(HandshakeTest, AForgedCrlIsRefusedAndTheCrlsInForceStay) {
  const test::TestMember revoked = Issue(test::kOneStopMember);
  UseCrlFolder();
  WriteCrl(pki_->ca(), {test::SerialOf(revoked.pem.cert_pem)});
  Start();
  ASSERT_EQ(Connect(revoked), absl::StatusCode::kUnavailable);

  // A CRL with the CA's name but another key, "unrevoking" the certificate.
  security::CaSpec spec;
  spec.subject.common_name = "lienthong test CA";
  spec.subject.organization = "lienthong tests";
  ASSERT_OK_AND_ASSIGN(const auto impostor, security::CreateCertificateAuthority(spec));
  const double failures = RotationFailures();
  WriteCrl(impostor, {});
  ASSERT_TRUE(test::PollUntil([&] { return RotationFailures() >= failures + 1; },
                              absl::Seconds(10)));
  EXPECT_EQ(Connect(revoked), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Connect(Issue(test::kEducationMember)), absl::StatusCode::kOk);

  // Garbage in the folder is refused the same way.
  ASSERT_OK(test::WriteFile(dir_.Path("crl/ca.crl"), "not a CRL"));
  ASSERT_TRUE(test::PollUntil([&] { return RotationFailures() >= failures + 2; },
                              absl::Seconds(10)));
  EXPECT_EQ(Connect(revoked), absl::StatusCode::kUnavailable);
}

TEST_F(HandshakeTest, TheGatewayDoesNotStartOnACrlFolderThatCannotVouchForItsCa) {
  UseCrlFolder();  // empty: the CA has no CRL
  auto app = test::StartTestGateway(config_);
  ASSERT_FALSE(app.ok());
  EXPECT_THAT(app.status().message(), HasSubstr("has no CRL of CA"));

  ASSERT_OK(test::WriteFile(dir_.Path("crl/ca.crl"), "not a CRL"));
  app = test::StartTestGateway(config_);
  ASSERT_FALSE(app.ok());
  EXPECT_THAT(app.status().message(), HasSubstr("ca.crl"));
}

// Government PKIs issue member certificates from subordinate CAs. Each certificate is checked
// against the CRL of the CA that issued it.
class IntermediateCaTest : public HandshakeTest {
 protected:
  void SetUp() override {
    HandshakeTest::SetUp();
    if (HasFatalFailure()) return;
    security::CaSpec spec;
    spec.subject.common_name = "lienthong tests issuing CA";
    ASSERT_OK_AND_ASSIGN(issuing_, security::IssueIntermediateAuthority(pki_->ca(), spec));
    from_issuing_.issuer = &issuing_;
  }

  // The CA bundle: the root, then the issuing CA.
  void BundleTheIssuingCa() {
    ASSERT_OK(security::WritePrivateFile(pki_->ca_file(), pki_->ca().cert_pem + issuing_.cert_pem,
                                         security::kCertificateMode));
  }

  // With the issuing CA in the bundle and both CAs' CRLs in the folder, a member of the issuing
  // CA is admitted and one its CRL lists is refused.
  void ExpectMembersCheckedAgainstTheIssuingCrl(bool send_chain) {
    BundleTheIssuingCa();
    test::TestMember kept = Issue(test::kOneStopMember, from_issuing_);
    test::TestMember revoked = Issue(test::kEducationMember, from_issuing_);
    if (send_chain) {
      kept.pem.cert_pem += issuing_.cert_pem;
      revoked.pem.cert_pem += issuing_.cert_pem;
    }
    UseCrlFolder();
    WriteCrl(pki_->ca(), {});
    WriteCrl(issuing_, {test::SerialOf(revoked.pem.cert_pem)}, "issuing.crl");
    Start();
    EXPECT_EQ(Connect(kept), absl::StatusCode::kOk);
    EXPECT_EQ(Connect(revoked), absl::StatusCode::kUnavailable);
  }

  security::KeyAndCert issuing_;
  test::MemberCertOptions from_issuing_;
};

TEST_F(IntermediateCaTest, InTheBundleItsMembersAreCheckedAgainstItsCrl) {
  // Clients send their own certificate only.
  ExpectMembersCheckedAgainstTheIssuingCrl(/*send_chain=*/false);
}

TEST_F(IntermediateCaTest, ClientsThatSendTheIssuingCaAreCheckedToo) {
  ExpectMembersCheckedAgainstTheIssuingCrl(/*send_chain=*/true);
}

TEST_F(IntermediateCaTest, WhenTheRootRevokesTheIssuingCaItsMembersAreRefusedAndTheRestApplies) {
  BundleTheIssuingCa();
  const test::TestMember of_issuing = Issue(test::kOneStopMember, from_issuing_);
  const test::TestMember of_root = Issue(test::kEducationMember);
  const test::TestMember of_root_revoked_later = Issue(test::kOneStopMember);
  UseCrlFolder();
  WriteCrl(pki_->ca(), {});
  WriteCrl(issuing_, {}, "issuing.crl");
  Start();
  ASSERT_EQ(Connect(of_issuing), absl::StatusCode::kOk);
  ASSERT_EQ(Connect(of_root_revoked_later), absl::StatusCode::kOk);

  // One update of the root's CRL revokes the issuing CA and one of the root's own members: both
  // take effect (the revoked CA does not hold the update back), and the rest stays admitted.
  WriteCrl(pki_->ca(), {test::SerialOf(issuing_.cert_pem),
                        test::SerialOf(of_root_revoked_later.pem.cert_pem)});
  EXPECT_TRUE(test::PollUntil(
      [&] { return Connect(of_issuing) == absl::StatusCode::kUnavailable; }, absl::Seconds(10)));
  EXPECT_EQ(Connect(of_root_revoked_later), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Connect(of_root), absl::StatusCode::kOk);
}

TEST_F(IntermediateCaTest, ARevokedIssuingCaInTheBundleAtStartRefusesItsMembers) {
  BundleTheIssuingCa();
  const test::TestMember of_issuing = Issue(test::kOneStopMember, from_issuing_);
  const test::TestMember of_root = Issue(test::kEducationMember);
  UseCrlFolder();
  WriteCrl(pki_->ca(), {test::SerialOf(issuing_.cert_pem)});
  WriteCrl(issuing_, {}, "issuing.crl");
  Start();
  EXPECT_EQ(Connect(of_issuing), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Connect(of_root), absl::StatusCode::kOk);
}

TEST_F(IntermediateCaTest, TheCrlOfAnIssuingCaOutsideTheBundleIsRefusedNamingTheRemedy) {
  // The bundle holds the root only: the issuing CA's CRL cannot be verified, so the gateway
  // does not start rather than check its members against nothing.
  UseCrlFolder();
  WriteCrl(pki_->ca(), {});
  WriteCrl(issuing_, {}, "issuing.crl");
  auto app = test::StartTestGateway(config_);
  ASSERT_FALSE(app.ok());
  EXPECT_THAT(app.status().message(), HasSubstr("issuing.crl"));
  EXPECT_THAT(app.status().message(), HasSubstr("add that CA's certificate to the CA bundle"));
}

}  // namespace
}  // namespace lienthong

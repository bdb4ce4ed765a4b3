// Mutual TLS at the listener over loopback: only a member certificate reaches a handler.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "gtest/gtest.h"
#include "lienthong/v1/sector_sink_service.grpc.pb.h"
#include "services/security/tls_material.h"
#include "tests/support/recording_sink.h"
#include "tests/support/reflection_client.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using test::kEducationMember;
using test::kOneStopMember;
using test::MemberCertOptions;
using test::RecordingSink;
using ::testing::Contains;
using ::testing::ElementsAre;

// One call to the recording sink; `member` gets the member the handler saw (x-member).
grpc::Status CallSink(const std::shared_ptr<grpc::Channel>& channel, std::string* member,
                      int* applied = nullptr) {
  auto stub = v1::SectorSinkService::NewStub(channel);
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::ApplyChangesRequest request;
  request.set_adapter("tls_test");
  v1::ApplyChangesResponse response;
  grpc::Status status = stub->ApplyChanges(&context, request, &response);
  member->clear();
  const auto& metadata = context.GetServerInitialMetadata();
  if (auto it = metadata.find(RecordingSink::kMemberHeader); it != metadata.end()) {
    member->assign(it->second.data(), it->second.size());
  }
  if (applied != nullptr) *applied = response.applied();
  return status;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartGateway(config::v1::MEMBER_ID_SOURCE_URI_SAN); }

  void StartGateway(config::v1::MemberIdSource source) {
    sink_ = std::make_unique<RecordingSink>(RecordingSink::Options{source});
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    config::v1::GatewayConfig config = test::MinimalGatewayConfig(*pki_, dir_.path());
    config.mutable_listener()->mutable_tls()->set_member_id_source(source);
    // Not needed here, and stopping its HTTP server costs about 2 s per test.
    config.mutable_admin_http()->set_disabled(true);
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config, {sink_.get()}));
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  std::shared_ptr<grpc::Channel> MemberChannel(const std::string& code,
                                               const MemberCertOptions& options = {}) {
    auto member = pki_->IssueMember(code, options);
    EXPECT_TRUE(member.ok()) << member.status();
    return test::MakeClientChannel(app_->port(),
                                   member.ok() ? member->pem : security::ClientTlsPem{});
  }

  // A client the listener must turn away: its calls fail with UNAVAILABLE (a failed handshake)
  // and none reaches a handler.
  void ExpectRefused(const std::shared_ptr<grpc::Channel>& channel) {
    std::string member;
    const grpc::Status status = CallSink(channel, &member);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_EQ(member, "");
    const auto health = test::CheckHealth(channel);
    EXPECT_EQ(health.status().code(), absl::StatusCode::kUnavailable) << health.status();
    EXPECT_EQ(sink_->calls(), 0) << "a refused client reached the handler";
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  std::unique_ptr<RecordingSink> sink_;  // outlives app_ (declared before it)
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(TlsTest, MemberReachesTheHandlerAsTheAgencyCodeOfItsCertificate) {
  auto channel = MemberChannel(kEducationMember);
  std::string member;
  int applied = 0;
  const grpc::Status status = CallSink(channel, &member, &applied);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(member, kEducationMember);
  EXPECT_EQ(applied, 1);
  EXPECT_THAT(sink_->members(), ElementsAre(kEducationMember));
}

TEST_F(TlsTest, EachConnectionIsTheMemberOfItsOwnCertificate) {
  auto education = MemberChannel(kEducationMember);
  auto one_stop = MemberChannel(kOneStopMember);
  std::string member;
  ASSERT_TRUE(CallSink(one_stop, &member).ok());
  EXPECT_EQ(member, kOneStopMember);
  ASSERT_TRUE(CallSink(education, &member).ok());
  EXPECT_EQ(member, kEducationMember);
  EXPECT_THAT(sink_->members(), ElementsAre(kOneStopMember, kEducationMember));
}

TEST_F(TlsTest, MemberSeesHealthServing) {
  auto health = test::CheckHealth(MemberChannel(kEducationMember));
  ASSERT_OK(health);
  EXPECT_EQ(*health, grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(TlsTest, ReflectionListsTheGatewayServices) {
  ASSERT_OK_AND_ASSIGN(auto services,
                       test::ListServicesByReflection(MemberChannel(kEducationMember)));
  EXPECT_THAT(services, Contains("lienthong.v1.DossierService"));
  EXPECT_THAT(services, Contains("lienthong.v1.EducationRecordService"));
  EXPECT_THAT(services, Contains("lienthong.v1.ChangeFeedService"));
  EXPECT_THAT(services, Contains("lienthong.v1.AdminService"));
  EXPECT_THAT(services, Contains("lienthong.v1.SectorSinkService"));  // the test's extra service
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(services, Contains("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(TlsTest, ClientWithoutCertificateIsRefusedTlsOptions) {
  // Trusts the gateway but presents no identity.
  auto roots =
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(pki_->ca().cert_pem);
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(roots);
  options.watch_root_certs();
  options.set_verify_server_certs(true);
  ExpectRefused(grpc::CreateCustomChannel(test::LoopbackTarget(app_->port()),
                                          grpc::experimental::TlsCredentials(options),
                                          test::PrivateConnectionArgs()));
}

TEST_F(TlsTest, ClientWithoutCertificateIsRefusedSslCredentials) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pki_->ca().cert_pem;
  ExpectRefused(grpc::CreateCustomChannel(test::LoopbackTarget(app_->port()),
                                          grpc::SslCredentials(options),
                                          test::PrivateConnectionArgs()));
}

TEST_F(TlsTest, CertificateFromAnotherCaIsRefused) {
  ASSERT_OK_AND_ASSIGN(const auto other_ca, test::MakeTestCa("another CA"));
  MemberCertOptions options;
  options.issuer = &other_ca;
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, ExpiredCertificateIsRefused) {
  MemberCertOptions options;
  options.not_before = absl::Now() - absl::Hours(48);
  options.not_after = absl::Now() - absl::Hours(1);
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, NotYetValidCertificateIsRefused) {
  MemberCertOptions options;
  options.not_before = absl::Now() + absl::Hours(1);
  options.not_after = absl::Now() + absl::Hours(48);
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, CertificateWithoutMemberUriIsRefused) {
  // CN carries the code, but the listener reads the member from the URI SAN only.
  MemberCertOptions options;
  options.with_member_uri = false;
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, CertificateNamingTwoMembersIsRefused) {
  MemberCertOptions options;
  options.extra_uri_sans = {std::string(security::kMemberUriPrefix) + kOneStopMember};
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, ServerOnlyCertificateIsRefusedAsClient) {
  // Extended key usage serverAuth only: not a client certificate.
  MemberCertOptions options;
  options.usage = security::CertificateUsage::kServer;
  ExpectRefused(MemberChannel(kEducationMember, options));
}

TEST_F(TlsTest, PlaintextClientCannotTalkToThePort) {
  ExpectRefused(grpc::CreateCustomChannel(test::LoopbackTarget(app_->port()),
                                          grpc::InsecureChannelCredentials(),
                                          test::PrivateConnectionArgs()));
}

TEST_F(TlsTest, RefusedClientsDoNotDisturbAMember) {
  MemberCertOptions expired;
  expired.not_before = absl::Now() - absl::Hours(48);
  expired.not_after = absl::Now() - absl::Hours(1);
  ExpectRefused(MemberChannel(kOneStopMember, expired));
  std::string member;
  ASSERT_TRUE(CallSink(MemberChannel(kEducationMember), &member).ok());
  EXPECT_EQ(member, kEducationMember);
  EXPECT_THAT(sink_->members(), ElementsAre(kEducationMember));
}

// With member_id_source SUBJECT_CN the common name is the member, no URI SAN needed.
class TlsSubjectCnTest : public TlsTest {
 protected:
  void SetUp() override { StartGateway(config::v1::MEMBER_ID_SOURCE_SUBJECT_CN); }
};

TEST_F(TlsSubjectCnTest, CommonNameIsTheMember) {
  MemberCertOptions options;
  options.with_member_uri = false;
  std::string member;
  const grpc::Status status = CallSink(MemberChannel(kEducationMember, options), &member);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(member, kEducationMember);
}

TEST_F(TlsSubjectCnTest, CertificateWithoutCommonNameIsRefused) {
  MemberCertOptions options;
  options.with_common_name = false;  // the URI SAN alone does not count under SUBJECT_CN
  ExpectRefused(MemberChannel(kEducationMember, options));
}

}  // namespace
}  // namespace lienthong

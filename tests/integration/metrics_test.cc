// Prometheus endpoint: calls counted by method and code; refused handshakes are not calls.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/loopback.h"
#include "tests/support/recording_sink.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    ASSERT_OK_AND_ASSIGN(member_, pki.IssueMember(test::kOneStopMember));
    ca_pem_ = pki.ca().cert_pem;
    ASSERT_OK_AND_ASSIGN(
        app_, test::StartTestGateway(test::MinimalGatewayConfig(pki, dir_.path()), {&sink_}));
    ASSERT_GT(app_->metrics_port(), 0);
  }

  std::string Scrape() {
    auto response = test::HttpGet(app_->metrics_port(), "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return "";
    EXPECT_EQ(response->status_code, 200);
    return response->body;
  }

  test::TempDir dir_;
  test::TestMember member_;
  std::string ca_pem_;
  test::RecordingSink sink_;
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(MetricsTest, CountsCallsByMethodAndCode) {
  auto channel = test::MakeClientChannel(app_->port(), member_.pem);
  for (int i = 0; i < 3; ++i) {
    auto health = test::CheckHealth(channel);
    ASSERT_OK(health);
  }
  // A health check of a service the server does not know: NOT_FOUND.
  {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    test::SetDeadline(&context);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("no.such.Service");
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_EQ(stub->Check(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  }

  const std::string metrics = Scrape();
  EXPECT_EQ(
      test::PrometheusSample(
          metrics,
          "lienthong_rpc_requests_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"}"),
      "3")
      << metrics;
  EXPECT_EQ(test::PrometheusSample(metrics,
                                   "lienthong_rpc_requests_total{code=\"NOT_FOUND\",method=\"/"
                                   "grpc.health.v1.Health/Check\"}"),
            "1")
      << metrics;
  EXPECT_EQ(
      test::PrometheusSample(
          metrics,
          "lienthong_rpc_errors_total{code=\"NOT_FOUND\",method=\"/grpc.health.v1.Health/Check\"}"),
      "1")
      << metrics;
  EXPECT_EQ(test::PrometheusSample(
                metrics,
                "lienthong_rpc_errors_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"}"),
            "")
      << "an OK call counted as an error\n"
      << metrics;
  EXPECT_EQ(
      test::PrometheusSample(
          metrics, "lienthong_rpc_latency_seconds_count{method=\"/grpc.health.v1.Health/Check\"}"),
      "4")
      << metrics;
}

TEST_F(MetricsTest, CountsCallsOfExtraServices) {
  auto stub = v1::SectorSinkService::NewStub(test::MakeClientChannel(app_->port(), member_.pem));
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ApplyChangesResponse response;
    ASSERT_TRUE(stub->ApplyChanges(&context, v1::ApplyChangesRequest(), &response).ok());
  }
  EXPECT_EQ(test::PrometheusSample(Scrape(),
                                   "lienthong_rpc_requests_total{code=\"OK\",method=\"/"
                                   "lienthong.v1.SectorSinkService/ApplyChanges\"}"),
            "2");
}

TEST_F(MetricsTest, RefusedHandshakesAreNotCountedAsCalls) {
  grpc::SslCredentialsOptions no_client_certificate;
  no_client_certificate.pem_root_certs = ca_pem_;
  auto refused = grpc::CreateCustomChannel(test::LoopbackTarget(app_->port()),
                                           grpc::SslCredentials(no_client_certificate),
                                           test::PrivateConnectionArgs());
  ASSERT_EQ(test::CheckHealth(refused).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_OK(test::CheckHealth(test::MakeClientChannel(app_->port(), member_.pem)));

  const std::string metrics = Scrape();
  EXPECT_EQ(
      test::PrometheusSample(
          metrics,
          "lienthong_rpc_requests_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"}"),
      "1")
      << metrics;
  EXPECT_FALSE(absl::StrContains(metrics, "code=\"UNAVAILABLE\"")) << metrics;
}

}  // namespace
}  // namespace lienthong

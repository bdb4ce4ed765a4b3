// GrpcAdapter against the reference sink over mutual TLS: batches land once, a sink that is down
// is an outage (retried by the engine), a refused record is a content error, and the client
// certificate rotates when its files change, but only to a candidate that validates.
#include "adapters/grpc/grpc_adapter.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "adapters/grpc/reference_sink/reference_sink.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/security/tls_material.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace lienthong::adapters::grpc_sink {
namespace {

int CountLines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::string SerialOf(const std::string& cert_pem) {
  auto info = security::InspectCertificates(cert_pem);
  return info.ok() ? info->front().serial_hex : "";
}

class GrpcAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = test::TestPki::Create(dir_.Path("pki"));
    ASSERT_OK(pki);
    pki_ = std::make_unique<test::TestPki>(*std::move(pki));
    auto member = pki_->IssueMember(test::kAdminMember);
    ASSERT_OK(member);
    member_ = *member;
  }

  // Starts a sink with `options` (output goes to the test's folder).
  void StartSink(ReferenceSinkOptions options) {
    options.output_file = dir_.Path("sink.jsonl");
    sink_ = std::make_unique<ReferenceSink>(options);
    auto credentials = SinkServerCredentials(
        {pki_->gateway_key_file(), pki_->gateway_cert_file(), pki_->ca_file()});
    ASSERT_OK(credentials);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(sink_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  GrpcSinkOptions AdapterOptions(const security::ClientTlsFiles& files) {
    GrpcSinkOptions options;
    options.adapter_name = "sink";
    options.target = "127.0.0.1:" + std::to_string(port_);
    options.server_name = "localhost";
    options.files = files;
    options.deadline = absl::Seconds(30);  // only bounds a hang (a slow CI machine is not one)
    options.watch_interval = absl::ZeroDuration();
    return options;
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember member_;
  std::unique_ptr<ReferenceSink> sink_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

std::vector<v1::ChangeEvent> Schools(int first, int count) {
  std::vector<v1::ChangeEvent> events;
  for (int n = first; n < first + count; ++n) {
    events.push_back(test::EventOf(test::SchoolChange(test::SampleSchool(n)), n));
  }
  return events;
}

TEST_F(GrpcAdapterTest, BatchesLandOnceAtTheSink) {
  StartSink({});
  GrpcAdapter adapter(AdapterOptions(member_.files));
  ASSERT_OK(adapter.Apply(Schools(1, 5)));
  ASSERT_OK(adapter.Apply(Schools(3, 5)));  // 3..5 again, 6..7 new
  EXPECT_EQ(CountLines(dir_.Path("sink.jsonl")), 7);
  EXPECT_EQ(sink_->calls(), 2);
  EXPECT_EQ(adapter.certificate_serial(), SerialOf(member_.pem.cert_pem));
}

TEST_F(GrpcAdapterTest, ASinkThatIsDownForAWhileIsAnOutage) {
  ReferenceSinkOptions options;
  options.fail_first_n = 2;
  StartSink(options);
  GrpcAdapter adapter(AdapterOptions(member_.files));
  for (int i = 0; i < 2; ++i) {
    absl::Status status = adapter.Apply(Schools(1, 3));
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_TRUE(IsTransientFailure(status));
  }
  ASSERT_OK(adapter.Apply(Schools(1, 3)));
  EXPECT_EQ(CountLines(dir_.Path("sink.jsonl")), 3);
}

TEST_F(GrpcAdapterTest, ARefusedRecordIsAContentError) {
  ReferenceSinkOptions options;
  options.reject_keys = {"SCH00002"};
  StartSink(options);
  GrpcAdapter adapter(AdapterOptions(member_.files));
  absl::Status status = adapter.Apply(Schools(1, 3));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(CountLines(dir_.Path("sink.jsonl")), 0);
  sink_->SetRejectKeys({});
  ASSERT_OK(adapter.Apply(Schools(1, 3)));
}

TEST_F(GrpcAdapterTest, RotatesItsCertificateOnlyToAValidCandidate) {
  StartSink({});
  const security::ClientTlsFiles files{dir_.Path("client/key.pem"), dir_.Path("client/cert.pem"),
                                       pki_->ca_file()};
  ASSERT_OK(test::WriteFile(files.key_file, member_.pem.key_pem, 0600));
  ASSERT_OK(test::WriteFile(files.cert_file, member_.pem.cert_pem));
  GrpcAdapter adapter(AdapterOptions(files));
  ASSERT_OK(adapter.Apply(Schools(1, 1)));
  EXPECT_EQ(adapter.certificate_serial(), SerialOf(member_.pem.cert_pem));

  auto next = pki_->IssueMember(test::kAdminMember);
  ASSERT_OK(next);
  ASSERT_OK(test::WriteFile(files.key_file, next->pem.key_pem, 0600));
  ASSERT_OK(test::WriteFile(files.cert_file, next->pem.cert_pem));
  ASSERT_OK(adapter.Apply(Schools(2, 1)));
  EXPECT_EQ(adapter.certificate_serial(), SerialOf(next->pem.cert_pem));

  // A key that does not match its certificate is refused; the current pair keeps working.
  auto third = pki_->IssueMember(test::kAdminMember);
  ASSERT_OK(third);
  ASSERT_OK(test::WriteFile(files.cert_file, third->pem.cert_pem));
  ASSERT_OK(adapter.Apply(Schools(3, 1)));
  EXPECT_EQ(adapter.certificate_serial(), SerialOf(next->pem.cert_pem));
  EXPECT_EQ(CountLines(dir_.Path("sink.jsonl")), 3);

  // Once the matching key arrives, the third certificate is taken.
  ASSERT_OK(test::WriteFile(files.key_file, third->pem.key_pem, 0600));
  ASSERT_OK(adapter.Apply(Schools(4, 1)));
  EXPECT_EQ(adapter.certificate_serial(), SerialOf(third->pem.cert_pem));
}

TEST_F(GrpcAdapterTest, NoUsableCertificateIsAnOutage) {
  StartSink({});
  security::ClientTlsFiles files = member_.files;
  files.cert_file = dir_.Path("missing.pem");
  GrpcAdapter adapter(AdapterOptions(files));
  EXPECT_EQ(adapter.Apply(Schools(1, 1)).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lienthong::adapters::grpc_sink

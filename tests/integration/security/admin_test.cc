// AdminService over real mutual TLS: status, certificates with days left (and the gauges),
// adapters through the sync engine, dead-letter listing and the streamed replay, and the
// lienthongctl commands that show them.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/admin_service.h"
#include "services/admin/running_config.h"
#include "services/exchange/exchange_call.h"
#include "services/security/server_credentials.h"
#include "services/server/gateway_app.h"
#include "services/store/open_store.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();
    test::AddMember(&config_, test::kAdminMember, test::FullGrant());
    test::AddMember(&config_, test::kOneStopMember,
                    test::MethodsGrant({"lienthong.v1.DossierService/*"}));
    test::SetWatchInterval(&config_, absl::Milliseconds(100));
    config::v1::Adapter* adapter = config_.add_adapters();
    adapter->set_name("events_file");
    adapter->mutable_jsonl()->set_output_file(dir_.Path("events.jsonl"));
  }

  void Start() {
    ASSERT_OK(test::WriteGatewayConfigFile(dir_.Path("lienthong.yaml"), config_));
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config_));
    app_->WatchConfigFile(dir_.Path("lienthong.yaml"));
    stub_ = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), admin_.pem));
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  test::ProcessResult Ctl(const std::vector<std::string>& command) {
    std::vector<std::string> args = command;
    args.push_back(absl::StrCat("--target=127.0.0.1:", app_->port()));
    args.push_back("--cert=" + admin_.files.cert_file);
    args.push_back("--key=" + admin_.files.key_file);
    args.push_back("--ca=" + admin_.files.ca_file);
    auto result = test::RunProcess(LIENTHONGCTL_PATH, args);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : test::ProcessResult{};
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember admin_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<server::GatewayApp> app_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(AdminTest, StatusShowsVersionStoreHeadAdaptersAndConfig) {
  Start();
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::GetStatusResponse status;
  ASSERT_TRUE(stub_->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
  EXPECT_EQ(status.version(), "0.1.0");
  EXPECT_EQ(status.store(), "sqlite");
  EXPECT_EQ(status.head_cursor(), "1.0");
  EXPECT_EQ(status.config_file(), dir_.Path("lienthong.yaml"));
  EXPECT_GT(status.started_at().seconds(), 0);
  ASSERT_EQ(status.adapters_size(), 1);
  EXPECT_EQ(status.adapters(0).name(), "events_file");

  const test::ProcessResult ctl = Ctl({"status"});
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr("store         sqlite"));
  EXPECT_THAT(ctl.stdout_text, HasSubstr("events_file"));
}

TEST_F(AdminTest, CertificatesShowDaysLeftWithAWarningUnderThirtyDays) {
  Start();  // the test PKI's gateway certificate has 30 days, minus the seconds since
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::ListCertificatesResponse list;
  ASSERT_TRUE(stub_->ListCertificates(&context, v1::ListCertificatesRequest(), &list).ok());
  ASSERT_GE(list.certificates_size(), 2);
  const v1::CertificateStatus& server = list.certificates(0);
  EXPECT_EQ(server.role(), "server");
  EXPECT_EQ(server.file(), pki_->gateway_cert_file());
  EXPECT_EQ(server.serial(), test::SerialOf(pki_->gateway().cert_pem));
  EXPECT_EQ(server.days_left(), 29);
  EXPECT_THAT(server.warning(), HasSubstr("expires in 29 days"));
  EXPECT_THAT(server.sans(), Contains("IP:127.0.0.1"));
  const v1::CertificateStatus& ca = list.certificates(1);
  EXPECT_EQ(ca.role(), "ca");
  EXPECT_EQ(ca.warning(), "");
  EXPECT_GE(ca.days_left(), 364);

  EXPECT_TRUE(test::PollUntil(
      [&] {
        auto days = test::MetricValue(
            app_->metrics_port(),
            absl::StrCat("lienthong_certificate_days_left{file=\"", pki_->gateway_cert_file(),
                         "\",role=\"server\""));
        return days.ok() && *days == 29;
      },
      absl::Seconds(30)));

  const test::ProcessResult ctl = Ctl({"certs"});
  EXPECT_EQ(ctl.exit.code, 0) << ctl.stderr_text;
  EXPECT_THAT(ctl.stdout_text, HasSubstr("WARNING: expires in 29 days"));
  EXPECT_THAT(ctl.stdout_text, HasSubstr(pki_->gateway_cert_file()));
}

TEST_F(AdminTest, AdaptersArePausedResumedAndTheirDeadLettersListedAndReplayed) {
  Start();
  auto steer = [&](bool pause, const std::string& name, v1::AdapterStatus* out) {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    if (pause) {
      v1::PauseAdapterRequest request;
      request.set_adapter(name);
      return stub_->PauseAdapter(&context, request, out);
    }
    v1::ResumeAdapterRequest request;
    request.set_adapter(name);
    return stub_->ResumeAdapter(&context, request, out);
  };
  v1::AdapterStatus status;
  ASSERT_TRUE(steer(true, "events_file", &status).ok());
  EXPECT_EQ(status.state(), "paused");
  ASSERT_TRUE(steer(false, "events_file", &status).ok());
  EXPECT_NE(status.state(), "paused");
  EXPECT_EQ(steer(true, "", &status).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(steer(true, "no_such_adapter", &status).error_code(), grpc::StatusCode::NOT_FOUND);

  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ListDeadLettersRequest request;
    request.set_adapter("events_file");
    v1::ListDeadLettersResponse response;
    ASSERT_TRUE(stub_->ListDeadLetters(&context, request, &response).ok());
    EXPECT_EQ(response.dead_letters_size(), 0);
    EXPECT_EQ(response.next_page_token(), "");
  }
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ListDeadLettersRequest request;
    request.set_page_size(5000);
    request.set_page_token("???");
    v1::ListDeadLettersResponse response;
    const grpc::Status status = stub_->ListDeadLetters(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
    EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  }
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ReplayDeadLettersRequest request;
    request.set_adapter("events_file");
    auto reader = stub_->ReplayDeadLetters(&context, request);
    v1::ReplayProgress progress;
    int messages = 0;
    while (reader->Read(&progress)) ++messages;
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(messages, 1);
    EXPECT_EQ(progress.total(), 0);
  }
}

TEST_F(AdminTest, ReplayIsRefusedToAMemberWithoutTheGrant) {
  Start();
  ASSERT_OK_AND_ASSIGN(auto one_stop, pki_->IssueMember(test::kOneStopMember));
  auto stub = v1::AdminService::NewStub(test::MakeClientChannel(app_->port(), one_stop.pem));
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::ReplayDeadLettersRequest request;
  request.set_adapter("events_file");
  auto reader = stub->ReplayDeadLetters(&context, request);
  v1::ReplayProgress progress;
  EXPECT_FALSE(reader->Read(&progress));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("may not call lienthong.v1.AdminService/ReplayDeadLetters"));
}

TEST(AdminWithoutAdaptersTest, AdapterCallsSayNoAdapterIsConfigured) {
  test::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir.Path("pki")));
  ASSERT_OK_AND_ASSIGN(auto admin, pki.IssueMember(test::kAdminMember));
  config::v1::GatewayConfig config = test::MinimalGatewayConfig(pki, dir.path());
  config.clear_access_policy();
  test::AddMember(&config, test::kAdminMember, test::FullGrant());
  ASSERT_OK_AND_ASSIGN(auto app, test::StartTestGateway(config));
  auto stub = v1::AdminService::NewStub(test::MakeClientChannel(app->port(), admin.pem));
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::PauseAdapterRequest request;
  request.set_adapter("anything");
  v1::AdapterStatus status;
  const grpc::Status paused = stub->PauseAdapter(&context, request, &status);
  EXPECT_EQ(paused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(paused.error_message(), HasSubstr("no adapter is configured"));
  app->Shutdown(absl::Seconds(1));
}

// A sync engine that replays `letters` dead letters as fast as it can, then answers `outcome`.
class FakeSync : public sync::SyncControl {
 public:
  FakeSync(int letters, absl::Status outcome) : letters_(letters), outcome_(std::move(outcome)) {}
  std::vector<v1::AdapterStatus> AdapterStatuses() override { return {}; }
  absl::Status Pause(const std::string&) override { return absl::OkStatus(); }
  absl::Status Resume(const std::string&) override { return absl::OkStatus(); }
  absl::Status ReplayDeadLetters(
      const std::string&, const std::vector<int64_t>&,
      const std::function<void(const v1::ReplayProgress&)>& progress) override {
    v1::ReplayProgress state;
    state.set_total(letters_);
    progress(state);
    for (int i = 0; i < letters_; ++i) {
      (i % 3 == 0 ? state.set_failed(state.failed() + 1)
                  : state.set_applied(state.applied() + 1));
      progress(state);
    }
    return outcome_;
  }
  absl::Status Resync(const std::string&, absl::Time, absl::Time,
                      const std::function<void(const v1::ResyncProgress&)>&) override {
    return absl::UnimplementedError("not part of this test");
  }
  absl::StatusOr<sync::SeekOutcome> Seek(const std::string&, const sync::SeekTarget&,
                                         store::ExchangeLogEntry) override {
    return absl::UnimplementedError("not part of this test");
  }
  absl::StatusOr<ApplyAdapters> PrepareAdapters(
      const google::protobuf::RepeatedPtrField<config::v1::Adapter>&) override {
    return absl::UnimplementedError("not part of this test");
  }

 private:
  const int letters_;
  const absl::Status outcome_;
};

// AdminService alone on a mutual-TLS server, over a fake sync engine.
class ReplayStreamTest : public ::testing::Test {
 protected:
  void Serve(FakeSync* sync) {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(admin_, pki_->IssueMember(test::kAdminMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();
    test::AddMember(&config_, test::kAdminMember, test::FullGrant());
    ASSERT_OK_AND_ASSIGN(store_, store::OpenStore(config_.store()));
    ASSERT_OK_AND_ASSIGN(auto compiled, security::AccessPolicy::Compile(config_.access_policy()));
    policy_.Set(compiled);
    security::RotatingTlsMaterial::Options options;
    options.poll_interval = absl::ZeroDuration();
    options.active_dir_parent = dir_.path();
    ASSERT_OK_AND_ASSIGN(tls_, security::RotatingTlsMaterial::Create(
                                   security::ListenerTlsSources(config_.listener().tls()),
                                   options));
    running_ = std::make_unique<admin::RunningConfig>(
        config_, admin::RunningConfig::Targets{&policy_, tls_.get(), nullptr, nullptr},
        absl::ZeroDuration());
    context_.store = store_.get();
    context_.access_policy = &policy_;
    admin::AdminDependencies deps;
    deps.gateway = &context_;
    deps.running_config = running_.get();
    deps.listener_tls = tls_.get();
    deps.sync_control = [sync] { return sync; };
    service_ = std::make_unique<admin::AdminServiceImpl>(std::move(deps));
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0",
                             security::MakeServerCredentials(
                                 *tls_, config::v1::MEMBER_ID_SOURCE_URI_SAN),
                             &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    if (store_ != nullptr) store_->Close();
  }

  // Reads the whole stream: every message, then the status.
  grpc::Status Replay(std::vector<v1::ReplayProgress>* messages) {
    auto stub = v1::AdminService::NewStub(test::MakeClientChannel(port_, admin_.pem));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ReplayDeadLettersRequest request;
    request.set_adapter("sink");
    auto reader = stub->ReplayDeadLetters(&context, request);
    v1::ReplayProgress progress;
    while (reader->Read(&progress)) messages->push_back(progress);
    return reader->Finish();
  }

  // The replay's exchange-log entry, once written (after the stream's end).
  store::ExchangeLogEntry ReplayEntry() {
    store::ExchangeLogEntry found;
    EXPECT_TRUE(test::PollUntil(
        [&] {
          auto entries = store_->ReadExchangeLog(0, 100);
          if (!entries.ok() || entries->empty() ||
              entries->back().method != "/lienthong.v1.AdminService/ReplayDeadLetters") {
            return false;
          }
          found = entries->back();
          return true;
        },
        absl::Seconds(30)));
    return found;
  }

  // What a client that kept the messages computes: SHA-256 over each message's deterministic
  // serialization, as its 8-byte big-endian length then its bytes, in order.
  static std::string DigestOf(const std::vector<v1::ReplayProgress>& messages) {
    exchange::StreamDigest digest;
    for (const auto& message : messages) digest.Add(exchange::DeterministicBytes(message));
    return digest.Finish();
  }
  static int64_t BytesOf(const std::vector<v1::ReplayProgress>& messages) {
    int64_t bytes = 0;
    for (const auto& message : messages) {
      bytes += static_cast<int64_t>(exchange::DeterministicBytes(message).size());
    }
    return bytes;
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember admin_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<store::Store> store_;
  security::AccessPolicyHolder policy_;
  std::unique_ptr<security::RotatingTlsMaterial> tls_;
  std::unique_ptr<admin::RunningConfig> running_;
  exchange::GatewayContext context_;
  std::unique_ptr<admin::AdminServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ReplayStreamTest, ProgressIsStreamedCoalescedAndEndsWithTheFinalCounts) {
  FakeSync sync(3000, absl::OkStatus());
  Serve(&sync);
  std::vector<v1::ReplayProgress> messages;
  const grpc::Status status = Replay(&messages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(messages.empty());
  EXPECT_LE(messages.size(), 3001u);
  EXPECT_EQ(messages.back().total(), 3000);
  EXPECT_EQ(messages.back().applied(), 2000);
  EXPECT_EQ(messages.back().failed(), 1000);
  for (size_t i = 1; i < messages.size(); ++i) {
    EXPECT_GE(messages[i].applied() + messages[i].failed(),
              messages[i - 1].applied() + messages[i - 1].failed());
  }
  // The replay is an exchange like any other, its response side the messages received.
  const store::ExchangeLogEntry entry = ReplayEntry();
  EXPECT_EQ(entry.status_code, 0);
  EXPECT_EQ(entry.response_digest, DigestOf(messages));
  EXPECT_EQ(entry.response_bytes, BytesOf(messages));
}

TEST_F(ReplayStreamTest, AFailedReplayEndsTheStreamWithItsStatusAfterItsProgress) {
  FakeSync sync(10, absl::UnavailableError("sink unreachable"));
  Serve(&sync);
  std::vector<v1::ReplayProgress> messages;
  const grpc::Status status = Replay(&messages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "sink unreachable");
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().applied() + messages.back().failed(), 10);
  // The progress sent before the failure is the logged response.
  const store::ExchangeLogEntry entry = ReplayEntry();
  EXPECT_EQ(entry.status_code, static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(entry.response_digest, DigestOf(messages));
  EXPECT_EQ(entry.response_bytes, BytesOf(messages));
}

}  // namespace
}  // namespace lienthong

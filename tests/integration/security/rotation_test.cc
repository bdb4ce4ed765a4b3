// Certificate rotation without restart over real mutual TLS: rotation under load with no failed
// call, new connections on the new serial and old ones finishing, bad candidates refused while
// the old material serves on, CA rollover with an overlapping bundle, new paths by reload.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/config/gateway_config.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::Not;

// One AdminService call: a real handler, the access policy and the exchange log on the path.
grpc::Status CallGateway(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::AdminService::NewStub(channel);
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::GetStatusResponse response;
  return stub->GetStatus(&context, v1::GetStatusRequest(), &response);
}

class RotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    ASSERT_OK_AND_ASSIGN(member_, pki_->IssueMember(test::kOneStopMember));
    config_ = test::MinimalGatewayConfig(*pki_, dir_.path());
    config_.clear_access_policy();  // each test writes the policy it needs
    test::AddMember(&config_, test::kOneStopMember, test::FullGrant());
    test::SetWatchInterval(&config_, absl::Milliseconds(100));
  }

  void Start() { ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config_)); }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  // The serial a brand-new connection is shown; empty when its call fails.
  std::string FreshConnectionSerial(const security::ClientTlsPem& client) {
    test::ServerCertificateRecorder recorder;
    if (!CallGateway(recorder.Channel(app_->port(), client)).ok()) return "";
    return recorder.last_serial();
  }

  // Waits until new connections are shown `serial`.
  bool ServesSerial(const std::string& serial) {
    return test::PollUntil([&] { return FreshConnectionSerial(member_.pem) == serial; },
                           absl::Seconds(10), absl::Milliseconds(50));
  }

  double RotationFailures() {
    auto value = test::MetricValue(app_->metrics_port(),
                                   "lienthong_tls_rotation_failures_total{role=\"server\"}");
    return value.ok() ? *value : 0;
  }

  // Waits for one more refused candidate than `before`.
  bool RefusedOnce(double before) {
    return test::PollUntil([&] { return RotationFailures() >= before + 1; }, absl::Seconds(10));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::TestMember member_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(RotationTest, UnderLoadNoCallFailsAndNewConnectionsSeeEachNewSerial) {
  // Connections older than a second are recycled, so rotation reaches the load's own channels.
  config_.mutable_listener()->mutable_max_connection_age()->set_seconds(1);
  Start();
  const std::string first_serial = test::SerialOf(pki_->gateway().cert_pem);
  ASSERT_EQ(FreshConnectionSerial(member_.pem), first_serial);

  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  absl::Mutex mu;
  std::vector<std::string> failures;
  test::ServerCertificateRecorder load_recorder;
  // Thread 0's one channel: it reconnects only when the server ends its connection for age.
  test::ServerCertificateRecorder long_lived_recorder;
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      std::shared_ptr<grpc::Channel> channel;
      for (int i = 0; !stop.load(); ++i) {
        // Every tenth call on a new connection (thread 0 keeps one channel throughout).
        if (channel == nullptr) {
          channel = (t == 0 ? long_lived_recorder : load_recorder).Channel(app_->port(),
                                                                         member_.pem);
        } else if (t != 0 && i % 10 == 0) {
          channel = load_recorder.Channel(app_->port(), member_.pem);
        }
        const grpc::Status status = CallGateway(channel);
        calls.fetch_add(1);
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          failures.push_back(absl::StrCat(status.error_code(), " ", status.error_message()));
        }
      }
    });
  }

  // An ASSERT below returns early: the load is stopped and joined then too.
  absl::Cleanup stop_load = [&] {
    stop = true;
    for (auto& client : clients) {
      if (client.joinable()) client.join();
    }
  };
  std::vector<std::string> rotated;
  for (int round = 0; round < 3; ++round) {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_OK_AND_ASSIGN(auto next, test::IssueGatewayCertificate(pki_->ca()));
    ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), next));
    rotated.push_back(test::SerialOf(next.cert_pem));
    EXPECT_TRUE(ServesSerial(rotated.back())) << "round " << round;
  }
  // The long-lived connection reaches its age (1 s) and reconnects to the last material.
  EXPECT_TRUE(test::PollUntil(
      [&] {
        const std::vector<std::string> seen = long_lived_recorder.serials();
        return std::find(seen.begin(), seen.end(), rotated.back()) != seen.end();
      },
      absl::Seconds(30)))
      << "the long-lived connection never reconnected to the last material";
  std::move(stop_load).Invoke();

  absl::MutexLock lock(&mu);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed calls of " << calls.load()
                                << ", first: " << failures.front();
  EXPECT_GT(calls.load(), 20);
  // The load's own connections moved to the last material too.
  EXPECT_THAT(load_recorder.serials(), Contains(rotated.back()));
  EXPECT_EQ(RotationFailures(), 0);
}

TEST_F(RotationTest, OldConnectionsFinishOnTheOldMaterial) {
  Start();  // default maximum connection age (30 min): the old connection lives on
  const std::string old_serial = test::SerialOf(pki_->gateway().cert_pem);
  test::ServerCertificateRecorder old_connection;
  auto channel = old_connection.Channel(app_->port(), member_.pem);
  ASSERT_TRUE(CallGateway(channel).ok());

  ASSERT_OK_AND_ASSIGN(auto next, test::IssueGatewayCertificate(pki_->ca()));
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), next));
  ASSERT_TRUE(ServesSerial(test::SerialOf(next.cert_pem)));

  for (int i = 0; i < 5; ++i) EXPECT_TRUE(CallGateway(channel).ok());
  EXPECT_THAT(old_connection.serials(), Each(old_serial));
}

TEST_F(RotationTest, MismatchedKeyAndCertificateAreRefusedAndTheOldMaterialServesOn) {
  Start();
  const std::string old_serial = test::SerialOf(pki_->gateway().cert_pem);
  const double failures = RotationFailures();
  ASSERT_OK_AND_ASSIGN(auto one, test::IssueGatewayCertificate(pki_->ca()));
  ASSERT_OK_AND_ASSIGN(auto two, test::IssueGatewayCertificate(pki_->ca()));
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(),
                                    {two.key_pem, one.cert_pem}));
  ASSERT_TRUE(RefusedOnce(failures));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FreshConnectionSerial(member_.pem), old_serial);

  // The admin fixes the pair: it is taken.
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), one));
  EXPECT_TRUE(ServesSerial(test::SerialOf(one.cert_pem)));
}

TEST_F(RotationTest, ExpiredAndNotYetValidCandidatesAreRefused) {
  Start();
  const std::string old_serial = test::SerialOf(pki_->gateway().cert_pem);
  double failures = RotationFailures();
  ASSERT_OK_AND_ASSIGN(auto expired,
                       test::IssueGatewayCertificate(pki_->ca(), absl::Now() - absl::Hours(48),
                                                     absl::Now() - absl::Hours(24)));
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), expired));
  ASSERT_TRUE(RefusedOnce(failures));
  EXPECT_EQ(FreshConnectionSerial(member_.pem), old_serial);

  failures = RotationFailures();
  ASSERT_OK_AND_ASSIGN(auto future,
                       test::IssueGatewayCertificate(pki_->ca(), absl::Now() + absl::Hours(24),
                                                     absl::Now() + absl::Hours(48)));
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), future));
  ASSERT_TRUE(RefusedOnce(failures));
  EXPECT_EQ(FreshConnectionSerial(member_.pem), old_serial);
}

TEST_F(RotationTest, CaRolloverWithAnOverlappingBundleBothWays) {
  Start();
  ASSERT_OK_AND_ASSIGN(const auto new_ca, test::MakeTestCa("lienthong test CA 2"));
  const std::string old_ca_pem = pki_->ca().cert_pem;
  // Clients trust both CAs for the gateway's certificate, as they must before it changes.
  const std::string both = old_ca_pem + new_ca.cert_pem;
  security::ClientTlsPem old_client = member_.pem;
  old_client.ca_pem = both;
  test::MemberCertOptions from_new_ca;
  from_new_ca.issuer = &new_ca;
  ASSERT_OK_AND_ASSIGN(auto new_member, pki_->IssueMember(test::kOneStopMember, from_new_ca));
  security::ClientTlsPem new_client = new_member.pem;
  new_client.ca_pem = both;
  auto admitted = [&](const security::ClientTlsPem& client) {
    return !FreshConnectionSerial(client).empty();
  };

  EXPECT_TRUE(admitted(old_client));
  EXPECT_FALSE(admitted(new_client)) << "a certificate of a CA not yet trusted got in";

  // 1. The overlapping bundle lets old and new clients in.
  ASSERT_OK(security::WritePrivateFile(pki_->ca_file(), both, security::kCertificateMode));
  EXPECT_TRUE(test::PollUntil([&] { return admitted(new_client); }, absl::Seconds(10)));
  EXPECT_TRUE(admitted(old_client));

  // 2. The gateway's own certificate is reissued by the new CA.
  ASSERT_OK_AND_ASSIGN(auto gateway, test::IssueGatewayCertificate(new_ca));
  ASSERT_OK(test::ReplaceKeyAndCert(pki_->gateway_key_file(), pki_->gateway_cert_file(), gateway));
  ASSERT_TRUE(test::PollUntil(
      [&] { return FreshConnectionSerial(new_client) == test::SerialOf(gateway.cert_pem); },
      absl::Seconds(10)));

  // 3. Removing the old CA shuts old clients out; new ones stay in.
  ASSERT_OK(security::WritePrivateFile(pki_->ca_file(), new_ca.cert_pem,
                                       security::kCertificateMode));
  EXPECT_TRUE(test::PollUntil([&] { return !admitted(old_client); }, absl::Seconds(10)));
  EXPECT_TRUE(admitted(new_client));

  // Back the other way: a bundle without the CA that signs the gateway's own certificate is
  // refused, and the bundle in force stays.
  const double failures = RotationFailures();
  ASSERT_OK(security::WritePrivateFile(pki_->ca_file(), old_ca_pem, security::kCertificateMode));
  ASSERT_TRUE(RefusedOnce(failures));
  EXPECT_TRUE(admitted(new_client));
  EXPECT_FALSE(admitted(old_client));

  // Rolling back properly: the overlap again, then old clients are back in.
  ASSERT_OK(security::WritePrivateFile(pki_->ca_file(), both, security::kCertificateMode));
  EXPECT_TRUE(test::PollUntil([&] { return admitted(old_client); }, absl::Seconds(10)));
  EXPECT_TRUE(admitted(new_client));
}

TEST_F(RotationTest, NewPathsInTheConfigTakeEffectOnReloadAndBadOnesAreRefused) {
  // Polling slower than the test: the file watcher must not apply the edited config before
  // ReloadConfig does, or the reload would find nothing changed.
  test::SetWatchInterval(&config_, absl::Hours(1));
  const std::string config_file = dir_.Path("lienthong.yaml");
  ASSERT_OK(test::WriteGatewayConfigFile(config_file, config_));
  Start();
  app_->WatchConfigFile(config_file);
  const std::string old_serial = test::SerialOf(pki_->gateway().cert_pem);

  // New files under new names, and a config pointing at them.
  ASSERT_OK_AND_ASSIGN(auto next, test::IssueGatewayCertificate(pki_->ca()));
  ASSERT_OK(test::ReplaceKeyAndCert(dir_.Path("pki/gateway-2.key"), dir_.Path("pki/gateway-2.crt"),
                                    next));
  auto* tls = config_.mutable_listener()->mutable_tls();
  tls->set_key_file(dir_.Path("pki/gateway-2.key"));
  tls->set_cert_file(dir_.Path("pki/gateway-2.crt"));
  ASSERT_OK(test::WriteGatewayConfigFile(config_file, config_));
  const admin::ReloadOutcome applied = app_->ReloadConfig("test");
  ASSERT_TRUE(applied.applied) << ::testing::PrintToString(applied.errors);
  EXPECT_THAT(applied.changes, Contains("listener.tls"));
  // Served within the provider's one-second refresh.
  EXPECT_TRUE(ServesSerial(test::SerialOf(next.cert_pem)));

  // A config naming a key of another certificate is refused as a whole.
  ASSERT_OK_AND_ASSIGN(auto other, test::IssueGatewayCertificate(pki_->ca()));
  ASSERT_OK(security::WritePrivateFile(dir_.Path("pki/other.key"), other.key_pem,
                                       security::kPrivateKeyMode));
  tls->set_key_file(dir_.Path("pki/other.key"));
  ASSERT_OK(test::WriteGatewayConfigFile(config_file, config_));
  const admin::ReloadOutcome refused = app_->ReloadConfig("test");
  EXPECT_FALSE(refused.applied);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_THAT(refused.errors[0], ::testing::HasSubstr("private key does not match certificate"));
  EXPECT_THAT(refused.errors[0], ::testing::HasSubstr("listener.tls"));
  EXPECT_EQ(FreshConnectionSerial(member_.pem), test::SerialOf(next.cert_pem));
  EXPECT_NE(test::SerialOf(next.cert_pem), old_serial);
}

}  // namespace
}  // namespace lienthong

// An in-process gateway with a known data set for the console's tests: a year of sample
// dossiers (sample_history.h) submitted and moved by the one-stop member over mutual TLS, a grpc
// adapter to a reference sink that refuses one dossier (a real dead letter), the dev config's
// access policy and calendar, and the console on the admin HTTP listener (plain on loopback as
// the admin member, or TLS with client certificates).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/grpc/reference_sink/reference_sink.h"
#include "grpcpp/server.h"
#include "gtest/gtest.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/server/gateway_app.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {

struct ConsoleGatewayOptions {
  bool tls = false;         // admin_http.tls (on 127.0.0.1 either way)
  int months = 12;          // of sample history
  int per_month = 12;       // dossiers received per month
};

class ConsoleGateway {
 public:
  static absl::StatusOr<std::unique_ptr<ConsoleGateway>> Start(const std::string& dir,
                                                              ConsoleGatewayOptions options = {});
  ~ConsoleGateway();

  server::GatewayApp& app() { return *app_; }
  int http_port() const { return app_->metrics_port(); }
  const TestPki& pki() const { return *pki_; }
  // Certificates: kOneStopMember, kEducationMember, kAdminMember, and "000.00.77.H49" (not in
  // the policy).
  const TestMember& member(const std::string& code) const;
  std::unique_ptr<v1::DossierService::Stub> Dossiers(const std::string& member) const;
  std::unique_ptr<v1::AdminService::Stub> Admin(const std::string& member) const;
  // The code of the dossier the sink refuses (its change is the adapter's dead letter).
  const std::string& refused_dossier() const { return refused_dossier_; }
  // Codes of the submitted dossiers, in submission order.
  const std::vector<std::string>& codes() const { return codes_; }

 private:
  ConsoleGateway() = default;
  absl::Status LoadHistory(const ConsoleGatewayOptions& options);

  std::unique_ptr<TestPki> pki_;
  std::vector<TestMember> members_;
  std::unique_ptr<adapters::grpc_sink::ReferenceSink> sink_;
  std::unique_ptr<grpc::Server> sink_server_;
  std::unique_ptr<server::GatewayApp> app_;
  std::string refused_dossier_;
  std::vector<std::string> codes_;
};

// A test suite sharing one ConsoleGateway (starting one loads a year of dossiers).
class ConsoleSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto gateway = ConsoleGateway::Start(dir_->path());
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete dir_;
    gateway_ = nullptr;
    dir_ = nullptr;
  }

  static inline TempDir* dir_ = nullptr;
  static inline ConsoleGateway* gateway_ = nullptr;
};

}  // namespace lienthong::test

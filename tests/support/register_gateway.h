// A gateway set up for the dossier and education registers, for tests that call them end to end:
// the working-day calendar and procedures of config/lienthong.dev.yaml, and an access policy
// granting the test members (one-stop system, education department, admin) what the dev config
// grants them; a fourth member certificate names an agency the policy does not list.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/server/gateway_app.h"
#include "tests/support/store_engines.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {

// A member certificate the access policy of AddRegisterSettings does not list.
inline constexpr char kUnlistedMember[] = "000.00.77.H49";

// Adds to `config` the calendar of config/lienthong.dev.yaml (2025 to 2027 holidays, the
// make-up day of 2025), its six education procedures (processing days 3 to 20), and replaces the
// access policy with the dev config's: kOneStopMember in the one_stop group, kEducationMember in
// education_consumer, kAdminMember in admin.
void AddRegisterSettings(config::v1::GatewayConfig* config);

// An in-process gateway (port 0) with the register settings, on SQLite in its own folder or on
// a PostgreSQL schema of its own (tests/support/store_engines.h).
class RegisterGateway {
 public:
  // Makes the PKI and the four members' certificates under `dir` and starts the gateway.
  static absl::StatusOr<std::unique_ptr<RegisterGateway>> Start(
      const std::string& dir, StoreEngine engine = StoreEngine::kSqlite);

  server::GatewayApp& app() { return *app_; }
  store::Store& store() { return *app_->store(); }
  // A new mutual-TLS channel presenting `member`'s certificate (one of the four above).
  std::shared_ptr<grpc::Channel> Channel(const std::string& member) const;

 private:
  RegisterGateway() = default;

  std::unique_ptr<StoreHarness> store_harness_;  // PostgreSQL only
  std::unique_ptr<TestPki> pki_;
  std::vector<TestMember> members_;
  std::unique_ptr<server::GatewayApp> app_;
};

// Vietnam local time (UTC+7) of a day and a time of day.
absl::Time VietnamTime(int year, int month, int day, int hour, int minute = 0);

// Calls the unary `method` of `stub` with the kRpcTimeout deadline.
template <typename Stub, typename Request, typename Response>
grpc::Status Unary(Stub& stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, Response* response) {
  grpc::ClientContext context;
  SetDeadline(&context);
  return (stub.*method)(&context, request, response);
}

// The field paths of the google.rpc.BadRequest a refused call carries, in its order.
std::vector<std::string> ViolatedFields(const grpc::Status& status);

google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace lienthong::test

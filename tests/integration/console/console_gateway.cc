// The console tests' gateway and data set.
#include "tests/integration/console/console_gateway.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/server_builder.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "tests/support/register_gateway.h"
#include "tests/support/sample_history.h"
#include "tests/support/test_gateway.h"

namespace lienthong::test {

const TestMember& ConsoleGateway::member(const std::string& code) const {
  for (const TestMember& m : members_) {
    if (m.agency_code == code) return m;
  }
  return members_.front();
}

std::unique_ptr<v1::DossierService::Stub> ConsoleGateway::Dossiers(const std::string& member) const {
  return v1::DossierService::NewStub(MakeClientChannel(app_->port(), this->member(member).pem));
}

std::unique_ptr<v1::AdminService::Stub> ConsoleGateway::Admin(const std::string& member) const {
  return v1::AdminService::NewStub(MakeClientChannel(app_->port(), this->member(member).pem));
}

ConsoleGateway::~ConsoleGateway() {
  if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  if (sink_server_ != nullptr) sink_server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

absl::StatusOr<std::unique_ptr<ConsoleGateway>> ConsoleGateway::Start(const std::string& dir,
                                                                     ConsoleGatewayOptions options) {
  std::unique_ptr<ConsoleGateway> gateway(new ConsoleGateway());
  ASSIGN_OR_RETURN(TestPki pki, TestPki::Create(dir + "/pki"));
  gateway->pki_ = std::make_unique<TestPki>(std::move(pki));
  for (const char* code : {kOneStopMember, kEducationMember, kAdminMember, "000.00.77.H49"}) {
    ASSIGN_OR_RETURN(TestMember member, gateway->pki_->IssueMember(code));
    gateway->members_.push_back(std::move(member));
  }
  const auto history = demo::MakeSampleHistory(absl::Now(), options.months, options.per_month, 7000);
  // The sink refuses the third dossier: its change becomes the adapter's dead letter.
  gateway->refused_dossier_ = history.at(2).dossier.code();
  adapters::grpc_sink::ReferenceSinkOptions sink_options;
  sink_options.output_file = dir + "/sink.jsonl";
  sink_options.reject_keys = {gateway->refused_dossier_};
  gateway->sink_ = std::make_unique<adapters::grpc_sink::ReferenceSink>(sink_options);
  ASSIGN_OR_RETURN(auto sink_credentials,
                   adapters::grpc_sink::SinkServerCredentials(
                       {gateway->pki_->gateway_key_file(), gateway->pki_->gateway_cert_file(),
                        gateway->pki_->ca_file()}));
  grpc::ServerBuilder builder;
  int sink_port = 0;
  builder.AddListeningPort("127.0.0.1:0", sink_credentials, &sink_port);
  builder.RegisterService(gateway->sink_.get());
  gateway->sink_server_ = builder.BuildAndStart();
  if (gateway->sink_server_ == nullptr) return absl::InternalError("the reference sink did not start");

  config::v1::GatewayConfig config = MinimalGatewayConfig(*gateway->pki_, dir);
  AddRegisterSettings(&config);
  auto* http = config.mutable_admin_http();
  if (options.tls) {
    http->set_tls(true);
  } else {
    http->set_loopback_member(kAdminMember);
  }
  (*http->mutable_console_targets())["online_rate"] = 0.5;
  (*http->mutable_console_targets())["on_time_rate"] = 0.9;
  auto* adapter = config.add_adapters();
  adapter->set_name("so-gddt");
  adapter->add_record_types("dossier");
  adapter->set_start_from_oldest(true);
  adapter->mutable_retry()->set_max_attempts(2);
  adapter->mutable_retry()->mutable_initial_backoff()->set_nanos(20'000'000);
  adapter->mutable_retry()->mutable_max_backoff()->set_nanos(100'000'000);
  auto* grpc_sink = adapter->mutable_grpc();
  grpc_sink->set_target(absl::StrCat("127.0.0.1:", sink_port));
  grpc_sink->set_server_name("localhost");
  const TestMember& admin = gateway->member(kAdminMember);
  grpc_sink->set_key_file(admin.files.key_file);
  grpc_sink->set_cert_file(admin.files.cert_file);
  grpc_sink->set_ca_file(admin.files.ca_file);
  ASSIGN_OR_RETURN(gateway->app_, StartTestGateway(config));
  RETURN_IF_ERROR(gateway->LoadHistory(options));
  return gateway;
}

absl::Status ConsoleGateway::LoadHistory(const ConsoleGatewayOptions& options) {
  auto stub = Dossiers(kOneStopMember);
  const absl::Time now = absl::Now();
  for (const auto& planned : demo::MakeSampleHistory(now, options.months, options.per_month, 7000)) {
    v1::SubmitDossierRequest submit;
    *submit.mutable_dossier() = planned.dossier;
    v1::SubmitDossierResponse submitted;
    RETURN_IF_ERROR(FromGrpcStatus(Unary(*stub, &v1::DossierService::Stub::SubmitDossier, submit,
                                         &submitted)));
    codes_.push_back(submitted.dossier().code());
    for (const auto& move : demo::SampleHistoryMoves(planned, submitted.dossier(), now)) {
      v1::Dossier moved;
      absl::Status status = FromGrpcStatus(
          Unary(*stub, &v1::DossierService::Stub::UpdateDossierStatus, move, &moved));
      if (!status.ok()) {
        return absl::Status(status.code(), absl::StrCat("moving ", move.code(), " to ",
                                                        v1::DossierStatus_Name(move.new_status()),
                                                        ": ", status.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace lienthong::test

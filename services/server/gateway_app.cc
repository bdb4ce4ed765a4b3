// Composition of the gateway: which services run, in what order things start and stop.
#include "services/server/gateway_app.h"

#include "lienthong/v1/admin_service.grpc.pb.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lienthong::server {

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(
    const config::v1::GatewayConfig& config, const std::vector<grpc::Service*>& extra_services) {
  std::unique_ptr<GatewayApp> app(new GatewayApp());
  app->config_ = config;
  if (!config.admin_http().disabled()) {
    ASSIGN_OR_RETURN(app->metrics_port_, app->metrics_.Serve(config.admin_http().address()));
    LogLine(LogLevel::kInfo, "metrics endpoint")
        .Str("address", config.admin_http().address()).Int("port", app->metrics_port_);
  }

  // Services whose behaviour is not built yet answer UNIMPLEMENTED through the generated base
  // classes; each later issue replaces one with its implementation.
  app->services_.push_back(std::make_unique<v1::DossierService::CallbackService>());
  app->services_.push_back(std::make_unique<v1::EducationRecordService::CallbackService>());
  app->services_.push_back(std::make_unique<v1::ChangeFeedService::CallbackService>());
  app->services_.push_back(std::make_unique<v1::AdminService::CallbackService>());

  std::vector<grpc::Service*> services;
  for (auto& service : app->services_) services.push_back(service.get());
  services.insert(services.end(), extra_services.begin(), extra_services.end());
  ASSIGN_OR_RETURN(app->server_, GatewayServer::Start(config, services, &app->metrics_));
  return app;
}

GatewayApp::~GatewayApp() { Shutdown(absl::ZeroDuration()); }

absl::Duration GatewayApp::configured_grace() const {
  const auto& grace = config_.listener().shutdown_grace();
  if (!config_.listener().has_shutdown_grace()) return absl::Seconds(20);
  return absl::Seconds(grace.seconds()) + absl::Nanoseconds(grace.nanos());
}

void GatewayApp::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  if (server_ != nullptr) server_->Shutdown(grace);
}

}  // namespace lienthong::server

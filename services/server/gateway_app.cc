// Composition of the gateway: which services run, in what order things start and stop.
#include "services/server/gateway_app.h"

#include <unistd.h>

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "adapters/builtin_adapters.h"
#include "services/admin/admin_service.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/thread_name.h"
#include "services/common/status_macros.h"
#include "services/config/gateway_config.h"
#include "services/changefeed/change_feed_service.h"
#include "services/dossier/dossier_service.h"
#include "services/education/education_service.h"
#include "services/security/server_credentials.h"
#include "services/store/open_store.h"

namespace lienthong::server {

namespace {

// store.postgres.replica_name, or "<host name>:<listener port>".
std::string ReplicaNameOf(const config::v1::GatewayConfig& config) {
  if (!config.store().postgres().replica_name().empty()) {
    return config.store().postgres().replica_name();
  }
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "localhost");
  const std::string& address = config.listener().address();
  const size_t colon = address.rfind(':');
  return absl::StrCat(host, ":", colon == std::string::npos ? "" : address.substr(colon + 1));
}

// How often TLS files and the config file are looked at: listener.tls.watch_interval, 5 s.
absl::Duration TlsWatchInterval(const config::v1::Tls& tls) {
  return tls.has_watch_interval() ? FromProtoDuration(tls.watch_interval()) : absl::Seconds(5);
}
}  // namespace

changefeed::ChangeFeedOptions ChangeFeedOptionsOf(const config::v1::GatewayConfig& config) {
  changefeed::ChangeFeedOptions options;
  const auto& feed = config.change_feed();
  if (feed.has_progress_interval()) {
    options.progress_interval = FromProtoDuration(feed.progress_interval());
  }
  if (feed.max_buffered_events() > 0) options.max_lag_events = feed.max_buffered_events();
  const auto& retention = config.retention();
  if (retention.has_change_events_max_age()) {
    options.max_age = FromProtoDuration(retention.change_events_max_age());
  }
  if (retention.change_events_max_count() > 0) {
    options.max_count = static_cast<int64_t>(retention.change_events_max_count());
  }
  if (retention.has_subscription_max_idle()) {
    options.subscription_max_idle = FromProtoDuration(retention.subscription_max_idle());
  }
  for (const auto& adapter : config.adapters()) options.adapter_names.push_back(adapter.name());
  return options;
}

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(
    const config::v1::GatewayConfig& config, const std::vector<grpc::Service*>& extra_services) {
  std::unique_ptr<GatewayApp> app(new GatewayApp());
  app->config_ = config;

  // The name leases are held under: the replica's name and a random id of this process, so two
  // processes given the same name by mistake never hold one lease together.
  app->replica_name_ = absl::StrCat(ReplicaNameOf(config), "#",
                                    absl::Hex(absl::Uniform<uint32_t>(absl::BitGen()) & 0xffffff,
                                              absl::kZeroPad6));
  ASSIGN_OR_RETURN(app->store_, store::OpenStore(config.store()));
  ASSIGN_OR_RETURN(auto calendar, config::BuildDueDateCalendar(config.calendar()));
  app->calendar_.emplace(std::move(calendar));

  // Security (issue 6): the access policy, then the listener's TLS material, refusing to start
  // on a bad one; pruning of the exchange log; what reloads them.
  app->security_metrics_ = std::make_unique<admin::SecurityMetrics>(*app->metrics_.registry());
  ASSIGN_OR_RETURN(auto policy, security::AccessPolicy::Compile(config.access_policy()));
  if (policy->member_count() == 0) {
    LogLine(LogLevel::kWarning, "the access policy lists no member: every call will be refused");
  }
  app->access_policy_.Set(std::move(policy));
  const absl::Duration watch_interval = TlsWatchInterval(config.listener().tls());
  security::RotatingTlsMaterial::Options tls_options;
  tls_options.role = "server";
  tls_options.poll_interval = watch_interval;
  tls_options.observer = app->security_metrics_.get();
  ASSIGN_OR_RETURN(app->listener_tls_,
                   security::RotatingTlsMaterial::Create(
                       security::ListenerTlsSources(config.listener().tls()), tls_options));
  app->retention_ = std::make_unique<admin::ExchangeLogRetention>(
      app->store_.get(), admin::ExchangeLogMaxAge(config), app->replica_name_);
  app->retention_->SetArchive(admin::ArchiveOptionsOf(config), app->metrics_.registry().get());
  app->retention_->Start();
  if (!config.backup().target_dir().empty()) {
    app->backups_ = std::make_unique<admin::BackupSchedule>(config);
    app->backups_->Start();
  }
  // Trusted timestamps (issue 15): a TSA certificate file that does not parse stops the start.
  if (const admin::TimestampingOptions stamping = admin::TimestampingOptionsOf(config);
      stamping.enabled()) {
    auto trust = admin::TsaTrust::FromFile(stamping.tsa_ca_file);
    if (!trust.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("exchange_log.timestamping.tsa_ca_file: ",
                                                     trust.status().message()));
    }
    app->tsa_trust_.emplace(*trust);
    app->timestamper_ = std::make_unique<admin::HeadTimestamper>(
        app->store_.get(), stamping, std::move(*trust), app->replica_name_,
        app->metrics_.registry().get());
    app->timestamper_->SetChainMutex(&app->retention_->chain_mutex());
    app->timestamper_->Start();
  }
  // Sync engine (issue 5): built before the store takes writes, so its commit listener sees
  // every one; adapters connect on their first batch. It is there without adapters too: a
  // reload may add some.
  adapters::RegisterBuiltinAdapters(&app->adapter_registry_);
  sync::SyncEngineOptions sync_options;
  sync_options.metrics = app->metrics_.registry();
  sync_options.replica_name = app->replica_name_;
  ASSIGN_OR_RETURN(app->sync_, sync::SyncEngine::Create(app->store_.get(), config.adapters(),
                                                        app->adapter_registry_, sync_options));
  app->sync_->Start();
  app->running_config_ = std::make_unique<admin::RunningConfig>(
      config,
      admin::RunningConfig::Targets{&app->access_policy_, app->listener_tls_.get(),
                                    app->retention_.get(), app->security_metrics_.get(),
                                    app->store_.get(), app->sync_.get()},
      watch_interval);

  auto& context = app->gateway_context_;
  context.store = app->store_.get();
  context.access_policy = &app->access_policy_;
  context.member_id_source = config.listener().tls().member_id_source();
  if (config.limits().max_page_size() > 0) context.max_page_size = config.limits().max_page_size();
  if (config.limits().max_upsert_batch() > 0) {
    context.max_upsert_batch = config.limits().max_upsert_batch();
  }

  dossier::ProcedureCatalog procedures;
  for (const auto& procedure : config.procedures()) {
    procedures[procedure.code()] = static_cast<int>(procedure.processing_days());
  }
  app->dossiers_ = std::make_unique<dossier::DossierRegister>(&context, &*app->calendar_,
                                                              std::move(procedures));
  education::DiplomaRegisterKeepers keepers;
  for (const auto& keeper : config.diploma_register_keepers()) {
    keepers[keeper.former_issuer_code()] = keeper.keeper_code();
  }
  app->records_ = std::make_unique<education::RecordRegister>(&context, std::move(keepers));

  auto dossier_service =
      std::make_unique<dossier::DossierServiceImpl>(&context, app->dossiers_.get());
  dossier::DossierServiceImpl* const dossier_service_ptr = dossier_service.get();
  app->services_.push_back(std::move(dossier_service));
  app->services_.push_back(
      std::make_unique<education::EducationRecordServiceImpl>(&context, app->records_.get()));
  changefeed::ChangeFeedOptions feed_options = ChangeFeedOptionsOf(config);
  feed_options.replica_name = app->replica_name_;
  app->change_feed_ = std::make_unique<changefeed::ChangeFeed>(app->store_.get(),
                                                               std::move(feed_options));
  RETURN_IF_ERROR(app->change_feed_->Start());
  app->services_.push_back(std::make_unique<changefeed::ChangeFeedServiceImpl>(
      &context, app->change_feed_.get(),
      [policy = &app->access_policy_](const std::string& member, v1::RecordType type) {
        return policy->Get()->MaySubscribe(member, type);
      }));
  admin::AdminDependencies admin_deps;
  admin_deps.gateway = &context;
  admin_deps.running_config = app->running_config_.get();
  admin_deps.listener_tls = app->listener_tls_.get();
  admin_deps.retention = app->retention_.get();
  admin_deps.tsa_trust = app->tsa_trust_.has_value() ? &*app->tsa_trust_ : nullptr;
  admin_deps.started_at = absl::Now();
  admin_deps.sync_control = [app = app.get()] { return app->sync(); };
  admin_deps.replica_name = app->replica_name_;
  auto admin_service = std::make_unique<admin::AdminServiceImpl>(std::move(admin_deps));
  admin::AdminServiceImpl* const admin_service_ptr = admin_service.get();
  app->services_.push_back(std::move(admin_service));

  std::vector<grpc::Service*> services;
  for (auto& service : app->services_) services.push_back(service.get());
  services.insert(services.end(), extra_services.begin(), extra_services.end());
  ASSIGN_OR_RETURN(app->server_,
                   GatewayServer::Start(config, services, &app->metrics_,
                                        security::MakeServerCredentials(
                                            *app->listener_tls_,
                                            config.listener().tls().member_id_source()),
                                        &context));
  // The admin HTTP listener: /metrics and the operator console (docs/console.md).
  if (!config.admin_http().disabled()) {
    app->console_backend_ = std::make_unique<console::GatewayConsoleBackend>(
        &context, dossier_service_ptr, admin_service_ptr, &*app->calendar_);
    console::AdminHttpOptions http;
    http.address = config.admin_http().address();
    if (config.admin_http().tls()) http.tls = app->listener_tls_.get();
    http.member_id_source = config.listener().tls().member_id_source();
    http.loopback_member = config.admin_http().loopback_member();
    http.metrics = app->metrics_.registry();
    http.console = app->console_backend_.get();
    http.settings.targets.insert(config.admin_http().console_targets().begin(),
                                 config.admin_http().console_targets().end());
    ASSIGN_OR_RETURN(app->admin_http_, console::AdminHttpServer::Start(std::move(http)));
    app->metrics_port_ = app->admin_http_->port();
    LogLine(LogLevel::kInfo, "admin http (metrics and console)")
        .Str("address", config.admin_http().address())
        .Int("port", app->metrics_port_)
        .Bool("tls", config.admin_http().tls());
  }
  app->health_thread_ = StartNamedThread("lt-health", [a = app.get()] { a->HealthLoop(); });
  LogLine(LogLevel::kInfo, "replica").Str("name", app->replica_name_);
  return app;
}

void GatewayApp::HealthLoop() {
  bool serving = true;
  for (;;) {
    {
      absl::MutexLock lock(&health_mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_) { return health_stop_; };
      if (health_mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Milliseconds(500))) return;
    }
    const absl::Status health = store_->Health();
    if (health.ok() != serving) {
      serving = health.ok();
      server_->SetServing(serving);
      LogLine(serving ? LogLevel::kInfo : LogLevel::kError, "health")
          .Str("status", serving ? "SERVING" : "NOT_SERVING")
          .Str("why", health.message());
    }
  }
}

GatewayApp::~GatewayApp() { Shutdown(absl::ZeroDuration()); }

void GatewayApp::WatchConfigFile(const std::string& path) { running_config_->WatchFile(path); }

admin::ReloadOutcome GatewayApp::ReloadConfig(absl::string_view trigger) {
  return running_config_->Reload(trigger);
}

absl::Duration GatewayApp::configured_grace() const {
  const auto& grace = config_.listener().shutdown_grace();
  if (!config_.listener().has_shutdown_grace()) return absl::Seconds(20);
  return FromProtoDuration(grace);
}

void GatewayApp::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&health_mu_);
    health_stop_ = true;
  }
  if (health_thread_.joinable()) health_thread_.join();
  // The console calls into the services: it stops first.
  if (admin_http_ != nullptr) admin_http_->Stop();
  if (server_ != nullptr) server_->Shutdown(grace);
  // Every call has finished or been cancelled: stop the feed's threads, then commit what is
  // queued and close the store.
  if (change_feed_ != nullptr) change_feed_->Stop();
  // Workers finish their current step; checkpoints stay for the next start.
  if (sync_ != nullptr) sync_->Stop();
  if (running_config_ != nullptr) running_config_->Stop();
  if (retention_ != nullptr) retention_->Stop();
  if (backups_ != nullptr) backups_->Stop();
  if (timestamper_ != nullptr) timestamper_->Stop();
  if (store_ != nullptr) store_->Close();
}

}  // namespace lienthong::server

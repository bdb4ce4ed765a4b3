// AdminService over gRPC (proto/lienthong/v1/admin_service.proto): status, certificates in use,
// config reload, adapters and their dead letters, exchange-log verification. Its calls pass the
// access policy and are written to the exchange log like every other call (ExchangeCall); the
// work lives in the modules they call (RunningConfig, SyncControl, the store, the chain walk).
#pragma once

#include <functional>

#include "absl/time/time.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/exchange_log_retention.h"
#include "services/admin/timestamp_token.h"
#include "services/admin/running_config.h"
#include "services/exchange/exchange_call.h"
#include "services/security/tls_rotation.h"
#include "services/sync/sync_control.h"

namespace lienthong::admin {

// What AdminService reads and steers; none owned, all outlive the service.
struct AdminDependencies {
  const exchange::GatewayContext* gateway = nullptr;  // the store and the access policy
  RunningConfig* running_config = nullptr;
  const security::RotatingTlsMaterial* listener_tls = nullptr;
  ExchangeLogRetention* retention = nullptr;  // may be null (no pruning to keep out of the way)
  // The configured TSA's certificates (exchange_log.timestamping.tsa_ca_file); null when
  // timestamping is off. VerifyExchangeLog checks the stored tokens with them.
  const TsaTrust* tsa_trust = nullptr;
  // The sync engine; may be unset or answer null: no adapter is configured.
  std::function<sync::SyncControl*()> sync_control;
  absl::Time started_at;
  // This replica's name (status shows it beside the leases every replica holds).
  std::string replica_name = "local";
};

class AdminServiceImpl final : public v1::AdminService::CallbackService {
 public:
  explicit AdminServiceImpl(AdminDependencies deps) : deps_(std::move(deps)) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListCertificates(grpc::CallbackServerContext* context,
                                             const v1::ListCertificatesRequest* request,
                                             v1::ListCertificatesResponse* response) override;
  grpc::ServerUnaryReactor* ReloadConfig(grpc::CallbackServerContext* context,
                                         const v1::ReloadConfigRequest* request,
                                         v1::ReloadConfigResponse* response) override;
  grpc::ServerUnaryReactor* PauseAdapter(grpc::CallbackServerContext* context,
                                         const v1::PauseAdapterRequest* request,
                                         v1::AdapterStatus* response) override;
  grpc::ServerUnaryReactor* ResumeAdapter(grpc::CallbackServerContext* context,
                                          const v1::ResumeAdapterRequest* request,
                                          v1::AdapterStatus* response) override;
  grpc::ServerUnaryReactor* ListDeadLetters(grpc::CallbackServerContext* context,
                                            const v1::ListDeadLettersRequest* request,
                                            v1::ListDeadLettersResponse* response) override;
  grpc::ServerWriteReactor<v1::ReplayProgress>* ReplayDeadLetters(
      grpc::CallbackServerContext* context, const v1::ReplayDeadLettersRequest* request) override;
  grpc::ServerWriteReactor<v1::ResyncProgress>* ResyncAdapter(
      grpc::CallbackServerContext* context, const v1::ResyncAdapterRequest* request) override;
  grpc::ServerUnaryReactor* VerifyExchangeLog(grpc::CallbackServerContext* context,
                                              const v1::VerifyExchangeLogRequest* request,
                                              v1::VerifyExchangeLogResponse* response) override;
  grpc::ServerUnaryReactor* SeekAdapter(grpc::CallbackServerContext* context,
                                        const v1::SeekAdapterRequest* request,
                                        v1::SeekAdapterResponse* response) override;

  grpc::ServerUnaryReactor* QueryExchangeLog(grpc::CallbackServerContext* context,
                                             const v1::QueryExchangeLogRequest* request,
                                             v1::QueryExchangeLogResponse* response) override;

  // The work of the calls above once the call is begun (member and policy checked), shared by
  // the gRPC handlers and the operator console (exchange/local_call.h).
  absl::Status FillStatus(v1::GetStatusResponse* response) const;
  absl::Status ListCertificatesFor(v1::ListCertificatesResponse* response) const;
  absl::Status ListDeadLettersFor(const v1::ListDeadLettersRequest& request,
                                  v1::ListDeadLettersResponse* response) const;
  // Pause or resume, then the adapter's status after it.
  absl::Status SteerAdapter(const std::string& adapter, bool pause, v1::AdapterStatus* out) const;
  absl::Status QueryExchangeLogFor(const v1::QueryExchangeLogRequest& request,
                                   v1::QueryExchangeLogResponse* response) const;
  absl::Status ReplayDeadLettersFor(const v1::ReplayDeadLettersRequest& request,
                                    const std::function<void(const v1::ReplayProgress&)>& report) const;

 private:
  sync::SyncControl* sync() const { return deps_.sync_control ? deps_.sync_control() : nullptr; }
  const AdminDependencies deps_;
};

}  // namespace lienthong::admin

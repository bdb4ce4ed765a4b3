// What the console reads and steers, as the member it acts for. Each call is the AdminService /
// DossierService RPC of the same name, run through the same checks as over gRPC: the access
// policy decides, the exchange log records it (the console is one more way to make the same
// calls, not a side door). gateway_console_backend.h implements it over the running gateway;
// page tests use a fake.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/v1/admin_service.pb.h"
#include "lienthong/v1/dossier_service.pb.h"

namespace lienthong::console {

class ConsoleBackend {
 public:
  virtual ~ConsoleBackend() = default;

  // Whether `member` may call `full_method` ("/lienthong.v1.AdminService/PauseAdapter"): which
  // pages and buttons the console offers. The call itself is checked again when made.
  virtual bool MayCall(const std::string& member, const std::string& full_method) = 0;

  virtual absl::StatusOr<v1::GetDossierStatsResponse> GetDossierStats(
      const std::string& member, const v1::GetDossierStatsRequest& request) = 0;
  virtual absl::StatusOr<v1::ListDossiersResponse> ListDossiers(
      const std::string& member, const v1::ListDossiersRequest& request) = 0;
  virtual absl::StatusOr<v1::Dossier> GetDossier(const std::string& member,
                                                 const v1::GetDossierRequest& request) = 0;
  virtual absl::StatusOr<v1::GetStatusResponse> GetStatus(const std::string& member) = 0;
  virtual absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(
      const std::string& member) = 0;
  virtual absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const std::string& member, const v1::ListDeadLettersRequest& request) = 0;
  virtual absl::StatusOr<v1::AdapterStatus> PauseAdapter(const std::string& member,
                                                         const std::string& adapter) = 0;
  virtual absl::StatusOr<v1::AdapterStatus> ResumeAdapter(const std::string& member,
                                                          const std::string& adapter) = 0;
  // Replays an adapter's dead letters (all, or those listed); the number replayed.
  virtual absl::StatusOr<int64_t> ReplayDeadLetters(const std::string& member,
                                                    const v1::ReplayDeadLettersRequest& request) = 0;
  virtual absl::StatusOr<v1::QueryExchangeLogResponse> QueryExchangeLog(
      const std::string& member, const v1::QueryExchangeLogRequest& request) = 0;

  // The end of `working_days` working days from `from` on the configured calendar (the overdue
  // page's "due within N working days").
  virtual absl::Time AddWorkingDays(absl::Time from, int working_days) = 0;
};

// The method names the console checks (the RPCs it makes).
inline constexpr char kMethodGetDossierStats[] = "/lienthong.v1.DossierService/GetDossierStats";
inline constexpr char kMethodListDossiers[] = "/lienthong.v1.DossierService/ListDossiers";
inline constexpr char kMethodGetDossier[] = "/lienthong.v1.DossierService/GetDossier";
inline constexpr char kMethodGetStatus[] = "/lienthong.v1.AdminService/GetStatus";
inline constexpr char kMethodListCertificates[] = "/lienthong.v1.AdminService/ListCertificates";
inline constexpr char kMethodListDeadLetters[] = "/lienthong.v1.AdminService/ListDeadLetters";
inline constexpr char kMethodPauseAdapter[] = "/lienthong.v1.AdminService/PauseAdapter";
inline constexpr char kMethodResumeAdapter[] = "/lienthong.v1.AdminService/ResumeAdapter";
inline constexpr char kMethodReplayDeadLetters[] = "/lienthong.v1.AdminService/ReplayDeadLetters";
inline constexpr char kMethodQueryExchangeLog[] = "/lienthong.v1.AdminService/QueryExchangeLog";

}  // namespace lienthong::console

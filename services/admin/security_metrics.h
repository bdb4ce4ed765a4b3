// The security metrics on the gateway's Prometheus registry: rotations and refused candidates
// (lienthong_tls_rotations_total, lienthong_tls_rotation_failures_total, by role), config
// reloads (lienthong_config_reloads_total, by result) and days left per certificate in use
// (lienthong_certificate_days_left, by role, file and serial).
#pragma once

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lienthong/v1/admin_service.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/security/tls_rotation.h"

namespace lienthong::admin {

class SecurityMetrics : public security::TlsRotationObserver {
 public:
  explicit SecurityMetrics(prometheus::Registry& registry);

  void OnRotated(absl::string_view role, const security::TlsCandidate& serving) override;
  void OnRefused(absl::string_view role, const absl::Status& why) override;
  void ConfigReloaded(bool applied);
  // Replaces the days-left gauges with one per certificate of `certificates`.
  void SetCertificates(const std::vector<v1::CertificateStatus>& certificates);

 private:
  prometheus::Family<prometheus::Counter>& rotations_;
  prometheus::Family<prometheus::Counter>& rotation_failures_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Gauge>& days_left_;
  absl::Mutex mu_;
  std::vector<prometheus::Gauge*> gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::admin

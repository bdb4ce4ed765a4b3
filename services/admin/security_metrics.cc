// Security metric families and their updates.
#include "services/admin/security_metrics.h"

#include <string>

namespace lienthong::admin {

SecurityMetrics::SecurityMetrics(prometheus::Registry& registry)
    : rotations_(prometheus::BuildCounter()
                     .Name("lienthong_tls_rotations_total")
                     .Help("TLS material put in force without restart (new files or new CRLs), "
                           "by role")
                     .Register(registry)),
      rotation_failures_(prometheus::BuildCounter()
                             .Name("lienthong_tls_rotation_failures_total")
                             .Help("TLS candidates refused (the material in force kept serving), "
                                   "by role")
                             .Register(registry)),
      reloads_(prometheus::BuildCounter()
                   .Name("lienthong_config_reloads_total")
                   .Help("Config reloads, by result (applied or refused)")
                   .Register(registry)),
      days_left_(prometheus::BuildGauge()
                     .Name("lienthong_certificate_days_left")
                     .Help("Whole days until a certificate in use expires (negative: expired)")
                     .Register(registry)) {}

void SecurityMetrics::OnRotated(absl::string_view role, const security::TlsCandidate&) {
  rotations_.Add({{"role", std::string(role)}}).Increment();
}

void SecurityMetrics::OnRefused(absl::string_view role, const absl::Status&) {
  rotation_failures_.Add({{"role", std::string(role)}}).Increment();
}

void SecurityMetrics::ConfigReloaded(bool applied) {
  reloads_.Add({{"result", applied ? "applied" : "refused"}}).Increment();
}

void SecurityMetrics::SetCertificates(const std::vector<v1::CertificateStatus>& certificates) {
  absl::MutexLock lock(&mu_);
  for (prometheus::Gauge* gauge : gauges_) days_left_.Remove(gauge);
  gauges_.clear();
  for (const v1::CertificateStatus& certificate : certificates) {
    if (certificate.serial().empty()) continue;  // an unreadable file: nothing to count
    prometheus::Gauge& gauge = days_left_.Add({{"role", certificate.role()},
                                               {"file", certificate.file()},
                                               {"serial", certificate.serial()}});
    gauge.Set(static_cast<double>(certificate.days_left()));
    gauges_.push_back(&gauge);
  }
}

}  // namespace lienthong::admin

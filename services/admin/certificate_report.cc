// Describing the certificates in use.
#include "services/admin/certificate_report.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"
#include "services/security/tls_material.h"

namespace lienthong::admin {
namespace {

v1::CertificateStatus Describe(const std::string& role, const std::string& file,
                               const security::CertificateInfo& info, absl::Time now) {
  v1::CertificateStatus status;
  status.set_role(role);
  status.set_file(file);
  status.set_subject(info.subject);
  status.set_issuer(info.issuer);
  status.set_serial(info.serial_hex);
  for (const auto& dns : info.dns_sans) status.add_sans(absl::StrCat("DNS:", dns));
  for (const auto& ip : info.ip_sans) status.add_sans(absl::StrCat("IP:", ip));
  for (const auto& uri : info.uri_sans) status.add_sans(absl::StrCat("URI:", uri));
  ToProtoTimestamp(info.not_before, status.mutable_not_before());
  ToProtoTimestamp(info.not_after, status.mutable_not_after());
  const int64_t days = security::DaysLeft(info.not_after, now);
  status.set_days_left(days);
  const std::string date = absl::FormatTime("%Y-%m-%d", info.not_after, absl::UTCTimeZone());
  if (now > info.not_after) {
    status.set_warning(absl::StrCat("EXPIRED on ", date));
  } else if (now < info.not_before) {
    status.set_warning(absl::StrCat("not valid before ",
                                    security::FormatUtc(info.not_before)));
  } else if (days < kExpiryWarningDays) {
    status.set_warning(absl::StrCat("expires in ", days, " days (", date, "): rotate it"));
  }
  return status;
}

// An entry for a file that gives no certificate: the reason is its warning.
v1::CertificateStatus Unreadable(const std::string& role, const std::string& file,
                                 const absl::Status& why) {
  v1::CertificateStatus unreadable;
  unreadable.set_role(role);
  unreadable.set_file(file);
  unreadable.set_warning(std::string(why.message()));
  return unreadable;
}

// One entry per certificate of a PEM bundle: `first_role` for the first, `other_role` for the rest.
void DescribePem(const std::string& pem, const std::string& file, const std::string& first_role,
                 const std::string& other_role, absl::Time now,
                 std::vector<v1::CertificateStatus>* out) {
  auto infos = security::InspectCertificates(pem);
  if (!infos.ok()) {
    out->push_back(Unreadable(first_role, file, infos.status()));
    return;
  }
  for (size_t i = 0; i < infos->size(); ++i) {
    out->push_back(Describe(i == 0 ? first_role : other_role, file, (*infos)[i], now));
  }
}

void DescribeFile(const std::string& file, const std::string& first_role,
                  const std::string& other_role, absl::Time now,
                  std::vector<v1::CertificateStatus>* out) {
  auto pem = security::ReadFileToString(file);
  if (!pem.ok()) {
    out->push_back(Unreadable(first_role, file, pem.status()));
    return;
  }
  DescribePem(*pem, file, first_role, other_role, now, out);
}

}  // namespace

std::vector<v1::CertificateStatus> CertificatesInUse(const security::TlsCandidate& listener,
                                                     const config::v1::GatewayConfig& config,
                                                     absl::Time now) {
  std::vector<v1::CertificateStatus> out;
  DescribePem(listener.cert_pem, listener.sources.cert_file, "server", "server-chain", now, &out);
  DescribePem(listener.ca_pem, listener.sources.ca_file, "ca", "ca", now, &out);
  for (const auto& adapter : config.adapters()) {
    if (!adapter.has_grpc()) continue;
    const std::string role = absl::StrCat("adapter:", adapter.name());
    DescribeFile(adapter.grpc().cert_file(), role, role + ":chain", now, &out);
    DescribeFile(adapter.grpc().ca_file(), role + ":ca", role + ":ca", now, &out);
  }
  return out;
}

}  // namespace lienthong::admin

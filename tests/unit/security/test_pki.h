// Test helpers for the security tests: temporary folders and short-hand certificate issuance.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/security/pki.h"

namespace lienthong::security::testing {

// A fresh folder under TMPDIR (or /tmp), removed with everything in it at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/pki_test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// 2025-01-01T00:00:00Z plus `days`: fixed instants keep messages predictable.
inline absl::Time Day(int days) {
  return absl::FromCivil(absl::CivilDay(2025, 1, 1), absl::UTCTimeZone()) + absl::Hours(24 * days);
}

// A self-signed CA named `name`, valid over [not_before, not_after].
inline KeyAndCert MakeCa(const std::string& name, absl::Time not_before = Day(-1),
                         absl::Time not_after = Day(3650)) {
  CaSpec spec;
  spec.subject.common_name = name;
  spec.subject.organization = "lienthong test";
  spec.not_before = not_before;
  spec.not_after = not_after;
  absl::StatusOr<KeyAndCert> ca = CreateCertificateAuthority(spec);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return ca.ok() ? *ca : KeyAndCert{};
}

// A leaf with CN `cn` signed by `issuer`, valid over [not_before, not_after].
inline KeyAndCert MakeLeaf(const KeyAndCert& issuer, const std::string& cn,
                           absl::Time not_before = Day(-1), absl::Time not_after = Day(365)) {
  LeafSpec spec;
  spec.subject.common_name = cn;
  spec.dns_sans = {cn};
  spec.not_before = not_before;
  spec.not_after = not_after;
  absl::StatusOr<KeyAndCert> leaf = IssueCertificate(issuer, spec);
  EXPECT_TRUE(leaf.ok()) << leaf.status();
  return leaf.ok() ? *leaf : KeyAndCert{};
}

}  // namespace lienthong::security::testing

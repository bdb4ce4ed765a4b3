// Fuzz target: TLS material as an operator's files give it: certificate chains, private keys and
// CA bundles (services/security/tls_material.h). The first byte picks the reader. Every answer
// is a status (INVALID_ARGUMENT for what does not parse), never a crash or a leak.
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/security/tls_material.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong::security;  // NOLINT: a fuzz entry point
  if (size == 0) return 0;
  const uint8_t pick = data[0] % 4;
  const absl::string_view pem(reinterpret_cast<const char*>(data) + 1, size - 1);
  const absl::Time now = absl::FromUnixSeconds(1767225600);  // fixed: crashes reproduce
  switch (pick) {
    case 0: {
      auto infos = InspectCertificates(pem);
      if (infos.ok()) {
        LIENTHONG_FUZZ_CHECK(!infos->empty(), "a parsed chain holds a certificate");
      }
      break;
    }
    case 1:
      (void)ParsePrivateKey(pem);
      break;
    case 2: {
      std::vector<std::string> warnings;
      (void)ValidateCaBundle(pem, now, &warnings);
      break;
    }
    default: {
      // What MemberIdFromCertificate(pem, source) does (ParseCertificates, then the first
      // certificate), with the chain parsed once for both sources instead of twice.
      auto certs = ParseCertificates(pem);
      if (certs.ok()) {
        LIENTHONG_FUZZ_CHECK(!certs->empty(), "a parsed chain holds a certificate");
        (void)MemberIdFromCertificate(*certs->front(), MemberIdSource::kUriSan);
        (void)MemberIdFromCertificate(*certs->front(), MemberIdSource::kSubjectCommonName);
      }
      break;
    }
  }
  return 0;
}

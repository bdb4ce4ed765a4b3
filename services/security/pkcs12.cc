// PKCS#12 export of a member certificate.
#include "services/security/pkcs12.h"

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"

namespace lienthong::security {

absl::StatusOr<std::string> ExportPkcs12(absl::string_view key_pem, absl::string_view cert_pem,
                                         absl::string_view ca_pem,
                                         const std::string& friendly_name,
                                         const std::string& password) {
  if (password.empty()) {
    return absl::InvalidArgumentError("a PKCS#12 file needs a password (it holds a private key)");
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKey(key_pem));
  ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertificates(cert_pem, "certificate"));
  std::vector<X509Ptr> cas;
  if (!ca_pem.empty()) {
    ASSIGN_OR_RETURN(cas, ParseCertificates(ca_pem, "CA bundle"));
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    DrainOpenSslErrors();
    return absl::InvalidArgumentError("the private key does not match the certificate");
  }
  STACK_OF(X509)* others = sk_X509_new_null();
  if (others == nullptr) return absl::InternalError("out of memory");
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(others, chain[i].get());
  for (const X509Ptr& ca : cas) sk_X509_push(others, ca.get());
  // NIDs 0: OpenSSL 3's defaults (AES-256-CBC with PBKDF2, SHA-256 MAC); the iteration counts
  // of the key encryption and of the MAC are given, not left to the library's default.
  constexpr int kIterations = 100000;
  PKCS12* p12 = PKCS12_create(password.c_str(), friendly_name.c_str(), key.get(),
                              chain.front().get(), others, 0, 0, kIterations, kIterations, 0);
  sk_X509_free(others);  // the certificates stay owned by the vectors
  if (p12 == nullptr) {
    return absl::InternalError(absl::StrCat("PKCS12_create failed: ", DrainOpenSslErrors()));
  }
  unsigned char* der = nullptr;
  const int length = i2d_PKCS12(p12, &der);
  PKCS12_free(p12);
  if (length <= 0) {
    return absl::InternalError(absl::StrCat("i2d_PKCS12 failed: ", DrainOpenSslErrors()));
  }
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

}  // namespace lienthong::security

// PKCS#12 export: what a browser imports reads back, with the password only, as the same key,
// certificate and CA.
#include <openssl/pkcs12.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/security/pki.h"
#include "services/security/pkcs12.h"
#include "services/security/tls_material.h"

namespace lienthong::security {
namespace {

struct Parsed {
  bool ok = false;
  std::string friendly_name;
  int cas = 0;
  bool key_matches = false;
};

Parsed Parse(const std::string& der, const char* password) {
  Parsed out;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
  if (p12 == nullptr) return out;
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* cas = nullptr;
  out.ok = PKCS12_parse(p12, password, &key, &cert, &cas) == 1;
  if (out.ok) {
    int length = 0;
    unsigned char* alias = X509_alias_get0(cert, &length);
    if (alias != nullptr) out.friendly_name.assign(reinterpret_cast<char*>(alias), length);
    out.cas = cas == nullptr ? 0 : sk_X509_num(cas);
    out.key_matches = X509_check_private_key(cert, key) == 1;
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(cas, X509_free);
  PKCS12_free(p12);
  DrainOpenSslErrors();
  return out;
}

class Pkcs12Test : public ::testing::Test {
 protected:
  void SetUp() override {
    CaSpec ca_spec;
    ca_spec.subject.common_name = "Test CA";
    auto ca = CreateCertificateAuthority(ca_spec);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto spec = MemberCertificateSpec("000.00.99.H49", "Test");
    ASSERT_TRUE(spec.ok());
    auto member = IssueCertificate(ca_, *spec);
    ASSERT_TRUE(member.ok());
    member_ = *member;
  }
  KeyAndCert ca_, member_;
};

TEST_F(Pkcs12Test, ReadsBackWithThePasswordAsTheSameKeyCertificateAndCa) {
  auto p12 = ExportPkcs12(member_.key_pem, member_.cert_pem, ca_.cert_pem, "000.00.99.H49", "bí mật");
  ASSERT_TRUE(p12.ok()) << p12.status();
  const Parsed parsed = Parse(*p12, "bí mật");
  ASSERT_TRUE(parsed.ok);
  EXPECT_TRUE(parsed.key_matches);
  EXPECT_EQ(parsed.friendly_name, "000.00.99.H49");
  EXPECT_EQ(parsed.cas, 1);
  EXPECT_FALSE(Parse(*p12, "wrong").ok);
}

TEST_F(Pkcs12Test, RefusesAnEmptyPasswordAndAMismatchedKey) {
  EXPECT_EQ(ExportPkcs12(member_.key_pem, member_.cert_pem, ca_.cert_pem, "m", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto mismatch = ExportPkcs12(ca_.key_pem, member_.cert_pem, ca_.cert_pem, "m", "pw");
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mismatch.status().message()), ::testing::HasSubstr("does not match"));
  EXPECT_EQ(ExportPkcs12("not a key", member_.cert_pem, ca_.cert_pem, "m", "pw").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lienthong::security

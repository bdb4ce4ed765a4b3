// Tests of certificate issuance, CRLs, atomic file writes and the development PKI.
#include "services/security/pki.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/security/dev_pki.h"
#include "services/security/tls_material.h"
#include "tests/unit/security/test_pki.h"

namespace lienthong::security {
namespace {

using ::lienthong::security::testing::Day;
using ::lienthong::security::testing::MakeCa;
using ::lienthong::security::testing::MakeLeaf;
using ::lienthong::security::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<&X509_CRL_free>>;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

X509Ptr FirstCertificate(const std::string& pem) {
  absl::StatusOr<std::vector<X509Ptr>> certs = ParseCertificates(pem);
  EXPECT_TRUE(certs.ok()) << certs.status();
  return certs.ok() ? std::move(certs->front()) : nullptr;
}

// True when the certificate has extension `nid`, and it is critical when `critical` says so.
bool HasExtension(const X509& cert, int nid, bool critical) {
  const int pos = X509_get_ext_by_NID(&cert, nid, -1);
  if (pos < 0) return false;
  return X509_EXTENSION_get_critical(X509_get_ext(&cert, pos)) == (critical ? 1 : 0);
}

TEST(CreateCertificateAuthorityTest, MakesACaCertificate) {
  const KeyAndCert ca = MakeCa("Test CA");
  X509Ptr cert = FirstCertificate(ca.cert_pem);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_TRUE(HasExtension(*cert, NID_basic_constraints, true));
  EXPECT_TRUE(HasExtension(*cert, NID_key_usage, true));
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert.get())), EVP_PKEY_EC);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);  // self-signed
  EXPECT_TRUE(ValidateCaBundle(ca.cert_pem, Day(10)).ok());
}

TEST(IssueCertificateTest, MakesALeafWithUsageAndKeyIds) {
  const KeyAndCert ca = MakeCa("Test CA");
  LeafSpec spec;
  spec.subject.common_name = "client.test";
  spec.usage = CertificateUsage::kClient;
  spec.not_before = Day(0);
  spec.not_after = Day(30);
  const absl::StatusOr<KeyAndCert> leaf = IssueCertificate(ca, spec);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  X509Ptr cert = FirstCertificate(leaf->cert_pem);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_TRUE(HasExtension(*cert, NID_basic_constraints, true));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 0);
  EXPECT_EQ(CertificateNotAfter(*cert).value(), Day(30));
}

TEST(IssueCertificateTest, RandomSerialsDiffer) {
  const KeyAndCert ca = MakeCa("Test CA");
  const absl::StatusOr<std::vector<CertificateInfo>> one =
      InspectCertificates(MakeLeaf(ca, "a.test").cert_pem);
  const absl::StatusOr<std::vector<CertificateInfo>> two =
      InspectCertificates(MakeLeaf(ca, "b.test").cert_pem);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_NE(one->front().serial_hex, two->front().serial_hex);
  EXPECT_GE(one->front().serial_hex.size(), 24u);  // 128 random bits, a few may lead with zeros
}

TEST(IssueCertificateTest, RefusesBadSpecs) {
  const KeyAndCert ca = MakeCa("Test CA");
  LeafSpec bad_ip;
  bad_ip.subject.common_name = "x";
  bad_ip.ip_sans = {"300.1.1.1"};
  EXPECT_EQ(IssueCertificate(ca, bad_ip).status().code(), absl::StatusCode::kInvalidArgument);
  LeafSpec bad_serial;
  bad_serial.subject.common_name = "x";
  bad_serial.serial_hex = "xyz";
  EXPECT_EQ(IssueCertificate(ca, bad_serial).status().code(), absl::StatusCode::kInvalidArgument);
  LeafSpec backwards;
  backwards.subject.common_name = "x";
  backwards.not_before = Day(10);
  backwards.not_after = Day(5);
  EXPECT_THAT(IssueCertificate(ca, backwards).status().message(),
              HasSubstr("is not after not_before"));
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test");
  LeafSpec ok;
  ok.subject.common_name = "x";
  EXPECT_THAT(IssueCertificate(leaf, ok).status().message(), HasSubstr("is not a CA certificate"));
  EXPECT_THAT(
      IssueCertificate(KeyAndCert{MakeCa("Other").key_pem, ca.cert_pem}, ok).status().message(),
      HasSubstr("issuer private key does not match issuer certificate"));
}

TEST(CreateCrlTest, ListsTheRevokedSerials) {
  const KeyAndCert ca = MakeCa("Test CA");
  const absl::StatusOr<std::string> pem = CreateCrl(ca, {"0a1b2c", "FF01"}, Day(1), Day(8));
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_TRUE(absl::StartsWith(*pem, "-----BEGIN X509 CRL-----"));

  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(crl, nullptr);
  X509Ptr ca_cert = FirstCertificate(ca.cert_pem);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca_cert.get())), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca_cert.get())), 0);
  ASSERT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), 2);

  LeafSpec spec;
  spec.subject.common_name = "revoked.test";
  spec.serial_hex = "0A1B2C";
  const absl::StatusOr<KeyAndCert> revoked = IssueCertificate(ca, spec);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  X509Ptr revoked_cert = FirstCertificate(revoked->cert_pem);
  X509_REVOKED* entry = nullptr;
  EXPECT_EQ(X509_CRL_get0_by_cert(crl.get(), &entry, revoked_cert.get()), 1);
  X509Ptr other = FirstCertificate(MakeLeaf(ca, "fine.test").cert_pem);
  EXPECT_EQ(X509_CRL_get0_by_cert(crl.get(), &entry, other.get()), 0);

  EXPECT_EQ(CreateCrl(ca, {"0a", "0A"}, Day(1), Day(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateCrl(ca, {}, Day(8), Day(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WritePrivateFileTest, ReplacesAtomicallyWithTheGivenMode) {
  TempDir dir;
  const std::string path = dir.path() + "/secret.key";
  ASSERT_TRUE(WritePrivateFile(path, "first", kPrivateKeyMode).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_TRUE(WritePrivateFile(path, "second", kCertificateMode).ok());
  EXPECT_EQ(ModeOf(path), 0644u);
  EXPECT_EQ(ReadFileToString(path).value(), "second");
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(left, ElementsAre("secret.key"));  // no temporary file left behind
  EXPECT_FALSE(WritePrivateFile(dir.path() + "/no/such/dir/x", "x", kPrivateKeyMode).ok());
}

TEST(InitDevelopmentPkiTest, CreatesEveryFileWithPrivateModes) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/pki";
  const absl::Time now = absl::Now();
  DevPkiSpec spec;
  spec.now = now;
  ASSERT_TRUE(InitDevelopmentPki(dir, spec).ok());

  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/members"), 0700u);
  std::vector<std::string> stems = {"ca", "gateway"};
  for (const char* member : {"motcua", "giaoduc", "admin"}) {
    stems.push_back(absl::StrCat("members/", member));
  }
  for (const std::string& stem : stems) {
    EXPECT_EQ(ModeOf(dir + "/" + stem + ".key"), 0600u) << stem;
    EXPECT_EQ(ModeOf(dir + "/" + stem + ".crt"), 0644u) << stem;
  }
  const std::string readme = ReadFileToString(dir + "/README.txt").value();
  EXPECT_THAT(readme, HasSubstr("NEVER use them in production"));
  EXPECT_THAT(readme, HasSubstr("EXAMPLES"));

  const std::string ca = ReadFileToString(dir + "/ca.crt").value();
  EXPECT_TRUE(ValidateCaBundle(ca, now).ok());
  const CertificateInfo ca_info = InspectCertificates(ca).value().front();
  EXPECT_EQ(ca_info.not_after - ca_info.not_before, kCaValidity);

  const std::string gateway = ReadFileToString(dir + "/gateway.crt").value();
  EXPECT_TRUE(
      ValidateKeyCertPair(ReadFileToString(dir + "/gateway.key").value(), gateway, ca, now).ok());
  const CertificateInfo info = InspectCertificates(gateway).value().front();
  EXPECT_EQ(info.common_name, "lienthong-gateway");
  EXPECT_THAT(info.dns_sans, ElementsAre("localhost"));
  EXPECT_THAT(info.ip_sans, ElementsAre("127.0.0.1", "::1"));
  EXPECT_EQ(info.not_after - info.not_before, kLeafValidity);

  const std::string motcua = ReadFileToString(dir + "/members/motcua.crt").value();
  EXPECT_TRUE(
      ValidateKeyCertPair(ReadFileToString(dir + "/members/motcua.key").value(), motcua, ca, now)
          .ok());
  EXPECT_EQ(MemberIdFromCertificate(motcua, MemberIdSource::kUriSan).value(), "000.00.00.H49");
  EXPECT_EQ(MemberIdFromCertificate(ReadFileToString(dir + "/members/giaoduc.crt").value(),
                                    MemberIdSource::kSubjectCommonName)
                .value(),
            "000.00.31.H49");
  EXPECT_EQ(MemberIdFromCertificate(ReadFileToString(dir + "/members/admin.crt").value(),
                                    MemberIdSource::kUriSan)
                .value(),
            "000.00.99.H49");
}

TEST(InitDevelopmentPkiTest, RefusesToReplaceACaWithoutForce) {
  TempDir tmp;
  ASSERT_TRUE(InitDevelopmentPki(tmp.path()).ok());
  const std::string first_ca = ReadFileToString(tmp.path() + "/ca.crt").value();

  const absl::Status again = InitDevelopmentPki(tmp.path());
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("a development CA already exists"));
  EXPECT_THAT(again.message(), HasSubstr("force"));
  EXPECT_EQ(ReadFileToString(tmp.path() + "/ca.crt").value(), first_ca);

  DevPkiSpec forced;
  forced.force = true;
  ASSERT_TRUE(InitDevelopmentPki(tmp.path(), forced).ok());
  EXPECT_NE(ReadFileToString(tmp.path() + "/ca.crt").value(), first_ca);
}

TEST(InitDevelopmentPkiTest, RefusesBadMemberNames) {
  TempDir tmp;
  DevPkiSpec spec;
  spec.members = {{"../escape", "000.00.00.H49", "x"}};
  EXPECT_EQ(InitDevelopmentPki(tmp.path(), spec).code(), absl::StatusCode::kInvalidArgument);
  spec.members = {{"twice", "000.00.00.H49", "x"}, {"twice", "000.00.31.H49", "y"}};
  EXPECT_EQ(InitDevelopmentPki(tmp.path(), spec).code(), absl::StatusCode::kInvalidArgument);
}

// The files must satisfy a standard tool too, not only this module's own checks.
TEST(InitDevelopmentPkiTest, OpensslCommandLineAcceptsTheFiles) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the openssl command is not installed";
  }
  TempDir tmp;
  ASSERT_TRUE(InitDevelopmentPki(tmp.path()).ok());
  const std::string d = tmp.path();
  const auto run = [](const std::string& command) {
    return std::system((command + " > /dev/null 2>&1").c_str());
  };
  EXPECT_EQ(run("openssl verify -CAfile " + d + "/ca.crt " + d + "/gateway.crt"), 0);
  EXPECT_EQ(run("openssl verify -purpose sslserver -CAfile " + d + "/ca.crt " + d + "/gateway.crt"),
            0);
  EXPECT_EQ(run("openssl verify -purpose sslclient -CAfile " + d + "/ca.crt " + d +
                "/members/motcua.crt " + d + "/members/giaoduc.crt " + d + "/members/admin.crt"),
            0);
  EXPECT_NE(run("openssl verify -purpose sslserver -CAfile " + d + "/ca.crt " + d +
                "/members/motcua.crt"),
            0);  // member certificates are client-only
  EXPECT_EQ(run("openssl pkey -check -noout -in " + d + "/gateway.key"), 0);

  const KeyAndCert ca{ReadFileToString(d + "/ca.key").value(),
                      ReadFileToString(d + "/ca.crt").value()};
  const absl::StatusOr<std::string> crl =
      CreateCrl(ca, {"01"}, absl::Now(), absl::Now() + absl::Hours(24));
  ASSERT_TRUE(crl.ok()) << crl.status();
  ASSERT_TRUE(WritePrivateFile(d + "/ca.crl", *crl, kCertificateMode).ok());
  EXPECT_EQ(run("openssl crl -noout -CAfile " + d + "/ca.crt -in " + d + "/ca.crl"), 0);
}

}  // namespace
}  // namespace lienthong::security

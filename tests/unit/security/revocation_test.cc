// Tests of CRL folders: what loads, what is refused (fail closed), and chain checks.
#include "services/security/revocation.h"

#include <openssl/pem.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/security/pki.h"
#include "tests/unit/security/test_pki.h"

namespace lienthong::security {
namespace {

using ::lienthong::security::testing::Day;
using ::lienthong::security::testing::MakeCa;
using ::lienthong::security::testing::MakeLeaf;
using ::lienthong::security::testing::TempDir;
using ::testing::HasSubstr;

MATCHER_P2(StatusIs, code, fragment, "") {
  return arg.code() == code && absl::StrContains(arg.message(), fragment);
}

std::string Serial(const KeyAndCert& cert) {
  auto infos = InspectCertificates(cert.cert_pem);
  return infos.ok() ? infos->front().serial_hex : "";
}

std::string Crl(const KeyAndCert& ca, const std::vector<std::string>& serials,
                absl::Time next_update = Day(30)) {
  absl::StatusOr<std::string> crl = CreateCrl(ca, serials, Day(1), next_update);
  EXPECT_TRUE(crl.ok()) << crl.status();
  return crl.value_or("");
}

void Write(const std::string& path, const std::string& contents) {
  ASSERT_TRUE(WritePrivateFile(path, contents, kCertificateMode).ok()) << path;
}

absl::Status Check(const RevocationList& list, const KeyAndCert& leaf) {
  return list.CheckChainPem(leaf.cert_pem);
}

TEST(RevocationListTest, RefusesAListedCertificateAndPassesOthers) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert revoked = MakeLeaf(ca, "revoked.test");
  const KeyAndCert kept = MakeLeaf(ca, "kept.test");
  Write(dir.path() + "/ca.crl", Crl(ca, {Serial(revoked)}));
  auto list = RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(2));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ((*list)->crl_count(), 1);
  EXPECT_EQ((*list)->revoked_count(), 1);
  EXPECT_THAT(Check(**list, revoked),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "certificate serial " + Serial(revoked) + " (subject CN=revoked.test"));
  EXPECT_TRUE(Check(**list, kept).ok());
}

TEST(RevocationListTest, ReadsDerCrlsAndSkipsHiddenFiles) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert revoked = MakeLeaf(ca, "revoked.test");
  const std::string pem = Crl(ca, {Serial(revoked)});
  // DER: the base64 between the PEM armour lines, decoded by OpenSSL.
  BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509_CRL* crl = PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr);
  ASSERT_NE(crl, nullptr);
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  X509_CRL_free(crl);
  ASSERT_GT(len, 0);
  Write(dir.path() + "/ca.der", std::string(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  Write(dir.path() + "/.editor-swap", "not a CRL");
  auto list = RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(2));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_FALSE(Check(**list, revoked).ok());
}

TEST(RevocationListTest, RefusesACrlNoCaOfTheBundleSigned) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert impostor = MakeCa("CA");  // same name, another key
  Write(dir.path() + "/ca.crl", Crl(impostor, {}));
  EXPECT_THAT(RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(2)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is not signed by any CA"));
}

TEST(RevocationListTest, RefusesAFileThatIsNotACrl) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  Write(dir.path() + "/ca.crl", Crl(ca, {}));
  Write(dir.path() + "/notes.txt", "remember to renew");
  EXPECT_THAT(RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(2)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "notes.txt"));
}

TEST(RevocationListTest, RefusesAFolderWithoutTheCrlOfAValidCa) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert second = MakeCa("Second CA");
  const KeyAndCert expired = MakeCa("Old CA", Day(-400), Day(-1));
  Write(dir.path() + "/ca.crl", Crl(ca, {}));
  const std::string bundle = ca.cert_pem + second.cert_pem + expired.cert_pem;
  EXPECT_THAT(RevocationList::LoadDirectory(dir.path(), bundle, Day(2)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no CRL of CA CN=Second CA"));
  // An expired CA needs none: it verifies nothing any more.
  Write(dir.path() + "/second.crl", Crl(second, {}));
  EXPECT_TRUE(RevocationList::LoadDirectory(dir.path(), bundle, Day(2)).ok());
}

TEST(RevocationListTest, RefusesACertificateWhoseIssuerHasNoCrl) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert other = MakeCa("Other CA");
  Write(dir.path() + "/ca.crl", Crl(ca, {}));
  auto list = RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(2));
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(Check(**list, MakeLeaf(other, "stranger.test")),
              StatusIs(absl::StatusCode::kPermissionDenied, "no CRL of issuer CN=Other CA"));
}

TEST(RevocationListTest, UsesAStaleCrlAndWarns) {
  TempDir dir;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert revoked = MakeLeaf(ca, "revoked.test");
  Write(dir.path() + "/ca.crl", Crl(ca, {Serial(revoked)}, Day(5)));
  std::vector<std::string> warnings;
  auto list = RevocationList::LoadDirectory(dir.path(), ca.cert_pem, Day(10), &warnings);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_FALSE(Check(**list, revoked).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("past its nextUpdate"));
}

TEST(RevocationListTest, ComparesRevocations) {
  TempDir one;
  TempDir two;
  const KeyAndCert ca = MakeCa("CA");
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test");
  Write(one.path() + "/ca.crl", Crl(ca, {}));
  Write(two.path() + "/ca.crl", Crl(ca, {Serial(leaf)}));
  auto a = RevocationList::LoadDirectory(one.path(), ca.cert_pem, Day(2));
  auto b = RevocationList::LoadDirectory(two.path(), ca.cert_pem, Day(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->SameRevocations(**a));
  EXPECT_FALSE((*a)->SameRevocations(**b));
}

}  // namespace
}  // namespace lienthong::security

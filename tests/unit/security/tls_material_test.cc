// Tests of TLS material validation: key/cert pairs, chains, CA bundles, member identities.
#include "services/security/tls_material.h"

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Status matcher on code and message fragment, for readable failures.
MATCHER_P2(StatusIs, code, fragment, "") {
  return arg.code() == code && absl::StrContains(arg.message(), fragment);
}

TEST(ValidateKeyCertPairTest, AcceptsAGoodPair) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "gateway.test");
  EXPECT_TRUE(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, ca.cert_pem, Day(10)).ok());
}

TEST(ValidateKeyCertPairTest, RefusesAKeyOfAnotherCertificate) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert one = MakeLeaf(ca, "one.test");
  const KeyAndCert two = MakeLeaf(ca, "two.test");
  EXPECT_THAT(
      ValidateKeyCertPair(two.key_pem, one.cert_pem, ca.cert_pem, Day(10)),
      StatusIs(absl::StatusCode::kFailedPrecondition, "private key does not match certificate"));
}

TEST(ValidateKeyCertPairTest, RefusesAnExpiredCertificateNamingWhen) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "old.test", Day(-30), Day(0));
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, ca.cert_pem, Day(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate expired at 2025-01-01T00:00:00Z"));
}

TEST(ValidateKeyCertPairTest, RefusesANotYetValidCertificateNamingWhen) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "future.test", Day(31), Day(400));
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, ca.cert_pem, Day(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate not yet valid: valid from 2025-02-01T00:00:00Z"));
}

TEST(ValidateKeyCertPairTest, RefusesALeafOfAnotherCa) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert other_ca = MakeCa("Other CA");
  const KeyAndCert leaf = MakeLeaf(other_ca, "stranger.test");
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate chain does not verify against CA bundle: unable to get "
                       "local issuer certificate"));
}

TEST(ValidateKeyCertPairTest, RefusesALeafWhoseCaHasExpired) {
  const KeyAndCert ca = MakeCa("Short CA", Day(-10), Day(5));
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test", Day(-1), Day(100));
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "certificate has expired (depth 1, subject CN=Short CA"));
}

TEST(ValidateKeyCertPairTest, CaRolloverBundleVerifiesLeavesOfBothCas) {
  const KeyAndCert old_ca = MakeCa("Old CA", Day(-400), Day(400));
  const KeyAndCert new_ca = MakeCa("New CA", Day(-1), Day(4000));
  const KeyAndCert old_leaf = MakeLeaf(old_ca, "old.test");
  const KeyAndCert new_leaf = MakeLeaf(new_ca, "new.test");
  const std::string bundle = old_ca.cert_pem + new_ca.cert_pem;
  EXPECT_TRUE(ValidateKeyCertPair(old_leaf.key_pem, old_leaf.cert_pem, bundle, Day(10)).ok());
  EXPECT_TRUE(ValidateKeyCertPair(new_leaf.key_pem, new_leaf.cert_pem, bundle, Day(10)).ok());
  // Once the old CA leaves the bundle, its leaves stop verifying.
  EXPECT_THAT(ValidateKeyCertPair(old_leaf.key_pem, old_leaf.cert_pem, new_ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "does not verify"));
}

TEST(ValidateKeyCertPairTest, UsesIntermediatesFromTheChain) {
  const KeyAndCert root = MakeCa("Root CA");
  CaSpec intermediate_spec;
  intermediate_spec.subject.common_name = "Issuing CA";
  intermediate_spec.not_before = Day(-1);
  intermediate_spec.not_after = Day(1000);
  const absl::StatusOr<KeyAndCert> intermediate =
      IssueIntermediateAuthority(root, intermediate_spec);
  ASSERT_TRUE(intermediate.ok()) << intermediate.status();
  const KeyAndCert leaf = MakeLeaf(*intermediate, "leaf.test");
  EXPECT_TRUE(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem + intermediate->cert_pem,
                                  root.cert_pem, Day(10))
                  .ok());
  EXPECT_THAT(
      ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, root.cert_pem, Day(10)),
      StatusIs(absl::StatusCode::kFailedPrecondition, "unable to get local issuer certificate"));
}

TEST(ValidateKeyCertPairTest, NamesTheInputThatDoesNotParse) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test");
  EXPECT_THAT(ValidateKeyCertPair("garbage", leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "private key PEM holds no private key"));
  EXPECT_THAT(ValidateKeyCertPair(leaf.cert_pem, leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "private key PEM holds no private key"));
  std::string bad_key = leaf.key_pem;
  bad_key.erase(bad_key.size() / 2, 20);
  EXPECT_THAT(ValidateKeyCertPair(bad_key, leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "private key PEM does not parse"));
  EXPECT_THAT(
      ValidateKeyCertPair(leaf.key_pem, leaf.key_pem, ca.cert_pem, Day(10)),
      StatusIs(absl::StatusCode::kInvalidArgument, "certificate chain PEM holds no certificate"));
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, leaf.cert_pem, "", Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "CA bundle PEM is empty"));
  std::string truncated = leaf.cert_pem;
  truncated.erase(truncated.size() / 2, 40);
  EXPECT_THAT(ValidateKeyCertPair(leaf.key_pem, truncated, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "certificate chain PEM does not parse (certificate 1)"));
}

TEST(ValidateKeyCertPairTest, RefusesAnEncryptedKey) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test");
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKey(leaf.key_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  BioPtr bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key->get(), EVP_aes_256_cbc(), passphrase, 6,
                                          nullptr, nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  const std::string encrypted(data, static_cast<size_t>(len));
  EXPECT_THAT(ValidateKeyCertPair(encrypted, leaf.cert_pem, ca.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "private key PEM is encrypted"));
}

TEST(ValidateCaBundleTest, AcceptsAValidBundle) {
  const KeyAndCert ca = MakeCa("Test CA");
  std::vector<std::string> warnings;
  EXPECT_TRUE(ValidateCaBundle(ca.cert_pem, Day(10), &warnings).ok());
  EXPECT_TRUE(warnings.empty());
}

TEST(ValidateCaBundleTest, RefusesALeafInTheBundle) {
  const KeyAndCert ca = MakeCa("Test CA");
  const KeyAndCert leaf = MakeLeaf(ca, "leaf.test");
  EXPECT_THAT(
      ValidateCaBundle(ca.cert_pem + leaf.cert_pem, Day(10)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "CA bundle certificate 2 (subject CN=leaf.test,C=VN) is not a CA certificate"));
}

TEST(ValidateCaBundleTest, ToleratesAnExpiredCaNextToAValidOneWithAWarning) {
  const KeyAndCert old_ca = MakeCa("Old CA", Day(-400), Day(5));
  const KeyAndCert new_ca = MakeCa("New CA", Day(-1), Day(4000));
  std::vector<std::string> warnings;
  EXPECT_TRUE(ValidateCaBundle(old_ca.cert_pem + new_ca.cert_pem, Day(10), &warnings).ok());
  EXPECT_THAT(warnings,
              ElementsAre(HasSubstr(
                  "CA bundle certificate 1: certificate expired at 2025-01-06T00:00:00Z")));
}

TEST(ValidateCaBundleTest, RefusesABundleWhereEveryCaHasExpired) {
  const KeyAndCert one = MakeCa("One CA", Day(-400), Day(5));
  const KeyAndCert two = MakeCa("Two CA", Day(-400), Day(7));
  EXPECT_THAT(ValidateCaBundle(one.cert_pem + two.cert_pem, Day(10)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "every certificate of the CA bundle has expired (the latest at "
                       "2025-01-08T00:00:00Z)"));
}

TEST(ValidateCaBundleTest, RefusesABundleWithNoCertificate) {
  EXPECT_THAT(ValidateCaBundle("# nothing here\n", Day(10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "CA bundle PEM holds no certificate"));
}

TEST(InspectCertificatesTest, DescribesEveryCertificateOfABundle) {
  const KeyAndCert ca = MakeCa("Test CA");
  LeafSpec spec;
  spec.subject.common_name = "gateway";
  spec.subject.organization = "Sở Giáo dục và Đào tạo";
  spec.dns_sans = {"localhost", "gw.example"};
  spec.ip_sans = {"127.0.0.1", "::1"};
  spec.uri_sans = {"urn:lienthong:member:000.00.31.H49"};
  spec.serial_hex = "0a1b2c";
  spec.not_before = Day(0);
  spec.not_after = Day(825);
  const absl::StatusOr<KeyAndCert> leaf = IssueCertificate(ca, spec);
  ASSERT_TRUE(leaf.ok()) << leaf.status();

  const absl::StatusOr<std::vector<CertificateInfo>> infos =
      InspectCertificates(leaf->cert_pem + ca.cert_pem);
  ASSERT_TRUE(infos.ok()) << infos.status();
  ASSERT_EQ(infos->size(), 2u);
  const CertificateInfo& info = (*infos)[0];
  EXPECT_EQ(info.common_name, "gateway");
  EXPECT_THAT(info.subject, HasSubstr("CN=gateway"));
  EXPECT_THAT(info.subject, HasSubstr("C=VN"));
  EXPECT_THAT(info.issuer, HasSubstr("CN=Test CA"));
  EXPECT_EQ(info.serial_hex, "0A1B2C");
  EXPECT_THAT(info.dns_sans, ElementsAre("localhost", "gw.example"));
  EXPECT_THAT(info.ip_sans, ElementsAre("127.0.0.1", "::1"));
  EXPECT_THAT(info.uri_sans, ElementsAre("urn:lienthong:member:000.00.31.H49"));
  EXPECT_EQ(info.not_before, Day(0));
  EXPECT_EQ(info.not_after, Day(825));
  EXPECT_FALSE(info.is_ca);
  EXPECT_EQ(info.sha256_fingerprint.size(), 64u);
  EXPECT_TRUE((*infos)[1].is_ca);
  EXPECT_EQ((*infos)[1].common_name, "Test CA");
}

TEST(MemberIdTest, ReadsTheAgencyCodeFromBothSources) {
  const KeyAndCert ca = MakeCa("Test CA");
  const absl::StatusOr<LeafSpec> spec = MemberCertificateSpec("000.00.31.H49", "So GDDT");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const absl::StatusOr<KeyAndCert> member = IssueCertificate(ca, *spec);
  ASSERT_TRUE(member.ok()) << member.status();
  EXPECT_EQ(MemberIdFromCertificate(member->cert_pem, MemberIdSource::kSubjectCommonName).value(),
            "000.00.31.H49");
  EXPECT_EQ(MemberIdFromCertificate(member->cert_pem, MemberIdSource::kUriSan).value(),
            "000.00.31.H49");
}

TEST(MemberIdTest, NotFoundWhenTheCertificateCarriesNoIdentity) {
  const KeyAndCert ca = MakeCa("Test CA");
  LeafSpec spec;
  spec.dns_sans = {"host.test"};
  spec.uri_sans = {"urn:other:000.00.31.H49"};
  const absl::StatusOr<KeyAndCert> leaf = IssueCertificate(ca, spec);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_THAT(
      MemberIdFromCertificate(leaf->cert_pem, MemberIdSource::kUriSan).status(),
      StatusIs(absl::StatusCode::kNotFound, "no URI SAN starting with urn:lienthong:member:"));
  EXPECT_THAT(MemberIdFromCertificate(leaf->cert_pem, MemberIdSource::kSubjectCommonName).status(),
              StatusIs(absl::StatusCode::kNotFound, "no common name"));
}

TEST(MemberIdTest, RefusesAnAmbiguousUriIdentity) {
  const KeyAndCert ca = MakeCa("Test CA");
  LeafSpec spec;
  spec.subject.common_name = "two-faced";
  spec.uri_sans = {"urn:lienthong:member:000.00.31.H49", "urn:lienthong:member:000.00.99.H49"};
  const absl::StatusOr<KeyAndCert> leaf = IssueCertificate(ca, spec);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_THAT(MemberIdFromCertificate(leaf->cert_pem, MemberIdSource::kUriSan).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "ambiguous"));
}

TEST(MemberIdTest, MemberSpecRefusesAMalformedAgencyCode) {
  EXPECT_THAT(MemberCertificateSpec("000.00.31.h49", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not 1 to 35 characters"));
  EXPECT_THAT(MemberCertificateSpec("", "x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "agency code"));
}

TEST(ReadFileToStringTest, ReadsAFileAndNamesAMissingOne) {
  TempDir dir;
  const std::string path = dir.path() + "/file.pem";
  ASSERT_TRUE(WritePrivateFile(path, "contents\n", 0644).ok());
  EXPECT_EQ(ReadFileToString(path).value(), "contents\n");
  EXPECT_THAT(ReadFileToString(dir.path() + "/missing.pem").status(),
              StatusIs(absl::StatusCode::kNotFound, "missing.pem"));
}

}  // namespace
}  // namespace lienthong::security

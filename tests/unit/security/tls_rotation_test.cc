// Tests of TLS candidates and rotating material without a network: what is refused, the active
// folder's files, polling that waits for files to settle, refusals that keep the old material.
#include "services/security/tls_rotation.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/security/pki.h"
#include "tests/unit/security/test_pki.h"

namespace lienthong::security {
namespace {

using ::lienthong::security::testing::MakeCa;
using ::lienthong::security::testing::MakeLeaf;
using ::lienthong::security::testing::TempDir;
using ::testing::HasSubstr;

// Certificates valid now (the rotation code checks against the clock).
KeyAndCert NowCa(const std::string& name) {
  return MakeCa(name, absl::Now() - absl::Hours(1), absl::Now() + absl::Hours(24 * 365));
}
KeyAndCert NowLeaf(const KeyAndCert& ca, const std::string& cn,
                   absl::Time not_before = absl::Now() - absl::Hours(1),
                   absl::Time not_after = absl::Now() + absl::Hours(24 * 30)) {
  return MakeLeaf(ca, cn, not_before, not_after);
}

std::string Serial(const KeyAndCert& cert) {
  auto infos = InspectCertificates(cert.cert_pem);
  return infos.ok() ? infos->front().serial_hex : "";
}

class CountingObserver : public TlsRotationObserver {
 public:
  void OnRotated(absl::string_view, const TlsCandidate&) override { ++rotated; }
  void OnRefused(absl::string_view, const absl::Status& why) override {
    ++refused;
    last_refusal = std::string(why.message());
  }
  int rotated = 0;
  int refused = 0;
  std::string last_refusal;
};

class TlsRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = NowCa("Rotation CA");
    sources_ = {dir_.path() + "/gateway.key", dir_.path() + "/gateway.crt",
                dir_.path() + "/ca.crt", ""};
    Install(NowLeaf(ca_, "gateway.test"));
    Write(sources_.ca_file, ca_.cert_pem);
  }

  void Write(const std::string& path, const std::string& contents) {
    ASSERT_TRUE(WritePrivateFile(path, contents, kPrivateKeyMode).ok()) << path;
  }
  void Install(const KeyAndCert& pair) {
    Write(sources_.key_file, pair.key_pem);
    Write(sources_.cert_file, pair.cert_pem);
  }

  std::unique_ptr<RotatingTlsMaterial> Create() {
    RotatingTlsMaterial::Options options;
    options.poll_interval = absl::ZeroDuration();  // Poll() by hand
    options.active_dir_parent = dir_.path();
    options.observer = &observer_;
    auto material = RotatingTlsMaterial::Create(sources_, options);
    EXPECT_TRUE(material.ok()) << material.status();
    return material.ok() ? std::move(*material) : nullptr;
  }

  TempDir dir_;
  KeyAndCert ca_;
  TlsSources sources_;
  CountingObserver observer_;
};

TEST_F(TlsRotationTest, CandidateChecksNameTheFileAndTheProblem) {
  EXPECT_TRUE(LoadTlsCandidate(sources_, absl::Now()).ok());

  const KeyAndCert other = NowLeaf(ca_, "other.test");
  Write(sources_.key_file, other.key_pem);
  Write(sources_.cert_file, NowLeaf(ca_, "gateway.test").cert_pem);
  auto mismatched = LoadTlsCandidate(sources_, absl::Now());
  EXPECT_THAT(mismatched.status().message(), HasSubstr("private key does not match certificate"));
  EXPECT_THAT(mismatched.status().message(), HasSubstr(sources_.key_file));

  Install(NowLeaf(ca_, "old.test", absl::Now() - absl::Hours(48), absl::Now() - absl::Hours(1)));
  EXPECT_THAT(LoadTlsCandidate(sources_, absl::Now()).status().message(),
              HasSubstr("certificate expired at"));

  Install(NowLeaf(NowCa("Stranger CA"), "gateway.test"));
  EXPECT_THAT(LoadTlsCandidate(sources_, absl::Now()).status().message(),
              HasSubstr("does not verify against CA bundle"));
  // An adapter's client certificate may come from a CA its own bundle does not hold.
  CandidateChecks no_chain;
  no_chain.chain_verifies_against_ca = false;
  EXPECT_TRUE(LoadTlsCandidate(sources_, absl::Now(), no_chain).ok());

  Write(sources_.ca_file, "not a PEM");
  EXPECT_THAT(LoadTlsCandidate(sources_, absl::Now()).status().message(),
              HasSubstr(sources_.ca_file));
}

TEST_F(TlsRotationTest, ACandidateRevokedByItsOwnCrlFolderIsRefused) {
  const KeyAndCert leaf = NowLeaf(ca_, "gateway.test");
  Install(leaf);
  sources_.crl_dir = dir_.path() + "/crl";
  std::filesystem::create_directory(sources_.crl_dir);
  auto crl = CreateCrl(ca_, {Serial(leaf)}, absl::Now() - absl::Minutes(1),
                       absl::Now() + absl::Hours(24));
  ASSERT_TRUE(crl.ok());
  Write(sources_.crl_dir + "/ca.crl", *crl);
  EXPECT_THAT(LoadTlsCandidate(sources_, absl::Now()).status().message(),
              HasSubstr("is revoked by a CRL"));
}

TEST_F(TlsRotationTest, TheActiveFolderHoldsKeyAndChainInOneFileAndIsRemovedAtTheEnd) {
  std::string active_dir;
  {
    auto material = Create();
    ASSERT_NE(material, nullptr);
    active_dir = material->active_dir();
    auto identity = ReadFileToString(active_dir + "/" + kActiveIdentityFile);
    ASSERT_TRUE(identity.ok());
    auto key = ReadFileToString(sources_.key_file);
    auto cert = ReadFileToString(sources_.cert_file);
    EXPECT_TRUE(absl::StrContains(*identity, *key));
    EXPECT_TRUE(absl::StrContains(*identity, *cert));
    // The one file serves as both: the key parses from it, and so does the chain.
    EXPECT_TRUE(ValidateKeyCertPair(*identity, *identity, ca_.cert_pem, absl::Now()).ok());
    struct stat st {};
    ASSERT_EQ(::stat((active_dir + "/" + kActiveIdentityFile).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(active_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
  }
  EXPECT_FALSE(std::filesystem::exists(active_dir));
}

TEST_F(TlsRotationTest, PollingWaitsForTheFilesToSettleThenRotates) {
  auto material = Create();
  ASSERT_NE(material, nullptr);
  const KeyAndCert next = NowLeaf(ca_, "gateway.test");
  Install(next);
  material->Poll();  // changed since the last look: wait one step
  EXPECT_NE(material->active()->leaf.serial_hex, Serial(next));
  material->Poll();
  EXPECT_EQ(material->active()->leaf.serial_hex, Serial(next));
  EXPECT_EQ(observer_.rotated, 1);
  EXPECT_EQ(observer_.refused, 0);
}

TEST_F(TlsRotationTest, ARefusedCandidateKeepsTheOldMaterialAndIsNotRetriedUntilItChanges) {
  auto material = Create();
  ASSERT_NE(material, nullptr);
  const std::string serving = material->active()->leaf.serial_hex;
  const KeyAndCert other = NowLeaf(ca_, "other.test");
  Write(sources_.key_file, other.key_pem);  // a key without its certificate
  material->Poll();
  material->Poll();
  EXPECT_EQ(observer_.refused, 1);
  EXPECT_THAT(observer_.last_refusal, HasSubstr("private key does not match certificate"));
  EXPECT_EQ(material->active()->leaf.serial_hex, serving);
  material->Poll();
  material->Poll();
  EXPECT_EQ(observer_.refused, 1) << "refused again without a change";

  Write(sources_.cert_file, other.cert_pem);  // the matching certificate arrives
  material->Poll();
  material->Poll();
  EXPECT_EQ(material->active()->leaf.serial_hex, Serial(other));
}

TEST_F(TlsRotationTest, EachPublishedVersionGetsALaterWholeSecondMtime) {
  auto material = Create();
  ASSERT_NE(material, nullptr);
  const std::string identity = material->active_dir() + "/" + kActiveIdentityFile;
  std::vector<time_t> mtimes;
  for (int i = 0; i < 3; ++i) {
    struct stat st {};
    ASSERT_EQ(::stat(identity.c_str(), &st), 0);
    mtimes.push_back(st.st_mtim.tv_sec);
    Install(NowLeaf(ca_, "gateway.test"));
    ASSERT_TRUE(material->Reload(sources_).ok());
  }
  EXPECT_LT(mtimes[0], mtimes[1]);
  EXPECT_LT(mtimes[1], mtimes[2]);
}

TEST_F(TlsRotationTest, CheckPublishesNothingAndApplyPutsTheCheckedCandidateInForce) {
  auto material = Create();
  ASSERT_NE(material, nullptr);
  const std::string serving = material->active()->leaf.serial_hex;
  const KeyAndCert next = NowLeaf(ca_, "gateway.test");
  TlsSources moved = {dir_.path() + "/next.key", dir_.path() + "/next.crt", sources_.ca_file, ""};
  Write(moved.key_file, next.key_pem);
  Write(moved.cert_file, next.cert_pem);
  auto candidate = material->Check(moved);
  ASSERT_TRUE(candidate.ok()) << candidate.status();
  EXPECT_EQ(material->active()->leaf.serial_hex, serving);
  ASSERT_TRUE(material->Apply(std::move(*candidate)).ok());
  EXPECT_EQ(material->active()->leaf.serial_hex, Serial(next));
  EXPECT_EQ(material->sources(), moved);
}

TEST_F(TlsRotationTest, CreateRefusesBadMaterial) {
  Write(sources_.key_file, NowLeaf(ca_, "other.test").key_pem);
  RotatingTlsMaterial::Options options;
  options.poll_interval = absl::ZeroDuration();
  options.active_dir_parent = dir_.path();
  auto material = RotatingTlsMaterial::Create(sources_, options);
  ASSERT_FALSE(material.ok());
  EXPECT_THAT(material.status().message(), HasSubstr("server TLS"));
}

TEST(DaysLeftTest, RoundsDownAndGoesNegative) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_EQ(DaysLeft(now + absl::Hours(24 * 30) - absl::Seconds(1), now), 29);
  EXPECT_EQ(DaysLeft(now + absl::Hours(24 * 30), now), 30);
  EXPECT_EQ(DaysLeft(now - absl::Hours(1), now), -1);
}

}  // namespace
}  // namespace lienthong::security

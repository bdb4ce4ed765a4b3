// RFC 3161 queries and token checks (services/admin/timestamp_token.h) against a real TSA's
// replies (tests/support/test_tsa.h, OpenSSL's TS_RESP_CTX, here without HTTP): a good reply
// verifies; a tampered one, one signed by another CA's TSA, one answering another query, and
// garbage are refused saying why; OpenSSL's `openssl ts` answers and verifies alike.
#include "services/admin/timestamp_token.h"

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/files.h"
#include "services/store/exchange_log.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_tsa.h"

namespace lienthong::admin {
namespace {

using ::testing::HasSubstr;

class TimestampTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tsa_, test::TestTsa::Create(dir_.path()));
    ASSERT_OK_AND_ASSIGN(trust_, TsaTrust::FromFile(tsa_->ca_file()));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestTsa> tsa_;
  std::optional<TsaTrust> trust_;
  const std::string hash_ = store::Sha256("entry 42");
};

TEST_F(TimestampTokenTest, TheImprintIsTheDocumentedBytes) {
  std::string bytes = "lienthong.exchange_log.head.v1";
  bytes += std::string("\0\0\0\0\0\0\x01\x02", 8);  // 258, big-endian
  bytes += hash_;
  EXPECT_EQ(HeadImprint(258, hash_), store::Sha256(bytes));
  EXPECT_NE(HeadImprint(259, hash_), HeadImprint(258, hash_));
}

TEST_F(TimestampTokenTest, AGoodReplyVerifiesAndItsTokenVerifiesLater) {
  ASSERT_OK_AND_ASSIGN(TimestampQuery query, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  const std::string reply = tsa_->Answer(query.der);
  ASSERT_FALSE(reply.empty());
  ASSERT_OK_AND_ASSIGN(TimestampToken token, VerifyTimestampReply(query, reply, *trust_));
  EXPECT_EQ(token.imprint, HeadImprint(42, hash_));
  EXPECT_EQ(token.hash_algorithm, "sha256");
  EXPECT_LT(absl::AbsDuration(token.gen_time - absl::Now()), absl::Minutes(1));
  EXPECT_FALSE(token.serial_hex.empty());
  EXPECT_EQ(token.policy_oid, "1.3.6.1.4.1.58920.15.1");
  EXPECT_THAT(token.tsa_name, HasSubstr("CN=lienthong test TSA"));
  ASSERT_OK_AND_ASSIGN(TimestampToken again, VerifyStoredToken(token.der, *trust_));
  EXPECT_EQ(again.imprint, token.imprint);
  EXPECT_EQ(again.gen_time, token.gen_time);
  // The TSA's own certificate may be the trust anchor too.
  ASSERT_OK_AND_ASSIGN(std::string tsa_pem, ReadFileToString(dir_.Path("tsa.crt")));
  ASSERT_OK_AND_ASSIGN(TsaTrust leaf_only, TsaTrust::FromPem(tsa_pem, "tsa.crt"));
  EXPECT_OK(VerifyStoredToken(token.der, leaf_only).status());
  // A policy asked for must be the one granted.
  ASSERT_OK_AND_ASSIGN(TimestampQuery same_policy,
                       MakeTimestampQuery(HeadImprint(42, hash_), "1.3.6.1.4.1.58920.15.1"));
  EXPECT_OK(VerifyTimestampReply(same_policy, tsa_->Answer(same_policy.der), *trust_).status());
}

TEST_F(TimestampTokenTest, ATamperedReplyIsRefused) {
  tsa_->SetMode(test::TestTsa::Mode::kTampered);
  ASSERT_OK_AND_ASSIGN(TimestampQuery query, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  const std::string reply = tsa_->Answer(query.der);
  ASSERT_FALSE(reply.empty());
  auto token = VerifyTimestampReply(query, reply, *trust_);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr("does not verify"));
}

TEST_F(TimestampTokenTest, AReplySignedByAnotherCasTsaIsRefused) {
  tsa_->SetMode(test::TestTsa::Mode::kForeignSigner);
  ASSERT_OK_AND_ASSIGN(TimestampQuery query, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  auto token = VerifyTimestampReply(query, tsa_->Answer(query.der), *trust_);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr("certificate verify error"));
}

TEST_F(TimestampTokenTest, AReplyToAnotherQueryIsRefused) {
  ASSERT_OK_AND_ASSIGN(TimestampQuery first, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  ASSERT_OK_AND_ASSIGN(TimestampQuery same_head, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  ASSERT_OK_AND_ASSIGN(TimestampQuery other_head, MakeTimestampQuery(HeadImprint(43, hash_), ""));
  const std::string reply = tsa_->Answer(first.der);
  // The same head asked again: the nonce differs (a replayed answer).
  auto replayed = VerifyTimestampReply(same_head, reply, *trust_);
  EXPECT_EQ(replayed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(replayed.status().message(), HasSubstr("nonce mismatch"));
  auto other = VerifyTimestampReply(other_head, reply, *trust_);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  // A policy other than the one granted.
  ASSERT_OK_AND_ASSIGN(TimestampQuery policy, MakeTimestampQuery(HeadImprint(42, hash_), "1.2.3.4"));
  EXPECT_FALSE(VerifyTimestampReply(policy, tsa_->Answer(policy.der), *trust_).ok());
}

TEST_F(TimestampTokenTest, GarbageAndBrokenTokensAreRefused) {
  ASSERT_OK_AND_ASSIGN(TimestampQuery query, MakeTimestampQuery(HeadImprint(42, hash_), ""));
  auto garbage = VerifyTimestampReply(query, "<html>503</html>", *trust_);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("not a TimeStampResp"));
  ASSERT_OK_AND_ASSIGN(TimestampToken token,
                       VerifyTimestampReply(query, tsa_->Answer(query.der), *trust_));
  std::string broken = token.der;
  broken[broken.size() - 5] = static_cast<char>(broken[broken.size() - 5] ^ 0x01);  // signature
  EXPECT_EQ(VerifyStoredToken(broken, *trust_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyStoredToken("not der", *trust_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Interoperability with OpenSSL's own TSA tooling: `openssl ts -reply` answers our query and
// we verify its reply; `openssl ts -verify` verifies the reply our test TSA gave.
TEST_F(TimestampTokenTest, OpensslTsCommandAnswersAndVerifiesLikeWeDo) {
  constexpr char kOpenssl[] = "/usr/bin/openssl";
  if (::access(kOpenssl, X_OK) != 0) GTEST_SKIP() << kOpenssl << " is not installed";
  ASSERT_OK_AND_ASSIGN(TimestampQuery query, MakeTimestampQuery(HeadImprint(7, hash_), ""));
  ASSERT_OK(WritePrivateFile(dir_.Path("q.tsq"), query.der, 0644));
  ASSERT_OK(WritePrivateFile(dir_.Path("serial"), "01\n", 0644));
  ASSERT_OK(WritePrivateFile(
      dir_.Path("tsa.cnf"),
      absl::StrCat("[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = ", dir_.Path("serial"),
                   "\nsigner_cert = ", dir_.Path("tsa.crt"), "\nsigner_key = ", dir_.Path("tsa.key"),
                   "\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n"
                   "ess_cert_id_alg = sha256\n"),
      0644));
  ASSERT_OK_AND_ASSIGN(test::ProcessResult reply,
                       test::RunProcess(kOpenssl, {"ts", "-reply", "-config", dir_.Path("tsa.cnf"),
                                                   "-queryfile", dir_.Path("q.tsq"), "-out",
                                                   dir_.Path("openssl.tsr")}));
  ASSERT_EQ(reply.exit.code, 0) << reply.stderr_text;
  ASSERT_OK_AND_ASSIGN(std::string openssl_reply, ReadFileToString(dir_.Path("openssl.tsr")));
  ASSERT_OK_AND_ASSIGN(TimestampToken token, VerifyTimestampReply(query, openssl_reply, *trust_));
  EXPECT_EQ(token.imprint, HeadImprint(7, hash_));
  EXPECT_EQ(token.policy_oid, "1.2.3.4.1");
  EXPECT_OK(VerifyStoredToken(token.der, *trust_).status());

  ASSERT_OK(WritePrivateFile(dir_.Path("ours.tsr"), tsa_->Answer(query.der), 0644));
  ASSERT_OK_AND_ASSIGN(test::ProcessResult verified,
                       test::RunProcess(kOpenssl, {"ts", "-verify", "-queryfile", dir_.Path("q.tsq"),
                                                   "-in", dir_.Path("ours.tsr"), "-CAfile",
                                                   tsa_->ca_file()}));
  EXPECT_EQ(verified.exit.code, 0) << verified.stdout_text << verified.stderr_text;
  EXPECT_THAT(verified.stdout_text, HasSubstr("Verification: OK"));
}

TEST_F(TimestampTokenTest, BadInputsAreRefusedNamingWhat) {
  EXPECT_EQ(MakeTimestampQuery("short", "").status().code(), absl::StatusCode::kInvalidArgument);
  auto policy = MakeTimestampQuery(HeadImprint(1, hash_), "not an oid");
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("policy_oid"));
  auto empty = TsaTrust::FromPem("no certificate here", "ca.pem");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("ca.pem"));
  auto broken = TsaTrust::FromPem(
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "ca.pem");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TsaTrust::FromFile(dir_.Path("missing.pem")).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lienthong::admin

// The listings' page-token shape: what reads back, and what is refused.
#include "services/common/page_token.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace lienthong {
namespace {

TEST(PageTokenTest, ReadsBackWhatItSpells) {
  const std::string token = EncodePageToken(1733500000123456, "HS-001", "0a1b2c3d");
  const auto decoded = DecodePageToken(token);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->number, 1733500000123456);
  EXPECT_EQ(decoded->second, "HS-001");
  EXPECT_EQ(decoded->third, "0a1b2c3d");
  // base64url: no '+', '/' or padding a URL or a header would have to escape.
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
}

TEST(PageTokenTest, TheThirdPartKeepsItsBars) {
  const auto decoded = DecodePageToken(EncodePageToken(-7, "f00d", "key|with|bars"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->number, -7);
  EXPECT_EQ(decoded->second, "f00d");
  EXPECT_EQ(decoded->third, "key|with|bars");
}

TEST(PageTokenTest, EmptyPartsAreKept) {
  const auto decoded = DecodePageToken(EncodePageToken(0, "", ""));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->number, 0);
  EXPECT_EQ(decoded->second, "");
  EXPECT_EQ(decoded->third, "");
}

TEST(PageTokenTest, RefusesWhatIsNotAToken) {
  auto b64 = [](const std::string& text) { return absl::WebSafeBase64Escape(text); };
  for (const std::string& token : {
           std::string(""),                       // nothing
           std::string("not base64!"),            // not base64url
           std::string("MTIzfGF8Yg=+"),           // '+' is not base64url
           b64("123|only-two"),                   // two parts
           b64("123"),                            // one part
           b64("x12|a|b"),                        // the number is not one
           b64("|a|b"),                           // no number
           b64("12.5|a|b"),                       // not an integer
           b64("99999999999999999999|a|b"),       // beyond int64
       }) {
    EXPECT_FALSE(DecodePageToken(token).has_value()) << "token " << token;
  }
}

TEST(PageTokenTest, TheNumberIsReadAsSimpleAtoiReadsIt) {
  // The listings' earlier inline reading used absl::SimpleAtoi: the same tokens stay valid.
  const auto decoded = DecodePageToken(absl::WebSafeBase64Escape(" +42|a|b"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->number, 42);
}

}  // namespace
}  // namespace lienthong

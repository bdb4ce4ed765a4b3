// Names compared as a registrar would: case, spacing and Unicode form aside, diacritics count.
#include "services/domain/name_comparison.h"

#include <string>

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

bool SameName(const std::string& a, const std::string& b) {
  return NameForComparison(a) == NameForComparison(b);
}

TEST(NameComparisonTest, CapitalsAndSpacingDoNotMatter) {
  EXPECT_TRUE(SameName("Nguyễn Văn An", "NGUYỄN VĂN AN"));
  EXPECT_TRUE(SameName("Trần Thị Bích Ngọc", "  trần   THỊ bích\tngọc "));
  EXPECT_TRUE(SameName("Đặng Đức Đạt", "ĐẶNG ĐỨC ĐẠT"));
  EXPECT_TRUE(SameName("Lê Thị Ư", "lê\u00a0thị ư"));  // a non-breaking space
  EXPECT_EQ(NameForComparison("  NGUYỄN   VĂN  AN "), "nguyễn văn an");
}

TEST(NameComparisonTest, PrecomposedAndCombiningFormsAreTheSameName) {
  // "Nguyễn" precomposed (U+1EC5) and as e + circumflex (U+0302) + tilde (U+0303).
  EXPECT_TRUE(SameName("Nguy\u1ec5n", "Nguye\u0302\u0303n"));
  EXPECT_TRUE(SameName("NGUYE\u0302\u0303N VA\u0306N", "nguyễn văn"));
  EXPECT_TRUE(SameName("Hu\u1ef3nh", "Huy\u0300nh"));  // Huỳnh
}

TEST(NameComparisonTest, DiacriticsAreLettersAndAlwaysCount) {
  EXPECT_FALSE(SameName("Nguyễn", "Nguyên"));
  EXPECT_FALSE(SameName("Nguyễn", "Nguyen"));
  EXPECT_FALSE(SameName("Đức", "Dức"));
  EXPECT_FALSE(SameName("Lê", "Lệ"));
  EXPECT_FALSE(SameName("Văn An", "Vân An"));
}

TEST(NameComparisonTest, InvalidUtf8OnlyEqualsItself) {
  const std::string invalid = "Nguy\xe1\xbb";
  EXPECT_EQ(NameForComparison(invalid), invalid);
  EXPECT_FALSE(SameName(invalid, "Nguy"));
  EXPECT_FALSE(SameName(invalid, "Nguy\xef\xbf\xbd"));  // not the replacement character either
}

}  // namespace
}  // namespace lienthong::domain

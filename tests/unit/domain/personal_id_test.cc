// Tests of the CCCD personal ID number, CMND and passport rules.
#include "services/domain/personal_id.h"

#include <string>

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

TEST(PersonalId, ReadsProvinceCenturySexAndYear) {
  absl::StatusOr<PersonalIdParts> parts = ParsePersonalId("001090123456");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->province_code, 1);
  EXPECT_EQ(parts->century, 1900);
  EXPECT_FALSE(parts->female);
  EXPECT_EQ(parts->birth_year, 1990);

  parts = ParsePersonalId("079305000001");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->province_code, 79);
  EXPECT_EQ(parts->century, 2000);
  EXPECT_TRUE(parts->female);
  EXPECT_EQ(parts->birth_year, 2005);
}

TEST(PersonalId, EveryCenturyAndSexDigit) {
  struct Case {
    char digit;
    int century;
    bool female;
  };
  for (const Case& c : {Case{'0', 1900, false}, Case{'1', 1900, true}, Case{'2', 2000, false},
                        Case{'3', 2000, true}, Case{'4', 2100, false}, Case{'5', 2100, true},
                        Case{'6', 2200, false}, Case{'7', 2200, true}, Case{'8', 2300, false},
                        Case{'9', 2300, true}}) {
    const std::string number = std::string("048") + c.digit + "12" + "345678";
    absl::StatusOr<PersonalIdParts> parts = ParsePersonalId(number);
    ASSERT_TRUE(parts.ok()) << number;
    EXPECT_EQ(parts->century, c.century) << number;
    EXPECT_EQ(parts->female, c.female) << number;
    EXPECT_EQ(parts->birth_year, c.century + 12) << number;
    EXPECT_EQ(parts->province_code, 48) << number;
  }
}

TEST(PersonalId, AcceptsEveryListedProvinceAndOnlyThose) {
  int accepted = 0;
  for (int code = 0; code <= 999; ++code) {
    std::string number = std::to_string(code);
    number = std::string(3 - number.size(), '0') + number + "090123456";
    const bool ok = ParsePersonalId(number).ok();
    EXPECT_EQ(ok, IsCircular07ProvinceCode(code)) << number;
    if (ok) ++accepted;
  }
  EXPECT_EQ(accepted, 63);
  for (int code : {1, 2, 30, 31, 48, 79, 96}) EXPECT_TRUE(IsCircular07ProvinceCode(code)) << code;
  for (int code : {0, 3, 5, 9, 13, 28, 97, 100}) {
    EXPECT_FALSE(IsCircular07ProvinceCode(code)) << code;
  }
}

TEST(PersonalId, RejectsUnknownProvinceWithoutEchoingTheNumber) {
  absl::StatusOr<PersonalIdParts> parts = ParsePersonalId("003090123456");
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parts.status().message(),
            "personal ID number: unknown province-of-birth-registration code");
}

TEST(PersonalId, RejectsWrongLengthsAndCharacters) {
  for (const char* number : {"", "00109012345", "0010901234567", "00109012345a", "001 90123456",
                             "-01090123456", "001090123456\n"}) {
    absl::StatusOr<PersonalIdParts> parts = ParsePersonalId(number);
    EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument) << number;
    EXPECT_EQ(parts.status().message(), "personal ID number: expected 12 digits") << number;
  }
}

TEST(PersonalIdAgreement, MatchesAndMismatches) {
  absl::StatusOr<PersonalIdParts> parts = ParsePersonalId("031195000123");  // Female, 1995.
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE(CheckPersonalIdAgreement(*parts, 1995, Sex::kFemale).ok());
  EXPECT_TRUE(CheckPersonalIdAgreement(*parts, std::nullopt, std::nullopt).ok());
  EXPECT_TRUE(CheckPersonalIdAgreement(*parts, 1995, std::nullopt).ok());
  EXPECT_TRUE(CheckPersonalIdAgreement(*parts, std::nullopt, Sex::kFemale).ok());

  absl::Status year = CheckPersonalIdAgreement(*parts, 1996, Sex::kFemale);
  EXPECT_EQ(year.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(year.message(),
            "personal ID number: birth year does not agree with the date of birth");
  // Same two digits, other century.
  EXPECT_FALSE(CheckPersonalIdAgreement(*parts, 2095, std::nullopt).ok());

  absl::Status sex = CheckPersonalIdAgreement(*parts, 1995, Sex::kMale);
  EXPECT_EQ(sex.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sex.message(), "personal ID number: sex digit does not agree with the sex given");
}

TEST(IdType, CodesZeroOneThree) {
  EXPECT_EQ(IdTypeFromCode(0), IdType::kPassport);
  EXPECT_EQ(IdTypeFromCode(1), IdType::kCmnd);
  EXPECT_EQ(IdTypeFromCode(3), IdType::kCccd);
  EXPECT_EQ(IdTypeFromCode(2), std::nullopt);
  EXPECT_EQ(IdTypeFromCode(4), std::nullopt);
  EXPECT_EQ(IdTypeFromCode(-1), std::nullopt);
}

TEST(Cmnd, NineDigits) {
  EXPECT_TRUE(IsValidCmndNumber("123456789"));
  EXPECT_FALSE(IsValidCmndNumber("12345678"));
  EXPECT_FALSE(IsValidCmndNumber("1234567890"));
  EXPECT_FALSE(IsValidCmndNumber("12345678a"));
  EXPECT_FALSE(IsValidCmndNumber(""));
}

TEST(Passport, SixToNineUppercaseAlphanumerics) {
  EXPECT_TRUE(IsValidPassportNumber("C1234567"));
  EXPECT_TRUE(IsValidPassportNumber("123456"));
  EXPECT_TRUE(IsValidPassportNumber("AB1234567"));
  EXPECT_FALSE(IsValidPassportNumber("C1234"));
  EXPECT_FALSE(IsValidPassportNumber("C123456789"));
  EXPECT_FALSE(IsValidPassportNumber("c1234567"));
  EXPECT_FALSE(IsValidPassportNumber("C123-4567"));
}

TEST(CheckIdNumber, DispatchesOnType) {
  EXPECT_TRUE(CheckIdNumber(IdType::kCccd, "001090123456").ok());
  EXPECT_TRUE(CheckIdNumber(IdType::kCmnd, "123456789").ok());
  EXPECT_TRUE(CheckIdNumber(IdType::kPassport, "C1234567").ok());

  EXPECT_EQ(CheckIdNumber(IdType::kCccd, "123456789").message(),
            "personal ID number: expected 12 digits");
  EXPECT_EQ(CheckIdNumber(IdType::kCmnd, "001090123456").message(),
            "CMND number: expected 9 digits");
  EXPECT_EQ(CheckIdNumber(IdType::kPassport, "001090123456").message(),
            "passport number: expected 6 to 9 characters of [0-9A-Z]");
  EXPECT_EQ(CheckIdNumber(IdType::kCccd, "003090123456").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lienthong::domain

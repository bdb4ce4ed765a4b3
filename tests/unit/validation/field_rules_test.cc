// Tests of the single-field form rules: dates, plain text and UTF-8, identifiers, contacts.
#include "services/validation/field_rules.h"

#include <string>

#include "gtest/gtest.h"

namespace lienthong::validation {
namespace {

TEST(IsoDate, AcceptsRealDays) {
  for (const char* date : {"2025-11-20", "2024-02-29", "1900-01-01", "2000-02-29"}) {
    EXPECT_TRUE(IsIsoDate(date)) << date;
  }
  EXPECT_EQ(ParseIsoDate("2007-02-20"), absl::CivilDay(2007, 2, 20));
}

TEST(IsoDate, RejectsOtherForms) {
  for (const char* date : {"", "2025", "2025-2-05", "2025-02-5", "20/02/2007", "2025-02-29",
                           "1900-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-04-00",
                           "2025-04-10T00:00", "2025/04/10", "2O25-04-10", " 2025-04-10"}) {
    EXPECT_FALSE(IsIsoDate(date)) << date;
  }
}

TEST(IsoDateOrYear, AcceptsYearOnly) {
  EXPECT_TRUE(IsIsoDateOrYear("1988"));
  EXPECT_TRUE(IsIsoDateOrYear("1988-04-15"));
  EXPECT_FALSE(IsIsoDateOrYear("88"));
  EXPECT_FALSE(IsIsoDateOrYear("1988-04"));
  EXPECT_FALSE(IsIsoDateOrYear("19888"));
  const std::optional<PartialDate> year = ParseIsoDateOrYear("1988");
  ASSERT_TRUE(year.has_value());
  EXPECT_EQ(year->year, 1988);
  EXPECT_FALSE(year->day.has_value());
  const std::optional<PartialDate> day = ParseIsoDateOrYear("1988-04-15");
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->year, 1988);
  EXPECT_EQ(day->day, absl::CivilDay(1988, 4, 15));
}

TEST(SchoolYear, SecondYearFollowsFirst) {
  EXPECT_TRUE(IsSchoolYear("2025-2026"));
  EXPECT_TRUE(IsSchoolYear("1999-2000"));
  EXPECT_FALSE(IsSchoolYear("2025-2027"));
  EXPECT_FALSE(IsSchoolYear("2026-2025"));
  EXPECT_FALSE(IsSchoolYear("2025/2026"));
  EXPECT_FALSE(IsSchoolYear("2025-26"));
  EXPECT_FALSE(IsSchoolYear(""));
}

TEST(PlainText, CountsCodePointsNotBytes) {
  const TextRule rule{true, 16, false};
  // "Nguyễn Thị Hương" is 16 code points and 22 bytes.
  const std::string name = "Nguyễn Thị Hương";
  ASSERT_GT(name.size(), 16u);
  EXPECT_EQ(FindTextDefect(name, rule), TextDefect::kNone);
  EXPECT_EQ(FindTextDefect(name + "a", rule), TextDefect::kTooLong);
}

TEST(PlainText, RequiredAndOptionalEmptiness) {
  EXPECT_EQ(FindTextDefect("", TextRule{true, 10, false}), TextDefect::kMissing);
  EXPECT_EQ(FindTextDefect("", TextRule{false, 10, false}), TextDefect::kNone);
}

TEST(PlainText, RefusesControlCharacters) {
  const TextRule line{false, 100, false};
  const TextRule paragraph{false, 100, true};
  for (const char* text : {"a\tb", "a\nb", "a\rb"}) {
    EXPECT_EQ(FindTextDefect(text, line), TextDefect::kControlCharacter) << text;
    EXPECT_EQ(FindTextDefect(text, paragraph), TextDefect::kNone) << text;
  }
  for (const std::string& text : {std::string("a\x01"), std::string("a\x7F"),
                                  std::string("a\xC2\x85"), std::string("a\0b", 3)}) {
    EXPECT_EQ(FindTextDefect(text, paragraph), TextDefect::kControlCharacter);
  }
}

TEST(PlainText, RefusesMalformedUtf8) {
  const TextRule rule{false, 100, false};
  for (const char* text : {
           "\xC3\x28",              // Bad continuation byte.
           "\xC0\x80",              // Overlong NUL.
           "\xE0\x80\xAF",          // Overlong '/'.
           "\xED\xA0\x80",          // UTF-16 surrogate.
           "\xF4\x90\x80\x80",      // Above U+10FFFF.
           "\xF8\x88\x80\x80\x80",  // Five-byte form.
           "Hươ\xC6",               // Truncated at the end.
           "\x80",                  // Lone continuation byte.
       }) {
    EXPECT_EQ(FindTextDefect(text, rule), TextDefect::kInvalidUtf8) << text;
    EXPECT_FALSE(IsValidUtf8(text));
  }
  EXPECT_TRUE(IsValidUtf8("Đặng Thùy Trâm \xF0\x9F\x93\x9A"));  // With U+1F4DA.
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(PlainText, DescriptionsSayTheForm) {
  const TextRule rule{true, 200, false};
  EXPECT_EQ(DescribeTextDefect(TextDefect::kMissing, rule),
            "required: text of 1 to 200 characters");
  EXPECT_EQ(DescribeTextDefect(TextDefect::kTooLong, rule),
            "expected at most 200 characters (Unicode code points)");
  EXPECT_EQ(DescribeTextDefect(TextDefect::kInvalidUtf8, rule), "expected valid UTF-8 text");
}

TEST(Uuid, EightFourFourFourTwelveHex) {
  EXPECT_TRUE(IsUuid("3f2b8c1e-9a4d-4e7b-8f21-6c0d5a9e7b13"));
  EXPECT_TRUE(IsUuid("A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D"));
  EXPECT_FALSE(IsUuid("3f2b8c1e9a4d4e7b8f216c0d5a9e7b13"));
  EXPECT_FALSE(IsUuid("3f2b8c1e-9a4d-4e7b-8f21-6c0d5a9e7b1"));
  EXPECT_FALSE(IsUuid("3f2b8c1e-9a4d-4e7b-8f21-6c0d5a9e7b13a"));
  EXPECT_FALSE(IsUuid("3f2b8c1g-9a4d-4e7b-8f21-6c0d5a9e7b13"));
  EXPECT_FALSE(IsUuid("{3f2b8c1e-9a4d-4e7b-8f21-6c0d5a9e7b1}"));
}

TEST(OpaqueIdentifier, OneToSixtyFourSafeCharacters) {
  EXPECT_TRUE(IsOpaqueIdentifier("22.THPT.HL-01"));
  EXPECT_TRUE(IsOpaqueIdentifier("hs_3100512345"));
  EXPECT_TRUE(IsOpaqueIdentifier(std::string(64, '7')));
  EXPECT_FALSE(IsOpaqueIdentifier(std::string(65, '7')));
  EXPECT_FALSE(IsOpaqueIdentifier(""));
  EXPECT_FALSE(IsOpaqueIdentifier("THPT Hạ Long"));
  EXPECT_FALSE(IsOpaqueIdentifier("22/THPT"));
}

TEST(DiplomaNumbers, SerialAndRegisterForms) {
  EXPECT_TRUE(IsDiplomaSerialNumber("QN-2025/0012345"));
  EXPECT_TRUE(IsDiplomaSerialNumber("B0123456"));
  EXPECT_FALSE(IsDiplomaSerialNumber("QN 2025"));
  EXPECT_FALSE(IsDiplomaSerialNumber(std::string(33, '1')));
  EXPECT_FALSE(IsDiplomaSerialNumber(""));

  EXPECT_TRUE(IsRegisterNumber("THPT-2025/01234"));
  EXPECT_TRUE(IsRegisterNumber("Số 123/ĐH"));
  EXPECT_TRUE(IsRegisterNumber(std::string(32, 'x')));
  EXPECT_FALSE(IsRegisterNumber(std::string(33, 'x')));
  EXPECT_FALSE(IsRegisterNumber(""));
  EXPECT_FALSE(IsRegisterNumber(" 01234"));
  EXPECT_FALSE(IsRegisterNumber("01234 "));
  EXPECT_FALSE(IsRegisterNumber("012\t34"));
}

TEST(Contacts, PhoneNumbers) {
  for (const char* phone :
       {"0912345678", "+84912345678", "02033812345", "12345678", "+123456789012345"}) {
    EXPECT_TRUE(IsPhoneNumber(phone)) << phone;
  }
  for (const char* phone : {"", "+", "1234567", "+1234567890123456", "091-234-5678", "0912 345 678",
                            "++84912345678", "84+912345678"}) {
    EXPECT_FALSE(IsPhoneNumber(phone)) << phone;
  }
}

TEST(Contacts, EmailAddresses) {
  for (const char* email :
       {"huong.nt@example.vn", "a@b.c", "sogd@quangninh.gov.vn", "hương@ví-dụ.vn"}) {
    EXPECT_TRUE(IsEmailAddress(email)) << email;
  }
  for (const char* email : {"", "huong.nt", "@example.vn", "huong@example", "a@@b.vn", "a@b@c.vn",
                            "a@.vn", "a@b.", "huong nt@example.vn"}) {
    EXPECT_FALSE(IsEmailAddress(email)) << email;
  }
  EXPECT_FALSE(IsEmailAddress(std::string(250, 'a') + "@b.vn"));
}

TEST(Digits, AdministrativeUnitCodes) {
  EXPECT_TRUE(IsDigitString("06658"));
  EXPECT_FALSE(IsDigitString(""));
  EXPECT_FALSE(IsDigitString("0665A"));
  EXPECT_FALSE(IsDigitString("-1"));
}

}  // namespace
}  // namespace lienthong::validation

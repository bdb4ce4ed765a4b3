// Tests of the agency, dossier, procedure, sector and digest code formats.
#include "services/domain/codes.h"

#include <string>

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

TEST(AgencyCode, AcceptsQcvn102Examples) {
  for (const char* code : {"000.00.00.H49", "000.A0.01.H26", "000.00.15.H26", "000.00.00.G03",
                           "ABC.Z9.0Y.Z99"}) {
    EXPECT_TRUE(IsQcvn102AgencyCode(code)) << code;
    EXPECT_TRUE(IsValidAgencyCode(code)) << code;
  }
}

TEST(AgencyCode, RejectsMalformedQcvn102) {
  for (const char* code : {
           "",
           "000.00.00.H4",     // Too short.
           "000.00.00.H490",   // Too long.
           "000.00.00.h49",    // Lowercase level 1.
           "000.a0.01.H26",    // Lowercase lower level.
           "000.00.00.149",    // Level 1 must start with a letter.
           "000.00.00.HA9",    // Level 1 ends with two digits.
           "000-00.00.H49",    // Wrong separator.
           "00.000.00.H49",    // Groups of the wrong widths.
           "000.00.0_.H49",    // Bad character.
           "000.00.00.H49 ",   // Trailing space.
       }) {
    EXPECT_FALSE(IsQcvn102AgencyCode(code)) << code;
  }
}

TEST(AgencyCode, AcceptsDecision20Examples) {
  for (const char* code : {"H15.50.05.13", "G03", "H49.1", "A00.B.C7"}) {
    EXPECT_TRUE(IsDecision20AgencyCode(code)) << code;
    EXPECT_TRUE(IsValidAgencyCode(code)) << code;
  }
  // 35 characters is the most: "H15" then 16 groups of ".A".
  std::string longest = "H15";
  for (int i = 0; i < 16; ++i) longest += ".A";
  ASSERT_EQ(longest.size(), 35u);
  EXPECT_TRUE(IsDecision20AgencyCode(longest));
  EXPECT_FALSE(IsDecision20AgencyCode(longest + "B"));
}

TEST(AgencyCode, RejectsMalformedDecision20) {
  for (const char* code : {
           "Z15.50",       // Level 1 letter is A-Y.
           "H1",           // Level 1 is a letter and two digits.
           "h15.50",       // Lowercase.
           "H15.",         // Trailing dot.
           "H15..50",      // Empty group.
           ".H15",         // Leading dot.
           "H15.5a",       // Lowercase in a group.
           "H15-50",       // Wrong separator.
           "015.50",       // Starts with a digit.
       }) {
    EXPECT_FALSE(IsDecision20AgencyCode(code)) << code;
    EXPECT_FALSE(IsValidAgencyCode(code)) << code;
  }
}

TEST(DossierCode, ParsesQcvn102Form) {
  absl::StatusOr<DossierCodeParts> parts = ParseDossierCode("000.00.15.H26-230201-0001");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->agency_code, "000.00.15.H26");
  EXPECT_EQ(parts->receipt_day, absl::CivilDay(2023, 2, 1));
  EXPECT_EQ(parts->sequence, 1);
}

TEST(DossierCode, ParsesDecision20FormWithLongerSequences) {
  absl::StatusOr<DossierCodeParts> parts = ParseDossierCode("H15.50.05.13-261008-0975");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->agency_code, "H15.50.05.13");
  EXPECT_EQ(parts->receipt_day, absl::CivilDay(2026, 10, 8));
  EXPECT_EQ(parts->sequence, 975);

  parts = ParseDossierCode("H15.50.05.13-240229-1234567");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->receipt_day, absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(parts->sequence, 1234567);
}

TEST(DossierCode, QcvnAgencyTakesExactlyFourSequenceDigits) {
  absl::StatusOr<DossierCodeParts> parts = ParseDossierCode("000.00.15.H26-230201-00001");
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parts.status().message(),
            "dossier code: sequence must be 4 digits for a QCVN 102:2016 agency code");
  EXPECT_FALSE(ParseDossierCode("000.00.15.H26-230201-001").ok());
  EXPECT_FALSE(ParseDossierCode("H15.50.05.13-261008-12345678").ok());
  EXPECT_FALSE(ParseDossierCode("H15.50.05.13-261008-097").ok());
}

TEST(DossierCode, RejectsDatesThatDoNotExist) {
  absl::StatusOr<DossierCodeParts> parts = ParseDossierCode("000.00.15.H26-230230-0001");
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parts.status().message(),
            "dossier code: date part \"230230\" is not a calendar date");
  for (const char* code : {"000.00.15.H26-230229-0001",    // 2023 is not a leap year.
                           "000.00.15.H26-231301-0001",    // Month 13.
                           "000.00.15.H26-230001-0001",    // Month 0.
                           "000.00.15.H26-230100-0001",    // Day 0.
                           "000.00.15.H26-230431-0001",    // 31 April.
                           "000.00.15.H26-23020A-0001",    // Not digits.
                           "000.00.15.H26-2302011-0001"}) {  // Seven date digits.
    EXPECT_EQ(ParseDossierCode(code).status().code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
}

TEST(DossierCode, RejectsBadStructure) {
  for (const char* code : {"", "000.00.15.H26", "000.00.15.H26-230201", "000.00.15.H26230201-0001",
                           "000.00.15.H26-230201-0001-2", "000.00.15.h26-230201-0001",
                           "000.00.15.H26-230201-0000", "000.00.15.H26-230201-00a1",
                           "-230201-0001"}) {
    EXPECT_EQ(ParseDossierCode(code).status().code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
  EXPECT_EQ(ParseDossierCode("000.00.15.H26-230201-0000").status().message(),
            "dossier code: the daily sequence starts at 1");
}

TEST(DossierCode, DatePartMustEqualReceiptDay) {
  absl::StatusOr<DossierCodeParts> parts = ParseDossierCode("000.00.15.H26-230201-0001");
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE(CheckDossierCodeReceiptDay(*parts, absl::CivilDay(2023, 2, 1)).ok());
  absl::Status mismatch = CheckDossierCodeReceiptDay(*parts, absl::CivilDay(2023, 2, 2));
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(mismatch.message(),
            "dossier code: date part 2023-02-01 differs from the receipt date 2023-02-02");
}

TEST(ProcedureCode, AcceptsNationalAndLocalForms) {
  absl::StatusOr<ProcedureCodeParts> parts = ParseProcedureCode("2.002481");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->national_code, "2.002481");
  EXPECT_EQ(parts->agency_code, "");
  EXPECT_EQ(parts->variant, "");

  parts = ParseProcedureCode("3.000181.000.00.00.H22");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->national_code, "3.000181");
  EXPECT_EQ(parts->agency_code, "000.00.00.H22");
  EXPECT_EQ(parts->variant, "");

  parts = ParseProcedureCode("2.000815.000.00.00.H55.02");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->national_code, "2.000815");
  EXPECT_EQ(parts->agency_code, "000.00.00.H55");
  EXPECT_EQ(parts->variant, "02");
}

TEST(ProcedureCode, RejectsMalformed) {
  for (const char* code : {
           "", "2", "2.00248", "2.0024811", "22.002481", "2,002481", "a.002481", "2.00248a",
           "2.002481.",                     // Dot without an agency code.
           "2.002481.000.00.00.h22",        // Lowercase agency.
           "2.002481.H15.50.05.13",         // Decision 20 agency form is not used here.
           "2.000815.000.00.00.H55.2",      // One-digit suffix.
           "2.000815.000.00.00.H55.021",    // Three-digit suffix.
           "2.000815.000.00.00.H55-02",     // Wrong separator.
           "2.000815.000.00.00.H5502",
       }) {
    EXPECT_FALSE(IsValidProcedureCode(code)) << code;
    EXPECT_EQ(ParseProcedureCode(code).status().code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
}

TEST(SectorCode, AcceptsAsciiAndDStroke) {
  for (const char* code : {"G03-GD10", "G03-GD14", "G07-L\xC4\x90" "01", "G07-\xC4\x90\xC4\x90" "99"}) {
    EXPECT_TRUE(IsValidSectorCode(code)) << code;
  }
}

TEST(SectorCode, RejectsMalformed) {
  for (const char* code : {
           "", "G03-GD1", "G03-GD100", "g03-GD10", "G03-gd10", "G3-GD10", "G03GD10", "G03_GD10",
           "G03-G110",
           "G07-L\xC4" "01",           // Truncated Đ.
           "G07-L\xC4\x91" "01",       // đ (lowercase) is not allowed.
           "G07-L\xC3\x90" "01",       // Another two-byte letter (Ð, U+00D0).
           "G07-L\xC4\x90" "0",        // Too short after Đ.
           "G07-L\xC4\x90" "01\xC4",   // Trailing byte.
       }) {
    EXPECT_FALSE(IsValidSectorCode(code)) << code;
  }
}

TEST(Sha256Hex, AcceptsBothCasesOfExactly64HexDigits) {
  const std::string lower =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_TRUE(IsSha256Hex(lower));
  EXPECT_TRUE(IsSha256Hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  EXPECT_FALSE(IsSha256Hex(lower.substr(1)));
  EXPECT_FALSE(IsSha256Hex(lower + "0"));
  EXPECT_FALSE(IsSha256Hex("g" + lower.substr(1)));
  EXPECT_FALSE(IsSha256Hex(""));
}

TEST(CheckCode, NamesTheFieldAndTheExpectedForm) {
  EXPECT_TRUE(CheckCode(CodeKind::kAgency, "agency_code", "000.00.00.H49").ok());
  EXPECT_TRUE(CheckCode(CodeKind::kDossier, "dossier_code", "000.00.15.H26-230201-0001").ok());
  EXPECT_TRUE(CheckCode(CodeKind::kProcedure, "procedure_code", "2.002481").ok());
  EXPECT_TRUE(CheckCode(CodeKind::kSector, "field_code", "G03-GD14").ok());
  EXPECT_TRUE(CheckCode(CodeKind::kSha256Hex, "sha256", std::string(64, 'a')).ok());

  absl::Status status = CheckCode(CodeKind::kSector, "field_code", "G03-GD1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "field_code: expected a sector code such as G03-GD14");
  EXPECT_EQ(CheckCode(CodeKind::kDossier, "dossier_code", "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsValidCode(CodeKind::kAgency, "000.00.00.h49"));
  EXPECT_FALSE(IsValidCode(CodeKind::kSha256Hex, "abc"));
}

}  // namespace
}  // namespace lienthong::domain

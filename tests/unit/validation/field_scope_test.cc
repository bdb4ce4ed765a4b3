// Tests of field paths and of the shared field checks' descriptions.
#include "services/validation/field_scope.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/dossier.pb.h"
#include "tests/unit/validation/samples.h"

namespace lienthong::validation {
namespace {

using samples::ViolatedFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FieldScope, BuildsPathsAsTheClientSeesThem) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  const FieldScope dossier = top.Field("dossier");
  const FieldScope attachment = dossier.Element("attachments", 2);
  EXPECT_EQ(top.Path("request_id"), "request_id");
  EXPECT_EQ(top.Path(""), "");
  EXPECT_EQ(dossier.Path(""), "dossier");
  EXPECT_EQ(attachment.Path("sha256"), "dossier.attachments[2].sha256");
  EXPECT_EQ(top.Element("statuses", 0).Path(""), "statuses[0]");
  EXPECT_EQ(top.Field("fees").Path("amount.amount_vnd"), "fees.amount.amount_vnd");

  const FieldScope record("records[3]", &violations);
  // A scope points at its parent, so each level is a named object.
  const FieldScope diploma = record.Field("diploma");
  const FieldScope holder = diploma.Field("holder");
  EXPECT_EQ(holder.Path("date_of_birth"), "records[3].diploma.holder.date_of_birth");
  EXPECT_TRUE(violations.empty());
}

TEST(FieldScope, AddReportsUnderThePath) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  const FieldScope dossier = top.Field("dossier");
  const FieldScope applicant = dossier.Field("applicant");
  applicant.Add("phone", "expected digits");
  applicant.Add("", "required");
  EXPECT_THAT(ViolatedFields(violations),
              ElementsAre("dossier.applicant.phone", "dossier.applicant"));
  EXPECT_EQ(violations.proto().field_violations(0).description(), "expected digits");
}

TEST(FieldScope, EnumDescriptionListsTheValues) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  top.Enum("id_type", 2, *v1::IdType_descriptor(), Presence::kOptional);
  top.Enum("id_type", 0, *v1::IdType_descriptor(), Presence::kOptional);
  top.Enum("online_level", 0, *v1::OnlineLevel_descriptor(), Presence::kRequired);
  ASSERT_EQ(violations.size(), 2);
  EXPECT_EQ(violations.proto().field_violations(0).description(),
            "expected one of ID_TYPE_PASSPORT (0), ID_TYPE_CMND (1), ID_TYPE_CCCD (3)");
  EXPECT_EQ(violations.proto().field_violations(1).description(),
            "required: one of ONLINE_LEVEL_INFORMATION (2), ONLINE_LEVEL_PARTIAL (3), "
            "ONLINE_LEVEL_END_TO_END (4)");
}

TEST(FieldScope, CodeDescriptionsComeFromTheDomain) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  top.Code("agency_code", domain::CodeKind::kAgency, "H26-15", Presence::kOptional);
  top.Code("agency_code", domain::CodeKind::kAgency, "", Presence::kRequired);
  top.Code("agency_code", domain::CodeKind::kAgency, "", Presence::kOptional);
  ASSERT_EQ(violations.size(), 2);
  EXPECT_THAT(violations.proto().field_violations(0).description(),
              ::testing::StartsWith("expected an agency code"));
  EXPECT_THAT(violations.proto().field_violations(0).description(), HasSubstr("QCVN 102:2016"));
  EXPECT_THAT(violations.proto().field_violations(1).description(),
              ::testing::StartsWith("required; expected an agency code"));
}

TEST(FieldScope, TimestampsMustBeInRange) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  google::protobuf::Timestamp timestamp = samples::VietnamTimestamp(2000, 1, 1, 7, 0);
  EXPECT_TRUE(top.Timestamp("t", true, timestamp, Presence::kRequired).has_value());
  timestamp.set_seconds(timestamp.seconds() - 1);  // 1999-12-31T23:59:59Z.
  EXPECT_FALSE(top.Timestamp("t", true, timestamp, Presence::kRequired).has_value());
  timestamp = samples::VietnamTimestamp(2101, 1, 1, 6, 59);  // 2100-12-31T23:59Z.
  EXPECT_TRUE(top.Timestamp("t", true, timestamp, Presence::kRequired).has_value());
  EXPECT_FALSE(top.Timestamp("t", false, timestamp, Presence::kOptional).has_value());
  EXPECT_FALSE(top.Timestamp("t", false, timestamp, Presence::kRequired).has_value());
  ASSERT_EQ(violations.size(), 2);
  EXPECT_EQ(violations.proto().field_violations(0).description(),
            "expected a time in the years 2000 to 2100");
  EXPECT_EQ(violations.proto().field_violations(1).description(), "required: a timestamp");
}

TEST(FieldScope, BirthDatesAreJudgedInVietnam) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  const absl::CivilDay today(2025, 11, 20);
  EXPECT_TRUE(top.BirthDate("d", "2025-11-20", Presence::kRequired, false, today).has_value());
  EXPECT_FALSE(top.BirthDate("d", "2025-11-21", Presence::kRequired, false, today).has_value());
  EXPECT_FALSE(top.BirthDate("d", "1988", Presence::kRequired, false, today).has_value());
  EXPECT_TRUE(top.BirthDate("d", "1988", Presence::kRequired, true, today).has_value());
  EXPECT_TRUE(
      top.BirthDate("d", "2030-01-01", Presence::kRequired, false, std::nullopt).has_value());
  EXPECT_EQ(violations.size(), 2);
}

TEST(FieldScope, PersonalIdReportsEachDisagreement) {
  FieldViolations violations;
  const FieldScope top("", &violations);
  // 079 Hồ Chí Minh City, 2 = male born in the 2000s, 01 = 2001.
  top.PersonalId("id", "079201004567", 2001, domain::Sex::kMale);
  EXPECT_TRUE(violations.empty());
  top.PersonalId("id", "079201004567", 2002, domain::Sex::kFemale);
  EXPECT_EQ(violations.size(), 2);
  top.PersonalId("id", "079201004567", std::nullopt, std::nullopt);
  EXPECT_EQ(violations.size(), 2);
}

TEST(VietnamDay, IsUtcPlusSeven) {
  EXPECT_EQ(VietnamDay(samples::VietnamTime(2025, 11, 20, 0, 30)), absl::CivilDay(2025, 11, 20));
  EXPECT_EQ(VietnamDay(samples::VietnamTime(2025, 11, 19, 23, 59)), absl::CivilDay(2025, 11, 19));
}

}  // namespace
}  // namespace lienthong::validation

// Tests of the compiled access policy: default deny, grants merged from groups, wildcards,
// record types, agency visibility, messages that name the member and the refused action.
#include "services/security/access_policy.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lienthong::security {
namespace {

using ::testing::HasSubstr;

constexpr char kOneStop[] = "000.00.00.H49";
constexpr char kEducation[] = "000.00.31.H49";

MATCHER_P(DeniedWith, fragment, "") {
  return arg.code() == absl::StatusCode::kPermissionDenied &&
         absl::StrContains(arg.message(), fragment);
}

// one_stop: dossiers, reads diplomas; education: its own grant plus a group for the feed.
config::v1::AccessPolicy SamplePolicy() {
  config::v1::AccessPolicy policy;
  config::v1::Grant& one_stop = (*policy.mutable_groups())["one_stop"];
  one_stop.add_methods("lienthong.v1.DossierService/*");
  one_stop.add_methods("lienthong.v1.EducationRecordService/VerifyDiploma");
  one_stop.add_write_record_types("dossier");
  one_stop.add_read_record_types("dossier");
  one_stop.add_read_record_types("diploma");
  config::v1::Grant& feed = (*policy.mutable_groups())["feed"];
  feed.add_methods("lienthong.v1.ChangeFeedService/Subscribe");
  feed.add_subscribe_record_types("*");

  config::v1::Member* a = policy.add_members();
  a->set_agency_code(kOneStop);
  a->add_groups("one_stop");
  config::v1::Member* b = policy.add_members();
  b->set_agency_code(kEducation);
  b->add_groups("feed");
  b->mutable_grant()->add_methods("/lienthong.v1.EducationRecordService/UpsertRecords");
  b->mutable_grant()->add_write_record_types("school");
  b->mutable_grant()->add_agencies("000.00.00.H49");
  return policy;
}

std::shared_ptr<const AccessPolicy> Compile(const config::v1::AccessPolicy& config) {
  auto policy = AccessPolicy::Compile(config);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : AccessPolicy::DenyAll();
}

TEST(AccessPolicyTest, AllowsExactlyTheGrantedMethods) {
  const auto policy = Compile(SamplePolicy());
  EXPECT_TRUE(policy->AuthorizeMethod(kOneStop, "/lienthong.v1.DossierService/SubmitDossier").ok());
  EXPECT_TRUE(policy->AuthorizeMethod(kOneStop, "lienthong.v1.DossierService/GetDossier").ok());
  EXPECT_TRUE(
      policy->AuthorizeMethod(kOneStop, "/lienthong.v1.EducationRecordService/VerifyDiploma").ok());
  EXPECT_THAT(policy->AuthorizeMethod(kOneStop, "/lienthong.v1.EducationRecordService/GetRecord"),
              DeniedWith("member 000.00.00.H49 may not call "
                         "lienthong.v1.EducationRecordService/GetRecord"));
  // The member's own grant and its group's are merged.
  EXPECT_TRUE(
      policy->AuthorizeMethod(kEducation, "/lienthong.v1.EducationRecordService/UpsertRecords")
          .ok());
  EXPECT_TRUE(policy->AuthorizeMethod(kEducation, "/lienthong.v1.ChangeFeedService/Subscribe").ok());
  EXPECT_THAT(policy->AuthorizeMethod(kEducation, "/lienthong.v1.ChangeFeedService/Ack"),
              DeniedWith("lienthong.v1.ChangeFeedService/Ack"));
}

TEST(AccessPolicyTest, AServiceWildcardDoesNotCoverAServiceWhoseNameExtendsIt) {
  const auto policy = Compile(SamplePolicy());
  EXPECT_FALSE(policy->AuthorizeMethod(kOneStop, "/lienthong.v1.DossierServiceX/Get").ok());
}

TEST(AccessPolicyTest, AnUnlistedMemberHasNoRights) {
  const auto policy = Compile(SamplePolicy());
  EXPECT_FALSE(policy->IsMember("000.00.77.H49"));
  EXPECT_THAT(policy->AuthorizeMethod("000.00.77.H49", "/lienthong.v1.DossierService/GetDossier"),
              DeniedWith("not a member listed in the access policy"));
  EXPECT_FALSE(policy->MayRead("000.00.77.H49", v1::RECORD_TYPE_DOSSIER));
  EXPECT_FALSE(policy->MaySeeAgency("000.00.77.H49", "000.00.77.H49"));
}

TEST(AccessPolicyTest, DenyAllRefusesEverything) {
  const auto policy = AccessPolicy::DenyAll();
  EXPECT_EQ(policy->member_count(), 0);
  EXPECT_FALSE(policy->AuthorizeMethod(kOneStop, "/lienthong.v1.DossierService/GetDossier").ok());
}

TEST(AccessPolicyTest, RecordTypesPerAction) {
  const auto policy = Compile(SamplePolicy());
  EXPECT_TRUE(policy->MayWrite(kOneStop, v1::RECORD_TYPE_DOSSIER));
  EXPECT_FALSE(policy->MayWrite(kOneStop, v1::RECORD_TYPE_DIPLOMA));
  EXPECT_TRUE(policy->MayRead(kOneStop, v1::RECORD_TYPE_DIPLOMA));
  EXPECT_FALSE(policy->MayRead(kOneStop, v1::RECORD_TYPE_STUDENT));
  EXPECT_FALSE(policy->MaySubscribe(kOneStop, v1::RECORD_TYPE_DOSSIER));
  EXPECT_TRUE(policy->MaySubscribe(kEducation, v1::RECORD_TYPE_STUDENT));  // "*"
  EXPECT_THAT(policy->CheckWrite(kEducation, v1::RECORD_TYPE_DIPLOMA),
              DeniedWith("member 000.00.31.H49 may not write diploma records"));
  EXPECT_THAT(policy->CheckRead(kOneStop, v1::RECORD_TYPE_SCHOOL),
              DeniedWith("may not read school records"));
  EXPECT_THAT(policy->CheckSubscribe(kOneStop, v1::RECORD_TYPE_DOSSIER),
              DeniedWith("may not subscribe to dossier records"));
}

TEST(AccessPolicyTest, AgenciesAreTheOwnCodeAndThoseListed) {
  const auto policy = Compile(SamplePolicy());
  // No list: its own agency only.
  EXPECT_TRUE(policy->MaySeeAgency(kOneStop, kOneStop));
  EXPECT_FALSE(policy->MaySeeAgency(kOneStop, "000.00.01.H49"));
  EXPECT_FALSE(policy->SeesAllAgencies(kOneStop));
  // A list: those, and its own.
  EXPECT_TRUE(policy->MaySeeAgency(kEducation, "000.00.00.H49"));
  EXPECT_TRUE(policy->MaySeeAgency(kEducation, kEducation));
  EXPECT_FALSE(policy->MaySeeAgency(kEducation, "000.00.01.H49"));
  // A dossier is visible through its receiving or its handling agency.
  EXPECT_TRUE(policy->MaySeeDossier(kOneStop, "000.00.01.H49", kOneStop));
  EXPECT_THAT(policy->CheckDossier(kOneStop, "read", "000.00.01.H49-260101-0001",
                                   "000.00.01.H49", "000.00.02.H49"),
              DeniedWith("member 000.00.00.H49 may not read dossier 000.00.01.H49-260101-0001 "
                         "of agency 000.00.01.H49"));
  EXPECT_THAT(policy->CheckAgency(kOneStop, "list", "000.00.01.H49"),
              DeniedWith("may not list the dossiers of agency 000.00.01.H49"));
}

TEST(AccessPolicyTest, StarSeesEveryAgency) {
  config::v1::AccessPolicy config = SamplePolicy();
  (*config.mutable_groups())["one_stop"].add_agencies("*");
  const auto policy = Compile(config);
  EXPECT_TRUE(policy->SeesAllAgencies(kOneStop));
  EXPECT_TRUE(policy->MaySeeAgency(kOneStop, "000.00.55.H49"));
}

TEST(AccessPolicyTest, RefusesWhatValidationRefuses) {
  config::v1::AccessPolicy twice = SamplePolicy();
  twice.add_members()->set_agency_code(kOneStop);
  EXPECT_THAT(AccessPolicy::Compile(twice).status().message(), HasSubstr("listed twice"));
  config::v1::AccessPolicy unknown_group = SamplePolicy();
  unknown_group.mutable_members(0)->add_groups("nobody");
  EXPECT_THAT(AccessPolicy::Compile(unknown_group).status().message(),
              HasSubstr("no group named 'nobody'"));
  config::v1::AccessPolicy bad_type = SamplePolicy();
  bad_type.mutable_members(0)->mutable_grant()->add_read_record_types("dossiers");
  EXPECT_THAT(AccessPolicy::Compile(bad_type).status().message(),
              HasSubstr("unknown record type 'dossiers'"));
}

TEST(AccessPolicyHolderTest, SwapsWholePoliciesAndCallsKeepTheirSnapshot) {
  AccessPolicyHolder holder;
  const auto before = holder.Get();
  EXPECT_FALSE(before->IsMember(kOneStop));
  holder.Set(Compile(SamplePolicy()));
  EXPECT_TRUE(holder.Get()->IsMember(kOneStop));
  EXPECT_FALSE(before->IsMember(kOneStop));  // a call that began earlier still sees its own
}

}  // namespace
}  // namespace lienthong::security

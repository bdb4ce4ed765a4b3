// The default-deny access policy over real mutual TLS: methods, record types written, read and
// subscribed to, and the agencies whose dossiers a member sees; refusals name the member and
// the refused action and are written to the exchange log.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "tests/integration/security/security_fixture.h"
#include "tests/support/reflection_client.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kOtherAgency[] = "000.00.01.H49";   // a second one-stop desk
constexpr char kUnlisted[] = "000.00.77.H49";      // a certificate the policy does not list
constexpr uint64_t kOneStopDossier = 0;            // sample 0: agency 000.00.00.H49
constexpr uint64_t kOtherAgencyDossier = 9999;     // sample 9999: agency 000.00.01.H49

google::protobuf::Timestamp Ts(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

class AccessPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("pki")));
    pki_ = std::make_unique<test::TestPki>(std::move(pki));
    config::v1::GatewayConfig config = test::MinimalGatewayConfig(*pki_, dir_.path());
    config.clear_access_policy();  // the policy under test, and nothing else
    auto& groups = *config.mutable_access_policy()->mutable_groups();
    config::v1::Grant& one_stop = groups["one_stop"];
    one_stop = test::MethodsGrant({"lienthong.v1.DossierService/*",
                                   "lienthong.v1.EducationRecordService/VerifyDiploma"});
    one_stop.add_write_record_types("dossier");
    one_stop.add_read_record_types("dossier");
    one_stop.add_read_record_types("diploma");  // no "agencies": its own only
    test::AddMember(&config, test::kOneStopMember, config::v1::Grant(), {"one_stop"});
    test::AddMember(&config, kOtherAgency, config::v1::Grant(), {"one_stop"});

    config::v1::Grant education = test::MethodsGrant(
        {"lienthong.v1.EducationRecordService/*", "lienthong.v1.ChangeFeedService/*",
         "lienthong.v1.DossierService/GetDossier"});
    education.add_write_record_types("school");
    education.add_read_record_types("school");
    education.add_read_record_types("dossier");
    education.add_subscribe_record_types("school");
    education.add_agencies(test::kOneStopMember);  // it sees that desk's dossiers
    test::AddMember(&config, test::kEducationMember, education);
    test::AddMember(&config, test::kAdminMember, test::FullGrant());
    ASSERT_OK_AND_ASSIGN(app_, test::StartTestGateway(config));
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Shutdown(absl::Seconds(1));
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& member) {
    auto issued = pki_->IssueMember(member);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return test::MakeClientChannel(app_->port(), issued.ok() ? issued->pem
                                                             : security::ClientTlsPem{});
  }

  v1::Dossier SampleDossier(uint64_t index) {
    v1::Dossier dossier = demo::MakeSampleDossier(index, absl::Now() - absl::Hours(1));
    *dossier.mutable_due_at() = Ts(absl::Now() + absl::Hours(24 * 10));
    return dossier;
  }

  grpc::Status Submit(const std::string& member, const v1::Dossier& dossier) {
    auto stub = v1::DossierService::NewStub(Channel(member));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = dossier;
    v1::SubmitDossierResponse response;
    return stub->SubmitDossier(&context, request, &response);
  }

  grpc::Status Get(const std::string& member, const std::string& code, v1::Dossier* out) {
    auto stub = v1::DossierService::NewStub(Channel(member));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::GetDossierRequest request;
    request.set_code(code);
    return stub->GetDossier(&context, request, out);
  }

  grpc::Status List(const std::string& member, const std::string& agency,
                    std::vector<std::string>* codes) {
    auto stub = v1::DossierService::NewStub(Channel(member));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::ListDossiersRequest request;
    request.set_agency_code(agency);
    v1::ListDossiersResponse response;
    const grpc::Status status = stub->ListDossiers(&context, request, &response);
    codes->clear();
    for (const auto& dossier : response.dossiers()) codes->push_back(dossier.code());
    return status;
  }

  // Waits until the exchange log holds a refusal of `method` to `member`.
  bool LoggedRefusal(const std::string& member, const std::string& method) {
    return test::PollUntil(
        [&] {
          auto entries = app_->store()->ReadExchangeLog(0, 10000);
          if (!entries.ok()) return false;
          for (const auto& entry : *entries) {
            if (entry.member == member && entry.method == method &&
                entry.status_code == static_cast<int>(absl::StatusCode::kPermissionDenied)) {
              return true;
            }
          }
          return false;
        },
        absl::Seconds(30));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestPki> pki_;
  std::unique_ptr<server::GatewayApp> app_;
};

TEST_F(AccessPolicyTest, AMethodNotGrantedIsRefusedNamingMemberAndMethodAndIsLogged) {
  const grpc::Status status = Submit(test::kEducationMember, SampleDossier(kOneStopDossier));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr(test::kEducationMember));
  EXPECT_THAT(status.error_message(), HasSubstr("lienthong.v1.DossierService/SubmitDossier"));
  EXPECT_TRUE(LoggedRefusal(test::kEducationMember, "/lienthong.v1.DossierService/SubmitDossier"));
}

TEST_F(AccessPolicyTest, AMemberThePolicyDoesNotListMayCallNothing) {
  v1::Dossier ignored;
  const grpc::Status status = Get(kUnlisted, "000.00.00.H49-260101-0001", &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr(kUnlisted));
  EXPECT_THAT(status.error_message(), HasSubstr("not a member listed in the access policy"));
}

TEST_F(AccessPolicyTest, HealthAndReflectionAnswerAnyMemberThatPassedTheHandshake) {
  auto unlisted = Channel(kUnlisted);
  ASSERT_OK_AND_ASSIGN(auto health, test::CheckHealth(unlisted));
  EXPECT_EQ(health, grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_OK_AND_ASSIGN(auto services, test::ListServicesByReflection(unlisted));
  EXPECT_THAT(services, Contains("lienthong.v1.AdminService"));
}

TEST_F(AccessPolicyTest, RecordTypesAreWrittenAndReadOnlyAsGranted) {
  auto stub = v1::EducationRecordService::NewStub(Channel(test::kEducationMember));
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::UpsertRecordsRequest request;
    *request.add_records() = demo::MakeSampleSchool(1);
    *request.add_records() = demo::MakeSampleDiploma(1);
    v1::UpsertRecordsResponse response;
    const grpc::Status status = stub->UpsertRecords(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat(test::kEducationMember, " may not write diploma records")));
  }
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::UpsertRecordsRequest request;
    *request.add_records() = demo::MakeSampleSchool(1);
    v1::UpsertRecordsResponse response;
    const grpc::Status status = stub->UpsertRecords(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::GetRecordRequest request;
    request.mutable_key()->set_type(v1::RECORD_TYPE_STUDENT);
    request.mutable_key()->set_key("0123456789");
    v1::EducationRecord record;
    const grpc::Status status = stub->GetRecord(&context, request, &record);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("may not read student records"));
  }
  // The one-stop system verifies diplomas (a read of diplomas) but cannot write any record.
  auto one_stop = v1::EducationRecordService::NewStub(Channel(test::kOneStopMember));
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::VerifyDiplomaRequest request;
    request.set_serial_number(demo::MakeSampleDiploma(1).diploma().serial_number());
    v1::VerifyDiplomaResponse response;
    const grpc::Status status = one_stop->VerifyDiploma(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::UpsertRecordsRequest request;
    *request.add_records() = demo::MakeSampleSchool(2);
    v1::UpsertRecordsResponse response;
    const grpc::Status status = one_stop->UpsertRecords(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(),
                HasSubstr("may not call lienthong.v1.EducationRecordService/UpsertRecords"));
  }
}

TEST_F(AccessPolicyTest, AMemberSeesOnlyTheDossiersOfAgenciesItMaySee) {
  const v1::Dossier mine = SampleDossier(kOneStopDossier);
  const v1::Dossier theirs = SampleDossier(kOtherAgencyDossier);
  ASSERT_EQ(theirs.receiving_agency_code(), kOtherAgency);
  ASSERT_TRUE(Submit(test::kOneStopMember, mine).ok());
  ASSERT_TRUE(Submit(kOtherAgency, theirs).ok());

  // Submitting for an agency it may not see is refused.
  const grpc::Status foreign = Submit(test::kOneStopMember, SampleDossier(kOtherAgencyDossier + 1));
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(foreign.error_message(), HasSubstr("may not submit dossier"));

  // Get: its own agency's dossier only.
  v1::Dossier read;
  EXPECT_TRUE(Get(kOtherAgency, theirs.code(), &read).ok());
  const grpc::Status hidden = Get(kOtherAgency, mine.code(), &read);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(hidden.error_message(),
              HasSubstr(absl::StrCat("member ", kOtherAgency, " may not read dossier ", mine.code())));

  // List: others' dossiers are filtered out; naming another agency is refused.
  std::vector<std::string> codes;
  ASSERT_TRUE(List(kOtherAgency, "", &codes).ok());
  EXPECT_THAT(codes, UnorderedElementsAre(theirs.code()));
  EXPECT_EQ(List(kOtherAgency, test::kOneStopMember, &codes).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(List(test::kAdminMember, "", &codes).ok());
  EXPECT_THAT(codes, UnorderedElementsAre(theirs.code(), mine.code()));

  // Stats count only what it may see.
  {
    auto stub = v1::DossierService::NewStub(Channel(kOtherAgency));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::GetDossierStatsRequest request;
    *request.mutable_from() = Ts(absl::Now() - absl::Hours(48));
    *request.mutable_to() = Ts(absl::Now());
    v1::GetDossierStatsResponse response;
    ASSERT_TRUE(stub->GetDossierStats(&context, request, &response).ok());
    EXPECT_EQ(response.total().received(), 1);
    EXPECT_EQ(response.by_agency().count(test::kOneStopMember), 0u);
  }

  // Update: refused on a dossier it may not see, which stays as it was.
  {
    auto stub = v1::DossierService::NewStub(Channel(kOtherAgency));
    grpc::ClientContext context;
    test::SetDeadline(&context);
    v1::UpdateDossierStatusRequest request;
    request.set_code(mine.code());
    request.set_expected_version(1);
    request.set_new_status(v1::DOSSIER_STATUS_IN_PROCESS);
    v1::Dossier response;
    const grpc::Status status = stub->UpdateDossierStatus(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("may not update dossier"));
  }
  ASSERT_TRUE(Get(test::kOneStopMember, mine.code(), &read).ok());
  EXPECT_EQ(read.version(), 1);

  // A grant listing an agency opens that agency's dossiers, and only those.
  EXPECT_TRUE(Get(test::kEducationMember, mine.code(), &read).ok());
  EXPECT_EQ(Get(test::kEducationMember, theirs.code(), &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccessPolicyTest, SubscribingToARecordTypeNotGrantedIsRefused) {
  auto stub = v1::ChangeFeedService::NewStub(Channel(test::kEducationMember));
  grpc::ClientContext context;
  test::SetDeadline(&context);
  v1::SubscribeRequest request;
  request.add_record_types(v1::RECORD_TYPE_DOSSIER);
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse response;
  while (reader->Read(&response)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr(test::kEducationMember));
}

}  // namespace
}  // namespace lienthong

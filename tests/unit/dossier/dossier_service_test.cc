// DossierService end to end over mutual TLS, as the e-one-stop system calls it.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "services/domain/dossier_status.h"
#include "services/store/change_cursor.h"
#include "tests/support/register_gateway.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_scan.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"

namespace lienthong {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using test::FromTimestamp;
using test::ToTimestamp;
using test::VietnamTime;

constexpr char kSubmit[] = "/lienthong.v1.DossierService/SubmitDossier";
constexpr char kGet[] = "/lienthong.v1.DossierService/GetDossier";
constexpr char kList[] = "/lienthong.v1.DossierService/ListDossiers";
constexpr char kUpdate[] = "/lienthong.v1.DossierService/UpdateDossierStatus";
constexpr char kStats[] = "/lienthong.v1.DossierService/GetDossierStats";

// Procedures of the dev config: 2.002481 (3 working days) and 2.002492 (5 working days).
constexpr char kTransfer[] = "2.002481";
constexpr char kGradeOne[] = "2.002492";

// Sample dossiers with index below 9999 are received by "000.00.00.H49"; 9999 to 19997 by
// "000.00.01.H49" (demo::AssignSampleDossierIdentity).
constexpr char kAgencyA[] = "000.00.00.H49";
constexpr char kAgencyB[] = "000.00.01.H49";
constexpr uint64_t kFirstOfAgencyB = 9999;

using Stub = v1::DossierService::Stub;

int Code(absl::StatusCode code) { return static_cast<int>(code); }

// Sample dossier `index` made to arrive through `channel`, for `procedure` with
// `processing_days` (0: the config's), with no due date.
v1::Dossier NewDossier(uint64_t index, absl::Time received, v1::Channel channel,
                       const char* procedure = kTransfer, int processing_days = 3) {
  v1::Dossier dossier = demo::MakeSampleDossier(index, received);
  dossier.set_channel(channel);
  if (channel == v1::CHANNEL_ONLINE) {
    dossier.set_online_level(v1::ONLINE_LEVEL_END_TO_END);
    dossier.set_result_delivery(v1::RESULT_DELIVERY_ONLINE);
  } else {
    dossier.clear_online_level();
    dossier.set_result_delivery(channel == v1::CHANNEL_POSTAL ? v1::RESULT_DELIVERY_POSTAL
                                                              : v1::RESULT_DELIVERY_AT_DESK);
  }
  dossier.set_procedure_code(procedure);
  dossier.set_processing_days(processing_days);
  dossier.clear_due_at();
  return dossier;
}

class DossierServiceTest : public ::testing::TestWithParam<test::StoreEngine> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(gateway_, test::RegisterGateway::Start(dir_.path(), GetParam()));
    one_stop_ = v1::DossierService::NewStub(gateway_->Channel(test::kOneStopMember));
  }

  store::Store& store() { return gateway_->store(); }

  grpc::Status Submit(const v1::Dossier& dossier, v1::SubmitDossierResponse* response,
                      const std::string& request_id = "") {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = dossier;
    request.set_request_id(request_id);
    return test::Unary(*one_stop_, &Stub::SubmitDossier, request, response);
  }

  // Submits and expects OK; returns the stored dossier.
  v1::Dossier MustSubmit(const v1::Dossier& dossier) {
    v1::SubmitDossierResponse response;
    const grpc::Status status = Submit(dossier, &response);
    EXPECT_TRUE(status.ok()) << dossier.code() << ": " << status.error_message();
    return response.dossier();
  }

  grpc::Status Get(const std::string& code, v1::Dossier* out) {
    v1::GetDossierRequest request;
    request.set_code(code);
    return test::Unary(*one_stop_, &Stub::GetDossier, request, out);
  }

  grpc::Status Update(const v1::UpdateDossierStatusRequest& request, v1::Dossier* out) {
    return test::Unary(*one_stop_, &Stub::UpdateDossierStatus, request, out);
  }

  static v1::UpdateDossierStatusRequest Step(const v1::Dossier& dossier, v1::DossierStatus to) {
    v1::UpdateDossierStatusRequest request;
    request.set_code(dossier.code());
    request.set_expected_version(dossier.version());
    request.set_new_status(to);
    request.set_handler("Nguyễn Thị Lan");
    request.set_content(absl::StrCat("Chuyển trạng thái ", static_cast<int>(to)));
    if (to == v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED) {
      request.set_supplement_request("Bổ sung bản sao giấy khai sinh");
    }
    return request;
  }

  // Moves `dossier` to `to` (at `at` when given) and expects OK; returns the dossier after.
  v1::Dossier Move(const v1::Dossier& dossier, v1::DossierStatus to,
                   std::optional<absl::Time> at = std::nullopt) {
    v1::UpdateDossierStatusRequest request = Step(dossier, to);
    if (at.has_value()) *request.mutable_at() = ToTimestamp(*at);
    v1::Dossier after;
    const grpc::Status status = Update(request, &after);
    EXPECT_TRUE(status.ok()) << dossier.code() << " " << dossier.status() << " -> " << to << ": "
                             << status.error_message();
    return after;
  }

  grpc::Status List(const v1::ListDossiersRequest& request, v1::ListDossiersResponse* out) {
    return test::Unary(*one_stop_, &Stub::ListDossiers, request, out);
  }

  // The codes of every page of `request`, in order (at most 100 pages).
  std::vector<std::string> ListAll(v1::ListDossiersRequest request) {
    std::vector<std::string> codes;
    for (int page = 0; page < 100; ++page) {
      v1::ListDossiersResponse response;
      const grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& d : response.dossiers()) codes.push_back(d.code());
      if (response.next_page_token().empty()) return codes;
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "more than 100 pages";
    return codes;
  }

  std::vector<store::ChangeRow> ChangesOf(const std::string& code) {
    auto changes = test::ReadChangesOf(store(), v1::RECORD_TYPE_DOSSIER, code);
    EXPECT_OK(changes);
    return changes.ok() ? *changes : std::vector<store::ChangeRow>{};
  }

  test::TempDir dir_{"dossier_service_test"};
  std::unique_ptr<test::RegisterGateway> gateway_;
  std::unique_ptr<v1::DossierService::Stub> one_stop_;
};

// --- SubmitDossier --------------------------------------------------------------------------

TEST_P(DossierServiceTest, SubmitStoresTheDossierWithAWorkingDayDueDateAndOneChangeEvent) {
  // Friday 24 Apr 2026, 16:00 at the desk: after the 15:00 cut-off, so the clock starts on the
  // next working day, Tuesday 28 Apr (27 Apr is the Hùng Kings compensatory day). Three working
  // days: 29 Apr, then 4 May (30 Apr and 1 May are holidays), then 5 May, closing at 17:00.
  const v1::Dossier dossier =
      NewDossier(1, VietnamTime(2026, 4, 24, 16), v1::CHANNEL_IN_PERSON, kTransfer, 3);
  v1::SubmitDossierResponse response;
  const grpc::Status status = Submit(dossier, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_FALSE(response.already_existed());
  const v1::Dossier& stored = response.dossier();
  EXPECT_EQ(stored.code(), dossier.code());
  EXPECT_EQ(stored.version(), 1);
  EXPECT_EQ(stored.submitted_by(), test::kOneStopMember);
  EXPECT_EQ(stored.status(), v1::DOSSIER_STATUS_ACCEPTED);
  EXPECT_EQ(stored.processing_days(), 3);
  EXPECT_EQ(FromTimestamp(stored.due_at()), VietnamTime(2026, 5, 5, 17));
  EXPECT_TRUE(stored.has_updated_at());
  ASSERT_OK_AND_ASSIGN(const store::ChangeCursor cursor, store::DecodeCursor(response.cursor()));

  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.SerializeAsString(), stored.SerializeAsString());

  const auto changes = ChangesOf(dossier.code());
  ASSERT_EQ(changes.size(), 1);
  EXPECT_EQ(changes[0].cursor, cursor);
  EXPECT_EQ(changes[0].operation, v1::OPERATION_CREATE);
  EXPECT_EQ(changes[0].version, 1);
  EXPECT_EQ(changes[0].origin_member, test::kOneStopMember);
  EXPECT_EQ(changes[0].agency, dossier.receiving_agency_code());
  v1::Dossier in_event;
  ASSERT_TRUE(in_event.ParseFromString(changes[0].payload));
  EXPECT_EQ(in_event.SerializeAsString(), stored.SerializeAsString());
}

TEST_P(DossierServiceTest, TheAfterThreePmRuleAppliesOnlyAtTheDesk) {
  // The same Friday 16:00, online: the clock starts at once. 28 Apr, 29 Apr, 4 May.
  const v1::Dossier online = MustSubmit(
      NewDossier(2, VietnamTime(2026, 4, 24, 16), v1::CHANNEL_ONLINE, kTransfer, 3));
  EXPECT_EQ(FromTimestamp(online.due_at()), VietnamTime(2026, 5, 4, 17));
  // Before 15:00 at the desk: the clock starts at once too.
  const v1::Dossier morning = MustSubmit(
      NewDossier(3, VietnamTime(2026, 4, 24, 14, 59), v1::CHANNEL_IN_PERSON, kTransfer, 3));
  EXPECT_EQ(FromTimestamp(morning.due_at()), VietnamTime(2026, 5, 4, 17));
}

TEST_P(DossierServiceTest, ProcessingDaysComeFromTheProcedureWhenTheDossierGivesNone) {
  // Monday 20 Apr 2026, 09:00; 2.002492 takes 5 working days: 21, 22, 23, 24, then 28 Apr.
  const v1::Dossier stored = MustSubmit(
      NewDossier(4, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_IN_PERSON, kGradeOne, 0));
  EXPECT_EQ(stored.processing_days(), 5);
  EXPECT_EQ(FromTimestamp(stored.due_at()), VietnamTime(2026, 4, 28, 17));
}

TEST_P(DossierServiceTest, AProcedureWithoutProcessingDaysAndNoDueDateIsRefused) {
  const v1::Dossier dossier =
      NewDossier(5, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_IN_PERSON, "1.999999", 0);
  v1::SubmitDossierResponse response;
  const grpc::Status status = Submit(dossier, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("dossier.due_at"));
  v1::Dossier read;
  EXPECT_EQ(Get(dossier.code(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(ChangesOf(dossier.code()).empty());
}

TEST_P(DossierServiceTest, ResubmittingIsIdempotentAndADifferentBodyIsAlreadyExists) {
  const v1::Dossier dossier =
      NewDossier(6, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_ONLINE, kTransfer, 3);
  v1::SubmitDossierResponse first;
  ASSERT_TRUE(Submit(dossier, &first).ok());

  v1::SubmitDossierResponse again;
  ASSERT_TRUE(Submit(dossier, &again).ok());
  EXPECT_TRUE(again.already_existed());
  EXPECT_EQ(again.cursor(), first.cursor());
  EXPECT_EQ(again.dossier().SerializeAsString(), first.dossier().SerializeAsString());
  EXPECT_EQ(ChangesOf(dossier.code()).size(), 1);

  v1::Dossier changed = dossier;
  changed.set_summary(dossier.summary() + " (sửa)");
  v1::SubmitDossierResponse refused;
  const grpc::Status status = Submit(changed, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(dossier.code()));
  EXPECT_EQ(ChangesOf(dossier.code()).size(), 1);
  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.summary(), dossier.summary());
}

TEST_P(DossierServiceTest, ARequestIdAnswersItsFirstCallAndRefusesAnotherBody) {
  constexpr char kRequestId[] = "5f0c6b1e-8d7a-4c3b-9e2f-1a2b3c4d5e6f";
  const v1::Dossier x = NewDossier(7, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_ONLINE);
  const v1::Dossier y = NewDossier(8, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_ONLINE);
  v1::SubmitDossierResponse first;
  ASSERT_TRUE(Submit(x, &first, kRequestId).ok());

  v1::SubmitDossierResponse retry;
  ASSERT_TRUE(Submit(x, &retry, kRequestId).ok());
  EXPECT_TRUE(retry.already_existed());
  EXPECT_EQ(retry.cursor(), first.cursor());
  EXPECT_EQ(retry.dossier().SerializeAsString(), first.dossier().SerializeAsString());

  v1::SubmitDossierResponse reused;
  const grpc::Status status = Submit(y, &reused, kRequestId);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(kRequestId));
  v1::Dossier read;
  EXPECT_EQ(Get(y.code(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(ChangesOf(y.code()).empty());
  EXPECT_EQ(ChangesOf(x.code()).size(), 1);
}

TEST_P(DossierServiceTest, AnInvalidDossierIsRefusedNamingEveryBadFieldAndNothingIsStored) {
  v1::Dossier dossier = NewDossier(9, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_IN_PERSON);
  // The code's date is not the receipt date (20 Apr 2026).
  std::string code = dossier.code();
  code.replace(code.find("-260420-"), 8, "-260421-");
  dossier.set_code(code);
  dossier.set_procedure_code("2.2481");
  // Born in 1950, but the personal ID number says otherwise.
  dossier.mutable_applicant()->set_date_of_birth("1950-01-01");
  dossier.mutable_applicant()->set_email("phu huynh@example");
  dossier.mutable_attachments(0)->set_sha256("not-a-digest");
  dossier.set_version(3);
  v1::SubmitDossierResponse response;
  const grpc::Status status = Submit(dossier, &response, "not-a-uuid");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(test::ViolatedFields(status),
              UnorderedElementsAre("dossier.code", "dossier.procedure_code",
                                   "dossier.applicant.id_number", "dossier.applicant.email",
                                   "dossier.attachments[0].sha256", "dossier.version",
                                   "request_id"))
      << status.error_message();
  v1::Dossier read;
  EXPECT_EQ(Get(code, &read).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_OK_AND_ASSIGN(const auto changes, test::ReadAllChanges(store()));
  EXPECT_TRUE(changes.empty());
  ASSERT_OK_AND_ASSIGN(const auto log, test::AwaitExchangeLog(store(), 2));
  // The refusal and the read are logged after their replies: in either order.
  int submits = 0;
  for (const auto& entry : log) {
    if (entry.method != kSubmit) continue;
    ++submits;
    EXPECT_EQ(entry.status_code, Code(absl::StatusCode::kInvalidArgument));
    EXPECT_TRUE(entry.records.empty());
  }
  EXPECT_EQ(submits, 1);
}

// --- UpdateDossierStatus --------------------------------------------------------------------

bool Allowed(int from, int to) {
  return domain::IsAllowedTransition(static_cast<domain::DossierStatus>(from),
                                     static_cast<domain::DossierStatus>(to));
}

class DossierMovesTest : public DossierServiceTest {
 protected:
  // A new dossier brought to `status` (1 to 10) through allowed moves. With
  // `before_acceptance`, status 5 is reached from 1 (a supplement asked for at intake), else
  // from 2.
  v1::Dossier Reach(int status, bool before_acceptance = false) {
    v1::Dossier dossier = NewDossier(next_index_++, VietnamTime(2026, 4, 20, 9),
                                     v1::CHANNEL_IN_PERSON);
    if (status == 1 || status == 3 || (status == 5 && before_acceptance)) {
      dossier.set_status(v1::DOSSIER_STATUS_NEWLY_REGISTERED);
    }
    dossier = MustSubmit(dossier);
    switch (status) {
      case 3:
        return Move(dossier, v1::DOSSIER_STATUS_REFUSED_AT_INTAKE);
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
      case 9:
        return Move(dossier, static_cast<v1::DossierStatus>(status));
      case 10:
        return Move(Move(dossier, v1::DOSSIER_STATUS_FINISHED), v1::DOSSIER_STATUS_RESULT_RETURNED);
      default:
        return dossier;
    }
  }

  uint64_t next_index_ = 100;
};

TEST_P(DossierMovesTest, EveryAllowedMoveAppendsAStepAndAnUpdateEvent) {
  // The moves of the status table of services/domain/dossier_status.h.
  std::vector<std::pair<int, int>> moves;
  for (int from = 1; from <= 10; ++from) {
    for (int to = 1; to <= 10; ++to) {
      if (Allowed(from, to)) moves.emplace_back(from, to);
    }
  }
  ASSERT_FALSE(moves.empty());
  for (const auto& [from, to] : moves) {
    SCOPED_TRACE(absl::StrCat(from, " -> ", to));
    // 5 -> 2 and 5 -> 3 end a supplement asked for before acceptance (1 -> 5).
    const v1::Dossier before = Reach(from, from == 5 && (to == 2 || to == 3));
    ASSERT_EQ(before.status(), from);
    const auto to_status = static_cast<v1::DossierStatus>(to);
    const v1::Dossier after = Move(before, to_status);
    EXPECT_EQ(after.status(), to);
    EXPECT_EQ(after.version(), before.version() + 1);
    ASSERT_EQ(after.history_size(), before.history_size() + 1);
    const v1::ProcessingStep& step = after.history(after.history_size() - 1);
    EXPECT_EQ(step.sequence(), after.history_size());
    EXPECT_EQ(step.from_status(), from);
    EXPECT_EQ(step.to_status(), to);
    EXPECT_EQ(step.handler(), "Nguyễn Thị Lan");
    EXPECT_EQ(step.recorded_by(), test::kOneStopMember);
    EXPECT_EQ(after.has_refused_at(), to == 3);
    EXPECT_EQ(after.has_finished_at(), to == 7 || to == 9 || to == 10);
    EXPECT_EQ(after.has_returned_at(), to == 10);
    if (to == 5) {
      ASSERT_EQ(after.supplements_size(), 1);
      EXPECT_EQ(after.supplements(0).requested_content(), "Bổ sung bản sao giấy khai sinh");
    }

    const auto changes = ChangesOf(before.code());
    ASSERT_EQ(changes.size(), static_cast<size_t>(after.version()));
    EXPECT_EQ(changes.back().operation, v1::OPERATION_UPDATE);
    EXPECT_EQ(changes.back().version, after.version());
    v1::Dossier read;
    ASSERT_TRUE(Get(before.code(), &read).ok());
    EXPECT_EQ(read.SerializeAsString(), after.SerializeAsString());
  }
}

TEST_P(DossierMovesTest, ImpossibleMovesAreFailedPreconditionAndChangeNothing) {
  for (int from = 1; from <= 10; ++from) {
    const v1::Dossier before = Reach(from);
    ASSERT_EQ(before.status(), from);
    for (int to = 1; to <= 10; ++to) {
      SCOPED_TRACE(absl::StrCat(from, " -> ", to));
      // docs/domain.md's examples of impossible moves: 10 -> 4, 9 -> 2, anything out of 3.
      const bool domain_refuses = (from == 10 && to == 4) || (from == 9 && to == 2) || from == 3;
      if (Allowed(from, to)) {
        EXPECT_FALSE(domain_refuses);
        continue;
      }
      v1::Dossier after;
      const grpc::Status status = Update(Step(before, static_cast<v1::DossierStatus>(to)), &after);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << status.error_message();
      EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("from ", from, " (")));
    }
    v1::Dossier read;
    ASSERT_TRUE(Get(before.code(), &read).ok());
    EXPECT_EQ(read.SerializeAsString(), before.SerializeAsString());
    EXPECT_EQ(ChangesOf(before.code()).size(), static_cast<size_t>(before.version()));
  }
}

TEST_P(DossierMovesTest, AStaleVersionIsAbortedAndAnUnknownCodeIsNotFound) {
  const v1::Dossier dossier = Reach(2);
  const v1::Dossier moved = Move(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
  ASSERT_EQ(moved.version(), 2);
  v1::Dossier after;
  // Written against version 1, which is no longer the stored one.
  grpc::Status status = Update(Step(dossier, v1::DOSSIER_STATUS_FINISHED), &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("version 2"));
  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.version(), 2);
  EXPECT_EQ(read.status(), v1::DOSSIER_STATUS_IN_PROCESS);

  v1::Dossier unknown = dossier;
  unknown.set_code("000.00.00.H49-260420-9876");
  status = Update(Step(unknown, v1::DOSSIER_STATUS_IN_PROCESS), &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_EQ(Get(unknown.code(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(DossierMovesTest, ANewAppointmentDateIsGivenOnceOnly) {
  // Received Monday 20 Apr 2026 09:00 at the desk, 3 days: due Thursday 23 Apr 17:00.
  const v1::Dossier dossier = Reach(2);
  ASSERT_EQ(FromTimestamp(dossier.due_at()), VietnamTime(2026, 4, 23, 17));
  // Given on Wednesday 22 Apr, one day before the due date.
  v1::UpdateDossierStatusRequest late = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
  *late.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 22, 9));
  *late.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 4, 29, 17));
  v1::Dossier extended;
  const grpc::Status given = Update(late, &extended);
  ASSERT_TRUE(given.ok()) << given.error_message();
  EXPECT_EQ(extended.extension_count(), 1);
  EXPECT_EQ(FromTimestamp(extended.due_at()), VietnamTime(2026, 4, 29, 17));
  // The rule's due date is kept next to the extended one.
  EXPECT_EQ(FromTimestamp(extended.original_due_at()), VietnamTime(2026, 4, 23, 17));

  v1::UpdateDossierStatusRequest again = Step(extended, v1::DOSSIER_STATUS_FINISHED);
  *again.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 5, 6, 17));
  v1::Dossier after;
  const grpc::Status status = Update(again, &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("once"));
  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.SerializeAsString(), extended.SerializeAsString());

  // The same step without a new date goes through.
  const v1::Dossier finished = Move(extended, v1::DOSSIER_STATUS_FINISHED);
  EXPECT_EQ(finished.extension_count(), 1);
  EXPECT_EQ(FromTimestamp(finished.due_at()), VietnamTime(2026, 4, 29, 17));
  EXPECT_EQ(FromTimestamp(finished.original_due_at()), VietnamTime(2026, 4, 23, 17));
}

// Decree 118/2025 (as in Decree 61/2018 Art. 19): the apology and new date come at least one
// day before the due date; on the due day or after it they are refused and nothing changes.
TEST_P(DossierMovesTest, ExtensionOnlyBeforeTheDueDate) {
  const v1::Dossier dossier = Reach(2);  // due Thursday 23 Apr 2026 17:00
  for (const absl::Time at : {VietnamTime(2026, 4, 23, 8), VietnamTime(2026, 4, 24, 9)}) {
    v1::UpdateDossierStatusRequest late = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
    *late.mutable_at() = ToTimestamp(at);
    *late.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 4, 29, 17));
    v1::Dossier after;
    const grpc::Status status = Update(late, &after);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("at least 1 day before the due date"));
  }
  // A new date not after the current one is no extension either.
  v1::UpdateDossierStatusRequest earlier = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
  *earlier.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 21, 9));
  *earlier.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 4, 22, 17));
  v1::Dossier after;
  const grpc::Status status = Update(earlier, &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("new_due_at"));
  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.SerializeAsString(), dossier.SerializeAsString());
  EXPECT_EQ(ChangesOf(dossier.code()).size(), 1);
}

// Decree 118/2025 (as in Decree 61/2018 Art. 17.2(a)): a dossier incomplete at intake is asked
// to supplement before acceptance (1 -> 5), then accepted (5 -> 2) or refused (5 -> 3); it does
// not go straight to processing, and one supplemented after acceptance is not "accepted" again.
TEST_P(DossierMovesTest, SupplementBeforeAcceptanceEndsInAcceptanceOrRefusal) {
  const v1::Dossier at_intake = Reach(5, /*before_acceptance=*/true);
  ASSERT_EQ(at_intake.history(0).from_status(), v1::DOSSIER_STATUS_NEWLY_REGISTERED);
  v1::Dossier after;
  grpc::Status status = Update(Step(at_intake, v1::DOSSIER_STATUS_IN_PROCESS), &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  const v1::Dossier accepted = Move(at_intake, v1::DOSSIER_STATUS_ACCEPTED);
  EXPECT_EQ(accepted.status(), v1::DOSSIER_STATUS_ACCEPTED);
  EXPECT_EQ(Move(accepted, v1::DOSSIER_STATUS_IN_PROCESS).status(), v1::DOSSIER_STATUS_IN_PROCESS);
  const v1::Dossier refused =
      Move(Reach(5, /*before_acceptance=*/true), v1::DOSSIER_STATUS_REFUSED_AT_INTAKE);
  EXPECT_TRUE(refused.has_refused_at());

  const v1::Dossier after_acceptance = Reach(5);
  for (v1::DossierStatus to : {v1::DOSSIER_STATUS_ACCEPTED, v1::DOSSIER_STATUS_REFUSED_AT_INTAKE}) {
    status = Update(Step(after_acceptance, to), &after);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << status.error_message();
  }
  v1::Dossier read;
  ASSERT_TRUE(Get(after_acceptance.code(), &read).ok());
  EXPECT_EQ(read.SerializeAsString(), after_acceptance.SerializeAsString());
}

TEST_P(DossierMovesTest, ANewAppointmentDateBeforeTheStepIsInvalid) {
  const v1::Dossier dossier = Reach(2);
  v1::UpdateDossierStatusRequest request = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
  *request.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 24, 9));
  *request.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 4, 24, 8));
  v1::Dossier after;
  const grpc::Status status = Update(request, &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("new_due_at"));
  EXPECT_EQ(ChangesOf(dossier.code()).size(), 1);
}

TEST_P(DossierMovesTest, ASupplementRestartsTheClockFromItsArrival) {
  const v1::Dossier dossier = Reach(2);  // due Thursday 23 Apr 2026 17:00
  const v1::Dossier asked =
      Move(dossier, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, VietnamTime(2026, 4, 21, 10));
  ASSERT_EQ(asked.supplements_size(), 1);
  EXPECT_EQ(FromTimestamp(asked.supplements(0).requested_at()), VietnamTime(2026, 4, 21, 10));
  EXPECT_FALSE(asked.supplements(0).has_supplied_at());

  // Supplied at the desk on Thursday 23 Apr at 16:30, after the cut-off: the clock restarts on
  // Friday 24 Apr, and three working days later is Monday 4 May (27, 30 Apr and 1 May are off).
  const v1::Dossier restarted =
      Move(asked, v1::DOSSIER_STATUS_IN_PROCESS, VietnamTime(2026, 4, 23, 16, 30));
  EXPECT_EQ(FromTimestamp(restarted.supplements(0).supplied_at()),
            VietnamTime(2026, 4, 23, 16, 30));
  EXPECT_EQ(FromTimestamp(restarted.due_at()), VietnamTime(2026, 5, 4, 17));
  EXPECT_EQ(restarted.extension_count(), 0);
}

TEST_P(DossierMovesTest, AnUnknownProcessingTimeNeedsTheRestartedDueDateAndItIsNoExtension) {
  // Procedure 1.999999 has no processing time in the config: the one-stop gave the due date.
  v1::Dossier dossier = NewDossier(next_index_++, VietnamTime(2026, 4, 20, 9),
                                   v1::CHANNEL_IN_PERSON, "1.999999", 0);
  *dossier.mutable_due_at() = ToTimestamp(VietnamTime(2026, 4, 30, 17));
  dossier = MustSubmit(dossier);
  const v1::Dossier asked =
      Move(dossier, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, VietnamTime(2026, 4, 21, 10));

  // Back in process without a date: refused, naming new_due_at, and nothing changes.
  v1::UpdateDossierStatusRequest back = Step(asked, v1::DOSSIER_STATUS_IN_PROCESS);
  *back.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 22, 9));
  v1::Dossier after;
  grpc::Status status = Update(back, &after);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("new_due_at"));
  v1::Dossier read;
  ASSERT_TRUE(Get(dossier.code(), &read).ok());
  EXPECT_EQ(read.version(), asked.version());
  EXPECT_EQ(read.status(), v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED);

  // With the restarted clock's date it moves, and that date is not the one extension.
  *back.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 5, 6, 17));
  status = Update(back, &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(FromTimestamp(after.due_at()), VietnamTime(2026, 5, 6, 17));
  EXPECT_EQ(after.extension_count(), 0);
  EXPECT_EQ(FromTimestamp(after.supplements(0).supplied_at()), VietnamTime(2026, 4, 22, 9));

  // The extension with apology is still there to be given, once.
  v1::UpdateDossierStatusRequest late = Step(after, v1::DOSSIER_STATUS_FINISHED);
  *late.mutable_at() = ToTimestamp(VietnamTime(2026, 5, 5, 9));  // a day before 6 May
  *late.mutable_new_due_at() = ToTimestamp(VietnamTime(2026, 5, 8, 17));
  v1::Dossier extended;
  status = Update(late, &extended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(extended.extension_count(), 1);
}

TEST_P(DossierMovesTest, StepTimesAreRecordedAndJudgedAgainstTheStepDueTime) {
  const v1::Dossier dossier = Reach(2);
  v1::UpdateDossierStatusRequest request = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
  *request.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 21, 11));
  *request.mutable_step_due_at() = ToTimestamp(VietnamTime(2026, 4, 21, 17));
  v1::Dossier in_process;
  ASSERT_TRUE(Update(request, &in_process).ok());
  EXPECT_EQ(in_process.history(0).timeliness(), v1::STEP_TIMELINESS_ON_TIME);

  request = Step(in_process, v1::DOSSIER_STATUS_FINISHED);
  *request.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 22, 9));
  *request.mutable_step_due_at() = ToTimestamp(VietnamTime(2026, 4, 23, 17));
  v1::Dossier finished;
  ASSERT_TRUE(Update(request, &finished).ok());
  EXPECT_EQ(finished.history(1).timeliness(), v1::STEP_TIMELINESS_EARLY);
  EXPECT_EQ(FromTimestamp(finished.finished_at()), VietnamTime(2026, 4, 22, 9));

  request = Step(finished, v1::DOSSIER_STATUS_RESULT_RETURNED);
  *request.mutable_at() = ToTimestamp(VietnamTime(2026, 4, 24, 9));
  *request.mutable_step_due_at() = ToTimestamp(VietnamTime(2026, 4, 23, 17));
  v1::Dossier returned;
  ASSERT_TRUE(Update(request, &returned).ok());
  EXPECT_EQ(returned.history(2).timeliness(), v1::STEP_TIMELINESS_LATE);
  EXPECT_EQ(FromTimestamp(returned.returned_at()), VietnamTime(2026, 4, 24, 9));
  // Finishing is when it reached 9, not when the result was handed over.
  EXPECT_EQ(FromTimestamp(returned.finished_at()), VietnamTime(2026, 4, 22, 9));
}

TEST_P(DossierMovesTest, HandOffsBetweenUnitsCountForTheElectronicExchangeIndicator) {
  constexpr char kDesk[] = "000.00.15.H26";
  constexpr char kOther[] = "000.00.21.H26";
  auto hand_off = [&](const v1::Dossier& dossier, const char* to_unit, bool on_paper) {
    v1::UpdateDossierStatusRequest request = Step(dossier, v1::DOSSIER_STATUS_IN_PROCESS);
    request.set_from_unit(kDesk);
    request.set_to_unit(to_unit);
    request.set_paper_transfer(on_paper);
    v1::Dossier after;
    const grpc::Status status = Update(request, &after);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return after;
  };
  const v1::Dossier electronic = hand_off(Reach(2), kOther, false);
  const v1::Dossier on_paper = hand_off(Reach(2), kOther, true);
  hand_off(Reach(2), kDesk, false);  // within one unit: not an exchange between agencies
  ASSERT_EQ(on_paper.history_size(), 1);
  EXPECT_TRUE(on_paper.history(0).paper_transfer());
  EXPECT_FALSE(electronic.history(0).paper_transfer());

  // Paper within one unit is refused, naming the field, and changes nothing.
  const v1::Dossier untouched = Reach(2);
  v1::UpdateDossierStatusRequest bad = Step(untouched, v1::DOSSIER_STATUS_IN_PROCESS);
  bad.set_from_unit(kDesk);
  bad.set_to_unit(kDesk);
  bad.set_paper_transfer(true);
  v1::Dossier after;
  const grpc::Status refused = Update(bad, &after);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_THAT(test::ViolatedFields(refused), UnorderedElementsAre("paper_transfer"));
  v1::Dossier read;
  ASSERT_TRUE(Get(untouched.code(), &read).ok());
  EXPECT_EQ(read.SerializeAsString(), untouched.SerializeAsString());

  v1::GetDossierStatsRequest request;
  *request.mutable_from() = ToTimestamp(VietnamTime(2026, 4, 1, 0));
  *request.mutable_to() = ToTimestamp(VietnamTime(2026, 5, 1, 0));
  v1::GetDossierStatsResponse stats;
  const grpc::Status status = test::Unary(*one_stop_, &Stub::GetDossierStats, request, &stats);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stats.total().received(), 4);
  EXPECT_EQ(stats.total().inter_agency(), 2);
  EXPECT_EQ(stats.total().exchanged_electronically(), 1);
  EXPECT_DOUBLE_EQ(stats.total().electronic_exchange_rate(), 0.5);
}

// --- ListDossiers ---------------------------------------------------------------------------

TEST_P(DossierServiceTest, PagesHaveNoDuplicatesAndMissNoEarlierDossierWhileWritesHappen) {
  // 60 dossiers received 1-4 Jun 2026, two at each time: order ties are broken by code.
  std::set<std::string> before;
  for (uint64_t i = 0; i < 60; ++i) {
    const absl::Time received =
        VietnamTime(2026, 6, 1 + static_cast<int>(i % 4), 8 + static_cast<int>(i / 4 % 8));
    before.insert(MustSubmit(NewDossier(1000 + i, received, v1::CHANNEL_ONLINE)).code());
  }
  ASSERT_EQ(before.size(), 60);

  // Two writers keep submitting, half inside the listed range and half after it.
  std::atomic<bool> listing_done{false};
  std::atomic<int> submitted_during_listing{0};
  std::atomic<int> writers_finished{0};
  absl::Mutex mu;
  std::set<std::string> concurrent;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      auto stub = v1::DossierService::NewStub(gateway_->Channel(test::kOneStopMember));
      for (uint64_t n = 0; n < 500 && !listing_done; ++n) {
        const uint64_t index = 2000 + w * 1000 + n;
        const absl::Time received =
            n % 2 == 0 ? VietnamTime(2026, 6, 2, 10, static_cast<int>(n % 60))
                       : VietnamTime(2026, 6, 10, 10, static_cast<int>(n % 60));
        v1::SubmitDossierRequest request;
        *request.mutable_dossier() = NewDossier(index, received, v1::CHANNEL_IN_PERSON);
        {
          absl::MutexLock lock(&mu);
          concurrent.insert(request.dossier().code());
        }
        v1::SubmitDossierResponse response;
        if (test::Unary(*stub, &Stub::SubmitDossier, request, &response).ok() && !listing_done) {
          ++submitted_during_listing;
        }
      }
      ++writers_finished;
    });
  }

  v1::ListDossiersRequest request;
  *request.mutable_received_from() = ToTimestamp(VietnamTime(2026, 6, 1, 0));
  *request.mutable_received_to() = ToTimestamp(VietnamTime(2026, 6, 5, 0));
  request.set_page_size(7);
  std::vector<v1::Dossier> listed;
  int pages = 0;
  // No ASSERT until the writers are joined below: returning with them running would crash.
  bool writers_stalled = false;
  for (; pages < 100; ++pages) {
    v1::ListDossiersResponse response;
    const grpc::Status status = List(request, &response);
    if (!status.ok()) {
      ADD_FAILURE() << status.error_message();
      break;
    }
    EXPECT_LE(response.dossiers_size(), 7);
    for (const auto& d : response.dossiers()) listed.push_back(d);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
    // Let the writers commit between pages: wait for one more acknowledged write while they
    // run (a fixed sleep could pass with none on a slow machine).
    const int written = submitted_during_listing.load();
    if (!test::PollUntil(
            [&] { return submitted_during_listing.load() > written || writers_finished.load() == 2; },
            absl::Seconds(30), absl::Milliseconds(2))) {
      writers_stalled = true;
      break;
    }
  }
  listing_done = true;
  for (auto& writer : writers) writer.join();
  ASSERT_FALSE(writers_stalled) << "no write was acknowledged for 30 s";
  ASSERT_LT(pages, 100);
  EXPECT_GT(submitted_during_listing.load(), 0) << "no write happened during the listing";

  std::map<std::string, int> seen;
  for (const auto& d : listed) ++seen[d.code()];
  for (const auto& [code, times] : seen) {
    EXPECT_EQ(times, 1) << code << " listed " << times << " times";
    EXPECT_TRUE(before.count(code) == 1 || concurrent.count(code) == 1) << code;
  }
  for (const auto& code : before) EXPECT_EQ(seen.count(code), 1) << code << " was missed";
  for (size_t i = 1; i < listed.size(); ++i) {
    const auto key = [](const v1::Dossier& d) {
      return std::make_pair(FromTimestamp(d.received_at()), d.code());
    };
    EXPECT_LT(key(listed[i - 1]), key(listed[i])) << "out of order at " << i;
    EXPECT_LT(FromTimestamp(listed[i].received_at()), VietnamTime(2026, 6, 5, 0));
  }
}

TEST_P(DossierServiceTest, APageTokenIsValidOnlyWithItsOwnFilters) {
  for (uint64_t i = 0; i < 5; ++i) {
    MustSubmit(NewDossier(1100 + i, VietnamTime(2026, 6, 1, 9 + static_cast<int>(i)),
                          v1::CHANNEL_ONLINE));
  }
  v1::ListDossiersRequest request;
  request.set_page_size(2);
  v1::ListDossiersResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  ASSERT_EQ(first.dossiers_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());

  v1::ListDossiersRequest other = request;
  other.set_page_token(first.next_page_token());
  other.set_channel(v1::CHANNEL_ONLINE);
  v1::ListDossiersResponse response;
  grpc::Status status = List(other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("page_token"));

  other = request;
  other.set_page_token("bm90LWEtdG9rZW4");
  status = List(other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("page_token"));

  // The same filters with another page size keep the token.
  other = request;
  other.set_page_token(first.next_page_token());
  other.set_page_size(10);
  ASSERT_TRUE(List(other, &response).ok());
  EXPECT_EQ(response.dossiers_size(), 3);
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_P(DossierServiceTest, ListFiltersSelectExactlyTheMatchingDossiers) {
  // July 2026; due dates past (overdue unless finished or waiting for a supplement) or in 2027.
  const absl::Time past_due = VietnamTime(2026, 7, 10, 17);
  const absl::Time future_due = VietnamTime(2027, 3, 1, 17);
  auto submit = [&](uint64_t index, v1::Channel channel, const char* procedure, absl::Time due) {
    v1::Dossier d = NewDossier(index, VietnamTime(2026, 7, 1, 9 + static_cast<int>(index % 8)),
                               channel, procedure);
    *d.mutable_due_at() = ToTimestamp(due);
    return MustSubmit(d);
  };
  const v1::Dossier d1 = submit(1, v1::CHANNEL_ONLINE, kTransfer, future_due);
  const v1::Dossier d2 = Move(submit(2, v1::CHANNEL_IN_PERSON, kTransfer, past_due),
                              v1::DOSSIER_STATUS_IN_PROCESS);
  const v1::Dossier d3 = submit(kFirstOfAgencyB + 3, v1::CHANNEL_POSTAL, kGradeOne, past_due);
  const v1::Dossier d4 = Move(submit(kFirstOfAgencyB + 4, v1::CHANNEL_ONLINE, kGradeOne, past_due),
                              v1::DOSSIER_STATUS_FINISHED);
  const v1::Dossier d5 = Move(submit(5, v1::CHANNEL_IN_PERSON, kGradeOne, past_due),
                              v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED);
  ASSERT_EQ(d3.receiving_agency_code(), kAgencyB);
  ASSERT_EQ(d1.receiving_agency_code(), kAgencyA);

  v1::ListDossiersRequest july;
  *july.mutable_received_from() = ToTimestamp(VietnamTime(2026, 7, 1, 0));
  *july.mutable_received_to() = ToTimestamp(VietnamTime(2026, 8, 1, 0));
  july.set_page_size(2);
  EXPECT_THAT(ListAll(july), UnorderedElementsAre(d1.code(), d2.code(), d3.code(), d4.code(),
                                                  d5.code()));
  auto with = [&](auto edit) {
    v1::ListDossiersRequest request = july;
    edit(&request);
    return ListAll(request);
  };
  EXPECT_THAT(with([](auto* r) { r->add_statuses(v1::DOSSIER_STATUS_ACCEPTED); }),
              UnorderedElementsAre(d1.code(), d3.code()));
  EXPECT_THAT(with([](auto* r) {
                r->add_statuses(v1::DOSSIER_STATUS_ACCEPTED);
                r->add_statuses(v1::DOSSIER_STATUS_IN_PROCESS);
              }),
              UnorderedElementsAre(d1.code(), d2.code(), d3.code()));
  EXPECT_THAT(with([](auto* r) { r->set_channel(v1::CHANNEL_ONLINE); }),
              UnorderedElementsAre(d1.code(), d4.code()));
  EXPECT_THAT(with([](auto* r) { r->set_agency_code(kAgencyB); }),
              UnorderedElementsAre(d3.code(), d4.code()));
  EXPECT_THAT(with([](auto* r) { r->set_procedure_code(kGradeOne); }),
              UnorderedElementsAre(d3.code(), d4.code(), d5.code()));
  EXPECT_THAT(with([](auto* r) { r->set_overdue_only(true); }),
              UnorderedElementsAre(d2.code(), d3.code()));
  EXPECT_THAT(with([](auto* r) {
                r->set_overdue_only(true);
                r->set_agency_code(kAgencyA);
              }),
              ElementsAre(d2.code()));
}

// --- GetDossierStats ------------------------------------------------------------------------

struct Expected {
  int64_t received, online, postal, finished, early, on_time, late, overdue, paid, digitised;
  // Decision 766 indicators: dossiers carrying fees (online payment's denominator), with
  // reused data, of procedures offered online and of those received online, finished with a
  // result (9 or 10), and of those with an electronic result.
  int64_t carrying_fees, reused, offered_online, online_of_offered, with_result, electronic;
};

void ExpectKpis(const v1::DossierKpis& kpis, const Expected& e) {
  EXPECT_EQ(kpis.received(), e.received);
  EXPECT_EQ(kpis.received_online(), e.online);
  EXPECT_EQ(kpis.received_or_returned_postal(), e.postal);
  EXPECT_EQ(kpis.finished(), e.finished);
  EXPECT_EQ(kpis.finished_early(), e.early);
  EXPECT_EQ(kpis.finished_on_time(), e.on_time);
  EXPECT_EQ(kpis.finished_late(), e.late);
  EXPECT_EQ(kpis.overdue_in_process(), e.overdue);
  EXPECT_EQ(kpis.paid_online(), e.paid);
  EXPECT_EQ(kpis.digitised(), e.digitised);
  auto rate = [](int64_t n, int64_t d) { return d == 0 ? 0.0 : static_cast<double>(n) / d; };
  EXPECT_DOUBLE_EQ(kpis.online_rate(), rate(e.online, e.received));
  EXPECT_DOUBLE_EQ(kpis.postal_rate(), rate(e.postal, e.received));
  EXPECT_DOUBLE_EQ(kpis.on_time_rate(), rate(e.early + e.on_time, e.finished));
  EXPECT_DOUBLE_EQ(kpis.online_payment_rate(), rate(e.paid, e.carrying_fees));
  EXPECT_DOUBLE_EQ(kpis.digitisation_rate(), rate(e.digitised, e.received));
  EXPECT_EQ(kpis.carrying_fees(), e.carrying_fees);
  EXPECT_EQ(kpis.reused_data(), e.reused);
  EXPECT_DOUBLE_EQ(kpis.reused_data_rate(), rate(e.reused, e.received));
  EXPECT_EQ(kpis.received_offered_online(), e.offered_online);
  EXPECT_EQ(kpis.received_online_of_offered(), e.online_of_offered);
  EXPECT_DOUBLE_EQ(kpis.online_rate_of_offered(), rate(e.online_of_offered, e.offered_online));
  EXPECT_EQ(kpis.finished_with_result(), e.with_result);
  EXPECT_EQ(kpis.electronic_results(), e.electronic);
  EXPECT_DOUBLE_EQ(kpis.electronic_result_rate(), rate(e.electronic, e.with_result));
}

TEST_P(DossierServiceTest, StatsCountAKnownDataSetExactly) {
  // The period is April 2026 (Vietnam time). Agency A and B, procedures 2.002481 (P1) and
  // 2.002492 (P2). Each dossier: what it is, and what it counts for.
  struct Spec {
    uint64_t index;  // below 9999: agency A; from 9999: agency B
    const char* procedure;
    v1::Channel channel;
    v1::ResultDelivery delivery;
    bool paid_online;
    bool digitised;
    absl::Time received;
    absl::Time due;
    // Moves after submission, each at its time.
    std::vector<std::pair<v1::DossierStatus, absl::Time>> steps;
    bool newly_registered = false;
  };
  using S = v1::DossierStatus;
  const S kInProcess = v1::DOSSIER_STATUS_IN_PROCESS;
  const S kFinished = v1::DOSSIER_STATUS_FINISHED;
  const auto at = [](int month, int day, int hour) { return VietnamTime(2026, month, day, hour); };
  const std::vector<Spec> specs = {
      // 1. A/P1 online, paid online: finished 8 Apr, due 10 Apr -> early.
      {1, kTransfer, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_ONLINE, true, false, at(4, 1, 9),
       at(4, 10, 17), {{kFinished, at(4, 8, 10)}}},
      // 2. A/P1 at the desk, result by post, digitised: finished 16:00 on the due day -> on time.
      {2, kTransfer, v1::CHANNEL_IN_PERSON, v1::RESULT_DELIVERY_POSTAL, false, true, at(4, 2, 9),
       at(4, 10, 17), {{kFinished, at(4, 10, 16)}}},
      // 3. A/P2 by post, digitised: finished 13 Apr, due 10 Apr -> late.
      {3, kGradeOne, v1::CHANNEL_POSTAL, v1::RESULT_DELIVERY_POSTAL, false, true, at(4, 3, 9),
       at(4, 10, 17), {{kFinished, at(4, 13, 9)}}},
      // 4. A/P2 online, paid, digitised: in process, due 15 Apr -> overdue now.
      {4, kGradeOne, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_AT_DESK, true, true, at(4, 6, 9),
       at(4, 15, 17), {{kInProcess, at(4, 7, 9)}}},
      // 5. B/P1 at the desk: finished exactly at the due time (on time), returned the next day.
      {kFirstOfAgencyB + 5, kTransfer, v1::CHANNEL_IN_PERSON, v1::RESULT_DELIVERY_AT_DESK, false,
       false, at(4, 14, 9), at(4, 20, 17),
       {{kFinished, at(4, 20, 17)}, {v1::DOSSIER_STATUS_RESULT_RETURNED, at(4, 21, 9)}}},
      // 6. B/P2 online, paid, digitised: accepted, due in 2027 -> neither finished nor overdue.
      {kFirstOfAgencyB + 6, kGradeOne, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_ONLINE, true, true,
       at(4, 15, 9), VietnamTime(2027, 6, 1, 17), {}},
      // 7. B/P1 still newly registered: not received (not past intake).
      {kFirstOfAgencyB + 7, kTransfer, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_ONLINE, true, true,
       at(4, 16, 9), at(4, 22, 17), {}, true},
      // 8. B/P2 refused at intake: not received.
      {kFirstOfAgencyB + 8, kGradeOne, v1::CHANNEL_IN_PERSON, v1::RESULT_DELIVERY_AT_DESK, false,
       false, at(4, 17, 9), at(4, 24, 17),
       {{v1::DOSSIER_STATUS_REFUSED_AT_INTAKE, at(4, 17, 10)}}, true},
      // 9. A/P1 received in March, finished late on 2 Apr: finished in the period, not received.
      {9, kTransfer, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_ONLINE, true, true, at(3, 25, 9),
       at(3, 31, 17), {{kFinished, at(4, 2, 9)}}},
      // 10. A/P2 at the desk, withdrawn on 5 Apr before its due day -> finished early.
      {10, kGradeOne, v1::CHANNEL_IN_PERSON, v1::RESULT_DELIVERY_AT_DESK, false, false,
       at(4, 1, 10), at(4, 10, 17), {{v1::DOSSIER_STATUS_WITHDRAWN, at(4, 5, 9)}}},
      // 11. B/P1 received in May: outside the period altogether, though overdue now.
      {kFirstOfAgencyB + 11, kTransfer, v1::CHANNEL_ONLINE, v1::RESULT_DELIVERY_ONLINE, true,
       true, at(5, 4, 9), at(5, 8, 17), {}},
      // 12. A/P1 received in March, in process, due 31 Mar: backlog, overdue now.
      {12, kTransfer, v1::CHANNEL_IN_PERSON, v1::RESULT_DELIVERY_AT_DESK, false, false,
       at(3, 20, 9), at(3, 31, 17), {{kInProcess, at(3, 23, 9)}}},
  };
  for (const Spec& spec : specs) {
    SCOPED_TRACE(spec.index);
    v1::Dossier d = NewDossier(spec.index, spec.received, spec.channel, spec.procedure);
    d.set_result_delivery(spec.delivery);
    d.clear_fees();
    d.set_paid_online(spec.paid_online);
    // Online payment counts among the dossiers that carry fees: the paid ones carry a fee paid
    // online; dossier 2 carries one paid at the desk; the others are free.
    if (spec.paid_online || spec.index == 2) {
      v1::Fee* fee = d.add_fees();
      fee->set_description("Lệ phí");
      fee->mutable_amount()->set_amount_vnd(20000);
      fee->set_paid_online(spec.paid_online);
    }
    d.set_digitised(spec.digitised);
    for (auto& attachment : *d.mutable_attachments()) {
      attachment.set_digitised(spec.digitised);
      attachment.set_reused(spec.index == 2);  // dossier 2 reuses data already held
    }
    // Dossiers 1 and 5 carry an electronic result (a digitally signed decision).
    d.clear_results();
    if (spec.index == 1 || spec.index == kFirstOfAgencyB + 5) {
      v1::Result* result = d.add_results();
      result->set_name("Quyết định");
      result->set_electronic(true);
    }
    *d.mutable_due_at() = ToTimestamp(spec.due);
    if (spec.newly_registered) d.set_status(v1::DOSSIER_STATUS_NEWLY_REGISTERED);
    d = MustSubmit(d);
    for (const auto& [to, when] : spec.steps) d = Move(d, to, when);
  }

  v1::GetDossierStatsRequest request;
  *request.mutable_from() = ToTimestamp(at(4, 1, 0));
  *request.mutable_to() = ToTimestamp(at(5, 1, 0));
  auto stats = [&](const v1::GetDossierStatsRequest& r) {
    v1::GetDossierStatsResponse response;
    const grpc::Status status = test::Unary(*one_stop_, &Stub::GetDossierStats, r, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  const v1::GetDossierStatsResponse all = stats(request);
  // Overdue is judged at the period's end (1 May): 4 and 12.
  const Expected total{7, 3, 2, 6, 2, 2, 2, 2, 3, 4, 4, 1, 3, 3, 5, 2};
  const Expected agency_a{5, 2, 2, 5, 2, 1, 2, 2, 2, 3, 3, 1, 2, 2, 4, 1};
  const Expected agency_b{2, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1};
  const Expected p1{3, 1, 1, 4, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 4, 2};
  const Expected p2{4, 2, 1, 2, 1, 0, 1, 1, 2, 3, 2, 0, 2, 2, 1, 0};
  {
    SCOPED_TRACE("total");
    ExpectKpis(all.total(), total);
  }
  ASSERT_EQ(all.by_agency_size(), 2);
  {
    SCOPED_TRACE("agency A");
    ExpectKpis(all.by_agency().at(kAgencyA), agency_a);
  }
  {
    SCOPED_TRACE("agency B");
    ExpectKpis(all.by_agency().at(kAgencyB), agency_b);
  }
  ASSERT_EQ(all.by_procedure_size(), 2);
  {
    SCOPED_TRACE("procedure P1");
    ExpectKpis(all.by_procedure().at(kTransfer), p1);
  }
  {
    SCOPED_TRACE("procedure P2");
    ExpectKpis(all.by_procedure().at(kGradeOne), p2);
  }

  // Restricted to one agency or one procedure, the total is that group's.
  v1::GetDossierStatsRequest only_b = request;
  only_b.set_agency_code(kAgencyB);
  {
    SCOPED_TRACE("agency filter");
    const auto response = stats(only_b);
    ExpectKpis(response.total(), agency_b);
    EXPECT_EQ(response.by_agency_size(), 1);
  }
  v1::GetDossierStatsRequest only_p2 = request;
  only_p2.set_procedure_code(kGradeOne);
  {
    SCOPED_TRACE("procedure filter");
    ExpectKpis(stats(only_p2).total(), p2);
  }
}

// --- The exchange log -----------------------------------------------------------------------

TEST_P(DossierServiceTest, EveryCallLeavesAnExchangeLogEntryWithItsMemberMethodAndOutcome) {
  const v1::Dossier dossier = NewDossier(20, VietnamTime(2026, 4, 20, 9), v1::CHANNEL_ONLINE);
  const v1::Dossier stored = MustSubmit(dossier);                  // 1 OK
  v1::SubmitDossierResponse submit_response;
  v1::Dossier changed = dossier;
  changed.set_summary("khác");
  (void)Submit(changed, &submit_response);                          // 2 ALREADY_EXISTS
  v1::Dossier invalid = dossier;
  invalid.set_code("H49-1");
  (void)Submit(invalid, &submit_response);                          // 3 INVALID_ARGUMENT
  v1::Dossier read;
  (void)Get(dossier.code(), &read);                                  // 4 OK
  (void)Get("000.00.00.H49-260420-9999", &read);                     // 5 NOT_FOUND
  v1::Dossier after;
  (void)Update(Step(stored, v1::DOSSIER_STATUS_RESULT_RETURNED), &after);  // 6 FAILED_PRECONDITION
  v1::UpdateDossierStatusRequest stale = Step(stored, v1::DOSSIER_STATUS_IN_PROCESS);
  stale.set_expected_version(7);
  (void)Update(stale, &after);                                       // 7 ABORTED
  v1::ListDossiersResponse list_response;
  (void)List(v1::ListDossiersRequest(), &list_response);             // 8 OK
  v1::GetDossierStatsRequest stats_request;
  *stats_request.mutable_from() = ToTimestamp(VietnamTime(2026, 4, 1, 0));
  *stats_request.mutable_to() = ToTimestamp(VietnamTime(2026, 5, 1, 0));
  v1::GetDossierStatsResponse stats_response;
  (void)test::Unary(*one_stop_, &Stub::GetDossierStats, stats_request, &stats_response);  // 9 OK
  // The education department may not submit dossiers; an unlisted member may not read them.
  v1::SubmitDossierRequest submit;
  *submit.mutable_dossier() = dossier;
  auto education = v1::DossierService::NewStub(gateway_->Channel(test::kEducationMember));
  EXPECT_EQ(test::Unary(*education, &Stub::SubmitDossier, submit, &submit_response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);                        // 10
  v1::GetDossierRequest get;
  get.set_code(dossier.code());
  auto unlisted = v1::DossierService::NewStub(gateway_->Channel(test::kUnlistedMember));
  EXPECT_EQ(test::Unary(*unlisted, &Stub::GetDossier, get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);                        // 11

  ASSERT_OK_AND_ASSIGN(const auto log, test::AwaitExchangeLog(store(), 11));
  const std::string one_stop = test::kOneStopMember;
  using absl::StatusCode;
  // Every call, once. (The order of calls that did not wait for one another's entry may differ:
  // reads and refusals are logged after their reply, and a PostgreSQL store commits several
  // batches at once. The two submissions waited for theirs: they come first.)
  EXPECT_THAT(test::ExchangeCalls(log),
              UnorderedElementsAre(std::make_tuple(one_stop, kSubmit, 0),
                          std::make_tuple(one_stop, kSubmit, Code(StatusCode::kAlreadyExists)),
                          std::make_tuple(one_stop, kSubmit, Code(StatusCode::kInvalidArgument)),
                          std::make_tuple(one_stop, kGet, 0),
                          std::make_tuple(one_stop, kGet, Code(StatusCode::kNotFound)),
                          std::make_tuple(one_stop, kUpdate,
                                          Code(StatusCode::kFailedPrecondition)),
                          std::make_tuple(one_stop, kUpdate, Code(StatusCode::kAborted)),
                          std::make_tuple(one_stop, kList, 0), std::make_tuple(one_stop, kStats, 0),
                          std::make_tuple(std::string(test::kEducationMember), kSubmit,
                                          Code(StatusCode::kPermissionDenied)),
                          std::make_tuple(std::string(test::kUnlistedMember), kGet,
                                          Code(StatusCode::kPermissionDenied))));
  // The accepted submission names the dossier it wrote; the refused one names nothing.
  EXPECT_THAT(log[0].records,
              ElementsAre(absl::StrCat(v1::RECORD_TYPE_DOSSIER, ":", dossier.code())));
  EXPECT_TRUE(log[1].records.empty());
  EXPECT_GT(log[0].request_bytes, 0);
  EXPECT_GT(log[0].response_bytes, 0);
  EXPECT_OK(test::VerifyExchangeLogChain(store()));
}

INSTANTIATE_TEST_SUITE_P(Stores, DossierServiceTest,
                         ::testing::Values(test::StoreEngine::kSqlite, test::StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<test::StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });
INSTANTIATE_TEST_SUITE_P(Stores, DossierMovesTest,
                         ::testing::Values(test::StoreEngine::kSqlite, test::StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<test::StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });

}  // namespace
}  // namespace lienthong

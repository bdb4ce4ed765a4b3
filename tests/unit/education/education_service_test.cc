// EducationRecordService end to end over mutual TLS, as sector systems and the one-stop call it.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
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
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kUpsert[] = "/lienthong.v1.EducationRecordService/UpsertRecords";
constexpr char kGet[] = "/lienthong.v1.EducationRecordService/GetRecord";
constexpr char kList[] = "/lienthong.v1.EducationRecordService/ListRecords";
constexpr char kVerify[] = "/lienthong.v1.EducationRecordService/VerifyDiploma";

using Stub = v1::EducationRecordService::Stub;

int Code(absl::StatusCode code) { return static_cast<int>(code); }

std::string SchoolCode(const v1::EducationRecord& school) { return school.school().school_code(); }

// The record as a sector system sends it: without the fields the gateway sets.
v1::EducationRecord Content(v1::EducationRecord record) {
  record.clear_version();
  record.clear_updated_by();
  record.clear_updated_at();
  return record;
}

std::string DiplomaKey(const v1::EducationRecord& diploma) {
  return absl::StrCat(diploma.diploma().issuing_agency_code(), "/",
                      diploma.diploma().register_number());
}

int64_t CursorSeq(const std::string& cursor) {
  auto decoded = store::DecodeCursor(cursor);
  return decoded.ok() ? decoded->seq : -1;
}

class EducationServiceTest : public ::testing::TestWithParam<test::StoreEngine> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(gateway_, test::RegisterGateway::Start(dir_.path(), GetParam()));
    education_ = v1::EducationRecordService::NewStub(gateway_->Channel(test::kEducationMember));
    one_stop_ = v1::EducationRecordService::NewStub(gateway_->Channel(test::kOneStopMember));
  }

  store::Store& store() { return gateway_->store(); }

  grpc::Status Upsert(const std::vector<v1::EducationRecord>& records,
                      v1::UpsertRecordsResponse* response, const std::string& request_id = "") {
    v1::UpsertRecordsRequest request;
    for (const auto& record : records) *request.add_records() = record;
    request.set_request_id(request_id);
    return test::Unary(*education_, &Stub::UpsertRecords, request, response);
  }

  v1::UpsertRecordsResponse MustUpsert(const std::vector<v1::EducationRecord>& records) {
    v1::UpsertRecordsResponse response;
    const grpc::Status status = Upsert(records, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Get(v1::RecordType type, const std::string& key, v1::EducationRecord* out) {
    v1::GetRecordRequest request;
    request.mutable_key()->set_type(type);
    request.mutable_key()->set_key(key);
    return test::Unary(*education_, &Stub::GetRecord, request, out);
  }

  // What GetRecord answers for the key: OK or NOT_FOUND, for example.
  grpc::StatusCode Lookup(v1::RecordType type, const std::string& key) {
    v1::EducationRecord read;
    return Get(type, key, &read).error_code();
  }

  grpc::Status List(const v1::ListRecordsRequest& request, v1::ListRecordsResponse* out) {
    return test::Unary(*education_, &Stub::ListRecords, request, out);
  }

  grpc::Status Verify(const v1::VerifyDiplomaRequest& request, v1::VerifyDiplomaResponse* out) {
    return test::Unary(*one_stop_, &Stub::VerifyDiploma, request, out);
  }

  std::vector<store::ChangeRow> Changes() {
    auto changes = test::ReadAllChanges(store());
    EXPECT_OK(changes);
    return changes.ok() ? *changes : std::vector<store::ChangeRow>{};
  }

  test::TempDir dir_{"education_service_test"};
  std::unique_ptr<test::RegisterGateway> gateway_;
  std::unique_ptr<v1::EducationRecordService::Stub> education_;
  std::unique_ptr<v1::EducationRecordService::Stub> one_stop_;
};

// --- UpsertRecords --------------------------------------------------------------------------

TEST_P(EducationServiceTest, UpsertCreatesEachRecordWithItsChangeEvent) {
  const v1::EducationRecord school = demo::MakeSampleSchool(1);
  const v1::EducationRecord student = demo::MakeSampleStudent(1, SchoolCode(school));
  const v1::EducationRecord diploma = demo::MakeSampleDiploma(1);
  const v1::UpsertRecordsResponse response = MustUpsert({school, student, diploma});

  ASSERT_EQ(response.outcomes_size(), 3);
  const std::pair<v1::RecordType, std::string> keys[] = {
      {v1::RECORD_TYPE_SCHOOL, SchoolCode(school)},
      {v1::RECORD_TYPE_STUDENT, student.student().student_id()},
      {v1::RECORD_TYPE_DIPLOMA, DiplomaKey(diploma)}};
  const auto changes = Changes();
  ASSERT_EQ(changes.size(), 3);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(keys[i].second);
    const v1::UpsertOutcome& outcome = response.outcomes(i);
    EXPECT_EQ(outcome.key().type(), keys[i].first);
    EXPECT_EQ(outcome.key().key(), keys[i].second);
    EXPECT_EQ(outcome.operation(), v1::OPERATION_CREATE);
    EXPECT_EQ(outcome.version(), 1);
    EXPECT_EQ(CursorSeq(outcome.cursor()), changes[i].cursor.seq);
    EXPECT_EQ(changes[i].type, keys[i].first);
    EXPECT_EQ(changes[i].key, keys[i].second);
    EXPECT_EQ(changes[i].operation, v1::OPERATION_CREATE);
    EXPECT_EQ(changes[i].origin_member, test::kEducationMember);

    v1::EducationRecord read;
    ASSERT_TRUE(Get(keys[i].first, keys[i].second, &read).ok());
    EXPECT_EQ(read.version(), 1);
    EXPECT_EQ(read.updated_by(), test::kEducationMember);
    EXPECT_TRUE(read.has_updated_at());
    const v1::EducationRecord& sent = i == 0 ? school : i == 1 ? student : diploma;
    EXPECT_EQ(Content(read).SerializeAsString(), sent.SerializeAsString());
  }
  // Schools carry their managing agency; diplomas their issuer (change-feed agency filters).
  EXPECT_EQ(changes[0].agency, school.school().managing_agency_code());
  EXPECT_EQ(changes[2].agency, demo::kSampleDiplomaIssuer);
}

TEST_P(EducationServiceTest, AnIdenticalUpsertChangesNothingAndAnUpdateMakesVersionTwo) {
  const v1::EducationRecord school = demo::MakeSampleSchool(2);
  v1::EducationRecord student = demo::MakeSampleStudent(2, SchoolCode(school));
  MustUpsert({school, student});

  const v1::UpsertRecordsResponse same = MustUpsert({school, student});
  ASSERT_EQ(same.outcomes_size(), 2);
  for (const auto& outcome : same.outcomes()) {
    EXPECT_EQ(outcome.operation(), v1::OPERATION_UNSPECIFIED);
    EXPECT_EQ(outcome.version(), 1);
    EXPECT_THAT(outcome.cursor(), IsEmpty());
  }
  EXPECT_EQ(Changes().size(), 2);

  student.mutable_student()->set_class_name("9A6");
  const v1::UpsertRecordsResponse updated = MustUpsert({school, student});
  ASSERT_EQ(updated.outcomes_size(), 2);
  EXPECT_EQ(updated.outcomes(0).operation(), v1::OPERATION_UNSPECIFIED);
  EXPECT_EQ(updated.outcomes(1).operation(), v1::OPERATION_UPDATE);
  EXPECT_EQ(updated.outcomes(1).version(), 2);
  const auto changes = Changes();
  ASSERT_GE(changes.size(), 3u);
  EXPECT_EQ(CursorSeq(updated.outcomes(1).cursor()), changes[2].cursor.seq);
  ASSERT_EQ(changes.size(), 3);
  EXPECT_EQ(changes[2].key, student.student().student_id());
  EXPECT_EQ(changes[2].operation, v1::OPERATION_UPDATE);
  EXPECT_EQ(changes[2].version, 2);
  v1::EducationRecord in_event;
  ASSERT_TRUE(in_event.ParseFromString(changes[2].payload));
  EXPECT_EQ(in_event.student().class_name(), "9A6");
  EXPECT_EQ(in_event.version(), 2);

  v1::EducationRecord read;
  ASSERT_TRUE(Get(v1::RECORD_TYPE_STUDENT, student.student().student_id(), &read).ok());
  EXPECT_EQ(read.version(), 2);
  EXPECT_EQ(read.student().class_name(), "9A6");
}

TEST_P(EducationServiceTest, OneInvalidRecordRefusesTheWholeBatch) {
  const v1::EducationRecord school = demo::MakeSampleSchool(3);
  const v1::EducationRecord student = demo::MakeSampleStudent(3, SchoolCode(school));
  v1::EducationRecord diploma = demo::MakeSampleDiploma(3);
  diploma.mutable_diploma()->mutable_holder()->set_date_of_birth("2005-02-31");
  diploma.mutable_diploma()->set_serial_number("B 000004");
  v1::UpsertRecordsResponse response;
  const grpc::Status status = Upsert({school, student, diploma}, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(test::ViolatedFields(status),
              UnorderedElementsAre("records[2].diploma.holder.date_of_birth",
                                   "records[2].diploma.serial_number"))
      << status.error_message();
  EXPECT_EQ(response.outcomes_size(), 0);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_SCHOOL, SchoolCode(school)), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_STUDENT, student.student().student_id()),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Changes().empty());
}

TEST_P(EducationServiceTest, AStudentIdentifierCannotBeIssuedTwiceForOnePersonalId) {
  const v1::EducationRecord school = demo::MakeSampleSchool(4);
  const v1::EducationRecord first = demo::MakeSampleStudent(4, SchoolCode(school));
  MustUpsert({school, first});

  // A new school and a second identifier for the same person, in one batch: all refused.
  const v1::EducationRecord new_school = demo::MakeSampleSchool(5);
  v1::EducationRecord second = demo::MakeSampleStudent(5, SchoolCode(school));
  second.mutable_student()->set_personal_id(first.student().personal_id());
  second.mutable_student()->set_date_of_birth(first.student().date_of_birth());
  second.mutable_student()->set_sex(first.student().sex());
  v1::UpsertRecordsResponse response;
  const grpc::Status status = Upsert({new_school, second}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(first.student().student_id()));
  EXPECT_EQ(response.outcomes_size(), 0);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_SCHOOL, SchoolCode(new_school)),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_STUDENT, second.student().student_id()),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Changes().size(), 2);

  // The personal ID under the same identifier may change (a corrected ID number).
  const v1::EducationRecord other = demo::MakeSampleStudent(6, SchoolCode(school));
  const v1::Student& other_person = other.student();
  v1::EducationRecord corrected = first;
  corrected.mutable_student()->set_personal_id(other_person.personal_id());
  corrected.mutable_student()->set_date_of_birth(other_person.date_of_birth());
  corrected.mutable_student()->set_sex(other_person.sex());
  const v1::UpsertRecordsResponse moved = MustUpsert({corrected});
  ASSERT_EQ(moved.outcomes_size(), 1);
  EXPECT_EQ(moved.outcomes(0).operation(), v1::OPERATION_UPDATE);
  EXPECT_EQ(moved.outcomes(0).version(), 2);
}

TEST_P(EducationServiceTest, ADiplomaSerialNumberBelongsToOneRegisterEntry) {
  const v1::EducationRecord diploma = demo::MakeSampleDiploma(8);
  MustUpsert({diploma});
  v1::EducationRecord other = demo::MakeSampleDiploma(9);
  other.mutable_diploma()->set_serial_number(diploma.diploma().serial_number());
  v1::UpsertRecordsResponse response;
  const grpc::Status status = Upsert({other}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(DiplomaKey(diploma)));
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_DIPLOMA, DiplomaKey(other)), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Changes().size(), 1);
}

TEST_P(EducationServiceTest, GetRecordOfAnUnknownKeyIsNotFound) {
  v1::EducationRecord read;
  grpc::Status status = Get(v1::RECORD_TYPE_SCHOOL, "22999999", &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  status = Get(v1::RECORD_TYPE_DIPLOMA, "000.00.31.H49/000001/TNTHPT-2024", &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  status = Get(v1::RECORD_TYPE_DOSSIER, "22999999", &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("key.type"));
}

// --- ListRecords ----------------------------------------------------------------------------

TEST_P(EducationServiceTest, PagesKeepTheSnapshotOfTheFirstPage) {
  std::vector<v1::EducationRecord> schools;
  for (uint64_t i = 0; i < 25; ++i) schools.push_back(demo::MakeSampleSchool(100 + i));
  MustUpsert(schools);

  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_SCHOOL);
  request.set_page_size(10);
  v1::ListRecordsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  ASSERT_EQ(first.records_size(), 10);
  ASSERT_FALSE(first.next_page_token().empty());
  const std::string snapshot = first.snapshot_cursor();
  EXPECT_EQ(CursorSeq(snapshot), Changes().back().cursor.seq);  // the 25th change

  // After the first page: school 15 is renamed and a new school appears.
  v1::EducationRecord renamed = schools[15];
  renamed.mutable_school()->set_name("Trường THCS Nguyễn Bỉnh Khiêm");
  MustUpsert({renamed, demo::MakeSampleSchool(200)});

  std::vector<v1::EducationRecord> listed(first.records().begin(), first.records().end());
  request.set_page_token(first.next_page_token());
  for (int page = 0; page < 10 && !request.page_token().empty(); ++page) {
    v1::ListRecordsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    EXPECT_EQ(response.snapshot_cursor(), snapshot);
    listed.insert(listed.end(), response.records().begin(), response.records().end());
    request.set_page_token(response.next_page_token());
  }
  ASSERT_TRUE(request.page_token().empty());
  ASSERT_EQ(listed.size(), 25);
  for (size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(SchoolCode(listed[i]), SchoolCode(schools[i]));
    EXPECT_EQ(listed[i].version(), 1);
    EXPECT_EQ(Content(listed[i]).SerializeAsString(), schools[i].SerializeAsString());
  }

  // The same snapshot from scratch, then the newest state.
  v1::ListRecordsRequest at_snapshot;
  at_snapshot.set_type(v1::RECORD_TYPE_SCHOOL);
  at_snapshot.set_at_cursor(snapshot);
  at_snapshot.set_page_size(100);
  v1::ListRecordsResponse then;
  ASSERT_TRUE(List(at_snapshot, &then).ok());
  ASSERT_EQ(then.records_size(), 25);
  EXPECT_EQ(then.records(15).school().name(), schools[15].school().name());
  EXPECT_EQ(then.snapshot_cursor(), snapshot);

  v1::ListRecordsRequest newest = at_snapshot;
  newest.clear_at_cursor();
  v1::ListRecordsResponse now;
  ASSERT_TRUE(List(newest, &now).ok());
  ASSERT_EQ(now.records_size(), 26);
  EXPECT_EQ(now.records(15).school().name(), "Trường THCS Nguyễn Bỉnh Khiêm");
  EXPECT_EQ(now.records(15).version(), 2);
  EXPECT_EQ(CursorSeq(now.snapshot_cursor()), Changes().back().cursor.seq);  // the 27th
}

TEST_P(EducationServiceTest, ASnapshotCursorMustBeOneThisGatewayIssued) {
  MustUpsert({demo::MakeSampleSchool(1)});
  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_SCHOOL);
  // One past the newest change: a cursor no commit of this gateway produced.
  ASSERT_OK_AND_ASSIGN(const auto bounds, store().GetChangeBounds());
  const std::string ahead = store::EncodeCursor(store::ChangeCursor{bounds.newest.seq + 1});
  for (const std::string& cursor : {ahead, std::string("not-a-cursor")}) {
    SCOPED_TRACE(cursor);
    request.set_at_cursor(cursor);
    v1::ListRecordsResponse response;
    const grpc::Status status = List(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(test::ViolatedFields(status), ElementsAre("at_cursor"));
  }
}

TEST_P(EducationServiceTest, StudentsAreListedByTheirSchool) {
  const v1::EducationRecord a = demo::MakeSampleSchool(10);
  const v1::EducationRecord b = demo::MakeSampleSchool(11);
  std::vector<v1::EducationRecord> batch = {a, b};
  for (uint64_t i = 0; i < 5; ++i) {
    batch.push_back(demo::MakeSampleStudent(300 + i, SchoolCode(i < 3 ? a : b)));
  }
  MustUpsert(batch);
  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_STUDENT);
  request.set_school_code(SchoolCode(a));
  request.set_page_size(2);
  std::vector<std::string> ids;
  for (int page = 0; page < 10; ++page) {
    v1::ListRecordsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    for (const auto& r : response.records()) ids.push_back(r.student().student_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(ids, ElementsAre(batch[2].student().student_id(), batch[3].student().student_id(),
                               batch[4].student().student_id()));
}

TEST_P(EducationServiceTest, ASnapshotFiltersRecordsAsTheyWereAtItsCursor) {
  const v1::EducationRecord a = demo::MakeSampleSchool(20);
  const v1::EducationRecord b = demo::MakeSampleSchool(21);
  v1::EducationRecord pupil = demo::MakeSampleStudent(400, SchoolCode(a));
  MustUpsert({a, b, pupil});
  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_STUDENT);
  v1::ListRecordsResponse before;
  ASSERT_TRUE(List(request, &before).ok());
  const std::string snapshot = before.snapshot_cursor();

  // The pupil changes school after the snapshot.
  pupil.mutable_student()->set_school_code(SchoolCode(b));
  MustUpsert({pupil});

  // At the snapshot the pupil was in school A, and not in school B.
  request.set_at_cursor(snapshot);
  request.set_school_code(SchoolCode(a));
  v1::ListRecordsResponse in_a;
  ASSERT_TRUE(List(request, &in_a).ok());
  ASSERT_EQ(in_a.records_size(), 1);
  EXPECT_EQ(in_a.records(0).student().school_code(), SchoolCode(a));
  request.set_school_code(SchoolCode(b));
  v1::ListRecordsResponse in_b;
  ASSERT_TRUE(List(request, &in_b).ok());
  EXPECT_EQ(in_b.records_size(), 0);
}

TEST_P(EducationServiceTest, SnapshotPagesFillAcrossRecordsThatMovedAndTokensKeepTheirFilters) {
  const v1::EducationRecord a = demo::MakeSampleSchool(30);
  const v1::EducationRecord b = demo::MakeSampleSchool(31);
  std::vector<v1::EducationRecord> pupils;
  for (uint64_t i = 0; i < 8; ++i) {
    pupils.push_back(demo::MakeSampleStudent(500 + i, SchoolCode(a)));
  }
  std::vector<v1::EducationRecord> batch = {a, b};
  batch.insert(batch.end(), pupils.begin(), pupils.end());
  MustUpsert(batch);
  v1::ListRecordsRequest request;
  request.set_type(v1::RECORD_TYPE_STUDENT);
  v1::ListRecordsResponse head;
  ASSERT_TRUE(List(request, &head).ok());
  const std::string snapshot = head.snapshot_cursor();

  // After the snapshot: every other pupil moves to B, and two new pupils join A.
  std::vector<v1::EducationRecord> changes;
  for (size_t i = 0; i < pupils.size(); i += 2) {
    v1::EducationRecord moved = pupils[i];
    moved.mutable_student()->set_school_code(SchoolCode(b));
    changes.push_back(moved);
  }
  changes.push_back(demo::MakeSampleStudent(600, SchoolCode(a)));
  changes.push_back(demo::MakeSampleStudent(601, SchoolCode(a)));
  MustUpsert(changes);

  // At the snapshot, school A had all eight, whatever happened since: pages of 3.
  request.set_at_cursor(snapshot);
  request.set_school_code(SchoolCode(a));
  request.set_page_size(3);
  std::vector<std::string> listed;
  std::string first_token;
  for (int page = 0; page < 10; ++page) {
    v1::ListRecordsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    EXPECT_LE(response.records_size(), 3);
    for (const auto& r : response.records()) {
      EXPECT_EQ(r.student().school_code(), SchoolCode(a));
      listed.push_back(r.student().student_id());
    }
    if (response.next_page_token().empty()) break;
    if (first_token.empty()) first_token = response.next_page_token();
    EXPECT_EQ(response.records_size(), 3) << "a page short of records before the end";
    request.set_page_token(response.next_page_token());
  }
  std::vector<std::string> expected;
  for (const auto& p : pupils) expected.push_back(p.student().student_id());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);

  // Now, school B has the four that moved.
  v1::ListRecordsRequest now;
  now.set_type(v1::RECORD_TYPE_STUDENT);
  now.set_school_code(SchoolCode(b));
  v1::ListRecordsResponse in_b;
  ASSERT_TRUE(List(now, &in_b).ok());
  EXPECT_EQ(in_b.records_size(), 4);

  // A token from the school-A listing does not continue a school-B listing.
  ASSERT_FALSE(first_token.empty());
  v1::ListRecordsRequest other = now;
  other.set_page_token(first_token);
  v1::ListRecordsResponse refused;
  const grpc::Status status = List(other, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(test::ViolatedFields(status), ElementsAre("page_token"));
}

// --- VerifyDiploma --------------------------------------------------------------------------

class VerifyDiplomaTest : public EducationServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(EducationServiceTest::SetUp());
    MustUpsert({diploma_});
  }

  // Everything the holder presents, as printed.
  v1::VerifyDiplomaRequest Presented() const {
    v1::VerifyDiplomaRequest request;
    request.set_serial_number(d().serial_number());
    *request.mutable_holder() = d().holder();
    request.set_graduation_year(d().graduation_year());
    request.set_type(d().type());
    return request;
  }
  const v1::Diploma& d() const { return diploma_.diploma(); }

  const v1::EducationRecord diploma_ = demo::MakeSampleDiploma(42);
};

TEST_P(VerifyDiplomaTest, MatchesBySerialNumberOrByRegisterNumber) {
  v1::VerifyDiplomaResponse response;
  ASSERT_TRUE(Verify(Presented(), &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_MATCH);
  EXPECT_THAT(response.mismatched_fields(), IsEmpty());
  EXPECT_EQ(response.diploma_status(), v1::DIPLOMA_STATUS_ISSUED);

  v1::VerifyDiplomaRequest by_register = Presented();
  by_register.clear_serial_number();
  by_register.set_register_number(d().register_number());
  by_register.set_issuing_agency_code(d().issuing_agency_code());
  // A name typed with extra spaces is the same name.
  by_register.mutable_holder()->set_full_name(absl::StrCat("  ", d().holder().full_name(), " "));
  response.Clear();
  ASSERT_TRUE(Verify(by_register, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_MATCH);
}

TEST_P(VerifyDiplomaTest, AMismatchNamesEveryDifferingFieldAndNothingElse) {
  v1::VerifyDiplomaRequest request = Presented();
  request.mutable_holder()->set_date_of_birth("1999-12-31");
  request.mutable_holder()->set_full_name("Trần Văn Bình");
  request.set_graduation_year(d().graduation_year() - 1);
  v1::VerifyDiplomaResponse response;
  ASSERT_TRUE(Verify(request, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_MISMATCH);
  EXPECT_THAT(response.mismatched_fields(),
              UnorderedElementsAre("holder.full_name", "holder.date_of_birth", "graduation_year"));

  // Only what is presented is compared.
  v1::VerifyDiplomaRequest name_only;
  name_only.set_serial_number(d().serial_number());
  name_only.mutable_holder()->set_full_name(d().holder().full_name());
  response.Clear();
  ASSERT_TRUE(Verify(name_only, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_MATCH);
}

TEST_P(VerifyDiplomaTest, CapitalsAndUnicodeFormsAreTheSameNameButDiacriticsCount) {
  v1::EducationRecord record = demo::MakeSampleDiploma(77);
  record.mutable_diploma()->mutable_holder()->set_full_name("Nguyễn Thị Hồng Nhung");
  record.mutable_diploma()->mutable_holder()->set_birthplace("Thừa Thiên Huế");
  MustUpsert({record});
  auto verdict_for = [&](const std::string& name, const std::string& birthplace) {
    v1::VerifyDiplomaRequest request;
    request.set_serial_number(record.diploma().serial_number());
    request.mutable_holder()->set_full_name(name);
    request.mutable_holder()->set_birthplace(birthplace);
    v1::VerifyDiplomaResponse response;
    EXPECT_TRUE(Verify(request, &response).ok());
    return std::make_pair(response.verdict(), std::vector<std::string>(
                                                  response.mismatched_fields().begin(),
                                                  response.mismatched_fields().end()));
  };
  using Verdict = v1::VerifyDiplomaResponse;
  // Typed in capitals on a paper form.
  EXPECT_EQ(verdict_for("NGUYỄN THỊ HỒNG NHUNG", "THỪA THIÊN HUẾ").first, Verdict::VERDICT_MATCH);
  // Sent by a system that writes combining marks ("Unicode tổ hợp", NFD).
  EXPECT_EQ(verdict_for("Nguye\u0302\u0303n Thi\u0323 Ho\u0302\u0300ng Nhung",
                        "Thu\u031b\u0300a Thie\u0302n Hue\u0302\u0301").first,
            Verdict::VERDICT_MATCH);
  // Without its diacritics it is another name.
  const auto stripped = verdict_for("Nguyen Thi Hong Nhung", "Thừa Thiên Huế");
  EXPECT_EQ(stripped.first, Verdict::VERDICT_MISMATCH);
  EXPECT_THAT(stripped.second, ElementsAre("holder.full_name"));
}

TEST_P(VerifyDiplomaTest, AnUnknownSerialOrRegisterNumberIsNotFound) {
  v1::VerifyDiplomaRequest request = Presented();
  request.set_serial_number("C9999999");
  v1::VerifyDiplomaResponse response;
  ASSERT_TRUE(Verify(request, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);
  EXPECT_THAT(response.mismatched_fields(), IsEmpty());

  request = Presented();
  request.clear_serial_number();
  request.set_register_number("999999/TNTHPT-2024");
  request.set_issuing_agency_code(d().issuing_agency_code());
  response.Clear();
  ASSERT_TRUE(Verify(request, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);

  // The right register number under another issuer is another register.
  request.set_register_number(d().register_number());
  request.set_issuing_agency_code("000.00.32.H49");
  response.Clear();
  ASSERT_TRUE(Verify(request, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VerifyDiplomaResponse::VERDICT_NOT_FOUND);
}

// District education offices were abolished on 1 July 2025; the Department keeps their diploma
// registers (config diploma_register_keepers: 000.31.27.H49 kept by 000.00.31.H49). A diploma
// is found by its old issuer's code and by the keeper's, through VerifyDiploma and GetRecord
// (which diploma copies are issued from); an unmapped code still finds nothing.
TEST_P(VerifyDiplomaTest, KeptRegistersAreFoundByTheOldIssuerCode) {
  constexpr char kFormer[] = "000.31.27.H49";
  constexpr char kKeeper[] = "000.00.31.H49";
  ASSERT_EQ(d().issuing_agency_code(), kKeeper);  // the sample is held under the keeper's code
  auto verdict_under = [&](const std::string& issuer, const std::string& register_number) {
    v1::VerifyDiplomaRequest request = Presented();
    request.clear_serial_number();
    request.set_register_number(register_number);
    request.set_issuing_agency_code(issuer);
    v1::VerifyDiplomaResponse response;
    EXPECT_TRUE(Verify(request, &response).ok());
    return response.verdict();
  };
  using Verdict = v1::VerifyDiplomaResponse;
  EXPECT_EQ(verdict_under(kFormer, d().register_number()), Verdict::VERDICT_MATCH);
  EXPECT_EQ(verdict_under(kKeeper, d().register_number()), Verdict::VERDICT_MATCH);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_DIPLOMA, absl::StrCat(kFormer, "/", d().register_number())),
            grpc::StatusCode::OK);

  // A diploma stored under the old code is found by the keeper's code too.
  v1::EducationRecord old_entry = demo::MakeSampleDiploma(43);
  old_entry.mutable_diploma()->set_issuing_agency_code(kFormer);
  MustUpsert({old_entry});
  const std::string old_register = old_entry.diploma().register_number();
  v1::EducationRecord read;
  ASSERT_TRUE(Get(v1::RECORD_TYPE_DIPLOMA, absl::StrCat(kKeeper, "/", old_register), &read).ok());
  EXPECT_EQ(read.diploma().serial_number(), old_entry.diploma().serial_number());
  EXPECT_EQ(read.diploma().issuing_agency_code(), kFormer);

  // Written again under the other code of its register, it would be a second entry: refused,
  // and nothing changes.
  v1::EducationRecord copy_under_old = diploma_;
  copy_under_old.mutable_diploma()->set_issuing_agency_code(kFormer);
  copy_under_old.mutable_diploma()->set_serial_number("C7777777");
  v1::UpsertRecordsResponse refused;
  const grpc::Status status = Upsert({copy_under_old}, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("diploma_register_keepers"));
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_DIPLOMA, absl::StrCat(kFormer, "/", d().register_number())),
            grpc::StatusCode::OK);  // still the keeper's entry, found through the mapping
  v1::EducationRecord kept;
  ASSERT_TRUE(Get(v1::RECORD_TYPE_DIPLOMA, absl::StrCat(kKeeper, "/", d().register_number()), &kept)
                  .ok());
  EXPECT_EQ(kept.diploma().serial_number(), d().serial_number());

  // Another district's code is not mapped: not found.
  EXPECT_EQ(verdict_under("000.31.28.H49", d().register_number()), Verdict::VERDICT_NOT_FOUND);
  EXPECT_EQ(Lookup(v1::RECORD_TYPE_DIPLOMA, absl::StrCat("000.31.28.H49/", d().register_number())),
            grpc::StatusCode::NOT_FOUND);
}

// --- The exchange log -----------------------------------------------------------------------

TEST_P(EducationServiceTest, EveryCallLeavesAnExchangeLogEntryWithItsMemberMethodAndOutcome) {
  const v1::EducationRecord school = demo::MakeSampleSchool(50);
  v1::UpsertRecordsResponse upserted;
  (void)Upsert({school}, &upserted);                                        // 1 OK
  v1::EducationRecord bad = demo::MakeSampleSchool(51);
  bad.mutable_school()->clear_name();
  (void)Upsert({bad}, &upserted);                                           // 2 INVALID_ARGUMENT
  const v1::EducationRecord diploma = demo::MakeSampleDiploma(52);
  v1::EducationRecord clash = demo::MakeSampleDiploma(53);
  clash.mutable_diploma()->set_serial_number(diploma.diploma().serial_number());
  (void)Upsert({diploma}, &upserted);                                       // 3 OK
  (void)Upsert({clash}, &upserted);                                         // 4 FAILED_PRECONDITION
  v1::EducationRecord read;
  (void)Get(v1::RECORD_TYPE_SCHOOL, SchoolCode(school), &read);             // 5 OK
  (void)Get(v1::RECORD_TYPE_SCHOOL, "22999999", &read);                     // 6 NOT_FOUND
  v1::ListRecordsRequest list;
  list.set_type(v1::RECORD_TYPE_SCHOOL);
  v1::ListRecordsResponse listed;
  (void)List(list, &listed);                                                // 7 OK
  v1::VerifyDiplomaRequest verify;
  verify.set_serial_number(diploma.diploma().serial_number());
  v1::VerifyDiplomaResponse verified;
  (void)Verify(verify, &verified);                                          // 8 OK (one-stop)
  // The one-stop system may read but not write education records.
  v1::UpsertRecordsRequest refused;
  *refused.add_records() = demo::MakeSampleSchool(54);
  EXPECT_EQ(test::Unary(*one_stop_, &Stub::UpsertRecords, refused, &upserted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);                               // 9

  ASSERT_OK_AND_ASSIGN(const auto log, test::AwaitExchangeLog(store(), 9));
  const std::string education = test::kEducationMember;
  const std::string one_stop = test::kOneStopMember;
  using absl::StatusCode;
  // Every call, once; refusals and reads are logged after their reply, so the chain need not
  // hold them in call order (a PostgreSQL store commits several batches at once).
  EXPECT_THAT(test::ExchangeCalls(log),
              UnorderedElementsAre(std::make_tuple(education, kUpsert, 0),
                          std::make_tuple(education, kUpsert, Code(StatusCode::kInvalidArgument)),
                          std::make_tuple(education, kUpsert, 0),
                          std::make_tuple(education, kUpsert,
                                          Code(StatusCode::kFailedPrecondition)),
                          std::make_tuple(education, kGet, 0),
                          std::make_tuple(education, kGet, Code(StatusCode::kNotFound)),
                          std::make_tuple(education, kList, 0),
                          std::make_tuple(one_stop, kVerify, 0),
                          std::make_tuple(one_stop, kUpsert,
                                          Code(StatusCode::kPermissionDenied))));
  EXPECT_THAT(log[0].records,
              ElementsAre(absl::StrCat(v1::RECORD_TYPE_SCHOOL, ":", SchoolCode(school))));
  for (const auto& entry : log) {
    if (entry.status_code == Code(StatusCode::kFailedPrecondition)) {
      EXPECT_TRUE(entry.records.empty());
    }
  }
  EXPECT_OK(test::VerifyExchangeLogChain(store()));
}

INSTANTIATE_TEST_SUITE_P(Stores, EducationServiceTest,
                         ::testing::Values(test::StoreEngine::kSqlite, test::StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<test::StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });
INSTANTIATE_TEST_SUITE_P(Stores, VerifyDiplomaTest,
                         ::testing::Values(test::StoreEngine::kSqlite, test::StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<test::StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });

}  // namespace
}  // namespace lienthong

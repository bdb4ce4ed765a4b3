// PostgresAdapter against a real PostgreSQL 15 started by the test: the schema appears on first
// use, rows arrive exactly as submitted, replays and old versions change nothing, a refused
// record is a content error, and a server restart is survived by reconnecting.
#include "adapters/postgres/postgres_adapter.h"

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/postgres/config.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"

namespace lienthong::adapters::postgres {
namespace {

using google::protobuf::util::MessageDifferencer;

class PostgresAdapterTest : public test::PostgresSuite {
 protected:
  void SetUp() override {
    PostgresSuite::SetUp();
    schema_ = SchemaForThisTest("t_");
    PostgresOptions options;
    options.conninfo = cluster()->conninfo();
    options.schema = schema_;
    adapter_ = std::make_unique<PostgresAdapter>(options);
  }

  std::string Value(const std::string& sql) {
    auto value = cluster()->QueryValue(sql);
    EXPECT_OK(value);
    return value.ok() ? *value : "";
  }

  std::string schema_;
  std::unique_ptr<PostgresAdapter> adapter_;
};

template <typename T>
T ParseJson(const std::string& json) {
  T message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

TEST_F(PostgresAdapterTest, RowsArriveExactlyAsSubmitted) {
  const v1::School school = test::SampleSchool(1);
  const v1::Student student = test::SampleStudent(2);
  const v1::Diploma diploma = test::SampleDiploma(3);
  const v1::Dossier dossier = test::SampleDossier(4, /*steps=*/2);
  const std::vector<v1::ChangeEvent> events = {
      test::EventOf(test::SchoolChange(school), 1), test::EventOf(test::StudentChange(student), 2),
      test::EventOf(test::DiplomaChange(diploma), 3),
      test::EventOf(test::DossierChange(dossier, 2), 4)};
  ASSERT_OK(adapter_->Apply(events));

  const std::string s = schema_;
  EXPECT_EQ(Value("SELECT name || '|' || level || '|' || managing_agency_code || '|' || "
                  "establishment_decision_date || '|' || version FROM " + s +
                  ".schools WHERE school_code = 'SCH00001'"),
            school.name() + "|3|000.00.31.H49|2001-09-05|1");
  EXPECT_EQ(Value("SELECT full_name || '|' || personal_id || '|' || date_of_birth || '|' || sex "
                  "FROM " + s + ".students WHERE student_id = 'HS00000002'"),
            student.full_name() + "|022200000002|2010-03-15|1");
  EXPECT_EQ(Value("SELECT serial_number || '|' || holder_full_name || '|' || graduation_year FROM " +
                  s + ".diplomas WHERE issuing_agency_code = '000.00.31.H49' AND "
                  "register_number = '3/2025'"),
            "A0000003|" + diploma.holder().full_name() + "|2025");
  EXPECT_EQ(Value("SELECT status || '|' || channel || '|' || paid_online || '|' || "
                  "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM " + s +
                  ".dossiers WHERE code = '" + dossier.code() + "'"),
            "4|2|true|2026-01-05 01:20:00.000123");
  EXPECT_EQ(Value("SELECT string_agg(sequence || ':' || to_status, ',' ORDER BY sequence) FROM " +
                  s + ".dossier_steps WHERE dossier_code = '" + dossier.code() + "'"),
            "1:2,2:4");

  // The whole record is kept too, and parses back to exactly what was submitted.
  const auto school_doc = ParseJson<v1::EducationRecord>(
      Value("SELECT document::text FROM " + s + ".schools"));
  EXPECT_TRUE(MessageDifferencer::Equals(school_doc.school(), school));
  const auto diploma_doc = ParseJson<v1::EducationRecord>(
      Value("SELECT document::text FROM " + s + ".diplomas"));
  EXPECT_TRUE(MessageDifferencer::Equals(diploma_doc.diploma(), diploma));
  auto dossier_doc = ParseJson<v1::Dossier>(Value("SELECT document::text FROM " + s + ".dossiers"));
  v1::Dossier expected = dossier;
  expected.set_version(2);
  EXPECT_TRUE(MessageDifferencer::Equals(dossier_doc, expected)) << dossier_doc.DebugString();
  EXPECT_EQ(Value("SELECT count(*) FROM " + s + ".applied_events"), "4");
}

TEST_F(PostgresAdapterTest, ReplayedEventsAndOlderVersionsChangeNothing) {
  const v1::School v1_school = test::SampleSchool(7);
  v1::School v2_school = v1_school;
  v2_school.set_name("Trường THCS Hạ Long (đổi tên)");
  const auto first = test::EventOf(test::SchoolChange(v1_school, 1), 10);
  const auto second = test::EventOf(test::SchoolChange(v2_school, 2), 11);
  ASSERT_OK(adapter_->Apply({first, second}));
  // A trigger counts every write the adapter makes to the table from here on.
  ASSERT_OK(cluster()->Query(
      "CREATE TABLE " + schema_ + ".writes (n int); INSERT INTO " + schema_ + ".writes VALUES (0);"
      "CREATE FUNCTION " + schema_ + ".count_write() RETURNS trigger AS $$ BEGIN UPDATE " +
      schema_ + ".writes SET n = n + 1; RETURN NEW; END $$ LANGUAGE plpgsql;"
      "CREATE TRIGGER count_write AFTER INSERT OR UPDATE ON " + schema_ +
      ".schools FOR EACH ROW EXECUTE FUNCTION " + schema_ + ".count_write();"));
  ASSERT_OK(adapter_->Apply({first, second}));  // the same batch again
  ASSERT_OK(adapter_->Apply({first}));
  EXPECT_EQ(Value("SELECT n FROM " + schema_ + ".writes"), "0");
  // The old version under a new event id (a dead letter replayed late) does not win either.
  auto late = test::EventOf(test::SchoolChange(v1_school, 1), 12);
  ASSERT_OK(adapter_->Apply({late}));
  EXPECT_EQ(Value("SELECT name || '|' || version FROM " + schema_ + ".schools"),
            v2_school.name() + "|2");
}

TEST_F(PostgresAdapterTest, ARefusedRecordIsAContentErrorAndTheBatchLeavesNothing) {
  auto good = test::EventOf(test::SchoolChange(test::SampleSchool(20)), 20);
  v1::School bad_school = test::SampleSchool(21);
  bad_school.set_establishment_decision_date("2001-02-30");  // no such date: PostgreSQL refuses
  auto bad = test::EventOf(test::SchoolChange(bad_school), 21);
  absl::Status status = adapter_->Apply({good, bad});
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(IsTransientFailure(status)) << status;
  EXPECT_EQ(Value("SELECT count(*) FROM " + schema_ + ".schools"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM " + schema_ + ".applied_events"), "0");
  // The connection is still good for the next batch.
  ASSERT_OK(adapter_->Apply({good}));
  EXPECT_EQ(Value("SELECT count(*) FROM " + schema_ + ".schools"), "1");
}

TEST_F(PostgresAdapterTest, SurvivesAServerRestartByReconnecting) {
  ASSERT_OK(adapter_->Apply({test::EventOf(test::SchoolChange(test::SampleSchool(30)), 30)}));
  ASSERT_OK(cluster()->Stop());
  absl::Status down =
      adapter_->Apply({test::EventOf(test::SchoolChange(test::SampleSchool(31)), 31)});
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  ASSERT_OK(cluster()->Restart());
  ASSERT_OK(adapter_->Apply({test::EventOf(test::SchoolChange(test::SampleSchool(31)), 31)}));
  ASSERT_OK(cluster()->Stop());
  ASSERT_OK(cluster()->Restart());
  // The connection died while idle: the next batch reconnects at once and succeeds.
  ASSERT_OK(adapter_->Apply({test::EventOf(test::SchoolChange(test::SampleSchool(32)), 32)}));
  EXPECT_EQ(Value("SELECT count(*) FROM " + schema_ + ".schools"), "3");
}

TEST_F(PostgresAdapterTest, TakesThePasswordFromItsFile) {
  ASSERT_OK(cluster()->Query("CREATE ROLE sector_writer LOGIN PASSWORD 'mật-khẩu'; "
                            "GRANT CREATE ON DATABASE postgres TO sector_writer;"));
  // The cluster trusts loopback logins; this role must give its password.
  const std::string hba = Value("SHOW hba_file");
  std::stringstream old_rules;
  old_rules << std::ifstream(hba).rdbuf();
  std::ofstream(hba, std::ios::trunc)
      << "host all sector_writer 127.0.0.1/32 scram-sha-256\n" << old_rules.str();
  ASSERT_OK(cluster()->Query("SELECT pg_reload_conf()"));

  test::TempDir dir;
  ASSERT_OK(test::WriteFile(dir.Path("wrong"), "not-it\n", 0600));
  ASSERT_OK(test::WriteFile(dir.Path("pw"), "mật-khẩu\n", 0600));
  config::v1::Adapter config;
  config.set_name("pg");
  config.mutable_postgres()->set_conninfo("host=127.0.0.1 port=" +
                                          std::to_string(cluster()->port()) +
                                          " user=sector_writer dbname=postgres");
  config.mutable_postgres()->set_schema(schema_);
  const auto event = test::EventOf(test::SchoolChange(test::SampleSchool(40)), 40);

  config.mutable_postgres()->set_password_file(dir.Path("wrong"));
  auto refused = PostgresAdapterFactory().Create(config);
  ASSERT_OK(refused);
  EXPECT_EQ((*refused)->Apply({event}).code(), absl::StatusCode::kUnavailable);

  config.mutable_postgres()->set_password_file(dir.Path("pw"));
  auto adapter = PostgresAdapterFactory().Create(config);
  ASSERT_OK(adapter);
  ASSERT_OK((*adapter)->Apply({event}));
  EXPECT_EQ(Value("SELECT tableowner FROM pg_tables WHERE schemaname = '" + schema_ +
                  "' AND tablename = 'schools'"),
            "sector_writer");
}

}  // namespace
}  // namespace lienthong::adapters::postgres

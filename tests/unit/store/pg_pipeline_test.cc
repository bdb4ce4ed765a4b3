// PgConnection's pipeline mode (services/common/postgres/pg_connection.h), on a real PostgreSQL:
// statements sent without waiting are read in order by the next Run, a failure stops what
// follows it up to the sync and is reported once, a PREPARE that failed is forgotten, and a
// check on a reply can fail the pipeline.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/postgres/pg_connection.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_engines.h"

namespace lienthong::pg {
namespace {

using ::testing::HasSubstr;

class PgPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = test::SharedPostgresCluster();
    ASSERT_OK(cluster);
    auto db = PgConnection::Connect((*cluster)->conninfo(), "");
    ASSERT_OK(db);
    db_ = std::move(*db);
    ASSERT_OK(db_->Exec("CREATE TEMP TABLE pipelined (k integer PRIMARY KEY)"));
  }
  int64_t Count() {
    auto r = db_->QueryAll("SELECT count(*) FROM pipelined");
    EXPECT_OK(r);
    return r.ok() ? r->Int(0, 0) : -1;
  }
  std::unique_ptr<PgConnection> db_;
};

TEST_F(PgPipelineTest, StatementsSentWithoutWaitingAreReadByTheNextRun) {
  ASSERT_OK(db_->EnterPipeline());
  EXPECT_TRUE(db_->in_pipeline());
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(1)));
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(2)));
  ASSERT_OK_AND_ASSIGN(PgResult rows, db_->Run("SELECT count(*) FROM pipelined", PgArgs()));
  EXPECT_EQ(rows.Int(0, 0), 2) << "the Run sees the writes sent before it";
  EXPECT_FALSE(db_->Exec("SELECT 1").ok()) << "no synchronous calls inside a pipeline";
  ASSERT_OK(db_->ExitPipeline());
  EXPECT_FALSE(db_->in_pipeline());
  EXPECT_EQ(Count(), 2);
}

TEST_F(PgPipelineTest, AFailureStopsWhatFollowsUntilTheSyncAndIsReportedOnce) {
  ASSERT_OK(db_->Exec("INSERT INTO pipelined VALUES (1)"));
  ASSERT_OK(db_->EnterPipeline());
  ASSERT_OK(db_->Send("BEGIN", PgArgs()));
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(5)));
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(1)));  // a duplicate
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(6)));
  auto read = db_->Run("SELECT count(*) FROM pipelined", PgArgs());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(db_->last_sqlstate(), "23505");
  EXPECT_THAT(std::string(db_->pipeline_failure().message()), HasSubstr("duplicate key"));
  const absl::Status failure = db_->ExitPipeline();
  EXPECT_THAT(std::string(failure.message()), HasSubstr("duplicate key"))
      << "the first failure, not the statements skipped after it";
  EXPECT_EQ(PQtransactionStatus(db_->handle()), PQTRANS_INERROR);
  ASSERT_OK(db_->Exec("ROLLBACK"));
  EXPECT_EQ(Count(), 1) << "nothing of the failed transaction stays";
  // The connection serves pipelines again.
  ASSERT_OK(db_->EnterPipeline());
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1)", PgArgs().Int(7)));
  ASSERT_OK(db_->ExitPipeline());
  EXPECT_EQ(Count(), 2);
}

TEST_F(PgPipelineTest, APrepareThatFailedIsForgottenAndPreparedAgainLater) {
  const std::string sql = "SELECT count(*) FROM created_later";
  ASSERT_OK(db_->EnterPipeline());
  auto missing = db_->Run(sql, PgArgs());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(db_->last_sqlstate(), "42P01");
  EXPECT_FALSE(db_->ExitPipeline().ok());
  ASSERT_OK(db_->Exec("CREATE TEMP TABLE created_later (k integer)"));
  ASSERT_OK(db_->EnterPipeline());
  ASSERT_OK_AND_ASSIGN(PgResult rows, db_->Run(sql, PgArgs()));
  EXPECT_EQ(rows.Int(0, 0), 0);
  ASSERT_OK(db_->ExitPipeline());
  // And outside a pipeline, the same cached statement.
  ASSERT_OK_AND_ASSIGN(PgResult again, db_->Run(sql, PgArgs()));
  EXPECT_EQ(again.Int(0, 0), 0);
}

TEST_F(PgPipelineTest, ACheckOnAReplyThatFailsIsThePipelinesFailure) {
  ASSERT_OK(db_->EnterPipeline());
  ASSERT_OK(db_->Send("INSERT INTO pipelined VALUES ($1) RETURNING k", PgArgs().Int(9),
                      [](const PgResult& r) {
                        return r.Int(0, 0) == 9 ? absl::FailedPreconditionError("saw 9")
                                                : absl::OkStatus();
                      }));
  const absl::Status drained = db_->Drain();
  EXPECT_EQ(drained.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db_->ExitPipeline().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_OK(db_->ExitPipeline()) << "a new pipeline starts with no failure";
}

TEST_F(PgPipelineTest, SendOutsideAPipelineIsRefused) {
  EXPECT_EQ(db_->Send("SELECT 1", PgArgs()).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lienthong::pg

// The KPI counts kept with the dossiers (store/kpi_counts.h) against the scan they replace:
// thousands of random dossiers (every status, channel and fact; received, due and finished
// times on and around local midnights and period bounds; extensions with original_due_at;
// updates that move status, finish and due times), then GetDossierStats for many periods,
// filters and `now`s, answered from the counts and by the scan: the answers must be equal. On
// both engines, through the store's write path, and after the migration that backfills them.
#include "services/store/kpi_counts.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"
#include "services/domain/working_day_calendar.h"
#include "services/dossier/dossier_register.h"
#include "services/store/postgres/postgres_schema.h"
#include "services/store/sqlite/sqlite_schema.h"
#include "services/store/write_and_wait.h"
#include "tests/support/store_engines.h"

namespace lienthong {
namespace {

using test::StoreEngine;

absl::Time Local(int y, int m, int d, int hour = 0, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hour, minute, 0), domain::VietnamTimeZone());
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(int percent) { return Pick(100) < percent; }

  // A time in 2026 (local), a third of them on or within a microsecond of a local midnight.
  absl::Time Time() {
    const absl::Time day = Local(2026, 1, 1) + absl::Hours(24) * Pick(365);
    switch (Pick(6)) {
      case 0:
        return day;
      case 1:
        return day - absl::Microseconds(1);
      case 2:
        return day + absl::Microseconds(1);
      default:
        return day + absl::Seconds(Pick(86400));
    }
  }
  // A time near `t`: before or after it by up to 40 days, or on the same day.
  absl::Time Near(absl::Time t) {
    switch (Pick(5)) {
      case 0:
        return t + absl::Seconds(Pick(3600));
      case 1:
        return t - absl::Seconds(Pick(86400 * 3));
      case 2:
        return t + absl::Hours(24) * Pick(3);  // same time of day, a later day
      default:
        return t + absl::Seconds(Pick(86400 * 40));
    }
  }

  void SetFacts(v1::Dossier* d) {
    d->set_channel(static_cast<v1::Channel>(1 + Pick(3)));
    d->set_result_delivery(static_cast<v1::ResultDelivery>(Pick(3)));
    d->set_paid_online(Chance(20));
    d->set_digitised(Chance(30));
    d->clear_fees();
    if (Chance(40)) d->add_fees()->mutable_amount()->set_amount_vnd(Chance(80) ? 50000 : 0);
    if (Chance(20) && d->fees_size() > 0) d->mutable_fees(0)->set_paid_online(true);
    d->clear_attachments();
    if (Chance(50)) d->add_attachments()->set_reused(Chance(40));
    d->clear_results();
    if (Chance(50)) d->add_results()->set_electronic(Chance(50));
    d->set_online_level(static_cast<v1::OnlineLevel>(Chance(20) ? 0 : 2 + Pick(3)));
    // Hand-offs: within one unit, between two (liên thông), some of them on paper.
    d->clear_history();
    const int steps = Chance(40) ? 1 + Pick(3) : 0;
    for (int i = 0; i < steps; ++i) {
      v1::ProcessingStep* step = d->add_history();
      step->set_sequence(i + 1);
      step->set_from_unit(absl::StrCat("000.00.", 30 + Pick(2), ".H49"));
      step->set_to_unit(Chance(20) ? "" : absl::StrCat("000.00.", 30 + Pick(2), ".H49"));
      step->set_paper_transfer(!step->to_unit().empty() &&
                               step->from_unit() != step->to_unit() && Chance(30));
    }
  }

  // Status, finish and due times: every status 1 to 10, finished_at mostly only on 7, 9 and 10.
  void SetProgress(v1::Dossier* d) {
    const absl::Time received = FromProtoTimestamp(d->received_at());
    d->set_status(static_cast<v1::DossierStatus>(1 + Pick(10)));
    d->clear_due_at();
    d->clear_original_due_at();
    d->clear_finished_at();
    if (!Chance(10)) ToProtoTimestamp(Near(received), d->mutable_due_at());
    if (d->has_due_at() && Chance(15)) {  // an extension: the rule keeps the original date
      *d->mutable_original_due_at() = d->due_at();
      ToProtoTimestamp(FromProtoTimestamp(d->due_at()) + absl::Hours(24) * (1 + Pick(10)),
                       d->mutable_due_at());
    }
    const bool finished = d->status() == 7 || d->status() == 9 || d->status() == 10;
    if ((finished && !Chance(5)) || Chance(3)) {
      const absl::Time base =
          d->has_due_at() && Chance(50) ? FromProtoTimestamp(d->due_at()) : received;
      ToProtoTimestamp(Near(base), d->mutable_finished_at());
    }
  }

  v1::Dossier NewDossier(int i) {
    v1::Dossier d;
    d.set_code(absl::StrCat("KPI-", i));
    d.set_receiving_agency_code(absl::StrCat("000.00.", 10 + Pick(3), ".H49"));
    d.set_handling_agency_code(absl::StrCat("000.00.", 20 + Pick(2), ".H49"));
    d.set_procedure_code(absl::StrCat("2.00248", Pick(4)));
    ToProtoTimestamp(Time(), d.mutable_received_at());
    SetFacts(&d);
    SetProgress(&d);
    d.set_version(1);
    return d;
  }

 private:
  std::mt19937 rng_;
};

// Writes the dossiers through the store's write path, 200 to a transaction.
absl::Status PutAll(store::Store& store, const std::vector<v1::Dossier>& dossiers) {
  for (size_t begin = 0; begin < dossiers.size(); begin += 200) {
    const size_t end = std::min(dossiers.size(), begin + 200);
    store::ExchangeLogEntry entry;
    entry.time = absl::Now();
    entry.member = "test";
    entry.method = "/test/PutDossiers";
    absl::Status status = store::WriteAndWait(
        &store, std::move(entry), [&](store::WriteTransaction& txn) -> absl::Status {
          for (size_t i = begin; i < end; ++i) {
            auto stored = txn.FindDossier(dossiers[i].code());
            if (!stored.ok()) return stored.status();
            store::DossierRow row = dossier::DossierRowOf(dossiers[i]);
            dossiers[i].SerializeToString(&row.payload);
            row.request_digest = "digest";
            if (absl::Status put = txn.PutDossier(row); !put.ok()) return put;
          }
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

struct Period {
  absl::Time from, to;
};

// Months, quarters, the year, single days, runs of days across month ends, a period in the
// future, and ones whose bounds are not midnights (answered by the scan either way).
std::vector<Period> Periods() {
  std::vector<Period> periods;
  for (int m = 1; m <= 12; ++m) {
    periods.push_back({Local(2026, m, 1), m == 12 ? Local(2027, 1, 1) : Local(2026, m + 1, 1)});
  }
  for (int q = 0; q < 4; ++q) {
    periods.push_back(
        {Local(2026, 1 + 3 * q, 1), q == 3 ? Local(2027, 1, 1) : Local(2026, 4 + 3 * q, 1)});
  }
  periods.push_back({Local(2026, 1, 1), Local(2027, 1, 1)});
  periods.push_back({Local(2025, 1, 1), Local(2028, 1, 1)});
  periods.push_back({Local(2026, 3, 31), Local(2026, 4, 1)});
  periods.push_back({Local(2026, 6, 15), Local(2026, 6, 16)});
  periods.push_back({Local(2026, 1, 28), Local(2026, 3, 3)});
  periods.push_back({Local(2026, 2, 10), Local(2026, 11, 20)});
  periods.push_back({Local(2027, 2, 1), Local(2027, 3, 1)});
  periods.push_back({Local(2026, 4, 1, 8), Local(2026, 5, 1)});
  return periods;
}

// `now`s: inside the year (mid-day and at a midnight), and after it.
std::vector<absl::Time> Nows() {
  return {Local(2026, 5, 17, 14, 30), Local(2026, 9, 1), Local(2026, 12, 31, 23, 59),
          Local(2027, 6, 1, 10)};
}

class KpiCountsTest : public ::testing::TestWithParam<StoreEngine> {
 protected:
  void SetUp() override {
    auto harness = test::StoreHarness::Make(GetParam());
    ASSERT_TRUE(harness.ok()) << harness.status();
    harness_ = std::move(*harness);
    Open();
  }
  void TearDown() override { Close(); }

  void Open() {
    auto store = harness_->Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    gateway_.store = store_.get();
    register_ =
        std::make_unique<dossier::DossierRegister>(&gateway_, nullptr, dossier::ProcedureCatalog{});
  }
  void Close() {
    register_.reset();
    if (store_ != nullptr) store_->Close();
    store_.reset();
  }

  // Every period, now and filter: the counts' answer equals the scan's.
  void ExpectCountsEqualTheScan() {
    const dossier::AgencyFilter only_10_and_12 =
        [](absl::string_view receiving, absl::string_view) { return receiving != "000.00.11.H49"; };
    int compared = 0;
    // The data must exercise every kind of counter (a comparison of zeros proves nothing).
    domain::KpiCounters seen;
    for (const Period& period : Periods()) {
      for (absl::Time now : Nows()) {
        for (int filter = 0; filter < 4; ++filter) {
          v1::GetDossierStatsRequest request;
          ToProtoTimestamp(period.from, request.mutable_from());
          ToProtoTimestamp(period.to, request.mutable_to());
          if (filter == 1) request.set_agency_code("000.00.10.H49");
          if (filter == 2) request.set_procedure_code("2.002482");
          const dossier::AgencyFilter visible = filter == 3 ? only_10_and_12 : nullptr;
          v1::GetDossierStatsResponse counted, scanned;
          ASSERT_TRUE(register_->StatsAt(request, visible, now, &counted).ok());
          ASSERT_TRUE(register_->StatsByScan(request, visible, now, &scanned).ok());
          ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(counted, scanned))
              << "period " << period.from << " to " << period.to << ", now " << now << ", filter "
              << filter << "\ncounts:\n"
              << counted.DebugString() << "\nscan:\n"
              << scanned.DebugString();
          ++compared;
          seen.received += counted.total().received();
          seen.finished_early += counted.total().finished_early();
          seen.finished_on_time += counted.total().finished_on_time();
          seen.finished_late += counted.total().finished_late();
          seen.overdue_in_process += counted.total().overdue_in_process();
          seen.electronic_results += counted.total().electronic_results();
          seen.paid_online += counted.total().paid_online();
          seen.received_online_of_offered += counted.total().received_online_of_offered();
          seen.inter_agency += counted.total().inter_agency();
          seen.exchanged_electronically += counted.total().exchanged_electronically();
        }
      }
    }
    EXPECT_EQ(compared, static_cast<int>(Periods().size() * Nows().size() * 4));
    if (compared_zeros_only_) return;
    EXPECT_GT(seen.received, 0);
    EXPECT_GT(seen.finished_early, 0);
    EXPECT_GT(seen.finished_on_time, 0);
    EXPECT_GT(seen.finished_late, 0);
    EXPECT_GT(seen.overdue_in_process, 0);
    EXPECT_GT(seen.electronic_results, 0);
    EXPECT_GT(seen.paid_online, 0);
    EXPECT_GT(seen.received_online_of_offered, 0);
    EXPECT_GT(seen.exchanged_electronically, 0);
    EXPECT_GT(seen.inter_agency, seen.exchanged_electronically);  // some moved paper
  }

  std::unique_ptr<test::StoreHarness> harness_;
  std::unique_ptr<store::Store> store_;
  exchange::GatewayContext gateway_;
  std::unique_ptr<dossier::DossierRegister> register_;
  bool compared_zeros_only_ = false;  // an empty store
};

TEST_P(KpiCountsTest, CountsAnswerAsTheScanThroughInsertsAndUpdates) {
  Generator gen(20261206);
  std::vector<v1::Dossier> dossiers;
  for (int i = 0; i < 3000; ++i) dossiers.push_back(gen.NewDossier(i));
  ASSERT_EQ(PutAll(*store_, dossiers), absl::OkStatus());
  ExpectCountsEqualTheScan();

  // Updates: a third move (status, finish, due, extension), some change their facts too; some
  // move again in a later transaction.
  std::vector<v1::Dossier> updates, again;
  for (v1::Dossier& d : dossiers) {
    if (!gen.Chance(35)) continue;
    gen.SetProgress(&d);
    if (gen.Chance(30)) gen.SetFacts(&d);
    d.set_version(d.version() + 1);
    updates.push_back(d);
    if (gen.Chance(20)) {
      gen.SetProgress(&d);
      d.set_version(d.version() + 1);
      again.push_back(d);
    }
  }
  ASSERT_GT(updates.size(), 900u);
  ASSERT_GT(again.size(), 100u);
  ASSERT_EQ(PutAll(*store_, updates), absl::OkStatus());
  ExpectCountsEqualTheScan();
  ASSERT_EQ(PutAll(*store_, again), absl::OkStatus());
  ExpectCountsEqualTheScan();
}

TEST_P(KpiCountsTest, AnEmptyStoreAndAFailedWriteLeaveNoCounts) {
  compared_zeros_only_ = true;
  ExpectCountsEqualTheScan();
  Generator gen(7);
  std::vector<v1::Dossier> dossiers = {gen.NewDossier(1), gen.NewDossier(2)};
  dossiers[0].set_status(v1::DOSSIER_STATUS_ACCEPTED);
  // A write that fails after its PutDossier is rolled back with its counts.
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = "test";
  entry.method = "/test/Fails";
  const absl::Status failed = store::WriteAndWait(
      store_.get(), std::move(entry), [&](store::WriteTransaction& txn) -> absl::Status {
        store::DossierRow row = dossier::DossierRowOf(dossiers[0]);
        dossiers[0].SerializeToString(&row.payload);
        row.request_digest = "digest";
        if (absl::Status put = txn.PutDossier(row); !put.ok()) return put;
        return absl::AbortedError("refused after the write");
      });
  ASSERT_EQ(failed.code(), absl::StatusCode::kAborted);
  v1::GetDossierStatsRequest request;
  ToProtoTimestamp(Local(2026, 1, 1), request.mutable_from());
  ToProtoTimestamp(Local(2027, 1, 1), request.mutable_to());
  v1::GetDossierStatsResponse response;
  ASSERT_TRUE(register_->StatsAt(request, nullptr, Local(2027, 1, 1), &response).ok());
  EXPECT_EQ(response.total().received(), 0);
  EXPECT_EQ(response.by_agency_size(), 0);
  ASSERT_EQ(PutAll(*store_, dossiers), absl::OkStatus());
  ExpectCountsEqualTheScan();
}

// The schema version a migration (one per engine) takes a database to.
int VersionOf(StoreEngine engine, const char* sqlite_migration, const char* postgres_migration) {
  if (engine == StoreEngine::kSqlite) {
    for (int v = 0; v < store::sqlite::kMigrationCount; ++v) {
      if (store::sqlite::kMigrations[v] == sqlite_migration) return v + 1;
    }
  } else {
    for (int v = 0; v < store::postgres::kPgMigrationCount; ++v) {
      if (store::postgres::kPgMigrations[v] == postgres_migration) return v + 1;
    }
  }
  return -1;
}

// The version that adds the KPI counts (filled by the next one).
int KpiCountsVersion(StoreEngine engine) {
  return VersionOf(engine, store::sqlite::kKpiCountsMigration,
                   store::postgres::kPgKpiCountsMigration);
}

// The version that adds the electronic-exchange counters and fills the counts again.
int KpiCountsRebuildVersion(StoreEngine engine) {
  return VersionOf(engine, store::sqlite::kKpiCountsRebuildMigration,
                   store::postgres::kPgKpiCountsRebuildMigration);
}

// A blob literal of the engine's SQL.
std::string BlobLiteral(StoreEngine engine, const std::string& bytes) {
  const std::string hex = absl::BytesToHexString(bytes);
  return engine == StoreEngine::kSqlite ? absl::StrCat("X'", hex, "'")
                                        : absl::StrCat("'\\x", hex, "'::bytea");
}

std::string TimeLiteral(const std::optional<absl::Time>& t) {
  return t.has_value() ? absl::StrCat(absl::ToUnixMicros(*t)) : "NULL";
}

// SQL that makes a database as the schema version before the KPI counts left it, holding
// `dossiers` as that version stored them (no kpi_flags, no counts).
std::string DatabaseBeforeTheCounts(StoreEngine engine, int version,
                                    const std::vector<v1::Dossier>& dossiers) {
  std::string sql;
  if (engine == StoreEngine::kSqlite) {
    for (int v = 0; v < version - 1; ++v) absl::StrAppend(&sql, store::sqlite::kMigrations[v]);
    absl::StrAppend(&sql, "PRAGMA user_version = ", version - 1, "; BEGIN;");
  } else {
    absl::StrAppend(&sql,
                    "CREATE TABLE lienthong_meta (key text PRIMARY KEY, value bigint NOT NULL); "
                    "INSERT INTO lienthong_meta VALUES ('schema_version', ",
                    version - 1, "), ('xid_base', pg_current_xact_id()::text::bigint);");
    for (int v = 0; v < version - 1; ++v) absl::StrAppend(&sql, store::postgres::kPgMigrations[v]);
  }
  int seq = 0;
  for (const v1::Dossier& d : dossiers) {
    const store::DossierRow row = dossier::DossierRowOf(d);
    ++seq;
    absl::StrAppend(
        &sql,
        "INSERT INTO dossiers (code, receiving_agency, handling_agency, procedure_code, status, "
        "channel, result_delivery, paid_online, digitised, received_at, due_at, finished_at, "
        "version, created_seq, request_digest, payload",
        engine == StoreEngine::kPostgres ? ", last_seq" : "", ") VALUES ('", row.code, "', '",
        row.receiving_agency, "', '", row.handling_agency, "', '", row.procedure_code, "', ",
        row.status, ", ", row.channel, ", ", row.result_delivery, ", ",
        static_cast<int>(row.paid_online), ", ", static_cast<int>(row.digitised), ", ",
        absl::ToUnixMicros(row.received_at), ", ", TimeLiteral(row.due_at), ", ",
        TimeLiteral(row.finished_at), ", ", row.version, ", ", seq, ", ",
        BlobLiteral(engine, "digest"), ", ", BlobLiteral(engine, d.SerializeAsString()),
        engine == StoreEngine::kPostgres ? absl::StrCat(", ", seq) : "", ");\n");
  }
  if (engine == StoreEngine::kSqlite) absl::StrAppend(&sql, "COMMIT;");
  return sql;
}

TEST_P(KpiCountsTest, TheMigrationBackfillsTheCountsFromExistingDossiers) {
  // A database of the version before, written as that version wrote it, then opened.
  const int version = KpiCountsVersion(GetParam());
  ASSERT_GT(version, 1);
  Generator gen(42);
  std::vector<v1::Dossier> dossiers;
  for (int i = 0; i < 2000; ++i) dossiers.push_back(gen.NewDossier(i));
  Close();
  auto old = test::StoreHarness::Make(GetParam());
  ASSERT_TRUE(old.ok()) << old.status();
  harness_ = std::move(*old);
  const absl::Status made =
      harness_->Tamper(DatabaseBeforeTheCounts(GetParam(), version, dossiers));
  ASSERT_TRUE(made.ok()) << made;
  auto before = harness_->SchemaVersion();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(*before, version - 1);
  Open();
  auto migrated = harness_->SchemaVersion();
  ASSERT_TRUE(migrated.ok());
  EXPECT_EQ(*migrated, harness_->CurrentSchemaVersion());
  ExpectCountsEqualTheScan();
  // Written to after the backfill, the counts still follow.
  for (v1::Dossier& d : dossiers) {
    gen.SetProgress(&d);
    d.set_version(d.version() + 1);
  }
  dossiers.push_back(gen.NewDossier(5000));
  ASSERT_EQ(PutAll(*store_, dossiers), absl::OkStatus());
  ExpectCountsEqualTheScan();
}

TEST_P(KpiCountsTest, TheElectronicExchangeMigrationCountsEveryDossierAgain) {
  // A database of the version before the electronic-exchange counters, holding dossiers whose
  // hand-offs it did not count, and a count row it kept (here a stale one, which must go).
  const int version = KpiCountsRebuildVersion(GetParam());
  ASSERT_GT(version, KpiCountsVersion(GetParam()));
  Generator gen(7);
  std::vector<v1::Dossier> dossiers;
  for (int i = 0; i < 2000; ++i) dossiers.push_back(gen.NewDossier(i));
  Close();
  auto old = test::StoreHarness::Make(GetParam());
  ASSERT_TRUE(old.ok()) << old.status();
  harness_ = std::move(*old);
  std::string sql = DatabaseBeforeTheCounts(GetParam(), version, dossiers);
  std::vector<std::string> columns, values;
  for (int i = 0; i < 16; ++i) {  // the columns version `version - 1` had
    columns.push_back(store::kKpiCountColumns[i]);
    values.push_back("999");
  }
  absl::StrAppend(&sql, "INSERT INTO kpi_counts (grain, bucket, agency, procedure_code, ",
                  absl::StrJoin(columns, ", "), ") VALUES (1, ",
                  store::KpiBucketOf(store::KpiGrain::kMonth, Local(2026, 3, 10)),
                  ", '000.00.10.H49', '2.002480', ", absl::StrJoin(values, ", "), ");");
  const absl::Status made = harness_->Tamper(sql);
  ASSERT_TRUE(made.ok()) << made;
  Open();
  auto migrated = harness_->SchemaVersion();
  ASSERT_TRUE(migrated.ok());
  EXPECT_EQ(*migrated, harness_->CurrentSchemaVersion());
  ExpectCountsEqualTheScan();
}

INSTANTIATE_TEST_SUITE_P(Stores, KpiCountsTest,
                         ::testing::Values(StoreEngine::kSqlite, StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<StoreEngine>& info) {
                           return test::EngineName(info.param);
                         });

}  // namespace
}  // namespace lienthong

// lienthong_sync_bench: sync-engine throughput into PostgreSQL against a plain batched INSERT of
// the same rows on the same server in the same run, and end-to-end sync lag at a steady rate.
// Starts its own PostgreSQL 15 cluster (fsync on) and SQLite store in temporary folders.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "adapters/builtin_adapters.h"
#include "bench/sync/sync_lag.h"
#include "services/common/postgres/pg_connection.h"
#include "adapters/postgres/sector_schema.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/sync/sync_engine.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/sample_changes.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, events, 20000, "Changes synced in the throughput phase.");
ABSL_FLAG(int, batch_size, 256, "Rows per transaction, for the sync and the plain insert alike.");
ABSL_FLAG(int, rate, 1000, "Lag phase: changes committed per second.");
ABSL_FLAG(int, lag_seconds, 20, "Lag phase: how long changes are committed at --rate.");

namespace lienthong {

namespace sector = adapters::postgres;

// The bench's changes: schools, students, diplomas and dossiers (two processing steps) in turn.
store::ChangeRow Change(int n) {
  switch (n % 4) {
    case 0:
      return test::SchoolChange(test::SampleSchool(n));
    case 1:
      return test::StudentChange(test::SampleStudent(n));
    case 2:
      return test::DiplomaChange(test::SampleDiploma(n));
    default:
      return test::DossierChange(test::SampleDossier(n, 2));
  }
}

// Thrown on any failure, so that the cluster's destructor still stops and removes the server.
struct BenchFailure {
  std::string what;
};

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) throw BenchFailure{absl::StrCat(what, ": ", status.ToString())};
}

// The baseline: the same rows, the same batches, one plain multi-row INSERT per table and
// transaction; no dedup, no applied-event table, no upsert.
double PlainInsertRate(const std::string& conninfo, int events, int batch_size) {
  auto connection = sector::PgConnection::Connect(conninfo, "");
  Check(connection.status(), "connect");
  Check((*connection)->Exec(sector::SectorSchemaDdl("plain")), "schema");
  const absl::Time start = absl::Now();
  for (int first = 0; first < events; first += batch_size) {
    sector::SectorRows rows;
    for (int n = first; n < std::min(events, first + batch_size); ++n) {
      Check(sector::AppendSectorRows(test::EventOf(Change(n), n + 1), &rows), "rows");
    }
    Check((*connection)->Exec("BEGIN"), "begin");
    for (int t = 0; t < sector::kSectorTableCount; ++t) {
      const auto id = static_cast<sector::SectorTableId>(t);
      if (rows[t].empty()) continue;
      std::vector<sector::PgParam> params;
      for (auto& row : rows[t]) params.insert(params.end(), row.begin(), row.end());
      const std::string sql = sector::SectorInsertSql("plain", id, rows[t].size(), false);
      Check((*connection)->Query(sql, params).status(), "insert");
    }
    Check((*connection)->Exec("COMMIT"), "commit");
  }
  return events / absl::ToDoubleSeconds(absl::Now() - start);
}

config::v1::Adapter AdapterConfig(const std::string& name, const std::string& conninfo,
                                  int batch_size, bool from_oldest) {
  config::v1::Adapter config;
  config.set_name(name);
  config.set_batch_size(static_cast<uint32_t>(batch_size));
  config.set_start_from_oldest(from_oldest);
  config.mutable_postgres()->set_conninfo(conninfo);
  config.mutable_postgres()->set_schema(name);
  return config;
}

std::unique_ptr<sync::SyncEngine> StartEngine(store::Store* store,
                                              const config::v1::Adapter& adapter) {
  adapters::AdapterRegistry registry;
  adapters::RegisterBuiltinAdapters(&registry);
  google::protobuf::RepeatedPtrField<config::v1::Adapter> adapters;
  *adapters.Add() = adapter;
  auto engine = sync::SyncEngine::Create(store, adapters, registry);
  Check(engine.status(), "engine");
  (*engine)->Start();
  return *std::move(engine);
}

int64_t Lag(sync::SyncEngine& engine) { return engine.AdapterStatuses().front().lag_events(); }

int Main() {
  const int events = absl::GetFlag(FLAGS_events);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  test::PostgresClusterOptions options;
  options.fsync = true;
  options.settings = {"shared_buffers=256MB", "max_wal_size=2GB"};
  auto cluster = test::PostgresCluster::Start(options);
  Check(cluster.status(), "postgres");
  const std::string conninfo = (*cluster)->conninfo();
  test::TempDir dir("lienthong_sync_bench");
  store::sqlite::SqliteOptions store_options;
  store_options.path = dir.Path("bench.db");
  auto store = store::sqlite::SqliteStore::Open(store_options);
  Check(store.status(), "store");

  // 1. Plain batched insert, then the sync engine carrying the same rows.
  const double plain = PlainInsertRate(conninfo, events, batch_size);
  for (int first = 0; first < events; first += 1000) {
    std::vector<store::ChangeRow> rows;
    for (int n = first; n < std::min(events, first + 1000); ++n) rows.push_back(Change(n));
    Check(test::AppendChanges(store->get(), std::move(rows)), "append");
  }
  const absl::Time start = absl::Now();
  auto engine = StartEngine(store->get(), AdapterConfig("synced", conninfo, batch_size, true));
  while (Lag(*engine) > 0 || engine->AdapterStatuses().front().checkpoint() == "1.0") {
    absl::SleepFor(absl::Milliseconds(2));
  }
  const double synced = events / absl::ToDoubleSeconds(absl::Now() - start);
  engine->Stop();
  engine.reset();
  for (const char* table : {"schools", "students", "diplomas", "dossiers", "dossier_steps"}) {
    auto plain_rows = (*cluster)->QueryValue(absl::StrCat("SELECT count(*) FROM plain.", table));
    auto synced_rows = (*cluster)->QueryValue(absl::StrCat("SELECT count(*) FROM synced.", table));
    if (!plain_rows.ok() || !synced_rows.ok() || *plain_rows != *synced_rows) {
      std::fprintf(stderr, "sync_bench: %s rows differ\n", table);
      return 1;
    }
  }

  // 2. Lag: changes committed at a steady rate while the engine follows.
  engine = StartEngine(store->get(), AdapterConfig("lagged", conninfo, batch_size, false));
  while (engine->AdapterStatuses().front().checkpoint() == "1.0") absl::SleepFor(absl::Milliseconds(5));
  auto lag = bench::MeasureSyncLag(store->get(), "lagged", absl::GetFlag(FLAGS_rate),
                                   absl::Seconds(absl::GetFlag(FLAGS_lag_seconds)),
                                   [events](int i) { return Change(events + i); });
  Check(lag.status(), "lag phase");
  const double achieved = lag->committed_per_second;
  const std::vector<double>& lags_ms = lag->lags_ms;
  engine->Stop();
  engine.reset();
  (*store)->Close();

  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| changes (mix of schools, students, diplomas, dossiers with 2 steps) | %d |\n",
              events);
  std::printf("| batch size | %d |\n", batch_size);
  std::printf("| plain batched INSERT | %.0f changes/s |\n", plain);
  std::printf("| sync engine (SQLite change log -> postgres adapter, upsert + applied-event table) "
              "| %.0f changes/s |\n",
              synced);
  std::printf("| sync / plain | %.0f%% (target >= 50%%) |\n", 100.0 * synced / plain);
  std::printf("| lag phase: committed rate | %.0f changes/s for %d s |\n", achieved,
              absl::GetFlag(FLAGS_lag_seconds));
  std::printf("| lag commit -> sector commit + checkpoint: p50 / p99 / max | %.0f / %.0f / %.0f ms "
              "(target < 1000 ms) |\n",
              bench::Percentile(lags_ms, 0.5), bench::Percentile(lags_ms, 0.99), bench::Percentile(lags_ms, 1.0));
  return 0;
}

}  // namespace lienthong

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  try {
    return lienthong::Main();
  } catch (const lienthong::BenchFailure& failure) {
    std::fprintf(stderr, "sync_bench: %s\n", failure.what.c_str());
    return 1;
  }
}

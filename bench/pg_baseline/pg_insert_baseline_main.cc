// lienthong_pg_insert_baseline: the baseline of bench/run_store_bench.sh. It writes the rows the
// PostgreSQL store writes for a SubmitDossier (a `dossiers` row whose payload is the serialized
// lienthong.v1.Dossier, and its creation's `change_events` row with the same payload) with nothing
// but plain batched INSERTs: one multi-row INSERT per table, one transaction per batch,
// synchronous_commit on. --connections connections each commit batches of
// concurrency/connections rows in a loop, so that --concurrency rows are in flight in total. The
// tables are shaped (and indexed) like the store's, in a schema of their own that the tool
// creates and drops. Prints a report and a `RESULT {json}` line, like lienthong_loadgen.
#include <openssl/sha.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/common/postgres/pg_connection.h"
#include "tests/support/sample_dossiers.h"

ABSL_FLAG(std::string, conninfo, "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
          "libpq conninfo of the PostgreSQL server.");
ABSL_FLAG(int, connections, 4, "Connections, each with one batch in flight.");
ABSL_FLAG(int, concurrency, 64,
          "Rows in flight in total: each connection commits batches of concurrency/connections.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(20), "Length of the measured window.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(3),
          "Load before the measured window, not counted.");
ABSL_FLAG(std::string, schema, "",
          "Schema to create, fill and drop (default lienthong_baseline_<pid>); must not exist.");

namespace {

using lienthong::pg::PgArgs;
using lienthong::pg::PgConnection;

// The store's two tables a SubmitDossier inserts into, with their indexes
// (services/store/postgres/postgres_schema.h).
constexpr char kTables[] = R"sql(
CREATE TABLE dossiers (
  code text PRIMARY KEY,
  receiving_agency text NOT NULL,
  handling_agency text NOT NULL,
  procedure_code text NOT NULL,
  status integer NOT NULL,
  channel integer NOT NULL,
  result_delivery integer NOT NULL,
  paid_online integer NOT NULL,
  digitised integer NOT NULL,
  received_at bigint NOT NULL,
  due_at bigint,
  finished_at bigint,
  version bigint NOT NULL,
  created_seq bigint NOT NULL,
  request_digest bytea NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX dossiers_by_received ON dossiers(received_at, code);
CREATE INDEX dossiers_by_finished ON dossiers(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX dossiers_in_process_by_received ON dossiers(received_at, code)
  INCLUDE (due_at, receiving_agency, handling_agency, procedure_code, channel)
  WHERE status IN (2, 4);
CREATE INDEX dossiers_in_process_kpi ON dossiers(due_at, received_at, receiving_agency,
  procedure_code, status) WHERE status IN (2, 4);
CREATE INDEX dossiers_finished_before_received ON dossiers(finished_at)
  WHERE finished_at < received_at;
CREATE TABLE change_events (
  seq bigint PRIMARY KEY,
  event_id text NOT NULL,
  record_type integer NOT NULL,
  record_key text NOT NULL,
  operation integer NOT NULL,
  version bigint NOT NULL,
  commit_time bigint NOT NULL,
  origin_member text NOT NULL,
  agency text NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX change_events_by_record ON change_events(record_type, record_key, seq);
)sql";

constexpr char kMember[] = "000.00.00.H49";  // the one-stop member lienthong_loadgen presents

int Fail(const std::string& message) {
  std::fprintf(stderr, "lienthong_pg_insert_baseline: %s\n", message.c_str());
  return 2;
}

absl::Duration ProcessCpuTime() {
  timespec now{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) != 0) return absl::ZeroDuration();
  return absl::DurationFromTimespec(now);
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

std::string Sha256(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string NewUuid(absl::BitGen& gen) {
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & ~0xF000ull) | 0x4000ull;
  const uint64_t lo = (absl::Uniform<uint64_t>(gen) & ~(3ull << 62)) | (2ull << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                         lo >> 48, lo & 0xFFFFFFFFFFFFull);
}

// "INSERT INTO <table> (<columns>) VALUES ($1, ..., $n), ($n+1, ...), ..." for `rows` rows.
std::string MultiRowInsert(const std::string& table_and_columns, int columns, int rows) {
  std::string sql = absl::StrCat("INSERT INTO ", table_and_columns, " VALUES ");
  for (int r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (");
    for (int c = 0; c < columns; ++c) {
      absl::StrAppend(&sql, c == 0 ? "$" : ", $", r * columns + c + 1);
    }
    absl::StrAppend(&sql, ")");
  }
  return sql;
}

// What every connection shares: the window, the row numbering and the totals.
struct Run {
  absl::Time measure_from;
  absl::Time stop_at;
  std::atomic<uint64_t> next_row{0};
  absl::Mutex mu;
  uint64_t batches ABSL_GUARDED_BY(mu) = 0;
  uint64_t rows ABSL_GUARDED_BY(mu) = 0;
  uint64_t all_rows ABSL_GUARDED_BY(mu) = 0;  // warm-up and the window's end included
  std::vector<double> batch_ms ABSL_GUARDED_BY(mu);
  std::string error ABSL_GUARDED_BY(mu);
};

// One connection's loop: build a batch (the dossiers as the gateway stores them: status, due
// date, version 1, submitter, update time), insert it in one transaction, repeat until stop_at.
void InsertLoop(PgConnection* db, int batch_rows, std::vector<lienthong::v1::Dossier> bodies,
                absl::Time received_at, Run* run) {
  const std::string dossier_sql = MultiRowInsert(
      "dossiers (code, receiving_agency, handling_agency, procedure_code, status, channel, "
      "result_delivery, paid_online, digitised, received_at, due_at, finished_at, version, "
      "created_seq, request_digest, payload)",
      16, batch_rows);
  const std::string event_sql = MultiRowInsert(
      "change_events (seq, event_id, record_type, record_key, operation, version, commit_time, "
      "origin_member, agency, payload)",
      10, batch_rows);
  absl::BitGen gen;
  std::vector<double> latencies;
  uint64_t batches = 0, rows = 0, all_rows = 0;
  size_t next_body = 0;
  std::string error;
  while (error.empty()) {
    const absl::Time started = absl::Now();
    if (started >= run->stop_at) break;
    PgArgs dossier_args, event_args;
    for (int r = 0; r < batch_rows; ++r) {
      const uint64_t index = run->next_row.fetch_add(1);
      lienthong::v1::Dossier& d = bodies[next_body++ % bodies.size()];
      lienthong::demo::AssignSampleDossierIdentity(index, received_at, &d);
      d.clear_due_at();
      d.clear_updated_at();
      const std::string digest = Sha256(d.SerializeAsString());  // the client's dossier bytes
      SetTimestamp(absl::FromUnixMicros(Micros(d.received_at())) + absl::Hours(24 * 14),
                   d.mutable_due_at());
      SetTimestamp(started, d.mutable_updated_at());
      const std::string payload = d.SerializeAsString();
      const int64_t seq = static_cast<int64_t>(index) + 1;
      dossier_args.Text(d.code()).Text(d.receiving_agency_code()).Text(d.handling_agency_code())
          .Text(d.procedure_code()).Int(d.status()).Int(d.channel()).Int(d.result_delivery())
          .Int(d.paid_online() ? 1 : 0).Int(d.digitised() ? 1 : 0).Int(Micros(d.received_at()))
          .Int(Micros(d.due_at())).Null().Int(1).Int(seq).Bytes(digest).Bytes(payload);
      event_args.Int(seq).Text(NewUuid(gen)).Int(lienthong::v1::RECORD_TYPE_DOSSIER)
          .Text(d.code()).Int(lienthong::v1::OPERATION_CREATE).Int(1)
          .Int(absl::ToUnixMicros(started)).Text(kMember).Text(d.receiving_agency_code())
          .Bytes(payload);
    }
    absl::Status status = db->Exec("BEGIN");
    if (status.ok()) status = db->Run(dossier_sql, dossier_args).status();
    if (status.ok()) status = db->Run(event_sql, event_args).status();
    if (status.ok()) status = db->Exec("COMMIT");
    if (!status.ok()) {
      error = std::string(status.message());
      break;
    }
    const absl::Time done = absl::Now();
    all_rows += batch_rows;
    if (done >= run->measure_from && done <= run->stop_at) {
      ++batches;
      rows += batch_rows;
      latencies.push_back(absl::ToDoubleMilliseconds(done - started));
    }
  }
  absl::MutexLock lock(&run->mu);
  run->batches += batches;
  run->rows += rows;
  run->all_rows += all_rows;
  run->batch_ms.insert(run->batch_ms.end(), latencies.begin(), latencies.end());
  if (run->error.empty()) run->error = error;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "lienthong_pg_insert_baseline --conninfo CONNINFO [--connections 4] [--concurrency 64]\n"
      "  [--duration 20s] [--warmup 3s] [--schema NAME]\n"
      "  Plain batched INSERTs of SubmitDossier's rows; prints a report and a `RESULT {json}` line.");
  absl::ParseCommandLine(argc, argv);
  const std::string conninfo = absl::GetFlag(FLAGS_conninfo);
  const int connections = absl::GetFlag(FLAGS_connections);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  std::string schema = absl::GetFlag(FLAGS_schema);
  if (schema.empty()) schema = absl::StrCat("lienthong_baseline_", getpid());
  if (connections < 1) return Fail("--connections must be at least 1");
  if (concurrency < connections) return Fail("--concurrency must be at least --connections");
  if (duration <= absl::ZeroDuration()) return Fail("--duration must be positive");
  if (warmup < absl::ZeroDuration()) return Fail("--warmup must not be negative");
  for (char c : schema) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Fail("--schema: lower-case letters, digits and _ only");
    }
  }
  const int batch_rows = concurrency / connections;

  std::vector<std::unique_ptr<PgConnection>> dbs;
  for (int i = 0; i < connections; ++i) {
    auto db = PgConnection::Connect(conninfo, "");
    if (!db.ok()) return Fail(std::string(db.status().message()));
    dbs.push_back(std::move(*db));
  }
  if (absl::Status made = dbs[0]->Exec(absl::StrCat("CREATE SCHEMA ", schema, "; SET search_path = ",
                                                    schema, "; ", kTables));
      !made.ok()) {
    return Fail(std::string(made.message()));
  }
  for (auto& db : dbs) {
    if (absl::Status set = db->Exec(absl::StrCat(
            "SET synchronous_commit = on; SET search_path = ", schema));
        !set.ok()) {
      (void)dbs[0]->Exec(absl::StrCat("DROP SCHEMA ", schema, " CASCADE"));
      return Fail(std::string(set.message()));
    }
  }

  // Bodies are generated before the clock starts; each batch reuses them under new codes, as
  // lienthong_loadgen does.
  const absl::Time received_at = absl::Now();
  std::vector<std::vector<lienthong::v1::Dossier>> bodies(connections);
  for (int i = 0; i < std::max(1024, concurrency); ++i) {
    lienthong::v1::Dossier d = lienthong::demo::MakeSampleDossier(i, received_at);
    d.set_status(lienthong::v1::DOSSIER_STATUS_ACCEPTED);
    d.set_version(1);
    d.set_submitted_by(kMember);
    d.set_processing_days(10);
    bodies[i % connections].push_back(std::move(d));
  }

  Run run;
  const absl::Time start = absl::Now();
  run.measure_from = start + warmup;
  run.stop_at = run.measure_from + duration;
  std::fprintf(stderr,
               "lienthong_pg_insert_baseline: schema %s, %d connections x batches of %d rows, "
               "%s + %s\n",
               schema.c_str(), connections, batch_rows, absl::FormatDuration(warmup).c_str(),
               absl::FormatDuration(duration).c_str());
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back(InsertLoop, dbs[i].get(), batch_rows, std::move(bodies[i]), received_at,
                         &run);
  }
  absl::SleepFor(run.measure_from - absl::Now());
  const absl::Duration cpu_at_start = ProcessCpuTime();
  absl::SleepFor(run.stop_at - absl::Now());
  const absl::Duration client_cpu = ProcessCpuTime() - cpu_at_start;
  for (auto& thread : threads) thread.join();

  // Every committed row is there, and nothing else: the figures count real rows.
  auto counted = dbs[0]->QueryAll(
      "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM change_events)");
  const absl::Status dropped = dbs[0]->Exec(absl::StrCat("DROP SCHEMA ", schema, " CASCADE"));
  absl::MutexLock lock(&run.mu);
  if (!run.error.empty()) return Fail(run.error);
  if (!counted.ok()) return Fail(std::string(counted.status().message()));
  if (!dropped.ok()) return Fail(std::string(dropped.message()));
  const auto expected = static_cast<int64_t>(run.all_rows);
  if (counted->Int(0, 0) != expected || counted->Int(0, 1) != expected) {
    return Fail(absl::StrCat("committed ", expected, " rows but the tables hold ",
                             counted->Int(0, 0), " dossiers and ", counted->Int(0, 1),
                             " change events"));
  }
  std::sort(run.batch_ms.begin(), run.batch_ms.end());
  const double seconds = absl::ToDoubleSeconds(duration);
  const double rows_per_s = static_cast<double>(run.rows) / seconds;
  const double cpu_per_row =
      run.rows > 0 ? absl::ToDoubleMicroseconds(client_cpu) / static_cast<double>(run.rows) : 0;
  const double p50 = Percentile(run.batch_ms, 0.50), p99 = Percentile(run.batch_ms, 0.99);
  std::printf("plain batched INSERT: %d connections x %d rows per transaction, %s window\n",
              connections, batch_rows, absl::FormatDuration(duration).c_str());
  std::printf("rows committed %llu in %llu batches: %.1f rows/s\n",
              static_cast<unsigned long long>(run.rows),
              static_cast<unsigned long long>(run.batches), rows_per_s);
  std::printf("batch latency (BEGIN .. COMMIT, rows built included) p50 %.3f ms, p99 %.3f ms\n",
              p50, p99);
  std::printf("client CPU %.1f us per row\n", cpu_per_row);
  std::printf(
      "RESULT {\"connections\":%d,\"concurrency\":%d,\"batch_rows\":%d,\"window_s\":%.3f,"
      "\"batches\":%llu,\"rows\":%llu,\"rows_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"client_cpu_us_per_row\":%.1f}\n",
      connections, concurrency, batch_rows, seconds, static_cast<unsigned long long>(run.batches),
      static_cast<unsigned long long>(run.rows), rows_per_s, p50, p99, cpu_per_row);
  return 0;
}

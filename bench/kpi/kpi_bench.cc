// lienthong_kpi_bench: what the console's indicator page costs on a store of a million dossiers.
//
// Loads --dossiers dossiers into a new SQLite store through the store's write path (WriteFns of
// --batch dossiers a transaction, FindDossier then PutDossier each, so the KPI counts are kept
// as a SubmitDossier keeps them), received over the three years before --now, then calls
// DossierRegister::StatsAt for the current month, quarter and year and for each of the twelve
// months before the current one (the indicator page: one period and a 12-month trend), from the
// KPI counts and, as the baseline in the same run, by the scan (StatsByScan). Checks that both
// answer the same, and prints per kind of call: p50 / p95 milliseconds and CPU microseconds per
// call, and the scan / counts ratio. Prints the load's cost per dossier too.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/common/proto_time.h"
#include "services/domain/working_day_calendar.h"
#include "services/dossier/dossier_register.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/store/write_and_wait.h"
#include "tests/support/sample_dossiers.h"

ABSL_FLAG(std::string, dir, "", "folder for the SQLite store (created; must not hold one)");
ABSL_FLAG(int, dossiers, 1000000, "dossiers to load");
ABSL_FLAG(int, batch, 1000, "dossiers per write transaction while loading");
ABSL_FLAG(int, agencies, 12, "receiving agencies");
ABSL_FLAG(int, procedures, 60, "procedures (a few take most dossiers)");
ABSL_FLAG(int, repeat, 20, "calls of each kind from the KPI counts");
ABSL_FLAG(int, scan_repeat, 2,
          "calls of each kind by the scan (the baseline); 0 skips the scan (a run that only loads "
          "a store for another benchmark)");
ABSL_FLAG(std::string, now, "", "the time the statistics are judged at (RFC 3339); default now");

namespace lienthong {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

absl::Time LocalDay(absl::CivilDay day) { return absl::FromCivil(day, domain::VietnamTimeZone()); }

// A dossier's life as the store holds it at the end: mostly finished (8% late), recent ones and
// a small backlog still in process, some refused or withdrawn, a few with an extension.
v1::Dossier MakeDossier(int index, absl::Time now, std::mt19937_64& rng) {
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  const absl::Time received = now - absl::Seconds(uniform(0, 3 * 365.25 * 86400));
  v1::Dossier d = demo::MakeSampleDossier(static_cast<uint64_t>(index), received);
  d.set_code(absl::StrCat("BENCH-", index));
  d.set_receiving_agency_code(absl::StrCat(
      "000.", 10 + static_cast<int>(rng() % absl::GetFlag(FLAGS_agencies)), ".00.H49"));
  // A few procedures take most dossiers (geometric ranks).
  const int procedures = absl::GetFlag(FLAGS_procedures);
  int rank = static_cast<int>(std::geometric_distribution<int>(0.15)(rng));
  d.set_procedure_code(absl::StrCat("1.00", 1000 + std::min(rank, procedures - 1)));
  d.set_channel(static_cast<v1::Channel>(chance(0.45) ? 2 : chance(0.1) ? 3 : 1));
  d.set_result_delivery(chance(0.1) ? v1::RESULT_DELIVERY_POSTAL : v1::RESULT_DELIVERY_UNSPECIFIED);
  const absl::Time due = received + absl::Hours(24) * (3 + static_cast<int>(rng() % 25));
  ToProtoTimestamp(due, d.mutable_due_at());
  if (chance(0.03)) {
    *d.mutable_original_due_at() = d.due_at();
    ToProtoTimestamp(due + absl::Hours(24) * 7, d.mutable_due_at());
  }
  const bool recent = now - received < absl::Hours(24) * 30;
  if (chance(0.02)) {
    d.set_status(v1::DOSSIER_STATUS_REFUSED_AT_INTAKE);
  } else if ((recent && chance(0.6)) || chance(0.01)) {
    d.set_status(chance(0.5) ? v1::DOSSIER_STATUS_IN_PROCESS : v1::DOSSIER_STATUS_ACCEPTED);
  } else {
    const absl::Time finished = chance(0.08) ? due + absl::Seconds(uniform(3600, 30 * 86400))
                                             : received + (due - received) * uniform(0.1, 1.0);
    if (finished > now) {
      // Not finished yet: still in process (a store holds no finish in the future; these
      // dossiers were once all finished "now", which piled thousands onto today).
      d.set_status(v1::DOSSIER_STATUS_IN_PROCESS);
      d.set_version(1);
      return d;
    }
    d.set_status(chance(0.03)  ? v1::DOSSIER_STATUS_WITHDRAWN
                 : chance(0.5) ? v1::DOSSIER_STATUS_RESULT_RETURNED
                               : v1::DOSSIER_STATUS_FINISHED);
    ToProtoTimestamp(finished, d.mutable_finished_at());
    if (d.status() != v1::DOSSIER_STATUS_WITHDRAWN && chance(0.3)) {
      d.add_results()->set_electronic(true);
    }
  }
  d.set_version(1);
  return d;
}

absl::Status Load(store::Store& store, absl::Time now) {
  const int total = absl::GetFlag(FLAGS_dossiers);
  const int batch = absl::GetFlag(FLAGS_batch);
  std::mt19937_64 rng(20261206);
  const absl::Time start = absl::Now();
  const double cpu0 = CpuSeconds();
  for (int begin = 0; begin < total; begin += batch) {
    std::vector<store::DossierRow> rows;
    for (int i = begin; i < std::min(total, begin + batch); ++i) {
      const v1::Dossier d = MakeDossier(i, now, rng);
      store::DossierRow row = dossier::DossierRowOf(d);
      d.SerializeToString(&row.payload);
      row.request_digest = "bench";
      rows.push_back(std::move(row));
    }
    store::ExchangeLogEntry entry;
    entry.time = absl::Now();
    entry.member = "bench";
    entry.method = "/bench/LoadDossiers";
    absl::Status loaded = store::WriteAndWait(
        &store, std::move(entry), [&rows](store::WriteTransaction& txn) -> absl::Status {
          for (const store::DossierRow& row : rows) {
            auto stored = txn.FindDossier(row.code);
            if (!stored.ok()) return stored.status();
            if (absl::Status put = txn.PutDossier(row); !put.ok()) return put;
          }
          return absl::OkStatus();
        });
    if (!loaded.ok()) return loaded;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "load: %d dossiers in %.1f s (%.0f dossiers/s), %.1f CPU us per dossier "
      "(generation and serialization included)\n",
      total, seconds, total / seconds, (CpuSeconds() - cpu0) * 1e6 / total);
  return absl::OkStatus();
}

struct Kind {
  std::string name;
  std::vector<std::pair<absl::Time, absl::Time>> periods;  // one call each
};

struct Figures {
  double p50_ms = 0, p95_ms = 0, cpu_us = 0;
};

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[i];
}

// Calls every period of `kind` `repeat` times; per call figures (a trend's 12 calls count as
// 12 calls; its p50/p95 are of the whole page, 12 calls together).
Figures Measure(dossier::DossierRegister& reg, const Kind& kind, int repeat, bool scan,
                absl::Time now, std::vector<v1::GetDossierStatsResponse>* answers) {
  std::vector<double> ms;
  const double cpu0 = CpuSeconds();
  for (int r = 0; r < repeat; ++r) {
    const absl::Time start = absl::Now();
    for (const auto& [from, to] : kind.periods) {
      v1::GetDossierStatsRequest request;
      ToProtoTimestamp(from, request.mutable_from());
      ToProtoTimestamp(to, request.mutable_to());
      v1::GetDossierStatsResponse response;
      const absl::Status status = scan ? reg.StatsByScan(request, nullptr, now, &response)
                                       : reg.StatsAt(request, nullptr, now, &response);
      if (!status.ok()) {
        std::fprintf(stderr, "kpi_bench: %s\n", status.ToString().c_str());
        std::exit(2);
      }
      if (r == 0) answers->push_back(std::move(response));
    }
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  Figures f;
  f.p50_ms = Percentile(ms, 0.5);
  f.p95_ms = Percentile(ms, 0.95);
  f.cpu_us = (CpuSeconds() - cpu0) * 1e6 / (repeat * static_cast<double>(kind.periods.size()));
  return f;
}

int Run() {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    std::fprintf(stderr, "kpi_bench: --dir is required\n");
    return 2;
  }
  absl::Time now = absl::Now();
  if (!absl::GetFlag(FLAGS_now).empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, absl::GetFlag(FLAGS_now), &now, &error)) {
      std::fprintf(stderr, "kpi_bench: --now: %s\n", error.c_str());
      return 2;
    }
  }
  store::sqlite::SqliteOptions options;
  options.path = dir + "/kpi_bench.db";
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "kpi_bench: %s\n", opened.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<store::sqlite::SqliteStore> store = std::move(*opened);
  if (absl::Status loaded = Load(*store, now); !loaded.ok()) {
    std::fprintf(stderr, "kpi_bench: load: %s\n", loaded.ToString().c_str());
    return 2;
  }
  exchange::GatewayContext gateway;
  gateway.store = store.get();
  dossier::DossierRegister reg(&gateway, nullptr, dossier::ProcedureCatalog{});

  const absl::CivilDay today = absl::ToCivilDay(now, domain::VietnamTimeZone());
  const absl::CivilMonth month(today);
  const absl::CivilMonth quarter(today.year(), (today.month() - 1) / 3 * 3 + 1);
  const absl::CivilYear year(today);
  std::vector<Kind> kinds = {
      {"month (current)", {{LocalDay(absl::CivilDay(month)), LocalDay(absl::CivilDay(month + 1))}}},
      {"quarter (current)",
       {{LocalDay(absl::CivilDay(quarter)), LocalDay(absl::CivilDay(quarter + 3))}}},
      {"year (current)", {{LocalDay(absl::CivilDay(year)), LocalDay(absl::CivilDay(year + 1))}}},
      {"trend: 11 months", {}},
  };
  // The console's trend: the 12 months ending with the period's, whose last is the month call.
  for (int m = 11; m >= 1; --m) {
    kinds[3].periods.emplace_back(LocalDay(absl::CivilDay(month - m)),
                                  LocalDay(absl::CivilDay(month - m + 1)));
  }

  std::printf("now %s; %d agencies, %d procedures\n",
              absl::FormatTime(absl::RFC3339_sec, now, domain::VietnamTimeZone()).c_str(),
              absl::GetFlag(FLAGS_agencies), absl::GetFlag(FLAGS_procedures));
  std::printf("%-18s %6s %10s %10s %12s %12s %12s %12s %9s\n", "call", "calls", "counts p50",
              "counts p95", "counts cpu", "scan p50", "scan cpu", "", "scan/counts");
  double page_counts_ms = 0, page_scan_ms = 0;
  bool same = true;
  for (const Kind& kind : kinds) {
    std::vector<v1::GetDossierStatsResponse> counted, scanned;
    const Figures c = Measure(reg, kind, absl::GetFlag(FLAGS_repeat), false, now, &counted);
    const bool on_the_page = kind.name == "month (current)" || kind.name == "trend: 11 months";
    if (on_the_page) page_counts_ms += c.p50_ms;
    if (absl::GetFlag(FLAGS_scan_repeat) <= 0) {
      std::printf("%-18s %6zu %8.2fms %8.2fms %10.0fus   (scan skipped)\n", kind.name.c_str(),
                  kind.periods.size(), c.p50_ms, c.p95_ms, c.cpu_us);
      continue;
    }
    const Figures s = Measure(reg, kind, absl::GetFlag(FLAGS_scan_repeat), true, now, &scanned);
    for (size_t i = 0; i < counted.size(); ++i) {
      if (!google::protobuf::util::MessageDifferencer::Equals(counted[i], scanned[i])) same = false;
    }
    std::printf("%-18s %6zu %8.2fms %8.2fms %10.0fus %10.0fms %10.0fus %12s %9.0f\n",
                kind.name.c_str(), kind.periods.size(), c.p50_ms, c.p95_ms, c.cpu_us, s.p50_ms,
                s.cpu_us, "", s.p50_ms / c.p50_ms);
    if (on_the_page) page_scan_ms += s.p50_ms;
  }
  std::printf(
      "p50/p95: ms for all the calls of the row together (the trend: its 11 calls); "
      "cpu: CPU us per call\n");
  std::printf(
      "indicator page (current month + the 11 months before it, 12 calls): %.2f ms from the "
      "counts, "
      "%.0f ms by the scan (p50 sums)\n",
      page_counts_ms, page_scan_ms);
  if (absl::GetFlag(FLAGS_scan_repeat) > 0) {
    std::printf("answers of the counts and of the scan: %s\n", same ? "identical" : "DIFFERENT");
  }
  store->Close();
  return same ? (page_counts_ms < 200 ? 0 : 1) : 2;
}

}  // namespace
}  // namespace lienthong

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lienthong::Run();
}

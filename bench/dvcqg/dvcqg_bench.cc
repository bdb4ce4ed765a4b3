// lienthong_dvcqg_bench: the dvcqg adapter against the stand-in portal (tests/support): dossiers
// synced per second through the sync engine, against two baselines measured in the same run on
// the same machine (the stand-in's bare rate for the same JSON bodies posted by the same HTTP
// client, and the jsonl adapter carrying the same changes through the engine); CPU time per
// dossier and per portal call; and end-to-end lag at a steady rate of changes (new dossiers and
// status moves). SQLite store in a temporary folder; the stand-in runs in this process, so CPU
// figures include it (and the bare baseline's too).
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/adapter_registry.h"
#include "adapters/builtin_adapters.h"
#include "bench/sync/sync_lag.h"
#include "adapters/dvcqg/dossier_mapping.h"
#include "adapters/dvcqg/http_client.h"
#include "services/store/sqlite/sqlite_store.h"
#include "services/sync/sync_engine.h"
#include "tests/support/sample_changes.h"
#include "tests/support/stand_in_portal.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, dossiers, 20000, "Throughput phase: new dossiers synced.");
ABSL_FLAG(int, batch_size, 256, "Engine batch size (dossiers per portal call at most).");
ABSL_FLAG(int, rate, 1000, "Lag phase: changes committed per second.");
ABSL_FLAG(int, lag_seconds, 20, "Lag phase: how long changes are committed at --rate.");

namespace lienthong {

struct BenchFailure {
  std::string what;
};

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) throw BenchFailure{absl::StrCat(what, ": ", status.ToString())};
}

// Process CPU time (user + system) so far.
absl::Duration CpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto of = [](const timeval& tv) {
    return absl::Seconds(tv.tv_sec) + absl::Microseconds(tv.tv_usec);
  };
  return of(usage.ru_utime) + of(usage.ru_stime);
}

// New dossier n (version 1) or its status move to `version` (one more step each).
v1::Dossier BenchDossier(int n, int version) {
  v1::Dossier d = test::SampleDossier(n, version);
  d.set_version(version);
  return d;
}

store::ChangeRow ChangeOf(int n, int version) {
  store::ChangeRow row = test::DossierChange(BenchDossier(n, version), version);
  row.operation = version == 1 ? v1::OPERATION_CREATE : v1::OPERATION_UPDATE;
  return row;
}

config::v1::Adapter DvcqgConfig(const std::string& name, const test::StandInPortal& portal,
                                const std::string& password_file, int batch_size,
                                bool from_oldest) {
  config::v1::Adapter config;
  config.set_name(name);
  config.set_batch_size(static_cast<uint32_t>(batch_size));
  config.set_start_from_oldest(from_oldest);
  auto* dvcqg = config.mutable_dvcqg();
  dvcqg->set_base_url(portal.base_url());
  dvcqg->set_auth_path(test::StandInPortal::kAuthPath);
  dvcqg->set_integration_path(test::StandInPortal::kIntegrationPath);
  dvcqg->set_username(test::StandInPortal::Account().username);
  dvcqg->set_password_file(password_file);
  dvcqg->set_dstcode(test::StandInPortal::Account().dstcode);
  dvcqg->set_madonvi("000.00.00.H49");
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

struct Phase {
  double per_second = 0;
  absl::Duration cpu;
};

// Runs the engine with `adapter` from the oldest change until it has caught up.
Phase SyncAll(store::Store* store, const config::v1::Adapter& adapter, int count) {
  const absl::Time start = absl::Now();
  const absl::Duration cpu = CpuTime();
  auto engine = StartEngine(store, adapter);
  for (;;) {
    const auto status = engine->AdapterStatuses().front();
    if (status.lag_events() == 0 && status.checkpoint() != "1.0" && !status.checkpoint().empty()) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  Phase phase{count / absl::ToDoubleSeconds(absl::Now() - start), CpuTime() - cpu};
  engine->Stop();
  return phase;
}

// The baseline: the same dossiers' DongBoHoSoMC bodies, built beforehand, posted in the same
// batches by the same HTTP client, with one login; no store, engine, or mapping in the way.
Phase BareRate(test::StandInPortal& portal, int count, int batch_size) {
  std::vector<std::string> bodies;
  adapters::dvcqg::PortalCodes codes;
  for (int first = 1; first <= count; first += batch_size) {
    adapters::dvcqg::PortalJson data = adapters::dvcqg::PortalJson::array();
    for (int n = first; n < std::min(count + 1, first + batch_size); ++n) {
      data.push_back(adapters::dvcqg::DossierObject(BenchDossier(1000000 + n, 1), codes));
    }
    bodies.push_back(adapters::dvcqg::PortalJson{{"session", ""},
                                                 {"madonvi", "000.00.00.H49"},
                                                 {"service", "DongBoHoSoMC"},
                                                 {"isUpdating", false},
                                                 {"data", std::move(data)}}
                         .dump());
  }
  adapters::dvcqg::HttpJsonClient http({});
  const std::vector<std::string> headers = {
      absl::StrCat("dstcode: ", test::StandInPortal::Account().dstcode)};
  auto login = http.PostJson(portal.base_url() + test::StandInPortal::kAuthPath, headers,
                             nlohmann::json{{"username", test::StandInPortal::Account().username},
                                            {"password", test::StandInPortal::Account().password}}
                                 .dump());
  Check(login.status(), "bare login");
  const std::string session = nlohmann::json::parse(login->body).value("session", "");
  const std::string blank = "\"session\":\"\"";
  for (std::string& body : bodies) body.replace(body.find(blank), blank.size(),
                                                absl::StrCat("\"session\":\"", session, "\""));
  const absl::Time start = absl::Now();
  const absl::Duration cpu = CpuTime();
  for (const std::string& body : bodies) {
    auto reply = http.PostJson(portal.base_url() + test::StandInPortal::kIntegrationPath, headers,
                               body);
    Check(reply.status(), "bare post");
    if (nlohmann::json::parse(reply->body).value("error_code", -1) != 0) {
      throw BenchFailure{"bare post refused: " + reply->body};
    }
  }
  return Phase{count / absl::ToDoubleSeconds(absl::Now() - start), CpuTime() - cpu};
}

int Main() {
  const int count = absl::GetFlag(FLAGS_dossiers);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  test::TempDir dir("lienthong_dvcqg_bench");
  Check(test::WriteFile(dir.Path("portal.password"), test::StandInPortal::Account().password,
                        0600),
        "password file");
  store::sqlite::SqliteOptions store_options;
  store_options.path = dir.Path("bench.db");
  auto store = store::sqlite::SqliteStore::Open(store_options);
  Check(store.status(), "store");
  test::StandInPortal portal;
  Check(portal.Start(), "stand-in portal");

  for (int first = 1; first <= count; first += 1000) {
    std::vector<store::ChangeRow> rows;
    for (int n = first; n < std::min(count + 1, first + 1000); ++n) rows.push_back(ChangeOf(n, 1));
    Check(test::AppendChanges(store->get(), std::move(rows)), "append");
  }
  // 1. The two baselines and the adapter, on the same changes.
  const Phase bare = BareRate(portal, count, batch_size);
  config::v1::Adapter jsonl;
  jsonl.set_name("jsonl_baseline");
  jsonl.set_batch_size(static_cast<uint32_t>(batch_size));
  jsonl.set_start_from_oldest(true);
  jsonl.mutable_jsonl()->set_output_file(dir.Path("changes.jsonl"));
  const Phase jsonl_phase = SyncAll(store->get(), jsonl, count);
  const int64_t calls_before = static_cast<int64_t>(portal.Calls("DongBoHoSoMC").size());
  const Phase dvcqg = SyncAll(
      store->get(), DvcqgConfig("dvcqg", portal, dir.Path("portal.password"), batch_size, true),
      count);
  const int64_t calls = static_cast<int64_t>(portal.Calls("DongBoHoSoMC").size()) - calls_before;
  if (static_cast<int>(portal.creations().size()) != 2 * count) {
    throw BenchFailure{absl::StrCat("the portal holds ", portal.creations().size(),
                                    " dossiers, not ", 2 * count)};
  }

  // 2. Lag: new dossiers and status moves (one of each in turn) at a steady rate.
  auto engine = StartEngine(
      store->get(), DvcqgConfig("lagged", portal, dir.Path("portal.password"), batch_size, false));
  while (engine->AdapterStatuses().front().checkpoint().empty() ||
         engine->AdapterStatuses().front().lag_events() > 0) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Dossier k is created, then moved once: changes 2k and 2k+1.
  constexpr int kBase = 2000000;
  auto lag = bench::MeasureSyncLag(
      store->get(), "lagged", absl::GetFlag(FLAGS_rate),
      absl::Seconds(absl::GetFlag(FLAGS_lag_seconds)),
      [](int i) { return ChangeOf(kBase + i / 2, i % 2 == 0 ? 1 : 2); });
  Check(lag.status(), "lag phase");
  const double achieved = lag->committed_per_second;
  const std::vector<double>& lags_ms = lag->lags_ms;
  engine->Stop();
  engine.reset();
  (*store)->Close();

  auto us_per = [](absl::Duration cpu, double n) { return absl::ToDoubleMicroseconds(cpu) / n; };
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| new dossiers (test::SampleDossier, ~%zu bytes of portal JSON each) | %d |\n",
              adapters::dvcqg::DossierObject(BenchDossier(1, 1), {}).dump().size(), count);
  std::printf("| batch size (dossiers per portal call at most) | %d |\n", batch_size);
  std::printf("| baseline: bare POSTs of the same JSON to the stand-in | %.0f dossiers/s, %.1f CPU "
              "µs/dossier |\n",
              bare.per_second, us_per(bare.cpu, count));
  std::printf("| baseline: jsonl adapter through the engine | %.0f dossiers/s, %.1f CPU "
              "µs/dossier |\n",
              jsonl_phase.per_second, us_per(jsonl_phase.cpu, count));
  std::printf("| dvcqg adapter through the engine | %.0f dossiers/s, %.1f CPU µs/dossier, %.0f CPU "
              "µs/portal call (%lld calls) |\n",
              dvcqg.per_second, us_per(dvcqg.cpu, count),
              us_per(dvcqg.cpu, static_cast<double>(calls)), static_cast<long long>(calls));
  std::printf("| dvcqg / bare | %.2f |\n", dvcqg.per_second / bare.per_second);
  std::printf("| dvcqg / jsonl | %.2f |\n", dvcqg.per_second / jsonl_phase.per_second);
  std::printf("| lag phase: committed rate | %.0f changes/s for %d s (half new dossiers, half "
              "status moves) |\n",
              achieved, absl::GetFlag(FLAGS_lag_seconds));
  std::printf("| lag commit -> portal accepted + checkpoint: p50 / p99 / max | %.0f / %.0f / %.0f "
              "ms (target p99 < 1000 ms) |\n",
              bench::Percentile(lags_ms, 0.5), bench::Percentile(lags_ms, 0.99), bench::Percentile(lags_ms, 1.0));
  return 0;
}

}  // namespace lienthong

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  try {
    return lienthong::Main();
  } catch (const lienthong::BenchFailure& failure) {
    std::fprintf(stderr, "dvcqg_bench: %s\n", failure.what.c_str());
    return 1;
  }
}

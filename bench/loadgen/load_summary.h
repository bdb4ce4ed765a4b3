// What one closed-loop run measured (calls, latencies, errors by gRPC code) and its two
// printed forms: text for people and one "RESULT {json}" line for scripts.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace lienthong::bench {

// gRPC status codes run from OK (0) to UNAUTHENTICATED (16).
inline constexpr int kGrpcCodeCount = 17;

// Calls that completed inside the measured window; calls of the warm-up, and calls still in
// flight when the window closed, are not counted.
struct LoadSummary {
  absl::Duration window;                          // length of the measured window
  uint64_t calls = 0;                             // completed calls, any status
  std::array<uint64_t, kGrpcCodeCount> by_code{};  // completed calls per status code
  uint64_t already_existed = 0;                   // OK answers saying "stored before"
  std::vector<int64_t> latencies_ns;              // one per call, sorted by Finish()
  // CPU time (user + system, all threads) the load generator itself used during the window;
  // zero when not measured. On a machine the client shares with the server, how much CPU the
  // client spends per call depends on the server too (replies that arrive one by one wake it
  // more often than replies that arrive together), so a report gives it beside the rate.
  absl::Duration client_cpu;

  // Adds another part (one per concurrent slot) into this one.
  void Merge(const LoadSummary& part);
  // Sorts the latencies; call once after the last Merge.
  void Finish();

  uint64_t ok() const { return by_code[0]; }
  uint64_t errors() const { return calls - ok(); }
  // Completed calls per second of the window (OK or not) and OK calls per second.
  double CallsPerSecond() const;
  double OkPerSecond() const;
  // Nearest-rank percentile (q in (0, 1]) of the sorted latencies in milliseconds; 0 when empty.
  double PercentileMs(double q) const;
  double MeanMs() const;
  // Client CPU microseconds per OK call over the window; 0 when not measured or no OK call.
  double ClientCpuMicrosPerOk() const;
};

// The run's parameters as printed beside its figures.
struct LoadParameters {
  std::string target;
  std::string member;
  int concurrency = 0;
  int channels = 0;
  absl::Duration warmup;
  int distinct_bodies = 0;
  uint64_t start_index = 0;
  uint64_t indices_used = 0;  // dossier indices consumed, warm-up included
};

// Several lines for people.
std::string FormatSummaryText(const LoadParameters& parameters, const LoadSummary& summary);

// "RESULT " and one JSON object on one line: flat numeric fields (calls, ok, errors,
// throughput_rps, ok_rps, client_cpu_us_per_ok, p50_ms, p90_ms, p99_ms, p999_ms, max_ms,
// mean_ms, ...) and an "errors_by_code" object naming each non-OK code seen.
std::string FormatSummaryJsonLine(const LoadParameters& parameters, const LoadSummary& summary);

}  // namespace lienthong::bench

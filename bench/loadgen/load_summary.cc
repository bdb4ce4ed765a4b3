// Merging the slots' measurements, percentiles, and the text and JSON reports.
#include "bench/loadgen/load_summary.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/log.h"

namespace lienthong::bench {
namespace {

// Abseil's status codes are gRPC's, and so are their canonical names ("UNIMPLEMENTED").
std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

void LoadSummary::Merge(const LoadSummary& part) {
  calls += part.calls;
  for (int code = 0; code < kGrpcCodeCount; ++code) by_code[code] += part.by_code[code];
  already_existed += part.already_existed;
  latencies_ns.insert(latencies_ns.end(), part.latencies_ns.begin(), part.latencies_ns.end());
}

void LoadSummary::Finish() { std::sort(latencies_ns.begin(), latencies_ns.end()); }

double LoadSummary::CallsPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds > 0 ? static_cast<double>(calls) / seconds : 0;
}

double LoadSummary::OkPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds > 0 ? static_cast<double>(ok()) / seconds : 0;
}

double LoadSummary::PercentileMs(double q) const {
  if (latencies_ns.empty()) return 0;
  // Nearest rank: the smallest latency with at least q of all latencies at or below it.
  const double rank = std::ceil(q * static_cast<double>(latencies_ns.size()));
  const std::size_t index =
      std::min(latencies_ns.size() - 1, static_cast<std::size_t>(std::max(rank, 1.0)) - 1);
  return static_cast<double>(latencies_ns[index]) / 1e6;
}

double LoadSummary::MeanMs() const {
  if (latencies_ns.empty()) return 0;
  long double total = 0;
  for (int64_t ns : latencies_ns) total += ns;
  return static_cast<double>(total / latencies_ns.size()) / 1e6;
}

double LoadSummary::ClientCpuMicrosPerOk() const {
  if (ok() == 0) return 0;
  return absl::ToDoubleMicroseconds(client_cpu) / static_cast<double>(ok());
}

namespace {

// A latency figure in milliseconds: "p50" is printed as "p50" and sent as "p50_ms".
struct NamedFigure {
  const char* name;
  double value;
};

std::vector<NamedFigure> LatencyFigures(const LoadSummary& summary) {
  return {{"p50", summary.PercentileMs(0.50)},   {"p90", summary.PercentileMs(0.90)},
          {"p99", summary.PercentileMs(0.99)},   {"p999", summary.PercentileMs(0.999)},
          {"max", summary.PercentileMs(1.0)},    {"mean", summary.MeanMs()}};
}

}  // namespace

std::string FormatSummaryText(const LoadParameters& parameters, const LoadSummary& summary) {
  std::string text = absl::StrFormat(
      "target %s  member %s  concurrency %d  channels %d  warm-up %s  measured %s\n"
      "dossier indices from %d, %d used (%d distinct bodies)\n"
      "calls %d  ok %d  errors %d  already_existed %d\n"
      "throughput %.1f calls/s  (ok %.1f/s)  client cpu %.1f us per ok call\n"
      "latency ms:",
      parameters.target, parameters.member, parameters.concurrency, parameters.channels,
      absl::FormatDuration(parameters.warmup), absl::FormatDuration(summary.window),
      parameters.start_index, parameters.indices_used,
      parameters.distinct_bodies, summary.calls, summary.ok(), summary.errors(),
      summary.already_existed, summary.CallsPerSecond(), summary.OkPerSecond(),
      summary.ClientCpuMicrosPerOk());
  for (const NamedFigure& figure : LatencyFigures(summary)) {
    absl::StrAppendFormat(&text, "  %s %.3f", figure.name, figure.value);
  }
  absl::StrAppend(&text, "\n");
  if (summary.errors() > 0) {
    absl::StrAppend(&text, "errors by code:");
    for (int code = 1; code < kGrpcCodeCount; ++code) {
      if (summary.by_code[code] == 0) continue;
      absl::StrAppend(&text, " ", CodeName(code), "=", summary.by_code[code]);
    }
    absl::StrAppend(&text, "\n");
  }
  return text;
}

std::string FormatSummaryJsonLine(const LoadParameters& parameters, const LoadSummary& summary) {
  std::string json = "RESULT {\"target\":";
  AppendJsonString(&json, parameters.target);
  absl::StrAppend(&json, ",\"member\":");
  AppendJsonString(&json, parameters.member);
  absl::StrAppendFormat(
      &json,
      ",\"concurrency\":%d,\"channels\":%d,\"warmup_s\":%.3f,\"window_s\":%.3f,"
      "\"distinct_bodies\":%d,\"start_index\":%d,\"indices_used\":%d,"
      "\"calls\":%d,\"ok\":%d,\"errors\":%d,\"already_existed\":%d,"
      "\"throughput_rps\":%.1f,\"ok_rps\":%.1f,\"client_cpu_us_per_ok\":%.1f",
      parameters.concurrency, parameters.channels, absl::ToDoubleSeconds(parameters.warmup),
      absl::ToDoubleSeconds(summary.window), parameters.distinct_bodies, parameters.start_index,
      parameters.indices_used, summary.calls, summary.ok(), summary.errors(),
      summary.already_existed, summary.CallsPerSecond(), summary.OkPerSecond(),
      summary.ClientCpuMicrosPerOk());
  for (const NamedFigure& figure : LatencyFigures(summary)) {
    absl::StrAppendFormat(&json, ",\"%s_ms\":%.3f", figure.name, figure.value);
  }
  absl::StrAppend(&json, ",\"errors_by_code\":{");
  const char* separator = "";
  for (int code = 1; code < kGrpcCodeCount; ++code) {
    if (summary.by_code[code] == 0) continue;
    absl::StrAppend(&json, separator, "\"", CodeName(code), "\":",
                    summary.by_code[code]);
    separator = ",";
  }
  absl::StrAppend(&json, "}}");
  return json;
}

}  // namespace lienthong::bench

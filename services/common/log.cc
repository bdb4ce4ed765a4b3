// Structured JSON-lines logging.
#include "services/common/log.h"

#include <unistd.h>

#include <atomic>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lienthong {
namespace {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}
}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_min_level.load(); }

void AppendJsonString(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));  // UTF-8 passes through unchanged
        }
    }
  }
  out->push_back('"');
}

LogLine::LogLine(LogLevel level, absl::string_view message) : enabled_(LogEnabled(level)) {
  if (!enabled_) return;
  line_.reserve(256);
  line_ = "{\"time\":\"";
  line_ += absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line_ += "\",\"level\":\"";
  line_ += std::string(LevelName(level));
  line_ += "\",\"msg\":";
  AppendJsonString(&line_, message);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  line_ += "}\n";
  // One write per line; a short write on stderr is not worth retrying.
  ssize_t ignored = ::write(STDERR_FILENO, line_.data(), line_.size());
  (void)ignored;
}

LogLine& LogLine::Str(absl::string_view key, absl::string_view value) {
  if (!enabled_) return *this;
  line_ += ',';
  AppendJsonString(&line_, key);
  line_ += ':';
  AppendJsonString(&line_, value);
  return *this;
}

LogLine& LogLine::Int(absl::string_view key, int64_t value) {
  if (!enabled_) return *this;
  line_ += ',';
  AppendJsonString(&line_, key);
  absl::StrAppend(&line_, ":", value);
  return *this;
}

LogLine& LogLine::Num(absl::string_view key, double value) {
  if (!enabled_) return *this;
  line_ += ',';
  AppendJsonString(&line_, key);
  if (std::isfinite(value)) {
    absl::StrAppendFormat(&line_, ":%.6g", value);
  } else {
    // JSON has no NaN or Infinity: a reader would refuse the whole line. null keeps it valid.
    line_ += ":null";
  }
  return *this;
}

LogLine& LogLine::Bool(absl::string_view key, bool value) {
  if (!enabled_) return *this;
  line_ += ',';
  AppendJsonString(&line_, key);
  line_ += value ? ":true" : ":false";
  return *this;
}

}  // namespace lienthong

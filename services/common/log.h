// Structured logs: one JSON object per line on stderr, with level and time on every line.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace lienthong {

enum class LogLevel { kDebug = 1, kInfo = 2, kWarning = 3, kError = 4 };

void SetMinLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Builds one line and writes it in a single write(2) when destroyed, so concurrent lines never
// interleave:  LogLine(LogLevel::kInfo, "listening").Str("address", addr).Int("port", p);
class LogLine {
 public:
  LogLine(LogLevel level, absl::string_view message);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Str(absl::string_view key, absl::string_view value);
  LogLine& Int(absl::string_view key, int64_t value);
  LogLine& Num(absl::string_view key, double value);
  LogLine& Bool(absl::string_view key, bool value);

 private:
  bool enabled_;
  std::string line_;
};

// JSON string escaping (RFC 8259), shared with other JSON writers of the project.
void AppendJsonString(std::string* out, absl::string_view value);

}  // namespace lienthong

// The JSON-lines log: one complete object per line on stderr, with time, level and message
// first, values escaped, lines below the minimum level not written, concurrent lines whole.
#include "services/common/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lienthong {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Sends stderr to a temporary file for the fixture's lifetime and reads it back.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/lienthong_log_test_XXXXXX";
    fd_ = ::mkstemp(path);
    ASSERT_GE(fd_, 0);
    ::unlink(path);
    saved_stderr_ = ::dup(STDERR_FILENO);
    ASSERT_GE(saved_stderr_, 0);
    ASSERT_GE(::dup2(fd_, STDERR_FILENO), 0);
  }
  void TearDown() override {
    ::dup2(saved_stderr_, STDERR_FILENO);
    ::close(saved_stderr_);
    ::close(fd_);
    SetMinLogLevel(LogLevel::kInfo);
  }
  std::vector<std::string> Lines() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    off_t offset = 0;
    while ((n = ::pread(fd_, buffer, sizeof buffer, offset)) > 0) {
      text.append(buffer, static_cast<size_t>(n));
      offset += n;
    }
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    if (!text.empty()) EXPECT_EQ(text.back(), '\n') << "every line ends with a newline";
    return lines;
  }

 private:
  int fd_ = -1;
  int saved_stderr_ = -1;
};

TEST_F(LogTest, OneObjectPerLineWithTimeLevelMessageAndFieldsInOrder) {
  LogLine(LogLevel::kInfo, "listening")
      .Str("address", "127.0.0.1")
      .Int("port", 7443)
      .Num("ratio", 0.5)
      .Bool("tls", true);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0],
              MatchesRegex(R"(\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.)"
                           R"([0-9]{3}Z","level":"info","msg":"listening",)"
                           R"("address":"127\.0\.0\.1","port":7443,"ratio":0\.5,"tls":true\})"));
}

// JSON has no NaN or Infinity; a line carrying one would be refused whole by a log reader.
TEST_F(LogTest, NumbersThatJsonCannotSayAreNull) {
  LogLine(LogLevel::kInfo, "ratios")
      .Num("nan", std::nan(""))
      .Num("inf", std::numeric_limits<double>::infinity())
      .Num("minus_inf", -std::numeric_limits<double>::infinity())
      .Num("tiny", 1e-300);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0],
              HasSubstr(R"("nan":null,"inf":null,"minus_inf":null,"tiny":1e-300})"));
}

TEST_F(LogTest, LevelsBelowTheMinimumAreNotWritten) {
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  LogLine(LogLevel::kDebug, "hidden").Str("k", "v");
  SetMinLogLevel(LogLevel::kWarning);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  LogLine(LogLevel::kInfo, "hidden too");
  LogLine(LogLevel::kWarning, "shown");
  LogLine(LogLevel::kError, "shown too").Bool("b", false);
  SetMinLogLevel(LogLevel::kDebug);
  LogLine(LogLevel::kDebug, "now shown");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr(R"("level":"warning","msg":"shown")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("level":"error","msg":"shown too","b":false})"));
  EXPECT_THAT(lines[2], HasSubstr(R"("level":"debug","msg":"now shown")"));
}

TEST_F(LogTest, StringsAreEscapedAsJsonAndUtf8PassesThrough) {
  LogLine(LogLevel::kInfo, "quote \" backslash \\").Str("name\n", "Nguyễn\tVăn\r\x01");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(R"("msg":"quote \" backslash \\")"));
  EXPECT_THAT(lines[0], HasSubstr(R"("name\n":"Nguyễn\tVăn\r\u0001")"));
}

TEST(AppendJsonStringTest, AppendsOneQuotedString) {
  std::string out = "x=";
  AppendJsonString(&out, "a\"b\x1f");
  EXPECT_EQ(out, "x=\"a\\\"b\\u001f\"");
}

TEST_F(LogTest, ConcurrentLinesNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 200;
  const std::string payload(300, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &payload] {
      for (int i = 0; i < kLinesEach; ++i) {
        LogLine(LogLevel::kInfo, "line").Int("thread", t).Int("i", i).Str("payload", payload);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesEach));
  for (const auto& line : lines) {
    ASSERT_THAT(line, MatchesRegex(R"(\{"time":.*"msg":"line","thread":[0-3],"i":[0-9]+,)"
                                   R"("payload":"x{300}"\})"));
  }
}

}  // namespace
}  // namespace lienthong

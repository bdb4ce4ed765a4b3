// JsonlAdapter: one JSON line per event, durable, deduplicated by event_id across reopen and
// rotation, rotated by size keeping the configured number of files, torn tail repaired.
#include "adapters/jsonl/jsonl_adapter.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/sample_changes.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"

namespace lienthong::adapters::jsonl {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

std::vector<v1::ChangeEvent> Schools(int first, int count) {
  std::vector<v1::ChangeEvent> events;
  for (int n = first; n < first + count; ++n) {
    events.push_back(test::EventOf(test::SchoolChange(test::SampleSchool(n)), n));
  }
  return events;
}

TEST(JsonlAdapterTest, WritesEachEventAsOneJsonLineThatParsesBack) {
  test::TempDir dir;
  JsonlAdapter adapter({dir.Path("out/changes.jsonl")});
  const auto events = Schools(1, 3);
  ASSERT_OK(adapter.Apply(events));
  const auto lines = Lines(dir.Path("out/changes.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::ChangeEvent parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &parsed).ok()) << lines[i];
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, events[i]))
        << parsed.DebugString();
  }
}

TEST(JsonlAdapterTest, ReplayedEventsLandOnceEvenAfterReopen) {
  test::TempDir dir;
  const std::string path = dir.Path("changes.jsonl");
  {
    JsonlAdapter adapter({path});
    ASSERT_OK(adapter.Apply(Schools(1, 3)));
    auto appended = adapter.Append(Schools(2, 3));  // 2 and 3 again, 4 new
    ASSERT_OK(appended);
    EXPECT_EQ(*appended, 1);
  }
  JsonlAdapter reopened({path});
  auto appended = reopened.Append(Schools(1, 5));
  ASSERT_OK(appended);
  EXPECT_EQ(*appended, 1);  // only 5
  EXPECT_EQ(Lines(path).size(), 5u);
}

TEST(JsonlAdapterTest, RotatesBySizeAndKeepsTheConfiguredFiles) {
  test::TempDir dir;
  const std::string path = dir.Path("changes.jsonl");
  const size_t line_size = Lines([&] {
                             JsonlAdapter probe({dir.Path("probe.jsonl")});
                             EXPECT_OK(probe.Apply(Schools(1, 1)));
                             return dir.Path("probe.jsonl");
                           }())[0].size() + 1;
  JsonlOptions options{path, /*rotate_bytes=*/line_size * 3 + line_size / 2, /*keep_files=*/2};
  {
    JsonlAdapter adapter(options);
    for (int n = 1; n <= 12; n += 2) ASSERT_OK(adapter.Apply(Schools(n, 2)));
  }
  // 12 events, 3 per file: the current file and two rotated ones hold the newest 9.
  EXPECT_EQ(Lines(path).size(), 3u);
  EXPECT_EQ(Lines(path + ".1").size(), 3u);
  EXPECT_EQ(Lines(path + ".2").size(), 3u);
  EXPECT_FALSE(Exists(path + ".3"));
  EXPECT_NE(Lines(path).back().find("SCH00012"), std::string::npos);
  EXPECT_NE(Lines(path + ".2").front().find("SCH00004"), std::string::npos);
  // Events still in a kept file are not written again after a restart.
  JsonlAdapter reopened(options);
  auto appended = reopened.Append(Schools(5, 8));
  ASSERT_OK(appended);
  EXPECT_EQ(*appended, 0);
}

TEST(JsonlAdapterTest, CutsATornLastLineOnOpen) {
  test::TempDir dir;
  const std::string path = dir.Path("changes.jsonl");
  {
    JsonlAdapter adapter({path});
    ASSERT_OK(adapter.Apply(Schools(1, 2)));
  }
  std::ofstream(path, std::ios::app) << "{\"cursor\":\"1.3\",\"event_id\":\"torn";
  JsonlAdapter reopened({path});
  ASSERT_OK(reopened.Apply(Schools(3, 1)));
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[2].find("SCH00003"), std::string::npos);
}

TEST(JsonlAdapterTest, AnUnwritableFolderIsAnOutageNotARecordFault) {
  JsonlAdapter adapter({"/proc/lienthong-cannot-write/changes.jsonl"});
  absl::Status status = adapter.Apply(Schools(1, 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

}  // namespace
}  // namespace lienthong::adapters::jsonl

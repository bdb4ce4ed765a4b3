// Fuzz target: the jsonl adapter reopening a file left by a crash (adapters/jsonl): whatever the
// file holds, opening cuts it back to its last complete line, and the next event is appended as
// one line after it (or skipped, when a kept line already carries its event_id).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "adapters/jsonl/jsonl_adapter.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr char kEventId[] = "fuzz-event-0001";

// The output file (under $TMPDIR, /dev/shm when it exists: the adapter fsyncs each batch).
const std::string& OutputFile() {
  static const std::string* path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr ? tmp : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    std::string pattern = base + "/lienthong_jsonl_fuzz.XXXXXX";
    LIENTHONG_FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "a temporary folder");
    return new std::string(pattern + "/out.jsonl");
  }();
  return *path;
}

// The target's own file I/O, in plain POSIX calls (lighter than iostreams under ASan).
void WriteAll(const std::string& path, const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  LIENTHONG_FUZZ_CHECK(fd >= 0, "the leftover file opens");
  LIENTHONG_FUZZ_CHECK(::write(fd, contents.data(), contents.size()) ==
                           static_cast<ssize_t>(contents.size()),
                       "the leftover is written");
  ::close(fd);
}

std::string ReadAll(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  LIENTHONG_FUZZ_CHECK(fd >= 0, "the output file opens");
  std::string contents;
  char buffer[8192];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) contents.append(buffer, n);
  ::close(fd);
  return contents;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = OutputFile();
  const std::string left(reinterpret_cast<const char*>(data), size);
  WriteAll(path, left);
  const size_t last_newline = left.rfind('\n');
  const std::string kept =
      last_newline == std::string::npos ? "" : left.substr(0, last_newline + 1);

  lienthong::v1::ChangeEvent event;
  event.set_event_id(kEventId);
  event.set_cursor("1.1");
  int appended = 0;
  {
    lienthong::adapters::jsonl::JsonlOptions options;
    options.output_file = path;
    options.keep_files = 0;
    lienthong::adapters::jsonl::JsonlAdapter adapter(options);
    auto result = adapter.Append({&event, 1});
    LIENTHONG_FUZZ_CHECK(result.ok(), "appending after any leftover succeeds");
    appended = *result;
  }
  const std::string now = ReadAll(path);
  LIENTHONG_FUZZ_CHECK(now.compare(0, kept.size(), kept) == 0 && now.size() >= kept.size(),
                       "every complete line is kept as it was");
  const std::string added = now.substr(kept.size());
  if (appended == 1) {
    LIENTHONG_FUZZ_CHECK(!added.empty() && added.back() == '\n' &&
                             added.find('\n') == added.size() - 1,
                         "the event is one line");
    LIENTHONG_FUZZ_CHECK(added.find(kEventId) != std::string::npos, "the line is the event");
  } else {
    LIENTHONG_FUZZ_CHECK(appended == 0 && added.empty(), "a known event adds nothing");
    LIENTHONG_FUZZ_CHECK(kept.find(kEventId) != std::string::npos, "it was known from a line");
  }
  return 0;
}

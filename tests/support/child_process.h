// Child processes for tests: start a binary, capture its output, signal it, wait with a deadline.
//
// For lienthongd and lienthongctl as users run them; the deadline keeps a stuck child from
// hanging a test.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/temp_dir.h"

namespace lienthong::test {

// How a child ended: exited with a code, or killed by a signal.
struct ProcessExit {
  bool exited = false;  // true: `code` is the exit status; false: `signal` killed it
  int code = -1;
  int signal = 0;

  bool Succeeded() const { return exited && code == 0; }
  std::string ToString() const;  // "exit 0", "signal 9"
};

class ChildProcess {
 public:
  // Starts `argv[0]` (a path, not searched in PATH) with `argv`; stdin is /dev/null, stdout
  // and stderr go to files of the child's own TempDir. The signal mask is cleared.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv);

  // SIGKILLs and reaps a child that is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal_number` to the child; FAILED_PRECONDITION once it has been reaped.
  absl::Status Signal(int signal_number);
  // Waits up to `timeout` for the child to end; DEADLINE_EXCEEDED while it still runs (the
  // child keeps running). Once reaped, returns the same exit every time.
  absl::StatusOr<ProcessExit> Wait(absl::Duration timeout);
  // Everything the child has written so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  ChildProcess() : files_("lienthong_child") {}

  TempDir files_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  ProcessExit exit_;
};

// A finished child: how it ended and what it wrote.
struct ProcessResult {
  ProcessExit exit;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs `argv` to completion. A child still running after `timeout` is killed and the result
// is DEADLINE_EXCEEDED carrying what it wrote.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         absl::Duration timeout = absl::Seconds(30));
// The same for `program` (a path) with `args` after argv[0].
absl::StatusOr<ProcessResult> RunProcess(const std::string& program,
                                         const std::vector<std::string>& args,
                                         absl::Duration timeout = absl::Seconds(30));

// The port a lienthongd child listens on, read from its "listening" log line (JSON on stderr),
// for a config whose listener address has port 0: the kernel picks a free port at bind time, so
// no other process can take it between choosing and binding. NOT_FOUND with the child's log when
// no such line appears within `timeout`, or when the child ends first.
absl::StatusOr<int> WaitForListeningPort(ChildProcess& child, absl::Duration timeout);

}  // namespace lienthong::test

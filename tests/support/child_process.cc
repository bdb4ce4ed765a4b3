// Child processes for tests, with posix_spawn (safe in a process full of gRPC threads).
#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "services/security/tls_material.h"

namespace lienthong::test {

std::string ProcessExit::ToString() const {
  return exited ? absl::StrCat("exit ", code) : absl::StrCat("signal ", signal);
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  if (child->files_.path().empty()) return absl::InternalError("no folder for child output");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string out = child->files_.Path("stdout");
  const std::string err = child->files_.Path("stderr");
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigset_t default_signals;
  sigfillset(&default_signals);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int error =
      ::posix_spawn(&child->pid_, argv[0].c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return absl::ErrnoToStatus(error, absl::StrCat("cannot start ", argv[0]));
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

absl::Status ChildProcess::Signal(int signal_number) {
  if (reaped_) return absl::FailedPreconditionError("the child has already ended");
  if (::kill(pid_, signal_number) != 0) return absl::ErrnoToStatus(errno, "kill");
  return absl::OkStatus();
}

absl::StatusOr<ProcessExit> ChildProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!reaped_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
    if (done == pid_) {
      reaped_ = true;
      exit_.exited = WIFEXITED(status);
      exit_.code = exit_.exited ? WEXITSTATUS(status) : -1;
      exit_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      break;
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("pid ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return exit_;
}

std::string ChildProcess::Stdout() const {
  return security::ReadFileToString(files_.Path("stdout")).value_or("");
}

std::string ChildProcess::Stderr() const {
  return security::ReadFileToString(files_.Path("stderr")).value_or("");
}

absl::StatusOr<int> WaitForListeningPort(ChildProcess& child, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const std::string log = child.Stderr();
    // Whole lines only: the last one may still be being written (no newline: npos + 1 == 0).
    const absl::string_view complete =
        absl::string_view(log).substr(0, log.empty() ? 0 : log.rfind('\n') + 1);
    for (absl::string_view line : absl::StrSplit(complete, '\n', absl::SkipEmpty())) {
      if (!absl::StrContains(line, "\"msg\":\"listening\"")) continue;
      constexpr absl::string_view kPortField = "\"port\":";
      const size_t at = line.find(kPortField);
      if (at == absl::string_view::npos) continue;
      absl::string_view digits = line.substr(at + kPortField.size());
      digits = digits.substr(0, digits.find_first_not_of("0123456789"));
      int port = 0;
      if (absl::SimpleAtoi(digits, &port) && port > 0) return port;
    }
    // A child that ended will never log the line.
    if (child.Wait(absl::ZeroDuration()).ok() || absl::Now() >= deadline) {
      return absl::NotFoundError(
          absl::StrCat("no \"listening\" line with a port in the child's log: ", log));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(argv);
  if (!child.ok()) return child.status();
  absl::StatusOr<ProcessExit> exit = (*child)->Wait(timeout);
  if (!exit.ok()) {
    return absl::Status(exit.status().code(),
                        absl::StrCat(exit.status().message(), "; stdout: ", (*child)->Stdout(),
                                     "; stderr: ", (*child)->Stderr()));
  }
  return ProcessResult{*exit, (*child)->Stdout(), (*child)->Stderr()};
}

absl::StatusOr<ProcessResult> RunProcess(const std::string& program,
                                         const std::vector<std::string>& args,
                                         absl::Duration timeout) {
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, timeout);
}

}  // namespace lienthong::test

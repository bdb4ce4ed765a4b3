// RunCtl.
#include "tests/support/run_ctl.h"

#include "tests/support/test_gateway.h"

namespace lienthong::test {

absl::StatusOr<ProcessResult> RunCtl(const std::string& ctl_path,
                                     const std::vector<std::string>& args, int port,
                                     const TestMember& member, absl::Duration timeout) {
  std::vector<std::string> argv = {ctl_path};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--target", LoopbackTarget(port), "--cert", member.files.cert_file,
                           "--key", member.files.key_file, "--ca", member.files.ca_file});
  return RunProcess(argv, timeout);
}

}  // namespace lienthong::test

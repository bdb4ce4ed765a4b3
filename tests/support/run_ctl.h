// RunCtl: runs lienthongctl against a test gateway as a member, with the connection flags.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {

// `ctl_path` `args` --target 127.0.0.1:`port` --cert/--key/--ca of `member`, bounded by
// `timeout`.
absl::StatusOr<ProcessResult> RunCtl(const std::string& ctl_path,
                                     const std::vector<std::string>& args, int port,
                                     const TestMember& member,
                                     absl::Duration timeout = absl::Seconds(60));

}  // namespace lienthong::test

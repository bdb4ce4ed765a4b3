// Temporary folders and small file helpers: everything a test writes lives in a TempDir.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lienthong::test {

// A fresh folder (mode 0700) under $TMPDIR or /tmp, removed with all it holds when destroyed.
class TempDir {
 public:
  explicit TempDir(absl::string_view prefix = "lienthong_test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The folder's absolute path; empty when it could not be made (the test has already failed).
  const std::string& path() const { return path_; }
  // path() + "/" + relative.
  std::string Path(absl::string_view relative) const;

 private:
  std::string path_;
};

// Writes `contents` to `path` (replacing it), creating missing parent folders, with `mode`.
absl::Status WriteFile(const std::string& path, absl::string_view contents, mode_t mode = 0644);

// The permission bits (e.g. 0600) of `path`; NOT_FOUND when it does not exist.
absl::StatusOr<mode_t> FileMode(const std::string& path);

}  // namespace lienthong::test

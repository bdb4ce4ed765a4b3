// Temporary folders and file helpers for tests.
#include "tests/support/temp_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace lienthong::test {

TempDir::TempDir(absl::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/", prefix, ".XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << ") failed: " << std::strerror(errno);
    return;
  }
  std::error_code error;
  path_ = std::filesystem::canonical(pattern, error).string();
  if (error) path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Path(absl::string_view relative) const {
  return absl::StrCat(path_, "/", relative);
}

absl::Status WriteFile(const std::string& path, absl::string_view contents, mode_t mode) {
  std::error_code error;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error)
    return absl::InternalError(
        absl::StrCat("cannot create ", parent.string(), ": ", error.message()));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return absl::ErrnoToStatus(saved, absl::StrCat("cannot write ", path));
    }
    written += static_cast<size_t>(n);
  }
  // open() applies the umask; tests ask for exact modes.
  if (::fchmod(fd, mode) != 0) {
    const int saved = errno;
    ::close(fd);
    return absl::ErrnoToStatus(saved, absl::StrCat("cannot chmod ", path));
  }
  if (::close(fd) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot close ", path));
  return absl::OkStatus();
}

absl::StatusOr<mode_t> FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return absl::ErrnoToStatus(errno, path);
  return st.st_mode & 07777;
}

}  // namespace lienthong::test

// JsonlAdapter: durable appends, size-based rotation, event-id dedup over the kept files.
#include "adapters/jsonl/jsonl_adapter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/files.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::jsonl {
namespace {

// A file-system failure is the destination's, never a record's: the engine retries it.
absl::Status FileError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status MakeFolders(const std::string& folder) {
  if (folder.empty() || folder == "." || folder == "/") return absl::OkStatus();
  struct stat st;
  if (::stat(folder.c_str(), &st) == 0) return absl::OkStatus();
  RETURN_IF_ERROR(MakeFolders(FolderOf(folder)));
  if (::mkdir(folder.c_str(), 0750) != 0 && errno != EEXIST) return FileError("mkdir", folder);
  return absl::OkStatus();
}

// lienthong::SyncFolder, as the destination's failure (UNAVAILABLE: retried).
absl::Status SyncFolder(const std::string& folder) {
  absl::Status synced = lienthong::SyncFolder(folder);
  if (synced.ok()) return synced;
  return absl::UnavailableError(synced.message());
}

// The event_id of one line written by this adapter (proto3 JSON, field names preserved).
absl::string_view EventIdOfLine(absl::string_view line) {
  static constexpr absl::string_view kKey = "\"event_id\":\"";
  const size_t at = line.find(kKey);
  if (at == absl::string_view::npos) return {};
  const size_t begin = at + kKey.size();
  const size_t end = line.find('"', begin);
  if (end == absl::string_view::npos) return {};
  return line.substr(begin, end - begin);
}

// Reads the event ids of a kept file; a missing file holds none.
void LoadIds(const std::string& path, absl::flat_hash_set<std::string>* ids) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view id = EventIdOfLine(line);
    if (!id.empty()) ids->emplace(id);
  }
}

std::string RotatedName(const std::string& base, int n) { return absl::StrCat(base, ".", n); }

}  // namespace

JsonlAdapter::~JsonlAdapter() {
  absl::MutexLock lock(&mu_);
  CloseLocked();
}

void JsonlAdapter::CloseLocked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status JsonlAdapter::OpenLocked() {
  const std::string& path = options_.output_file;
  RETURN_IF_ERROR(MakeFolders(FolderOf(path)));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return FileError("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return FileError("stat", path);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  // Cut a torn last line: its batch was never acknowledged and will be sent again.
  if (size > 0) {
    std::string contents(size, '\0');
    if (::pread(fd, contents.data(), size, 0) != static_cast<ssize_t>(size)) {
      ::close(fd);
      return FileError("read", path);
    }
    const size_t last_newline = contents.rfind('\n');
    const uint64_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
    if (keep != size) {
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fsync(fd) != 0) {
        ::close(fd);
        return FileError("truncate torn line of", path);
      }
      size = keep;
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    ::close(fd);
    return FileError("seek", path);
  }
  fd_ = fd;
  size_ = size;
  ids_.clear();
  ids_.resize(static_cast<size_t>(options_.keep_files) + 1);
  LoadIds(path, &ids_[0]);
  for (int i = 1; i <= options_.keep_files; ++i) LoadIds(RotatedName(path, i), &ids_[i]);
  return SyncFolder(FolderOf(path));
}

absl::Status JsonlAdapter::RotateLocked() {
  const std::string& path = options_.output_file;
  if (::fsync(fd_) != 0) return FileError("fsync", path);
  CloseLocked();
  if (options_.keep_files <= 0) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FileError("remove", path);
  } else {
    const std::string oldest = RotatedName(path, options_.keep_files);
    if (::unlink(oldest.c_str()) != 0 && errno != ENOENT) return FileError("remove", oldest);
    for (int i = options_.keep_files - 1; i >= 1; --i) {
      const std::string from = RotatedName(path, i);
      if (::rename(from.c_str(), RotatedName(path, i + 1).c_str()) != 0 && errno != ENOENT) {
        return FileError("rename", from);
      }
    }
    if (::rename(path.c_str(), RotatedName(path, 1).c_str()) != 0) {
      return FileError("rename", path);
    }
  }
  ids_.push_front({});
  ids_.resize(static_cast<size_t>(options_.keep_files) + 1);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return FileError("open", path);
  fd_ = fd;
  size_ = 0;
  return SyncFolder(FolderOf(path));
}

absl::Status JsonlAdapter::WriteLocked(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError("write", options_.output_file);
    }
    done += static_cast<size_t>(n);
  }
  size_ += bytes.size();
  return absl::OkStatus();
}

bool JsonlAdapter::SeenLocked(const std::string& event_id) const {
  for (const auto& ids : ids_) {
    if (ids.contains(event_id)) return true;
  }
  return false;
}

absl::Status JsonlAdapter::Apply(absl::Span<const v1::ChangeEvent> events) {
  return Append(events).status();
}

absl::StatusOr<int> JsonlAdapter::Append(absl::Span<const v1::ChangeEvent> events) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int> appended = AppendLocked(events);
  if (!appended.ok()) {
    // Forget the ids of this batch, which may not be on disk: the next call reopens the file
    // and reloads the ids of what really is there.
    ids_.clear();
    CloseLocked();
  }
  return appended;
}

absl::StatusOr<int> JsonlAdapter::AppendLocked(absl::Span<const v1::ChangeEvent> events) {
  if (fd_ < 0) RETURN_IF_ERROR(OpenLocked());
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  std::string pending;
  int appended = 0;
  for (const v1::ChangeEvent& event : events) {
    if (SeenLocked(event.event_id())) continue;
    std::string line;
    auto printed = google::protobuf::util::MessageToJsonString(event, &line, json_options);
    if (!printed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("event ", event.event_id(),
                                                     " cannot be written as JSON: ",
                                                     printed.message().as_string()));
    }
    line.push_back('\n');
    if (size_ + pending.size() > 0 &&
        size_ + pending.size() + line.size() > options_.rotate_bytes) {
      RETURN_IF_ERROR(WriteLocked(pending));
      pending.clear();
      RETURN_IF_ERROR(RotateLocked());
    }
    pending += line;
    ids_[0].insert(event.event_id());
    ++appended;
  }
  RETURN_IF_ERROR(WriteLocked(pending));
  if (::fsync(fd_) != 0) return FileError("fsync", options_.output_file);
  return appended;
}

}  // namespace lienthong::adapters::jsonl

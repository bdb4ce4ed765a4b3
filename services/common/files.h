// Whole-file reads and atomic replacement, and folder fsync: the file helpers the PKI tooling,
// TLS material, the CLI and the adapters share.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lienthong {

// Reads a whole file. The code follows errno (NOT_FOUND when the file does not exist,
// PERMISSION_DENIED when it may not be read, ...); every message names the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Why `path` cannot serve as a file to read, in words for a config error ("file not found: x",
// "not a regular file: x", "file not readable by this user: x"); empty when it can.
std::string UnreadableFileProblem(const std::string& path);

// Replaces `path` atomically with `contents`: writes a temporary file in the same folder with
// `mode`, fsyncs it, renames it over `path` and fsyncs the folder. A reader sees the old file or
// the new one, never a part (the gateway's rotation watches such files).
absl::Status WritePrivateFile(const std::string& path, absl::string_view contents, mode_t mode);

// fsync(2) on a file already written, so its contents survive a crash.
absl::Status SyncFile(const std::string& path);

// fsync(2) on a folder, so that a rename or a new file in it survives a crash.
absl::Status SyncFolder(const std::string& folder);

}  // namespace lienthong

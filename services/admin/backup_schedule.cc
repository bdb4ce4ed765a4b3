// BackupSchedule: see backup_schedule.h.
#include "services/admin/backup_schedule.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/admin/backup.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/thread_name.h"

namespace lienthong::admin {
namespace {

constexpr absl::Duration kDefaultInterval = absl::Hours(24);
constexpr uint32_t kDefaultKeep = 7;
// A folder without a manifest this old is a backup a crash interrupted, not one in progress.
constexpr absl::Duration kUnfinishedAfter = absl::Hours(1);

struct BackupFolder {
  std::string name;
  absl::Time taken_at;
  bool finished = false;
};

// The scheduled-backup folders of `dir`, oldest first (names sort by time).
std::vector<BackupFolder> ListFolders(const std::string& dir) {
  std::vector<BackupFolder> folders;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return folders;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (!absl::StartsWith(name, kScheduledBackupPrefix)) continue;
    absl::Time taken_at;
    std::string error;
    // %E4Y: exactly four digits (a plain %Y would read all of "20261206").
    if (!absl::ParseTime("%E4Y%m%d-%H%M%S", name.substr(sizeof(kScheduledBackupPrefix) - 1),
                         &taken_at, &error)) {
      continue;  // not one of ours
    }
    struct stat st {};
    const bool finished =
        ::stat(absl::StrCat(dir, "/", name, "/", kBackupManifestFile).c_str(), &st) == 0;
    folders.push_back({name, taken_at, finished});
  }
  ::closedir(listing);
  std::sort(folders.begin(), folders.end(),
            [](const BackupFolder& a, const BackupFolder& b) { return a.name < b.name; });
  return folders;
}

}  // namespace

BackupSchedule::BackupSchedule(config::v1::GatewayConfig config)
    : config_(std::move(config)),
      interval_(config_.backup().has_interval() ? FromProtoDuration(config_.backup().interval())
                                                : kDefaultInterval),
      keep_(config_.backup().keep() == 0 ? kDefaultKeep : config_.backup().keep()) {}

BackupSchedule::~BackupSchedule() { Stop(); }

void BackupSchedule::Start() {
  thread_ = std::thread([this] {
    NameCurrentThread("backup");
    Loop();
  });
}

void BackupSchedule::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void BackupSchedule::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_);
      if (stop_) return;
    }
    (void)RunOnce();  // RunOnce logs its outcome; the next interval tries again
  }
}

absl::StatusOr<std::string> BackupSchedule::RunOnce() {
  const absl::Time now = absl::Now();
  const std::string dir = absl::StrCat(config_.backup().target_dir(), "/", kScheduledBackupPrefix,
                                       absl::FormatTime("%Y%m%d-%H%M%S", now, absl::UTCTimeZone()));
  const absl::Time started = absl::Now();
  auto manifest = TakeBackup(config_, dir);
  if (!manifest.ok()) {
    LogLine(LogLevel::kError, "scheduled backup failed")
        .Str("folder", dir).Str("error", std::string(manifest.status().message()));
    return manifest.status();
  }
  LogLine(manifest->exchange_log_verified() ? LogLevel::kInfo : LogLevel::kError,
          manifest->exchange_log_verified() ? "backup written"
                                            : "backup written; its exchange log does not verify")
      .Str("folder", dir).Str("head_cursor", manifest->head_cursor())
      .Int("exchange_log_head_seq", manifest->exchange_log_head_seq())
      .Int("bytes", manifest->files(0).size_bytes())
      .Int("ms", absl::ToInt64Milliseconds(absl::Now() - started));
  Prune(now);
  return dir;
}

void BackupSchedule::Prune(absl::Time now) {
  const std::string& target = config_.backup().target_dir();
  std::vector<BackupFolder> folders = ListFolders(target);
  size_t finished = std::count_if(folders.begin(), folders.end(),
                                  [](const BackupFolder& f) { return f.finished; });
  const bool has_max_age = config_.backup().has_max_age();
  const absl::Duration max_age = FromProtoDuration(config_.backup().max_age());
  for (const BackupFolder& folder : folders) {  // oldest first
    bool remove = false;
    if (!folder.finished) {
      remove = now - folder.taken_at > kUnfinishedAfter;
    } else if (finished > keep_ || (has_max_age && now - folder.taken_at > max_age)) {
      // The newest finished backup is never removed by age.
      remove = finished > 1;
    }
    if (!remove) continue;
    std::error_code error;
    std::filesystem::remove_all(absl::StrCat(target, "/", folder.name), error);
    if (error) {
      LogLine(LogLevel::kWarning, "cannot remove an old backup")
          .Str("folder", folder.name).Str("error", error.message());
      continue;
    }
    LogLine(LogLevel::kInfo, "old backup removed").Str("folder", folder.name);
    if (folder.finished) --finished;
  }
}

std::vector<std::string> BackupSchedule::FinishedBackups() const {
  std::vector<std::string> names;
  for (const BackupFolder& folder : ListFolders(config_.backup().target_dir())) {
    if (folder.finished) names.push_back(absl::StrCat(config_.backup().target_dir(), "/",
                                                      folder.name));
  }
  return names;
}

}  // namespace lienthong::admin

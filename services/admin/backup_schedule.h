// Scheduled backups (config `backup`): a thread that takes a backup of the SQLite store every
// interval into a new folder of backup.target_dir (backup.h does the work), then removes the
// backups beyond `keep` and older than `max_age`, and folders a crash left unfinished.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"

namespace lienthong::admin {

// The prefix of a scheduled backup's folder name; the rest is its UTC time, "YYYYMMDD-HHMMSS".
inline constexpr char kScheduledBackupPrefix[] = "lienthong-";

class BackupSchedule {
 public:
  // `config`: the gateway's whole config (its store and backup sections).
  explicit BackupSchedule(config::v1::GatewayConfig config);
  ~BackupSchedule();
  BackupSchedule(const BackupSchedule&) = delete;
  BackupSchedule& operator=(const BackupSchedule&) = delete;

  // Starts the thread: the first backup one interval from now.
  void Start();
  // Stops the thread, waiting for a backup in progress to finish; idempotent.
  void Stop();

  // Takes one backup now and prunes; the new backup's folder.
  absl::StatusOr<std::string> RunOnce();

  // The finished backups in target_dir, oldest first (folders with a manifest).
  std::vector<std::string> FinishedBackups() const;

 private:
  void Loop();
  void Prune(absl::Time now);

  const config::v1::GatewayConfig config_;
  const absl::Duration interval_;
  const uint32_t keep_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lienthong::admin

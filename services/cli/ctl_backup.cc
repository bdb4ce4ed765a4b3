// `lienthongctl backup` and `restore`: the config is read for the store's file, then
// services/admin/backup.h does the work; this file only prints.
#include "services/cli/ctl_backup.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/admin/backup.h"
#include "services/cli/ctl_errors.h"
#include "services/common/log.h"
#include "services/config/gateway_config.h"

ABSL_FLAG(std::string, config, "config/lienthong.yaml",
          "backup, restore: the gateway's config file (its store is what is backed up or "
          "restored).");

namespace lienthong::cli {
namespace {

void PrintManifest(const backup::v1::BackupManifest& manifest) {
  std::printf("  schema version   %d\n", manifest.schema_version());
  std::printf("  change head      %s (seq %lld)\n", manifest.head_cursor().c_str(),
              static_cast<long long>(manifest.head_seq()));
  const std::string chain =
      manifest.exchange_log_verified()
          ? absl::StrCat("chain verified (", manifest.exchange_log_entries_checked(), " entries)")
          : absl::StrCat("CHAIN DOES NOT VERIFY: ", manifest.exchange_log_problem());
  std::printf("  exchange log     head %lld, %s\n",
              static_cast<long long>(manifest.exchange_log_head_seq()), chain.c_str());
  for (const auto& file : manifest.files()) {
    std::printf("  %-16s %lld bytes, SHA-256 %s\n", file.name().c_str(),
                static_cast<long long>(file.size_bytes()), file.sha256().c_str());
  }
}

}  // namespace

int Backup(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("backup DIR [--config FILE]");
  SetMinLogLevel(LogLevel::kWarning);  // the store's own info lines are not for this terminal
  auto config = config::LoadGatewayConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) return Fail(std::string(config.status().message()));
  auto manifest = admin::TakeBackup(*config, args[0]);
  if (!manifest.ok()) return Fail(absl::StrCat("backup failed: ", manifest.status().message()));
  std::printf("backup of %s written to %s:\n", manifest->source().c_str(), args[0].c_str());
  PrintManifest(*manifest);
  // A backup of a log that does not verify is kept (it is evidence), but said loudly.
  return manifest->exchange_log_verified() ? 0 : 1;
}

int Restore(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("restore DIR [--config FILE]");
  SetMinLogLevel(LogLevel::kWarning);
  auto config = config::LoadGatewayConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) return Fail(std::string(config.status().message()));
  auto manifest = admin::RestoreBackup(args[0], *config);
  if (!manifest.ok()) return Fail(absl::StrCat("restore refused: ", manifest.status().message()));
  std::printf("restored %s into %s; the backup and the restored store agree:\n", args[0].c_str(),
              config->store().sqlite_file().c_str());
  PrintManifest(*manifest);
  return 0;
}

}  // namespace lienthong::cli

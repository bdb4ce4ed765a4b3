// Backup and restore of the SQLite store (docs/operations.md, "Backup and restore"): a
// consistent copy taken while the gateway serves, with a manifest that a restore verifies
// before it writes anything.
//
// A backup folder holds lienthong.db (the copy) and manifest.json (lienthong.backup.v1.
// BackupManifest as JSON), written last. A PostgreSQL store is backed up with PostgreSQL's own
// tools (pg_basebackup, pg_dump); these functions refuse it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lienthong/backup/v1/manifest.pb.h"
#include "lienthong/config/v1/config.pb.h"

namespace lienthong::admin {

inline constexpr char kBackupDatabaseFile[] = "lienthong.db";
inline constexpr char kBackupManifestFile[] = "manifest.json";

// Copies the store `config` names into `dir` (created when missing; it must be empty), reads
// the copy's change head and exchange-log ends, verifies the copy's exchange-log chain, and
// writes the manifest. FAILED_PRECONDITION for a PostgreSQL store or a folder that is not
// empty. The live store is only read.
absl::StatusOr<backup::v1::BackupManifest> TakeBackup(const config::v1::GatewayConfig& config,
                                                      const std::string& dir);

// Reads `dir`'s manifest and checks every file it lists (present, size, SHA-256) and that this
// build can open its schema. DATA_LOSS naming the file that does not match; FAILED_PRECONDITION
// for a schema newer than this build's; NOT_FOUND without a manifest (an unfinished backup).
absl::StatusOr<backup::v1::BackupManifest> VerifyBackup(const std::string& dir);

// Verifies `dir`, then puts its database where `config`'s store.sqlite_file says, which must
// not exist yet (a restore goes into an empty data folder), and checks the restored store: its
// change head and exchange-log head are the manifest's and its chain verifies. On any failure
// the restored file is removed again. The gateway must not be running.
absl::StatusOr<backup::v1::BackupManifest> RestoreBackup(const std::string& dir,
                                                         const config::v1::GatewayConfig& config);

}  // namespace lienthong::admin

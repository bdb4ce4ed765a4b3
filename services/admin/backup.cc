// TakeBackup, VerifyBackup, RestoreBackup: see backup.h.
#include "services/admin/backup.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "services/admin/exchange_log_audit.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/common/status_macros.h"
#include "services/store/change_cursor.h"
#include "services/store/sqlite/sqlite_backup.h"
#include "services/store/sqlite/sqlite_db.h"
#include "services/store/sqlite/sqlite_store.h"

namespace lienthong::admin {
namespace {

using backup::v1::BackupManifest;

constexpr uint32_t kManifestFormat = 1;

std::string Join(const std::string& dir, const std::string& name) {
  return absl::StrCat(dir, "/", name);
}

absl::Status RefusePostgres(const config::v1::GatewayConfig& config) {
  if (config.store().kind() == config::v1::STORE_KIND_POSTGRES) {
    return absl::FailedPreconditionError(
        "the store is PostgreSQL: back it up with pg_basebackup or pg_dump "
        "(docs/operations.md, \"Backup and restore\")");
  }
  return absl::OkStatus();
}

// Size and SHA-256 (hex) of a file, read in blocks: a store can be larger than memory.
absl::Status DescribeFile(const std::string& path, backup::v1::BackupFile* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string block(1 << 20, '\0');
  int64_t size = 0;
  ssize_t n = 0;
  while ((n = ::read(fd, block.data(), block.size())) > 0) {
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(n));
    size += n;
  }
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    return absl::InternalError(absl::StrCat("reading ", path, " failed: errno ", read_errno));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &digest_size);
  out->set_size_bytes(size);
  out->set_sha256(absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_size)));
  return absl::OkStatus();
}

absl::StatusOr<int> SchemaVersionOf(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, store::sqlite::Connection::Open(path, /*read_only=*/true));
  ASSIGN_OR_RETURN(store::sqlite::Statement * statement, db->Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(const bool has_row, statement->Step());
  if (!has_row) return db->Error("PRAGMA user_version");
  return static_cast<int>(statement->Int(0));
}

// What the store at `path` holds: change head, exchange-log ends, and the chain's verdict.
absl::Status ReadStoreState(const std::string& path, BackupManifest* manifest) {
  store::sqlite::SqliteOptions options;
  options.path = path;
  options.reader_connections = 1;
  ASSIGN_OR_RETURN(auto opened, store::sqlite::SqliteStore::Open(options));
  ASSIGN_OR_RETURN(const store::ChangeBounds bounds, opened->GetChangeBounds());
  ASSIGN_OR_RETURN(const store::ExchangeLogEnds ends, opened->GetExchangeLogEnds());
  ASSIGN_OR_RETURN(const ExchangeLogVerdict verdict, VerifyExchangeLogChain(*opened));
  opened->Close();
  manifest->set_head_seq(bounds.head.seq);
  manifest->set_head_cursor(store::EncodeCursor(bounds.head));
  manifest->set_exchange_log_head_seq(ends.head_seq);
  manifest->set_exchange_log_head_hash(absl::BytesToHexString(ends.head_hash));
  manifest->set_exchange_log_anchor_seq(ends.anchor_seq);
  manifest->set_exchange_log_verified(verdict.ok);
  manifest->set_exchange_log_problem(verdict.problem);
  manifest->set_exchange_log_entries_checked(verdict.entries_checked);
  return absl::OkStatus();
}

absl::Status RequireEmptyFolder(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir));
    }
    return absl::OkStatus();
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " is not a folder"));
  }
  for (const char* name : {kBackupManifestFile, kBackupDatabaseFile}) {
    if (::stat(Join(dir, name).c_str(), &st) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, " already holds ", name, ": back up into a new folder"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupManifest> TakeBackup(const config::v1::GatewayConfig& config,
                                          const std::string& dir) {
  RETURN_IF_ERROR(RefusePostgres(config));
  RETURN_IF_ERROR(RequireEmptyFolder(dir));
  const std::string source = config.store().sqlite_file();
  const std::string copy = Join(dir, kBackupDatabaseFile);
  RETURN_IF_ERROR(store::sqlite::CopySqliteDatabase(source, copy));

  BackupManifest manifest;
  manifest.set_format(kManifestFormat);
  manifest.set_store_kind("sqlite");
  manifest.set_source(source);
  ToProtoTimestamp(absl::Now(), manifest.mutable_taken_at());
  absl::Status described = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const int schema, SchemaVersionOf(copy));
    // Opening the copy as a store would migrate an older schema: the copy would no longer be
    // what the running gateway can restore.
    if (schema != store::sqlite::kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store has schema version ", schema, " and this lienthongctl knows ",
          store::sqlite::kSchemaVersion, ": take the backup with the lienthongctl of the "
          "release that runs the gateway"));
    }
    manifest.set_schema_version(schema);
    RETURN_IF_ERROR(ReadStoreState(copy, &manifest));
    RETURN_IF_ERROR(DescribeFile(copy, manifest.add_files()));
    manifest.mutable_files(0)->set_name(kBackupDatabaseFile);
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    if (!google::protobuf::util::MessageToJsonString(manifest, &json, print).ok()) {
      return absl::InternalError("cannot write the manifest as JSON");
    }
    RETURN_IF_ERROR(WritePrivateFile(Join(dir, kBackupManifestFile), json, 0600));
    return SyncFolder(dir);
  }();
  if (!described.ok()) {
    store::sqlite::RemoveSqliteFiles(copy);
    return described;
  }
  return manifest;
}

absl::StatusOr<BackupManifest> VerifyBackup(const std::string& dir) {
  const std::string manifest_path = Join(dir, kBackupManifestFile);
  auto text = ReadFileToString(manifest_path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat(
        manifest_path, " is missing or unreadable: not a finished backup (",
        text.status().message(), ")"));
  }
  BackupManifest manifest;
  if (const auto parsed = google::protobuf::util::JsonStringToMessage(*text, &manifest);
      !parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat(manifest_path, " is not a backup manifest: ", parsed.message().ToString()));
  }
  if (manifest.format() != kManifestFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": manifest format ", manifest.format(), ", this build reads ",
        kManifestFormat));
  }
  if (manifest.store_kind() != "sqlite") {
    return absl::FailedPreconditionError(
        absl::StrCat(manifest_path, ": a backup of a '", manifest.store_kind(),
                     "' store; lienthongctl restores SQLite backups"));
  }
  if (manifest.schema_version() > store::sqlite::kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup has schema version ", manifest.schema_version(), ", newer than this build's ",
        store::sqlite::kSchemaVersion, ": restore it with the release that took it"));
  }
  bool has_database = false;
  for (const auto& file : manifest.files()) {
    if (file.name().empty() || absl::StrContains(file.name(), "/") || file.name() == "..") {
      return absl::DataLossError(
          absl::StrCat(manifest_path, ": file name '", file.name(), "' is not a plain name"));
    }
    has_database |= file.name() == kBackupDatabaseFile;
    backup::v1::BackupFile found;
    const std::string path = Join(dir, file.name());
    if (const absl::Status described = DescribeFile(path, &found); !described.ok()) {
      return absl::DataLossError(absl::StrCat(path, " is listed in the manifest but missing"));
    }
    if (found.size_bytes() != file.size_bytes() || found.sha256() != file.sha256()) {
      return absl::DataLossError(absl::StrCat(
          path, " does not match the manifest (size ", found.size_bytes(), " vs ",
          file.size_bytes(), ", SHA-256 ", found.sha256(), " vs ", file.sha256(), ")"));
    }
  }
  if (!has_database) {
    return absl::DataLossError(
        absl::StrCat(manifest_path, " lists no ", kBackupDatabaseFile));
  }
  return manifest;
}

absl::StatusOr<BackupManifest> RestoreBackup(const std::string& dir,
                                             const config::v1::GatewayConfig& config) {
  RETURN_IF_ERROR(RefusePostgres(config));
  ASSIGN_OR_RETURN(BackupManifest manifest, VerifyBackup(dir));
  const std::string target = config.store().sqlite_file();
  struct stat st {};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string path = absl::StrCat(target, suffix);
    if (::stat(path.c_str(), &st) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " exists: a restore goes into an empty data folder (move the old store away, "
          "with the gateway stopped)"));
    }
  }
  // Copied through SQLite too, so the restored file is a whole database or nothing.
  const std::string staged = absl::StrCat(target, ".restoring");
  store::sqlite::RemoveSqliteFiles(staged);
  RETURN_IF_ERROR(
      store::sqlite::CopySqliteDatabase(Join(dir, kBackupDatabaseFile), staged));
  if (std::rename(staged.c_str(), target.c_str()) != 0) {
    store::sqlite::RemoveSqliteFiles(staged);
    return absl::InternalError(absl::StrCat("cannot rename ", staged, " to ", target));
  }
  const size_t slash = target.rfind('/');
  absl::Status checked =
      SyncFolder(slash == std::string::npos ? "." : target.substr(0, slash));
  BackupManifest restored;
  if (checked.ok()) checked = ReadStoreState(target, &restored);
  if (checked.ok() && (restored.head_seq() != manifest.head_seq() ||
                       restored.exchange_log_head_seq() != manifest.exchange_log_head_seq() ||
                       restored.exchange_log_head_hash() != manifest.exchange_log_head_hash())) {
    checked = absl::DataLossError(absl::StrCat(
        "the restored store does not end where the manifest says (change head ",
        restored.head_seq(), " vs ", manifest.head_seq(), ", exchange-log head ",
        restored.exchange_log_head_seq(), " vs ", manifest.exchange_log_head_seq(), ")"));
  }
  if (checked.ok() && manifest.exchange_log_verified() && !restored.exchange_log_verified()) {
    checked = absl::DataLossError(absl::StrCat(
        "the restored exchange log does not verify: ", restored.exchange_log_problem()));
  }
  if (!checked.ok()) {
    store::sqlite::RemoveSqliteFiles(target);
    return checked;
  }
  return manifest;
}

}  // namespace lienthong::admin

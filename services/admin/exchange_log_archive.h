// Archives of the exchange log (docs/operations.md, "Exchange-log archives"): entries past
// retention are written to archive files before the live log lets them go, so the chain can
// still be verified from its first entry, across the archives and into the live log.
//
// An archive is a JSON-lines file "exchange-log-<first seq>-<last seq>.jsonl" (12-digit seqs):
//   line 1   header   {"format":"lienthong.exchange_log_archive.v2","first_seq","last_seq",
//                      "entries","timestamps","previous_archive","previous_archive_sha256",
//                      "created"}
//   lines    entries  {"seq","time_us","member","method","request_digest","status",
//                      "request_bytes","response_bytes","records","response_digest","end_user",
//                      "correlation_id","hash_format","prev_hash","hash"} (digests in hex)
//   lines    tokens   {"timestamp":{"id","seq","head_hash","gen_time_us","tsa_url","token"}}: the
//                      timestamp tokens of the archive's entries (head_hash in hex, token the
//                      DER TimeStampToken in base64); format v2 on
//   last     trailer  {"end":true,"entries","last_hash","sha256"}: sha256 of every byte before it
// Format v1 (written before trusted timestamps) is v2 without "timestamps" and token lines; both
// are read.
// The header links to the previous archive by name and by the SHA-256 of that whole file, and
// the first entry's prev_hash is the previous archive's last hash: an archive edited, cut or
// missing is named by VerifyArchives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/config/v1/config.pb.h"
#include "services/admin/timestamp_token.h"
#include "services/store/exchange_log_reads.h"
#include "services/store/exchange_log_timestamps.h"

namespace lienthong::admin {

inline constexpr char kArchiveFormat[] = "lienthong.exchange_log_archive.v2";
inline constexpr char kArchiveFormatV1[] = "lienthong.exchange_log_archive.v1";

struct ArchiveOptions {
  std::string dir;  // empty: entries past retention are pruned without an archive
  int64_t entries_per_file = 10000;
  std::vector<std::string> command;  // argv; the archive's path is appended
  absl::Duration command_timeout = absl::Minutes(5);
};

// retention.exchange_log_archive with defaults applied.
ArchiveOptions ArchiveOptionsOf(const config::v1::GatewayConfig& config);

struct ArchiveFile {
  std::string name;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
};

// The archives in `dir` (names as above; other files are ignored), by first seq.
absl::StatusOr<std::vector<ArchiveFile>> ListArchives(const std::string& dir);

// Writes `entries` (consecutive seqs, at least one) and the timestamp tokens of those entries
// as one archive in `dir`, linked to the newest archive there: a temporary name, fsync,
// rename, fsync of the folder, so that an archive is whole or absent. The archive's path.
absl::StatusOr<std::string> WriteArchive(const std::string& dir,
                                         const std::vector<store::ExchangeLogEntry>& entries,
                                         const std::vector<store::ExchangeLogTimestamp>& tokens,
                                         absl::Time now);

// Runs `command` with `path` appended (no shell). OK when it exits 0 within `timeout`; else
// UNAVAILABLE saying how it ended (it is killed at the timeout).
absl::Status RunArchiveCommand(const std::vector<std::string>& command, const std::string& path,
                               absl::Duration timeout);

struct ArchiveProblem {
  std::string archive;  // file name; empty for the live log
  int64_t seq = 0;      // the first entry concerned; 0 when the whole file is
  std::string problem;  // "edited: ...", "removed: ...", "missing: ...", "changed: ...", ...
};

struct ArchiveVerdict {
  int archives = 0;
  int64_t entries_checked = 0;
  int64_t first_seq = 0;  // of the oldest archive
  int64_t last_seq = 0;   // where the archived chain ends, and its hash
  std::string last_hash;
  std::string last_archive;
  int64_t timestamps_verified = 0;   // tokens checked against the CA given and found good
  int64_t timestamps_unchecked = 0;  // tokens held, not checked (no CA given)
  std::vector<ArchiveProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Verifies every archive in `dir` and the links between them; problems are collected, not
// stopped at. With `trust`, each archived timestamp token is checked too as the live log's are
// (exchange_log_timestamp_audit.h: forged, rewritten, edited), a token outside its archive's
// entries is "inserted", and an archived entry that recorded a token the archives do not hold
// is "missing". NOT_FOUND when `dir` cannot be read.
absl::StatusOr<ArchiveVerdict> VerifyArchives(const std::string& dir,
                                              const TsaTrust* trust = nullptr);

// Checks that the live log's anchor (the last entry it let go) is where the archives end:
// adds a problem when entries were let go that no archive holds, or when the hashes differ.
void CheckLiveAnchor(int64_t anchor_seq, const std::string& anchor_hash, ArchiveVerdict* verdict);

}  // namespace lienthong::admin

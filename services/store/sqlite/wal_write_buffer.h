// A SQLite VFS shim that gathers the write-ahead log's writes into one write per commit.
//
// Why: SQLite writes each WAL frame as two pwrite calls (a 24-byte header, then the page), so a
// group commit of 40 pages costs 80 syscalls before its fsync. On the paravirtualized machines
// lienthong runs on, a syscall costs microseconds, and the store's single writer thread spent most
// of its commit time in them. This shim keeps the frames of the WAL file in memory while SQLite
// appends them and writes them out with one pwrite just before they must be on disk or visible.
//
// When the gathered bytes are written out (nothing else in SQLite's WAL protocol changes):
// - xSync: before the fsync, so "acknowledged means durable" holds exactly as before;
// - xRead, xFileSize, xTruncate, xFileControl, xFetch and xClose, and when the gathered bytes
//   would pass kMaxGatheredBytes, or a write is not contiguous with them.
// Requirement: every commit must sync the WAL (synchronous=FULL or EXTRA), because SQLite
// publishes a commit's frames to other connections through the wal-index right after that
// sync; the wal-index is reached through the database file, which the shim does not see. With
// synchronous=NORMAL readers would be shown frames still in memory. SqliteStore::Open refuses
// to run otherwise.
// A write error is reported by the call that writes the bytes out (xSync for a commit), and
// SQLite then fails and rolls back that transaction as for any failed sync.
//
// Only files SQLite opens as write-ahead logs are wrapped; the database file and everything
// else go to the default VFS untouched.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"

namespace lienthong::store::sqlite {

// The most bytes gathered into one write: SQLite's unix VFS writes at most 128 KiB - 1 bytes per
// call (seekAndWriteFd masks the length with 0x1ffff, and a short write is SQLITE_FULL). That is
// 31 frames of 4 KiB pages; a commit of more is written in several writes of up to this size.
inline constexpr size_t kMaxGatheredBytes = 0x1ffff;

// Registers the shim over the default VFS (once per process; not made the default) and returns
// its name, to pass to sqlite3_open_v2.
absl::StatusOr<const char*> WalWriteBufferVfsName();

}  // namespace lienthong::store::sqlite

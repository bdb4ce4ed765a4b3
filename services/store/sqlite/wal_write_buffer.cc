// The WAL write-gathering VFS shim (see wal_write_buffer.h for why and when bytes are written).
#include "services/store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <cstring>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lienthong::store::sqlite {
namespace {

constexpr char kVfsName[] = "lienthong-walbuf";

sqlite3_vfs* base_vfs = nullptr;  // the default VFS, which does all the real work
sqlite3_vfs shim_vfs;

// Bytes SQLite wrote to one WAL file that are not in the file yet: one contiguous run.
struct Gathered {
  std::string bytes;
  sqlite3_int64 offset = 0;
};

// Our sqlite3_file for a WAL; the default VFS's own file lives kRealOffset bytes into it.
struct WalFile {
  sqlite3_file base;  // base.pMethods = &kWalMethods
  sqlite3_file* real;
  Gathered* gathered;
};
constexpr int kRealOffset = static_cast<int>((sizeof(WalFile) + 15) & ~size_t{15});

WalFile* AsWal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }
sqlite3_file* RealOf(sqlite3_file* file) { return AsWal(file)->real; }
const sqlite3_io_methods& Io(sqlite3_file* file) { return *RealOf(file)->pMethods; }

// Writes the gathered bytes to the file with one write. They are dropped on failure too: the
// failure fails SQLite's transaction, which rewrites whatever it needs afterwards.
int WriteOut(sqlite3_file* file) {
  WalFile* f = AsWal(file);
  Gathered& g = *f->gathered;
  if (g.bytes.empty()) return SQLITE_OK;
  const int rc = f->real->pMethods->xWrite(f->real, g.bytes.data(),
                                           static_cast<int>(g.bytes.size()), g.offset);
  g.bytes.clear();
  return rc;
}

int WalWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  Gathered& g = *AsWal(file)->gathered;
  const auto size = static_cast<size_t>(amount);
  if (!g.bytes.empty()) {
    const sqlite3_int64 end = g.offset + static_cast<sqlite3_int64>(g.bytes.size());
    if (offset >= g.offset && offset + amount <= end) {
      // SQLite rewrites a frame it wrote earlier in the same transaction.
      std::memcpy(g.bytes.data() + (offset - g.offset), data, size);
      return SQLITE_OK;
    }
    if (offset == end && g.bytes.size() + size <= kMaxGatheredBytes) {
      g.bytes.append(static_cast<const char*>(data), size);
      return SQLITE_OK;
    }
    const int rc = WriteOut(file);
    if (rc != SQLITE_OK) return rc;
  }
  if (size > kMaxGatheredBytes) return Io(file).xWrite(RealOf(file), data, amount, offset);
  g.offset = offset;
  g.bytes.assign(static_cast<const char*>(data), size);
  return SQLITE_OK;
}

int WalClose(sqlite3_file* file) {
  const int written = WriteOut(file);
  const int closed = Io(file).xClose(RealOf(file));
  delete AsWal(file)->gathered;
  AsWal(file)->gathered = nullptr;
  return written != SQLITE_OK ? written : closed;
}

int WalRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xRead(RealOf(file), out, amount, offset);
}

int WalTruncate(sqlite3_file* file, sqlite3_int64 size) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xTruncate(RealOf(file), size);
}

int WalSync(sqlite3_file* file, int flags) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xSync(RealOf(file), flags);
}

int WalFileSize(sqlite3_file* file, sqlite3_int64* size) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xFileSize(RealOf(file), size);
}

int WalLock(sqlite3_file* file, int level) { return Io(file).xLock(RealOf(file), level); }
int WalUnlock(sqlite3_file* file, int level) { return Io(file).xUnlock(RealOf(file), level); }
int WalCheckReservedLock(sqlite3_file* file, int* out) {
  return Io(file).xCheckReservedLock(RealOf(file), out);
}

int WalFileControl(sqlite3_file* file, int op, void* arg) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xFileControl(RealOf(file), op, arg);
}

int WalSectorSize(sqlite3_file* file) { return Io(file).xSectorSize(RealOf(file)); }
int WalDeviceCharacteristics(sqlite3_file* file) {
  return Io(file).xDeviceCharacteristics(RealOf(file));
}

// SQLite maps the wal-index through the database file, not the WAL; these are forwarded for
// completeness (a WAL file's own shared memory is never used).
int WalShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return Io(file).xShmMap(RealOf(file), page, page_size, extend, out);
}
int WalShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Io(file).xShmLock(RealOf(file), offset, n, flags);
}
void WalShmBarrier(sqlite3_file* file) { Io(file).xShmBarrier(RealOf(file)); }
int WalShmUnmap(sqlite3_file* file, int delete_flag) {
  return Io(file).xShmUnmap(RealOf(file), delete_flag);
}

int WalFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  const int rc = WriteOut(file);
  return rc != SQLITE_OK ? rc : Io(file).xFetch(RealOf(file), offset, amount, out);
}
int WalUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Io(file).xUnfetch(RealOf(file), offset, page);
}

const sqlite3_io_methods kWalMethods = {
    3,           WalClose,      WalRead,     WalWrite,        WalTruncate,
    WalSync,     WalFileSize,   WalLock,     WalUnlock,       WalCheckReservedLock,
    WalFileControl, WalSectorSize, WalDeviceCharacteristics, WalShmMap, WalShmLock,
    WalShmBarrier, WalShmUnmap, WalFetch,    WalUnfetch,
};

int ShimOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  // Everything but a write-ahead log is the default VFS's own file, unwrapped (our file's size
  // is larger than the default's, so it fits at the same address).
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
  }
  WalFile* f = AsWal(file);
  f->base.pMethods = nullptr;
  f->gathered = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  f->real->pMethods = nullptr;
  const int rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return rc;
  }
  if (f->real->pMethods->iVersion < 3) {
    // A default VFS without shared memory or fetch: use its file as it is.
    f->real->pMethods->xClose(f->real);
    return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
  }
  f->gathered = new (std::nothrow) Gathered();
  if (f->gathered == nullptr) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_NOMEM;
  }
  f->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

// The rest of the VFS is the default's, called with the default's own sqlite3_vfs.
int ShimDelete(sqlite3_vfs*, const char* name, int sync_dir) {
  return base_vfs->xDelete(base_vfs, name, sync_dir);
}
int ShimAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs->xAccess(base_vfs, name, flags, out);
}
int ShimFullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return base_vfs->xFullPathname(base_vfs, name, n, out);
}
void* ShimDlOpen(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void ShimDlError(sqlite3_vfs*, int n, char* out) { base_vfs->xDlError(base_vfs, n, out); }
void (*ShimDlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void ShimDlClose(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int ShimRandomness(sqlite3_vfs*, int n, char* out) {
  return base_vfs->xRandomness(base_vfs, n, out);
}
int ShimSleep(sqlite3_vfs*, int micros) { return base_vfs->xSleep(base_vfs, micros); }
int ShimCurrentTime(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int ShimGetLastError(sqlite3_vfs*, int n, char* out) {
  return base_vfs->xGetLastError(base_vfs, n, out);
}
int ShimCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}
int ShimSetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return base_vfs->xSetSystemCall(base_vfs, name, call);
}
sqlite3_syscall_ptr ShimGetSystemCall(sqlite3_vfs*, const char* name) {
  return base_vfs->xGetSystemCall(base_vfs, name);
}
const char* ShimNextSystemCall(sqlite3_vfs*, const char* name) {
  return base_vfs->xNextSystemCall(base_vfs, name);
}

int RegisterShim() {
  base_vfs = sqlite3_vfs_find(nullptr);
  if (base_vfs == nullptr) return SQLITE_ERROR;
  std::memset(&shim_vfs, 0, sizeof(shim_vfs));
  shim_vfs.iVersion = base_vfs->iVersion;
  shim_vfs.szOsFile = kRealOffset + base_vfs->szOsFile;
  shim_vfs.mxPathname = base_vfs->mxPathname;
  shim_vfs.zName = kVfsName;
  shim_vfs.xOpen = ShimOpen;
  shim_vfs.xDelete = ShimDelete;
  shim_vfs.xAccess = ShimAccess;
  shim_vfs.xFullPathname = ShimFullPathname;
  shim_vfs.xDlOpen = ShimDlOpen;
  shim_vfs.xDlError = ShimDlError;
  shim_vfs.xDlSym = ShimDlSym;
  shim_vfs.xDlClose = ShimDlClose;
  shim_vfs.xRandomness = ShimRandomness;
  shim_vfs.xSleep = ShimSleep;
  shim_vfs.xCurrentTime = ShimCurrentTime;
  shim_vfs.xGetLastError = ShimGetLastError;
  if (base_vfs->iVersion >= 2) shim_vfs.xCurrentTimeInt64 = ShimCurrentTimeInt64;
  if (base_vfs->iVersion >= 3) {
    shim_vfs.xSetSystemCall = ShimSetSystemCall;
    shim_vfs.xGetSystemCall = ShimGetSystemCall;
    shim_vfs.xNextSystemCall = ShimNextSystemCall;
  }
  return sqlite3_vfs_register(&shim_vfs, /*makeDflt=*/0);
}

}  // namespace

absl::StatusOr<const char*> WalWriteBufferVfsName() {
  static const int registered = RegisterShim();  // once; thread-safe static initialization
  if (registered != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("cannot register the SQLite VFS ", kVfsName, ": ",
                                            sqlite3_errstr(registered)));
  }
  return kVfsName;
}

}  // namespace lienthong::store::sqlite

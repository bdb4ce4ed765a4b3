// JsonlAdapter: appends change events as JSON lines to a file, rotating it by size; for small
// sites, debugging, and as the store of the reference sink.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "adapters/adapter.h"

namespace lienthong::adapters::jsonl {

struct JsonlOptions {
  std::string output_file;
  // The file is rotated before a line would take it past this size.
  uint64_t rotate_bytes = 64ull << 20;
  // Rotated files kept: output_file.1 (newest) .. output_file.<keep_files>.
  int keep_files = 5;
};

// Each line is one lienthong.v1.ChangeEvent in proto3 JSON (proto field names). Events whose
// event_id is already in the current or a kept rotated file are skipped, so re-sent batches and
// replays land once within that window. A batch is fsync'd before Apply returns. A torn last
// line (a crash in the middle of a write) is cut off when the file is opened again; it belonged
// to a batch that was never acknowledged. Thread-safe.
class JsonlAdapter final : public Adapter {
 public:
  explicit JsonlAdapter(JsonlOptions options) : options_(std::move(options)) {}
  ~JsonlAdapter() override;

  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override;
  // Apply that also says how many events were new (not already in the file window).
  absl::StatusOr<int> Append(absl::Span<const v1::ChangeEvent> events);

 private:
  absl::StatusOr<int> AppendLocked(absl::Span<const v1::ChangeEvent> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status OpenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RotateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteLocked(const std::string& bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool SeenLocked(const std::string& event_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JsonlOptions options_;
  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  // Event ids per file: [0] the current file, [i] output_file.i.
  std::deque<absl::flat_hash_set<std::string>> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::adapters::jsonl

// GroupCommitter: the queue both engines put writes through. Concurrent writes are gathered into
// batches (up to max_batch, waiting at most `linger` for more), each batch is committed by the
// engine in one transaction on one of `writers` threads, and the writes' `done` callbacks run
// afterwards on a completion thread of their own: finishing a gRPC call serializes, encrypts and
// sends the reply inline, and that must not hold up the next commit.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/store/write_transaction.h"

namespace lienthong::store {

// One queued write: a unit of work and its exchange-log entry, or a log entry alone (empty fn).
struct PendingWrite {
  ExchangeLogEntry log;
  WriteFn fn;
  DoneFn done;
  ReadAhead read_ahead;  // keys fn will look up (an engine may fetch them for the batch)
  int requeues = 0;  // times an engine sent it to a later batch
};

// What an engine's CommitBatchFn answers for a write that must run again in a later
// transaction (on PostgreSQL: it met a row that a younger transaction wrote, which it may not
// follow in cursor order). Its effects were rolled back and its log entry not written; the
// committer queues it again, ahead of newer writes, up to kMaxRequeues times, then answers
// ABORTED.
absl::Status RetryInLaterBatch(absl::string_view why);
bool IsRetryInLaterBatch(const absl::Status& status);
inline constexpr int kMaxRequeues = 8;

struct GroupCommitOptions {
  // Longest a write waits for others to join its transaction (0: commit as soon as a writer is
  // free; writes arriving during a commit still share the next one).
  absl::Duration linger = absl::ZeroDuration();
  int max_batch = 512;
  // Writer threads, each committing its own batches. SQLite has one writer; a PostgreSQL store
  // keeps several transactions in flight, one per connection.
  int writers = 1;
  // Thread names: "<prefix>-w<i>" for writers, "<prefix>-done" for completions.
  std::string thread_prefix = "lt-store";
};

class GroupCommitter {
 public:
  // Commits `batch` in one transaction on writer thread `writer` and returns each write's
  // outcome, in order. Whatever must happen after a commit and before replies (commit
  // listeners) happens inside it.
  using CommitBatchFn =
      std::function<std::vector<absl::Status>(int writer, std::vector<PendingWrite>& batch)>;

  GroupCommitter(GroupCommitOptions options, CommitBatchFn commit);
  // Closes (see Close).
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Start();
  // Queues a write; after Close its `done` is called at once with UNAVAILABLE.
  void Enqueue(PendingWrite write);
  // Stops taking writes, commits what is queued, runs the last completions, joins the threads.
  // Idempotent; a caller that comes while another closes returns when that one has finished.
  void Close();

 private:
  using Completion = std::pair<DoneFn, absl::Status>;
  void WriterLoop(int writer);
  void CompletionLoop();

  const GroupCommitOptions options_;
  const CommitBatchFn commit_;

  absl::Mutex queue_mu_;
  std::deque<PendingWrite> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool closing_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool close_started_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool close_finished_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::vector<std::thread> writer_threads_;

  absl::Mutex completions_mu_;
  std::deque<std::vector<Completion>> completions_ ABSL_GUARDED_BY(completions_mu_);
  bool completions_closing_ ABSL_GUARDED_BY(completions_mu_) = false;
  std::thread completion_thread_;
};

}  // namespace lienthong::store

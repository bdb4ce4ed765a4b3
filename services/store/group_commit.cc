// GroupCommitter: batching writer threads and the completion thread.
#include "services/store/group_commit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/common/thread_name.h"

namespace lienthong::store {

namespace {
constexpr char kRequeuePayload[] = "type.lienthong.store/retry-in-later-batch";
}  // namespace

absl::Status RetryInLaterBatch(absl::string_view why) {
  absl::Status status = absl::AbortedError(why);
  status.SetPayload(kRequeuePayload, absl::Cord("1"));
  return status;
}

bool IsRetryInLaterBatch(const absl::Status& status) {
  return status.GetPayload(kRequeuePayload).has_value();
}

GroupCommitter::GroupCommitter(GroupCommitOptions options, CommitBatchFn commit)
    : options_(std::move(options)), commit_(std::move(commit)) {}

GroupCommitter::~GroupCommitter() { Close(); }

void GroupCommitter::Start() {
  completion_thread_ = StartNamedThread(absl::StrCat(options_.thread_prefix, "-done"),
                                        [this] { CompletionLoop(); });
  const int writers = std::max(1, options_.writers);
  for (int i = 0; i < writers; ++i) {
    // One writer keeps the historical name (lt-store-writer), as profiles and docs show it.
    std::string name = writers == 1 ? absl::StrCat(options_.thread_prefix, "-writer")
                                    : absl::StrCat(options_.thread_prefix, "-w", i);
    writer_threads_.push_back(StartNamedThread(std::move(name), [this, i] { WriterLoop(i); }));
  }
}

void GroupCommitter::Enqueue(PendingWrite write) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(write));
      return;
    }
  }
  if (write.done) write.done(absl::UnavailableError("store is closing"));
}

void GroupCommitter::WriterLoop(int writer) {
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
  for (;;) {
    std::vector<PendingWrite> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return !queue_.empty() || closing_;
      };
      queue_mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // closing and drained
      if (options_.linger > absl::ZeroDuration() && queue_.size() < max_batch) {
        auto full = [this, max_batch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
          return queue_.size() >= max_batch || closing_;
        };
        queue_mu_.AwaitWithTimeout(absl::Condition(&full), options_.linger);
        if (queue_.empty()) continue;  // another writer took them
      }
      const size_t n = std::min(max_batch, queue_.size());
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<absl::Status> results = commit_(writer, batch);
    std::vector<Completion> completions;
    completions.reserve(batch.size());
    std::vector<PendingWrite> again;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (IsRetryInLaterBatch(results[i])) {
        if (batch[i].requeues < kMaxRequeues) {
          ++batch[i].requeues;
          again.push_back(std::move(batch[i]));
          continue;
        }
        results[i] = absl::AbortedError(absl::StrCat(
            "other writers kept changing the same records (", results[i].message(),
            "); try again"));
      }
      if (batch[i].done) completions.emplace_back(std::move(batch[i].done), std::move(results[i]));
    }
    if (!again.empty()) {
      absl::MutexLock lock(&queue_mu_);
      for (auto it = again.rbegin(); it != again.rend(); ++it) queue_.push_front(std::move(*it));
    }
    if (!completions.empty()) {
      absl::MutexLock lock(&completions_mu_);
      completions_.push_back(std::move(completions));
    }
  }
}

void GroupCommitter::CompletionLoop() {
  for (;;) {
    std::vector<Completion> batch;
    {
      absl::MutexLock lock(&completions_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(completions_mu_) {
        return !completions_.empty() || completions_closing_;
      };
      completions_mu_.Await(absl::Condition(&ready));
      if (completions_.empty()) return;  // closing and drained
      batch = std::move(completions_.front());
      completions_.pop_front();
    }
    for (auto& [done, status] : batch) done(std::move(status));
  }
}

void GroupCommitter::Close() {
  {
    absl::MutexLock lock(&queue_mu_);
    if (close_started_) {
      // Another caller is closing: return when it has, as it will (the engine tears down what
      // the threads use once Close returns).
      queue_mu_.Await(absl::Condition(&close_finished_));
      return;
    }
    closing_ = true;
    close_started_ = true;
  }
  for (auto& thread : writer_threads_) {
    if (thread.joinable()) thread.join();
  }
  // Never started (an engine that failed to open): nothing committed these.
  std::deque<PendingWrite> left;
  {
    absl::MutexLock lock(&queue_mu_);
    left.swap(queue_);
  }
  for (auto& write : left) {
    if (write.done) write.done(absl::UnavailableError("store is closing"));
  }
  {
    absl::MutexLock lock(&completions_mu_);
    completions_closing_ = true;
  }
  if (completion_thread_.joinable()) completion_thread_.join();
  absl::MutexLock lock(&queue_mu_);
  close_finished_ = true;
}

}  // namespace lienthong::store

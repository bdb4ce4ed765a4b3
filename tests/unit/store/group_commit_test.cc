// GroupCommitter, the write queue both engines share, with a commit function the test controls:
// what Close does with writes in flight and queued, and with a second caller.
#include "services/store/group_commit.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace lienthong::store {
namespace {

// A commit function that holds its first batch until released, and counts what it committed.
class HeldCommits {
 public:
  GroupCommitter::CommitBatchFn Fn() {
    return [this](int, std::vector<PendingWrite>& batch) {
      if (!entered_.HasBeenNotified()) entered_.Notify();
      release_.WaitForNotification();
      absl::MutexLock lock(&mu_);
      committed_ += static_cast<int>(batch.size());
      return std::vector<absl::Status>(batch.size(), absl::OkStatus());
    };
  }
  bool WaitUntilACommitRuns() {
    return entered_.WaitForNotificationWithTimeout(absl::Seconds(30));
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  int committed() {
    absl::MutexLock lock(&mu_);
    return committed_;
  }

 private:
  absl::Notification entered_;
  absl::Notification release_;
  absl::Mutex mu_;
  int committed_ ABSL_GUARDED_BY(mu_) = 0;
};

PendingWrite CountedWrite(std::atomic<int>* ok, std::atomic<int>* refused) {
  PendingWrite write;
  write.done = [ok, refused](absl::Status status) {
    if (status.ok()) {
      ++*ok;
    } else if (status.code() == absl::StatusCode::kUnavailable) {
      ++*refused;
    }
  };
  return write;
}

// A committer whose first write is being committed, held there until commits_.Release().
class GroupCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    committer_.Start();
    Enqueue();
    ASSERT_TRUE(commits_.WaitUntilACommitRuns()) << "the first write was never committed";
  }
  // A test that failed before releasing the commit must not leave the committer's destructor
  // waiting on it.
  void TearDown() override { commits_.Release(); }
  void Enqueue() { committer_.Enqueue(CountedWrite(&ok_, &refused_)); }

  HeldCommits commits_;
  std::atomic<int> ok_{0}, refused_{0};
  GroupCommitter committer_{GroupCommitOptions{}, commits_.Fn()};
};

TEST_F(GroupCommitterTest, CloseCommitsWhatIsQueuedThenRefusesNewWrites) {
  // Queued while the first batch commits: committed by Close, not dropped.
  for (int i = 0; i < 5; ++i) Enqueue();
  std::thread closer([&] { committer_.Close(); });
  commits_.Release();
  closer.join();
  EXPECT_EQ(commits_.committed(), 6);
  EXPECT_EQ(ok_.load(), 6);
  // After Close: answered at once, UNAVAILABLE, never committed.
  Enqueue();
  EXPECT_EQ(refused_.load(), 1);
  EXPECT_EQ(commits_.committed(), 6);
}

// The engine tears down what the writer threads use once Close returns: a second caller (say a
// shutdown path beside a destructor) must not return while the first is still joining them.
TEST_F(GroupCommitterTest, ASecondCloseReturnsOnlyWhenTheFirstHasFinished) {
  std::atomic<bool> first_returned{false}, second_returned{false};
  std::thread first([&] {
    committer_.Close();
    first_returned = true;
  });
  // Let the first caller start closing (it is then joining the held writer).
  absl::SleepFor(absl::Milliseconds(50));
  std::thread second([&] {
    committer_.Close();
    second_returned = true;
  });
  absl::SleepFor(absl::Milliseconds(200));
  // The commit is still held: neither caller may have returned.
  EXPECT_FALSE(first_returned.load());
  EXPECT_FALSE(second_returned.load());
  commits_.Release();
  first.join();
  second.join();
  EXPECT_EQ(ok_.load(), 1);  // the held write was committed and answered before both returned
  committer_.Close();        // and a third, later call returns at once
}

}  // namespace
}  // namespace lienthong::store

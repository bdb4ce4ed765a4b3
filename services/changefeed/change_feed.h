// ChangeFeed: delivers committed changes to any number of subscribers, in commit order, with
// no gap (docs/architecture.md, guarantees 3 to 6).
//
// One tail thread reads each new commit from the store once into a bounded in-memory cache of
// serialized events (while any stream is registered; with none it only moves its position); a
// subscriber that is caught up is served from that cache (one shared copy of every event,
// whatever the number of subscribers), a subscriber behind the cache reads pages from the
// store. Each stream has one write in flight and holds no queue of its own, so a stuck consumer
// costs no memory; a live consumer that falls more than `max_lag_events` behind is ended with
// RESOURCE_EXHAUSTED and resumes from its cursor. Quiet streams get
// progress marks.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "lienthong/v1/common.pb.h"
#include "services/store/store.h"

namespace lienthong::changefeed {

struct ChangeFeedOptions {
  absl::Duration progress_interval = absl::Seconds(5);
  // A live stream further behind the newest commit than this is ended (RESOURCE_EXHAUSTED).
  int64_t max_lag_events = 10000;
  // Serialized events kept in memory for caught-up subscribers; raised to max_lag_events + 1
  // when smaller, so that lag is counted in the cache.
  int cache_events = 8192;
  // Events read from the store per catch-up page.
  int catch_up_page = 256;
  // Retention (0 disables that rule).
  absl::Duration max_age = absl::Hours(24 * 30);
  int64_t max_count = 10'000'000;
  // A durable subscription idle longer than this no longer holds back pruning.
  absl::Duration subscription_max_idle = absl::Hours(24 * 7);
  // Configured sync-engine adapters: pruning never passes the lowest of their checkpoints
  // (docs/architecture.md, guarantee 7: adapters never lose a change).
  std::vector<std::string> adapter_names;
  absl::Duration prune_interval = absl::Minutes(1);
  // This replica's name: on a shared store only the holder of the lease
  // "retention/change_events" prunes.
  std::string replica_name = "local";
};

// One committed change, ready to send: the serialized SubscribeResponse{event} in a
// reference-counted slice shared by every stream that sends it.
struct FeedEvent {
  int64_t seq = 0;
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string agency;
  absl::Time commit_time;
  grpc::Slice bytes;
};
using FeedEventPtr = std::shared_ptr<const FeedEvent>;

// What a stream wants: record types (bit per RecordType) and agencies (empty: all).
struct FeedFilter {
  uint32_t record_types = 0;
  absl::flat_hash_set<std::string> agencies;
  bool Matches(const FeedEvent& event) const {
    return (record_types & (1u << event.type)) != 0 &&
           (agencies.empty() || agencies.contains(event.agency));
  }
};

// A subscriber as the feed sees it; implemented by the gRPC stream reactor.
class FeedSubscriber {
 public:
  virtual ~FeedSubscriber() = default;
  // New events were cached: send if idle.
  virtual void Wake() = 0;
  // Progress-mark tick: send a mark if idle and quiet for the interval.
  virtual void Tick(absl::Time now) = 0;
};

class ChangeFeed {
 public:
  ChangeFeed(store::Store* store, ChangeFeedOptions options);
  ~ChangeFeed();

  // Registers the commit listener (before the first write) and starts the threads.
  absl::Status Start();
  void Stop();

  const ChangeFeedOptions& options() const { return options_; }
  store::Store* store() { return store_; }

  // The newest cursor the feed knows of.
  int64_t head_seq() const { return head_seq_.load(std::memory_order_acquire); }

  // The first cached event with seq > `after`. `covered` is false when the cache does not
  // hold what follows `after` (the subscriber must read from the store).
  FeedEventPtr NextAfter(int64_t after, bool* covered);

  // How many read changes follow `position`: how far behind a live stream at `position` is.
  // Counted in events, not by subtracting cursors (which need not be consecutive numbers). A
  // position before the cache's span is behind all of it: the cache's size plus one.
  int64_t EventsAfter(int64_t position);

  // Turns a stored change into a FeedEvent.
  static absl::StatusOr<FeedEventPtr> MakeEvent(const store::ChangeRow& row);

  void Register(FeedSubscriber* subscriber);
  void Unregister(FeedSubscriber* subscriber);

  // One retention pass (also run periodically): prunes by age and count, holding back for
  // durable subscriptions that acknowledged within subscription_max_idle. Returns events pruned.
  absl::StatusOr<int64_t> PruneOnce(absl::Time now);

 private:
  void TailLoop();
  void TickLoop();
  absl::Status ReadNewChanges();
  // With no stream registered: moves the cache's end to `notified` without reading. False
  // (nothing done) when a stream is registered.
  bool SkipWhileUnwatched(int64_t notified);
  // Wakes every registered stream, half of them on the helper thread. subscribers_mu_ held.
  void WakeAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(subscribers_mu_);
  void WakeHelperLoop();
  static constexpr int kParallelWakeMin = 16;

  store::Store* store_;
  const ChangeFeedOptions options_;
  std::atomic<int64_t> head_seq_{0};

  absl::Mutex cache_mu_;
  std::deque<FeedEventPtr> cache_ ABSL_GUARDED_BY(cache_mu_);
  int64_t cached_through_ ABSL_GUARDED_BY(cache_mu_) = 0;  // every seq <= this was read
  // The cache holds every change after this one, through cached_through_.
  int64_t cache_from_ ABSL_GUARDED_BY(cache_mu_) = 0;

  absl::Mutex subscribers_mu_;
  absl::flat_hash_set<FeedSubscriber*> subscribers_ ABSL_GUARDED_BY(subscribers_mu_);
  std::vector<FeedSubscriber*> wake_list_;  // written by the tail thread under subscribers_mu_

  absl::Mutex helper_mu_;
  size_t helper_begin_ ABSL_GUARDED_BY(helper_mu_) = 0;
  size_t helper_end_ ABSL_GUARDED_BY(helper_mu_) = 0;
  uint64_t helper_round_ ABSL_GUARDED_BY(helper_mu_) = 0;
  uint64_t helper_done_round_ ABSL_GUARDED_BY(helper_mu_) = 0;
  bool helper_stopping_ ABSL_GUARDED_BY(helper_mu_) = false;
  std::thread wake_helper_thread_;

  absl::Mutex wake_mu_;
  int64_t notified_head_ ABSL_GUARDED_BY(wake_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread tail_thread_;
  std::thread tick_thread_;
};

}  // namespace lienthong::changefeed

// The change feed's tail cache, subscriber registry, progress ticks and retention.
#include "services/changefeed/change_feed.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lienthong/v1/change_feed_service.pb.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/thread_name.h"
#include "services/store/change_event.h"
#include "services/store/write_and_wait.h"

namespace lienthong::changefeed {

namespace {
// The cache holds more events than a live stream may fall behind: a stream still within the
// limit is always served from it, and one before its span is past the limit.
ChangeFeedOptions WithCacheCoveringTheLag(ChangeFeedOptions options) {
  if (options.max_lag_events >= options.cache_events) {
    options.cache_events = static_cast<int>(
        std::min<int64_t>(options.max_lag_events + 1, std::numeric_limits<int>::max()));
  }
  return options;
}
}  // namespace

ChangeFeed::ChangeFeed(store::Store* store, ChangeFeedOptions options)
    : store_(store), options_(WithCacheCoveringTheLag(std::move(options))) {}

ChangeFeed::~ChangeFeed() { Stop(); }

absl::StatusOr<FeedEventPtr> ChangeFeed::MakeEvent(const store::ChangeRow& row) {
  v1::SubscribeResponse response;
  RETURN_IF_ERROR(store::ToChangeEvent(row, response.mutable_event()));
  auto event = std::make_shared<FeedEvent>();
  event->seq = row.cursor.seq;
  event->type = row.type;
  event->agency = row.agency;
  event->commit_time = row.commit_time;
  const std::string bytes = response.SerializeAsString();
  event->bytes = grpc::Slice(bytes);
  return FeedEventPtr(std::move(event));
}

absl::Status ChangeFeed::Start() {
  ASSIGN_OR_RETURN(auto bounds, store_->GetChangeBounds());
  {
    absl::MutexLock lock(&cache_mu_);
    cached_through_ = bounds.head.seq;
    cache_from_ = cached_through_;
  }
  head_seq_.store(bounds.head.seq, std::memory_order_release);
  store_->AddCommitListener([this](store::ChangeCursor head) {
    absl::MutexLock lock(&wake_mu_);
    notified_head_ = std::max(notified_head_, head.seq);
  });
  wake_helper_thread_ = StartNamedThread("lt-feed-wake", [this] { WakeHelperLoop(); });
  tail_thread_ = StartNamedThread("lt-feed-tail", [this] { TailLoop(); });
  tick_thread_ = StartNamedThread("lt-feed-tick", [this] { TickLoop(); });
  return absl::OkStatus();
}

void ChangeFeed::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (tail_thread_.joinable()) tail_thread_.join();
  if (tick_thread_.joinable()) tick_thread_.join();
  {
    absl::MutexLock lock(&helper_mu_);
    helper_stopping_ = true;
  }
  if (wake_helper_thread_.joinable()) wake_helper_thread_.join();
}

absl::Status ChangeFeed::ReadNewChanges() {
  for (;;) {
    int64_t after;
    {
      absl::MutexLock lock(&cache_mu_);
      after = cached_through_;
    }
    ASSIGN_OR_RETURN(auto rows, store_->ReadChanges(store::ChangeCursor{after}, 512));
    if (rows.empty()) return absl::OkStatus();
    std::vector<FeedEventPtr> events;
    events.reserve(rows.size());
    for (const auto& row : rows) {
      ASSIGN_OR_RETURN(auto event, MakeEvent(row));
      events.push_back(std::move(event));
    }
    {
      absl::MutexLock lock(&cache_mu_);
      for (auto& event : events) cache_.push_back(std::move(event));
      while (static_cast<int>(cache_.size()) > options_.cache_events) {
        cache_from_ = cache_.front()->seq;
        cache_.pop_front();
      }
      cached_through_ = rows.back().cursor.seq;
    }
    head_seq_.store(rows.back().cursor.seq, std::memory_order_release);
    absl::MutexLock lock(&subscribers_mu_);
    WakeAll();
  }
}

void ChangeFeed::WakeAll() {
  // Waking a stream starts its write on the waking thread (TLS, framing, sendmsg): with many
  // streams that is the feed's longest step, so a helper thread takes half of them.
  if (static_cast<int>(subscribers_.size()) < kParallelWakeMin) {
    for (FeedSubscriber* subscriber : subscribers_) subscriber->Wake();
    return;
  }
  wake_list_.assign(subscribers_.begin(), subscribers_.end());
  const size_t half = wake_list_.size() / 2;
  {
    absl::MutexLock lock(&helper_mu_);
    helper_begin_ = 0;
    helper_end_ = half;
    ++helper_round_;
  }
  for (size_t i = half; i < wake_list_.size(); ++i) wake_list_[i]->Wake();
  absl::MutexLock lock(&helper_mu_);
  auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(helper_mu_) {
    return helper_done_round_ == helper_round_;
  };
  helper_mu_.Await(absl::Condition(&finished));
}

void ChangeFeed::WakeHelperLoop() {
  for (;;) {
    size_t begin, end;
    uint64_t round;
    {
      absl::MutexLock lock(&helper_mu_);
      auto work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(helper_mu_) {
        return helper_stopping_ || helper_done_round_ != helper_round_;
      };
      helper_mu_.Await(absl::Condition(&work));
      if (helper_done_round_ == helper_round_) return;  // stopping, nothing pending
      begin = helper_begin_;
      end = helper_end_;
      round = helper_round_;
    }
    // wake_list_ and the streams in it stay valid: the tail thread holds subscribers_mu_ until
    // this round is done.
    for (size_t i = begin; i < end; ++i) wake_list_[i]->Wake();
    absl::MutexLock lock(&helper_mu_);
    helper_done_round_ = round;
  }
}

bool ChangeFeed::SkipWhileUnwatched(int64_t notified) {
  // Held across the check and the move, so a stream registering meanwhile either is seen here
  // or finds cached_through_ already moved past its position and reads that span from the store.
  absl::MutexLock subscribers_lock(&subscribers_mu_);
  if (!subscribers_.empty()) return false;
  {
    absl::MutexLock lock(&cache_mu_);
    cache_.clear();  // the cache must stay contiguous up to cached_through_
    cached_through_ = std::max(cached_through_, notified);
    cache_from_ = cached_through_;
  }
  if (notified > head_seq()) head_seq_.store(notified, std::memory_order_release);
  return true;
}

void ChangeFeed::TailLoop() {
  int64_t seen = head_seq();
  for (;;) {
    bool notified = false;
    {
      absl::MutexLock lock(&wake_mu_);
      auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
        return stopping_ || notified_head_ > seen;
      };
      // The timeout is a safety net: a commit listener call can never be lost, but another
      // process writing the same database (a restarted writer, tests) has no listener.
      notified = wake_mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(500));
      if (stopping_) return;
      seen = std::max(seen, notified_head_);
    }
    // With nobody streaming, reading and serializing every commit would be wasted work on the
    // write path's CPU: only the position moves. The commit listener's head is exact for this
    // process's writes; the timeout pass still reads, to see other writers' commits.
    if (notified && SkipWhileUnwatched(seen)) continue;
    absl::Status read = ReadNewChanges();
    if (!read.ok()) {
      LogLine(LogLevel::kError, "change feed cannot read new changes").Str("error", read.message());
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
}

void ChangeFeed::TickLoop() {
  const absl::Duration tick = std::min(options_.progress_interval / 4, absl::Milliseconds(250));
  absl::Time next_prune = absl::Now() + options_.prune_interval;
  for (;;) {
    {
      absl::MutexLock lock(&wake_mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return stopping_; };
      if (wake_mu_.AwaitWithTimeout(absl::Condition(&stop), tick)) return;
    }
    const absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&subscribers_mu_);
      for (FeedSubscriber* subscriber : subscribers_) subscriber->Tick(now);
    }
    if (now >= next_prune) {
      next_prune = now + options_.prune_interval;
      auto pruned = PruneOnce(now);
      if (!pruned.ok()) {
        LogLine(LogLevel::kError, "change-log retention failed").Str("error", pruned.status().message());
      } else if (*pruned > 0) {
        LogLine(LogLevel::kInfo, "change-log retention").Int("pruned_events", *pruned);
      }
    }
  }
}

FeedEventPtr ChangeFeed::NextAfter(int64_t after, bool* covered) {
  absl::MutexLock lock(&cache_mu_);
  if (cache_.empty()) {
    *covered = after >= cached_through_;
    return nullptr;
  }
  // Cursors need not be consecutive numbers: the cache knows where its span starts.
  if (after < cache_from_) {
    *covered = false;
    return nullptr;
  }
  *covered = true;
  auto it = std::upper_bound(cache_.begin(), cache_.end(), after,
                             [](int64_t seq, const FeedEventPtr& e) { return seq < e->seq; });
  return it == cache_.end() ? nullptr : *it;
}

int64_t ChangeFeed::EventsAfter(int64_t position) {
  absl::MutexLock lock(&cache_mu_);
  if (cache_.empty() || position >= cached_through_) return 0;
  if (position < cache_from_) return static_cast<int64_t>(cache_.size()) + 1;
  auto it = std::upper_bound(cache_.begin(), cache_.end(), position,
                             [](int64_t seq, const FeedEventPtr& e) { return seq < e->seq; });
  return cache_.end() - it;
}

void ChangeFeed::Register(FeedSubscriber* subscriber) {
  absl::MutexLock lock(&subscribers_mu_);
  subscribers_.insert(subscriber);
}

void ChangeFeed::Unregister(FeedSubscriber* subscriber) {
  absl::MutexLock lock(&subscribers_mu_);
  subscribers_.erase(subscriber);
}

absl::StatusOr<int64_t> ChangeFeed::PruneOnce(absl::Time now) {
  // Replicas share the change log: one of them prunes it.
  auto lease = store_->AcquireLease("retention/change_events", options_.replica_name,
                                    std::max(2 * options_.prune_interval, absl::Minutes(1)));
  if (!lease.ok()) {
    if (lease.status().code() == absl::StatusCode::kFailedPrecondition) return 0;
    return lease.status();
  }
  ASSIGN_OR_RETURN(auto bounds, store_->GetChangeBounds());
  if (bounds.head.seq == 0) return 0;
  int64_t upto = 0;
  // Cursors need not be consecutive numbers (PostgreSQL's are not): count and walk instead.
  int64_t excess = 0;
  if (options_.max_count > 0) {
    ASSIGN_OR_RETURN(const int64_t retained, store_->CountChangesAfter(bounds.pruned_through));
    excess = retained - options_.max_count;
  }
  const bool by_age = options_.max_age > absl::ZeroDuration();
  if (excess > 0 || by_age) {
    // The newest change past max_count, and the newest older than max_age: read forward in
    // pages from the oldest.
    store::ChangeCursor at = bounds.pruned_through;
    int64_t seen = 0;
    for (bool done = false; !done;) {
      ASSIGN_OR_RETURN(auto rows, store_->ReadChanges(at, 1024));
      if (rows.empty()) break;
      for (const auto& row : rows) {
        const bool too_many = ++seen <= excess;
        const bool too_old = by_age && row.commit_time < now - options_.max_age;
        if (!too_many && !too_old) {
          done = true;
          break;
        }
        upto = std::max(upto, row.cursor.seq);
      }
      at = rows.back().cursor;
    }
  }
  // Durable subscriptions hold pruning back, unless idle past the limit.
  ASSIGN_OR_RETURN(auto subscriptions, store_->ListSubscriptions());
  for (const auto& subscription : subscriptions) {
    if (subscription.acked_at >= now - options_.subscription_max_idle) {
      upto = std::min(upto, subscription.acked.seq);
    }
  }
  // Nor past what a configured adapter has not applied yet. An adapter without a checkpoint
  // has not started: hold everything for it.
  for (const std::string& adapter : options_.adapter_names) {
    ASSIGN_OR_RETURN(auto checkpoint, store_->GetCheckpoint(adapter));
    upto = std::min(upto, checkpoint.has_value() ? checkpoint->seq : int64_t{0});
  }
  if (upto < bounds.oldest.seq) return 0;
  int64_t pruned = 0;
  store::ExchangeLogEntry entry;
  entry.time = now;
  entry.member = "lienthongd";
  entry.method = "retention/change_events";
  RETURN_IF_ERROR(store::WriteAndWait(
      store_, std::move(entry),
      [&pruned, upto, this, token = lease->token](store::WriteTransaction& txn) -> absl::Status {
        RETURN_IF_ERROR(txn.CheckLease("retention/change_events", options_.replica_name, token));
        ASSIGN_OR_RETURN(pruned, txn.PruneChangesUpTo(store::ChangeCursor{upto}));
        return absl::OkStatus();
      }));
  return pruned;
}

}  // namespace lienthong::changefeed

// MeasureSyncLag: a writer at a steady rate and a monitor of the adapter's checkpoint.
#include "bench/sync/sync_lag.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "tests/support/sample_changes.h"

namespace lienthong::bench {

absl::StatusOr<SyncLag> MeasureSyncLag(store::Store* store, const std::string& adapter, int rate,
                                       absl::Duration duration,
                                       const std::function<store::ChangeRow(int)>& change) {
  const absl::Duration tick = absl::Milliseconds(10);
  const int per_tick = std::max(1, rate / 100);
  std::mutex mu;
  std::deque<std::pair<int64_t, absl::Time>> pending;  // (head seq after a commit, commit time)
  SyncLag result;
  std::atomic<bool> writing{true};
  std::thread monitor([&] {
    for (;;) {
      auto checkpoint = store->GetCheckpoint(adapter);
      const absl::Time now = absl::Now();
      std::lock_guard<std::mutex> lock(mu);
      while (!pending.empty() && checkpoint.ok() && checkpoint->has_value() &&
             (*checkpoint)->seq >= pending.front().first) {
        result.lags_ms.push_back(absl::ToDoubleMilliseconds(now - pending.front().second));
        pending.pop_front();
      }
      if (!writing && pending.empty()) return;
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  absl::Status failed;
  const absl::Time start = absl::Now();
  int committed = 0;
  for (absl::Time next = start; next < start + duration && failed.ok(); next += tick) {
    absl::SleepFor(next - absl::Now());
    std::vector<store::ChangeRow> rows;
    for (int i = 0; i < per_tick; ++i) rows.push_back(change(committed + i));
    failed = test::AppendChanges(store, std::move(rows));
    committed += per_tick;
    auto bounds = store->GetChangeBounds();
    if (!bounds.ok()) {
      failed = bounds.status();
      break;
    }
    std::lock_guard<std::mutex> lock(mu);
    pending.emplace_back(bounds->head.seq, absl::Now());
  }
  result.committed_per_second = committed / absl::ToDoubleSeconds(absl::Now() - start);
  if (!failed.ok()) {
    std::lock_guard<std::mutex> lock(mu);
    pending.clear();  // the monitor ends instead of waiting for changes that never came
  }
  writing = false;
  monitor.join();
  if (!failed.ok()) return failed;
  return result;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * (values.size() - 1))];
}

}  // namespace lienthong::bench

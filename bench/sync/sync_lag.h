// MeasureSyncLag: the end-to-end lag of a sync-engine adapter at a steady rate of changes, for
// the sync benchmarks (bench/sync, bench/dvcqg): changes are committed in groups every 10 ms;
// a group's lag runs from its durable commit to the moment the adapter's checkpoint covers it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/store.h"

namespace lienthong::bench {

struct SyncLag {
  double committed_per_second = 0;
  std::vector<double> lags_ms;  // one per committed group
};

// Commits `rate` changes per second for `duration` (change number i from `change(i)`, from 0)
// while the adapter named `adapter` follows, and waits until its checkpoint covers them all.
absl::StatusOr<SyncLag> MeasureSyncLag(store::Store* store, const std::string& adapter, int rate,
                                       absl::Duration duration,
                                       const std::function<store::ChangeRow(int)>& change);

// The p-quantile (0..1) of `values`, nearest rank below; 0 when empty.
double Percentile(std::vector<double> values, double p);

}  // namespace lienthong::bench

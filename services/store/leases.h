// Leases: work that must run on one replica at a time (an adapter's worker, retention) is done
// only by the holder of its lease. Taking a lease that changes hands raises its fencing token;
// a holder writes its progress together with WriteTransaction::CheckLease, so a replica that
// lost its lease (a pause, a partition) cannot move a checkpoint after the new holder took over.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lienthong::store {

struct LeaseRow {
  std::string name;    // e.g. "adapter/sodb", "retention/change_events"
  std::string holder;  // the replica's name
  int64_t token = 0;   // grows each time the lease changes hands (or lapses and is taken again)
  absl::Time expires_at;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Takes lease `name` for `holder` for `ttl` when it is free or expired, or renews it when
  // `holder` has it. Expiry is reckoned by the database's clock, so replicas' clocks need not
  // agree. FAILED_PRECONDITION naming the holder when another replica has it.
  virtual absl::StatusOr<LeaseRow> AcquireLease(const std::string& name, const std::string& holder,
                                                absl::Duration ttl) = 0;
  // Lets the lease go at once (a graceful stop), if `holder` still has it with `token`.
  virtual absl::Status ReleaseLease(const std::string& name, const std::string& holder,
                                    int64_t token) = 0;
  virtual absl::StatusOr<std::vector<LeaseRow>> ListLeases() = 0;
};

// The refusal CheckLease gives: the lease is no longer `holder`'s with `token`.
inline bool IsLeaseLost(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         status.message().find("lease lost:") != absl::string_view::npos;
}

}  // namespace lienthong::store

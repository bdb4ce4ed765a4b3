// LocalLeases: leases kept in the process, for an engine that only one process uses (SQLite).
// Same rules as the shared ones (postgres_store.cc): tokens grow when a lease changes hands or
// lapses, a live lease of another holder is refused.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/store/leases.h"

namespace lienthong::store {

class LocalLeases {
 public:
  absl::StatusOr<LeaseRow> Acquire(const std::string& name, const std::string& holder,
                                   absl::Duration ttl, absl::Time now);
  absl::Status Release(const std::string& name, const std::string& holder, int64_t token,
                       absl::Time now);
  std::vector<LeaseRow> List();
  // OK when `holder` has lease `name` with `token`; FAILED_PRECONDITION "lease lost: ..."
  // otherwise.
  absl::Status Check(const std::string& name, const std::string& holder, int64_t token);

 private:
  absl::Mutex mu_;
  std::map<std::string, LeaseRow> leases_ ABSL_GUARDED_BY(mu_);
};

// The message CheckLease refuses with (one wording for every engine).
absl::Status LeaseLostError(const std::string& name, const std::string& holder, int64_t token);
// The message AcquireLease refuses with.
absl::Status LeaseHeldError(const std::string& name, const std::string& holder,
                            absl::Time expires_at);

}  // namespace lienthong::store

// LocalLeases: a map under a mutex.
#include "services/store/local_leases.h"

#include "absl/strings/str_cat.h"

namespace lienthong::store {

absl::Status LeaseLostError(const std::string& name, const std::string& holder, int64_t token) {
  return absl::FailedPreconditionError(absl::StrCat("lease lost: ", name, " is no longer held by ",
                                                    holder, " with token ", token));
}

absl::Status LeaseHeldError(const std::string& name, const std::string& holder,
                            absl::Time expires_at) {
  return absl::FailedPreconditionError(
      absl::StrCat("lease ", name, " is held by ", holder, " until ",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", expires_at, absl::UTCTimeZone())));
}

absl::StatusOr<LeaseRow> LocalLeases::Acquire(const std::string& name, const std::string& holder,
                                              absl::Duration ttl, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(name);
  if (it == leases_.end()) {
    it = leases_.emplace(name, LeaseRow{name, holder, 1, now + ttl}).first;
    return it->second;
  }
  LeaseRow& row = it->second;
  const bool live = row.expires_at > now;
  if (live && row.holder != holder) return LeaseHeldError(name, row.holder, row.expires_at);
  if (!live) ++row.token;  // lapsed: whoever takes it now is a new holder
  row.holder = holder;
  row.expires_at = now + ttl;
  return row;
}

absl::Status LocalLeases::Release(const std::string& name, const std::string& holder,
                                  int64_t token, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(name);
  if (it != leases_.end() && it->second.holder == holder && it->second.token == token) {
    it->second.expires_at = now;
  }
  return absl::OkStatus();
}

std::vector<LeaseRow> LocalLeases::List() {
  absl::MutexLock lock(&mu_);
  std::vector<LeaseRow> rows;
  for (const auto& [name, row] : leases_) rows.push_back(row);
  return rows;
}

absl::Status LocalLeases::Check(const std::string& name, const std::string& holder,
                                int64_t token) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(name);
  if (it == leases_.end() || it->second.holder != holder || it->second.token != token) {
    return LeaseLostError(name, holder, token);
  }
  return absl::OkStatus();
}

}  // namespace lienthong::store

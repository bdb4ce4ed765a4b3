// SyncControl: what AdminService may ask of the sync engine (adapter status, pause, resume,
// dead-letter replay, resync). The sync engine implements it; AdminService holds a pointer, null when
// no adapter is configured.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lienthong/v1/admin_service.pb.h"

namespace lienthong::sync {

class SyncControl {
 public:
  virtual ~SyncControl() = default;

  // One entry per configured adapter instance, in config order.
  virtual std::vector<v1::AdapterStatus> AdapterStatuses() = 0;
  // NOT_FOUND for an unknown adapter name.
  virtual absl::Status Pause(const std::string& adapter) = 0;
  virtual absl::Status Resume(const std::string& adapter) = 0;
  // Re-applies dead letters of `adapter` (all when `ids` is empty) through the adapter;
  // idempotent (adapters dedup on event_id). A letter that applies is resolved; one that fails
  // again stays. `progress` is called after each letter.
  virtual absl::Status ReplayDeadLetters(
      const std::string& adapter, const std::vector<int64_t>& ids,
      const std::function<void(const v1::ReplayProgress&)>& progress) = 0;
  // Sends `adapter` the current state of every record of [from, to) it takes (dossiers received
  // in it, education records last changed in it) as resync events (adapters/adapter.h), through
  // the adapter, never at the same time as its worker's own calls. An outage is waited out with
  // backoff; a record the destination refuses is counted as failed. `progress` is called after
  // each batch.
  virtual absl::Status Resync(const std::string& adapter, absl::Time from, absl::Time to,
                              const std::function<void(const v1::ResyncProgress&)>& progress) = 0;
};

}  // namespace lienthong::sync

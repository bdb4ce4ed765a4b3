// SyncControl: what AdminService and the config reload may ask of the sync engine (adapter
// status, pause, resume, dead-letter replay, resync, seek, a new adapter set). The sync engine
// implements it; AdminService holds a pointer, null when no adapter is configured.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/admin_service.pb.h"
#include "services/store/change_cursor.h"
#include "services/store/exchange_log_reads.h"

namespace lienthong::sync {

// Where a seek puts an adapter's checkpoint: exactly one of the two is set.
struct SeekTarget {
  // The checkpoint itself: the adapter sends the changes after it.
  std::optional<store::ChangeCursor> cursor;
  // Just before the first change, in cursor order, whose commit time is at or after it.
  std::optional<absl::Time> time;
};

struct SeekOutcome {
  store::ChangeCursor from;
  store::ChangeCursor to;
  int64_t lag_events = 0;  // committed changes after `to`
  v1::AdapterStatus status;
};

// What a config reload changed in the adapter set, by name, in config order.
struct AdapterSetChanges {
  std::vector<std::string> added;
  std::vector<std::string> changed;
  std::vector<std::string> removed;
};

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
  // Moves the checkpoint of a paused (or stopped-on-error) adapter; the worker drops the batch
  // it held and, once resumed, reads from the new checkpoint. `entry` is the caller's
  // exchange-log entry: it is written once, whatever the outcome, with records
  // "checkpoint_from:<cursor>" and "checkpoint_to:<cursor>" in the transaction that moves it.
  // NOT_FOUND for an unknown adapter; INVALID_ARGUMENT (field "cursor") for a cursor ahead of
  // the newest change or before changes retention removed, and (field "time") for a time in the
  // future; FAILED_PRECONDITION naming the state when the adapter is neither paused nor stopped
  // on error, or when another replica runs it.
  virtual absl::StatusOr<SeekOutcome> Seek(const std::string& adapter, const SeekTarget& target,
                                           store::ExchangeLogEntry entry) = 0;

  // Config reload, in two steps so that nothing changes unless everything can. The first builds
  // the adapters of `adapters` that are new or whose entry changed (nothing connects or stops
  // yet; a bad entry is INVALID_ARGUMENT naming "adapters[i].<field>"). The step it returns puts
  // the set in force: the worker of each removed or changed adapter is drained (its batch in
  // flight finishes and is checkpointed, then it stops and releases its lease), each changed one
  // starts again from its checkpoint with its new entry (paused if it was), each added one
  // starts as a new adapter does. It blocks for the drains (one adapter call each at most).
  using ApplyAdapters = std::function<AdapterSetChanges()>;
  virtual absl::StatusOr<ApplyAdapters> PrepareAdapters(
      const google::protobuf::RepeatedPtrField<config::v1::Adapter>& adapters) = 0;
};

}  // namespace lienthong::sync

// The whole adapter contract: how the sync engine hands committed changes to a sector database,
// and how an adapter kind is built from its typed config (docs/architecture.md, guarantee 7).
//
// An adapter instance is made by its kind's AdapterFactory from one config::v1::Adapter entry
// (the entry's `kind` oneof names the kind: "postgres", "grpc", "jsonl", "dvcqg"). The sync
// engine owns it and calls Apply from one thread at a time (its worker, or a dead-letter replay
// or resync, never two at once), with batches in commit order (a resync's events carry no
// cursor; see kResyncEventIdPrefix).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/change_event.pb.h"
#include "lienthong/v1/common.pb.h"
#include "services/common/record_type_names.h"  // RecordTypeName, and the names config files use

namespace lienthong::adapters {

class Adapter {
 public:
  virtual ~Adapter() = default;

  // Applies `events` in order (commit order, possibly with gaps where the engine filtered events
  // out, possibly replays of events applied before).
  //
  // - Idempotent by event_id: an event the destination already holds is a no-op, so a batch
  //   re-sent after a crash or a replayed dead letter never lands twice. An event must also never
  //   move a record back to an older version than the one the destination holds.
  // - OK only when the destination durably accepted the whole batch (committed, fsync'd, or
  //   acknowledged by a remote that promises the same). On error nothing may be half-visible
  //   that a retry would not repair.
  // - The status code tells the engine whose fault a failure is:
  //     UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED: the destination could not
  //       be reached or was busy; the engine retries the same batch, with backoff, for as long
  //       as it takes, and never blames a record for it.
  //     anything else: the destination refused the content; the engine applies the batch one
  //       event at a time to find the refused event, retries it up to the configured attempts,
  //       then dead-letters it (or stops the adapter when configured to).
  virtual absl::Status Apply(absl::Span<const v1::ChangeEvent> events) = 0;
};

// A resync (`lienthongctl adapters resync`, SyncControl::Resync) sends records again as they are
// now, to repair a destination that lost data: each as an UPDATE event whose event_id starts
// with this prefix (unique per resync run, so that event-id dedup lets it through), with the
// record's current version. It is not a new change: an adapter that sends changes as steps (the
// dvcqg kind) sends only the record's state for it.
inline constexpr absl::string_view kResyncEventIdPrefix = "resync:";
inline bool IsResyncEvent(const v1::ChangeEvent& event) {
  return absl::StartsWith(event.event_id(), kResyncEventIdPrefix);
}

// True for the codes that mean "try the same batch again later" (see Adapter::Apply).
bool IsTransientFailure(const absl::Status& status);

// Builds adapters of one kind from their typed config.
class AdapterFactory {
 public:
  virtual ~AdapterFactory() = default;

  // The kind's name: the name of its field in config::v1::Adapter's `kind` oneof.
  virtual std::string kind() const = 0;
  // Record types this kind can take; a config asking for others is refused.
  virtual std::vector<v1::RecordType> record_types() const = 0;
  // Checks the kind's typed config inside `config` (the fields common to every adapter are the
  // engine's): INVALID_ARGUMENT with a google.rpc.BadRequest naming every bad field by its path
  // inside the adapter entry, e.g. "postgres.conninfo". Touches no network.
  virtual absl::Status Validate(const config::v1::Adapter& config) const = 0;
  // Validates, then builds. Connecting is left to the first Apply, so that a destination that is
  // down when the gateway starts is retried like any other outage.
  virtual absl::StatusOr<std::unique_ptr<Adapter>> Create(
      const config::v1::Adapter& config) const = 0;
};

// The record type a config file names (lienthong::RecordTypeFromName of
// services/common/record_type_names.h, the one home of the names); INVALID_ARGUMENT, listing
// the names, for any other name.
absl::StatusOr<v1::RecordType> RecordTypeFromName(absl::string_view name);

}  // namespace lienthong::adapters

// The records a resync sends again (SyncControl::Resync): which ones a period holds, and each
// one's current state as a resync event (adapters/adapter.h, kResyncEventIdPrefix).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/v1/change_event.pb.h"
#include "services/store/store.h"

namespace lienthong::sync {

// One record to send again.
struct ResyncKey {
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;
};

// What a resync covers: the period [from, to) and the adapter's filters (agencies empty: all;
// records without an agency pass, as in the worker's own filter).
struct ResyncScope {
  absl::Time from;
  absl::Time to;
  std::set<v1::RecordType> types;
  std::set<std::string> agencies;
};

// Dossiers received in the period, then education records whose last change (updated_at) is
// in it, in key order. Only keys: the records are read one batch at a time when sent.
absl::StatusOr<std::vector<ResyncKey>> ListResyncKeys(store::Store* store,
                                                      const ResyncScope& scope);

// The record's current state as the resync event of run `run_id`; NOT_FOUND when it is gone.
absl::StatusOr<v1::ChangeEvent> ResyncEventOf(store::Store* store, const ResyncKey& key,
                                              const std::string& run_id);

}  // namespace lienthong::sync

// The change log: every committed change in cursor order, and who hears of new commits.
//
// Cursor order is the one order every reader of the store sees. An engine hands out only
// changes that no transaction still open can precede (on PostgreSQL, rows of transactions below
// the oldest one still running), so a reader that moved past a cursor never meets a change
// before it later (docs/architecture.md, "Cursors").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lienthong/v1/common.pb.h"
#include "services/store/change_cursor.h"

namespace lienthong::store {

// One committed change (the source of ChangeEvent).
struct ChangeRow {
  ChangeCursor cursor;  // assigned by the store
  std::string event_id;  // assigned by the store (UUID)
  v1::RecordType type = v1::RECORD_TYPE_UNSPECIFIED;
  std::string key;
  v1::Operation operation = v1::OPERATION_UNSPECIFIED;
  int64_t version = 0;
  absl::Time commit_time;  // assigned by the store
  std::string origin_member;
  std::string agency;
  std::string payload;  // serialized record after the change (v1.Dossier or v1.EducationRecord)
  // Set on a dossier's CREATE event whose payload is exactly the DossierRow.payload that the same
  // write puts (PutDossier): the store may keep those bytes once, in the dossier row, until the
  // dossier first changes. `payload` may then be left empty; ReadChanges returns it in full.
  bool payload_is_dossier_row = false;
};

struct ChangeBounds {
  ChangeCursor oldest;  // oldest retained change (0 when none)
  ChangeCursor head;    // newest readable change (0 when none)
  absl::Time head_commit_time;
  // The newest change retention ever removed (0 when none): a reader positioned before it has
  // missed changes. Cursors need not be consecutive numbers, so this, not `oldest`, tells
  // whether a cursor has expired.
  ChangeCursor pruned_through;
  // The newest committed change, readable or not yet: a cursor a writer was given is at most
  // this. On PostgreSQL it can be ahead of `head` while an older transaction is still open.
  ChangeCursor newest;
};

class ChangeLogReads {
 public:
  virtual ~ChangeLogReads() = default;

  // Changes after `after`, in cursor order, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangeRow>> ReadChanges(ChangeCursor after, int limit) = 0;
  virtual absl::StatusOr<ChangeBounds> GetChangeBounds() = 0;
  // Counts readable changes with seq > after (lag).
  virtual absl::StatusOr<int64_t> CountChangesAfter(ChangeCursor after) = 0;
  // The first readable change, in cursor order, whose commit time is at or after `time`; none
  // when no readable change is that new (an adapter seek to a time: sync_control.h).
  virtual absl::StatusOr<std::optional<ChangeCursor>> FirstChangeAtOrAfter(absl::Time time) = 0;

  // Called with the newest readable cursor after commits that appended changes: this process's
  // own and, on a shared database, other replicas'. Heads only grow. Listeners (change feed,
  // sync engine) must only wake their own threads: anything slow here delays the store. Add
  // listeners before the first write.
  using CommitListener = std::function<void(ChangeCursor head)>;
  virtual void AddCommitListener(CommitListener listener) = 0;
};

}  // namespace lienthong::store

// Verification of the exchange log's hash chain (docs/architecture.md, guarantee 10): walks the
// retained entries from the anchor to the stored head and names the first entry that does not
// verify and what was done to it.
//
// What each finding means:
//   edited    an entry's fields no longer give its hash (a field was changed);
//   inserted  an entry that is not part of the chain: it lies after the stored head, or the
//             entry after it links to the entry before it (a row slipped in, later rows
//             renumbered);
//   removed   entries are missing: a gap in the sequence numbers, an entry that links to a
//             hash never seen (a row taken out, later rows renumbered), or a chain that ends
//             before the stored head (the tail cut off);
//   head mismatch  the last entry has the head's sequence number but not its hash.
// A chain rewritten from the tampered entry to the end, head row included, verifies: anyone
// who can write the database can do that. Each pruning run logs the head's sequence and hash
// (exchange_log_retention.h); compare them with the database to catch a rewrite.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/store/store.h"

namespace lienthong::admin {

struct ExchangeLogVerdict {
  bool ok = false;
  int64_t entries_checked = 0;
  int64_t first_bad_sequence = 0;  // when !ok
  std::string problem;             // when !ok: "edited: ...", "inserted: ...", "removed: ...",
                                   // "head mismatch: ..."
  int64_t anchor_seq = 0;          // where the walk started (the last entry let go)
  std::string anchor_hash;
};

// Walks the chain of `store`. Entries appended while it runs are checked too; the caller keeps
// pruning out of the way (ExchangeLogRetention shares its mutex with the verifier).
absl::StatusOr<ExchangeLogVerdict> VerifyExchangeLogChain(store::Store& store);

}  // namespace lienthong::admin

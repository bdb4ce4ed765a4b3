// ChangeCursor: a position in the commit order of all changes (docs/architecture.md, guarantee 3).
//
// Clients see it only as an opaque string ("1.<hex>"): they store it and send it back. Inside,
// it is the sequence number the store assigned in commit order.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lienthong::store {

struct ChangeCursor {
  // Commit-ordered sequence; 0 is "before every change".
  int64_t seq = 0;

  friend bool operator==(ChangeCursor a, ChangeCursor b) { return a.seq == b.seq; }
  friend bool operator!=(ChangeCursor a, ChangeCursor b) { return a.seq != b.seq; }
  friend bool operator<(ChangeCursor a, ChangeCursor b) { return a.seq < b.seq; }
  friend bool operator<=(ChangeCursor a, ChangeCursor b) { return a.seq <= b.seq; }
};

// "1.<seq in lowercase hex>"; the leading version lets the encoding change later.
std::string EncodeCursor(ChangeCursor cursor);

// INVALID_ARGUMENT for anything EncodeCursor did not produce.
absl::StatusOr<ChangeCursor> DecodeCursor(absl::string_view text);

}  // namespace lienthong::store

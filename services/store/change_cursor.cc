// Opaque cursor encoding.
#include "services/store/change_cursor.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lienthong::store {

std::string EncodeCursor(ChangeCursor cursor) {
  return absl::StrCat("1.", absl::Hex(cursor.seq));
}

absl::StatusOr<ChangeCursor> DecodeCursor(absl::string_view text) {
  absl::string_view hex = text;
  int64_t seq = 0;
  if (!absl::ConsumePrefix(&hex, "1.") || hex.empty() || hex.size() > 16 ||
      !absl::SimpleHexAtoi(hex, &seq) || seq < 0 || EncodeCursor(ChangeCursor{seq}) != text) {
    return absl::InvalidArgumentError(
        "not a cursor issued by this gateway (cursors are opaque: send back what you received)");
  }
  return ChangeCursor{seq};
}

}  // namespace lienthong::store

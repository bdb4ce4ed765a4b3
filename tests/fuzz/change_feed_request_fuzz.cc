// Fuzz target: the change feed's outside input: cursors as members send them back (from_cursor,
// Ack, at_cursor), and bytes parsed as SubscribeRequest / AckRequest then their checks
// (services/validation/subscribe_validation.h). The first byte picks which.
#include <string>

#include "absl/strings/string_view.h"
#include "services/store/change_cursor.h"
#include "services/validation/subscribe_validation.h"
#include "tests/fuzz/request_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong;  // NOLINT: a fuzz entry point
  if (size == 0) return 0;
  const uint8_t pick = data[0] % 3;
  ++data;
  --size;
  switch (pick) {
    case 0: {
      // A cursor is accepted only in the one spelling EncodeCursor gives it.
      const absl::string_view text(reinterpret_cast<const char*>(data), size);
      auto cursor = store::DecodeCursor(text);
      if (cursor.ok()) {
        LIENTHONG_FUZZ_CHECK(cursor->seq >= 0, "a decoded cursor is not negative");
        LIENTHONG_FUZZ_CHECK(store::EncodeCursor(*cursor) == text,
                             "an accepted cursor is the encoding of what it decodes to");
      } else {
        LIENTHONG_FUZZ_CHECK(cursor.status().code() == absl::StatusCode::kInvalidArgument,
                             "a refused cursor is INVALID_ARGUMENT");
      }
      break;
    }
    case 1:
      fuzz::ValidateAs<v1::SubscribeRequest>(data, size, [](const auto& r, auto* v) {
        store::ChangeCursor from;
        validation::ValidateSubscribe(r, &from, v);
        if (v->empty() && !r.from_cursor().empty()) {
          LIENTHONG_FUZZ_CHECK(store::EncodeCursor(from) == r.from_cursor(),
                               "a valid from_cursor is decoded into `from`");
        }
      });
      break;
    default:
      fuzz::ValidateAs<v1::AckRequest>(
          data, size, [](const auto& r, auto* v) { validation::ValidateAck(r, v); });
      break;
  }
  return 0;
}

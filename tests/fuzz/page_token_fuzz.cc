// Fuzz target: the listings' page tokens (services/common/page_token.h), as members send them
// back in ListDossiersRequest.page_token and ListRecordsRequest.page_token. The first byte
// picks: any bytes as a token, or a token spelled from parts taken out of the input.
#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/page_token.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lienthong;  // NOLINT: a fuzz entry point
  if (size == 0) return 0;
  const uint8_t pick = data[0] % 2;
  ++data;
  --size;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  if (pick == 0) {
    // Any bytes: refused, or read into parts that spell a token reading back the same.
    const auto decoded = DecodePageToken(input);
    if (decoded.has_value()) {
      LIENTHONG_FUZZ_CHECK(decoded->second.find('|') == std::string::npos,
                           "the second part of a read token holds no '|'");
      std::string text;
      LIENTHONG_FUZZ_CHECK(absl::WebSafeBase64Unescape(input, &text),
                           "an accepted token is base64url");
      int64_t number = 0;
      LIENTHONG_FUZZ_CHECK(absl::SimpleAtoi(text.substr(0, text.find('|')), &number) &&
                               number == decoded->number,
                           "the number is what the text before the first '|' says");
      const auto again =
          DecodePageToken(EncodePageToken(decoded->number, decoded->second, decoded->third));
      LIENTHONG_FUZZ_CHECK(again.has_value() && again->number == decoded->number &&
                               again->second == decoded->second && again->third == decoded->third,
                           "a read token spelled again reads back the same");
    }
    return 0;
  }
  // Parts from the input: 8 bytes of number, then the second and third parts split at a NUL.
  int64_t number = 0;
  std::memcpy(&number, data, std::min<size_t>(size, sizeof(number)));
  const absl::string_view rest = input.substr(std::min<size_t>(size, sizeof(number)));
  const size_t nul = rest.find('\0');
  const absl::string_view second = rest.substr(0, nul);
  const absl::string_view third = nul == absl::string_view::npos ? "" : rest.substr(nul + 1);
  const std::string token = EncodePageToken(number, second, third);
  LIENTHONG_FUZZ_CHECK(token.find_first_of("+/=") == std::string::npos,
                       "a token is base64url without padding");
  const auto decoded = DecodePageToken(token);
  LIENTHONG_FUZZ_CHECK(decoded.has_value(), "every spelled token reads");
  LIENTHONG_FUZZ_CHECK(decoded->number == number, "the number reads back");
  if (second.find('|') == absl::string_view::npos) {
    LIENTHONG_FUZZ_CHECK(decoded->second == second && decoded->third == third,
                         "parts without '|' in the second read back");
  } else {
    // A '|' in the second part moves the split: the listing then refuses the token (its
    // filters part or fingerprint no longer matches), never reads another position silently
    // as long as the fingerprint part is the one checked.
    LIENTHONG_FUZZ_CHECK(absl::StrCat(decoded->second, "|", decoded->third) ==
                             absl::StrCat(second, "|", third),
                         "the parts' text is kept whole");
  }
  return 0;
}

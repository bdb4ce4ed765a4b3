// Name comparison form through ICU's NFKC_Casefold normalizer.
#include "services/domain/name_comparison.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace lienthong::domain {
namespace {

// Splits on any Unicode white space (a non-breaking space pasted from a document too).
std::string CollapseWhiteSpace(const icu::UnicodeString& text) {
  icu::UnicodeString collapsed;
  bool pending_space = false;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      pending_space = !collapsed.isEmpty();
      continue;
    }
    if (pending_space) collapsed.append(static_cast<UChar>(' '));
    pending_space = false;
    collapsed.append(c);
  }
  std::string out;
  collapsed.toUTF8String(out);
  return out;
}

}  // namespace

std::string NameForComparison(absl::string_view name) {
  const icu::UnicodeString decoded = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  // fromUTF8 replaces invalid sequences with U+FFFD: a text that does not survive the round trip
  // was not valid UTF-8, and is kept as it is.
  std::string round_trip;
  decoded.toUTF8String(round_trip);
  if (round_trip != name) return std::string(name);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || fold == nullptr) return std::string(name);
  const icu::UnicodeString folded = fold->normalize(decoded, status);
  if (U_FAILURE(status)) return std::string(name);
  return CollapseWhiteSpace(folded);
}

}  // namespace lienthong::domain

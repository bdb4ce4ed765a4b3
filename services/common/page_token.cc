// Page tokens: the one spelling and reading of their shape.
#include "services/common/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lienthong {

std::string EncodePageToken(int64_t number, absl::string_view second, absl::string_view third) {
  return absl::WebSafeBase64Escape(absl::StrCat(number, "|", second, "|", third));
}

std::optional<PageToken> DecodePageToken(absl::string_view token) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('|', 2));
  PageToken decoded;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &decoded.number)) return std::nullopt;
  decoded.second = std::move(parts[1]);
  decoded.third = std::move(parts[2]);
  return decoded;
}

}  // namespace lienthong

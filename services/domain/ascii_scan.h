// Character-class scans shared by the hand-written validators (no std::regex on request paths).
#pragma once

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace lienthong::domain::internal {

inline bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

inline bool IsUpperAlnum(char c) { return IsDigit(c) || IsUpper(c); }

// True when `s` is non-empty and every character is an ASCII digit.
inline bool IsDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Value of a short run of ASCII digits the caller has already checked with IsDigits.
inline int DigitsValue(absl::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace lienthong::domain::internal

// Hand-written scanners for the field forms declared in field_rules.h.
#include "services/validation/field_rules.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lienthong::validation {
namespace {

bool IsAsciiDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }
bool IsAsciiHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }
bool IsAsciiAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Value of four ASCII digits the caller has checked.
int FourDigitValue(absl::string_view digits) {
  int value = 0;
  for (char c : digits.substr(0, 4)) value = value * 10 + (c - '0');
  return value;
}

// "YYYY": four digits.
std::optional<int> ParseYear(absl::string_view text) {
  if (text.size() != 4 || !std::all_of(text.begin(), text.end(), IsAsciiDigit)) {
    return std::nullopt;
  }
  return FourDigitValue(text);
}

constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the UTF-8 sequence at text[*pos] and advances past it; kInvalidCodePoint for a
// malformed sequence (RFC 3629 Table 3: well-formed byte sequences).
char32_t DecodeUtf8(absl::string_view text, std::size_t* pos) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  std::size_t length;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  char32_t code_point;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) second_min = 0xA0;  // Overlong.
    if (lead == 0xED) second_max = 0x9F;  // Surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) second_min = 0x90;  // Overlong.
    if (lead == 0xF4) second_max = 0x8F;  // Above U+10FFFF.
  } else {
    return kInvalidCodePoint;
  }
  if (text.size() - *pos < length) return kInvalidCodePoint;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(*pos + i);
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (next < min || next > max) return kInvalidCodePoint;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  *pos += length;
  return code_point;
}

// Unicode general category Cc: C0 controls, DEL and C1 controls.
bool IsControlCharacter(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

bool IsLineFormatting(char32_t code_point) {
  return code_point == '\t' || code_point == '\n' || code_point == '\r';
}

// True when every byte of `text` satisfies `allowed` and its length is 1..max_length.
template <typename Predicate>
bool IsBoundedRun(absl::string_view text, std::size_t max_length, Predicate allowed) {
  return !text.empty() && text.size() <= max_length &&
         std::all_of(text.begin(), text.end(), allowed);
}

}  // namespace

std::optional<absl::CivilDay> ParseIsoDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (!IsAsciiDigit(text[i])) return std::nullopt;
  }
  const int year = FourDigitValue(text);
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  const int day = (text[8] - '0') * 10 + (text[9] - '0');
  // CivilDay normalises out-of-range fields (Feb 30 -> Mar 2); a real date survives intact.
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) return std::nullopt;
  return civil;
}

bool IsIsoDate(absl::string_view text) { return ParseIsoDate(text).has_value(); }

std::optional<PartialDate> ParseIsoDateOrYear(absl::string_view text) {
  if (const std::optional<int> year = ParseYear(text)) return PartialDate{*year, std::nullopt};
  if (const std::optional<absl::CivilDay> day = ParseIsoDate(text)) {
    return PartialDate{static_cast<int>(day->year()), day};
  }
  return std::nullopt;
}

bool IsIsoDateOrYear(absl::string_view text) { return ParseIsoDateOrYear(text).has_value(); }

bool IsSchoolYear(absl::string_view text) {
  if (text.size() != 9 || text[4] != '-') return false;
  const std::optional<int> first = ParseYear(text.substr(0, 4));
  const std::optional<int> second = ParseYear(text.substr(5));
  return first.has_value() && second.has_value() && *second == *first + 1;
}

TextDefect FindTextDefect(absl::string_view text, const TextRule& rule) {
  if (text.empty()) return rule.required ? TextDefect::kMissing : TextDefect::kNone;
  std::size_t code_points = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char32_t code_point = DecodeUtf8(text, &pos);
    if (code_point == kInvalidCodePoint) return TextDefect::kInvalidUtf8;
    if (IsControlCharacter(code_point) && !(rule.multiline && IsLineFormatting(code_point))) {
      return TextDefect::kControlCharacter;
    }
    ++code_points;
  }
  return code_points > rule.max_code_points ? TextDefect::kTooLong : TextDefect::kNone;
}

std::string DescribeTextDefect(TextDefect defect, const TextRule& rule) {
  switch (defect) {
    case TextDefect::kNone:
      return "";
    case TextDefect::kMissing:
      return absl::StrCat("required: text of 1 to ", rule.max_code_points, " characters");
    case TextDefect::kInvalidUtf8:
      return "expected valid UTF-8 text";
    case TextDefect::kControlCharacter:
      return rule.multiline ? "expected text without control characters other than tab and "
                              "line breaks"
                            : "expected a single line of text without control characters";
    case TextDefect::kTooLong:
      return absl::StrCat("expected at most ", rule.max_code_points,
                          " characters (Unicode code points)");
  }
  return "expected plain text";
}

bool IsValidUtf8(absl::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (DecodeUtf8(text, &pos) == kInvalidCodePoint) return false;
  }
  return true;
}

bool IsUuid(absl::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !IsAsciiHex(text[i])) return false;
  }
  return true;
}

bool IsOpaqueIdentifier(absl::string_view text) {
  return IsBoundedRun(text, kOpaqueIdentifierMaxLength,
                      [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsDiplomaSerialNumber(absl::string_view text) {
  return IsBoundedRun(text, kDiplomaSerialNumberMaxLength,
                      [](char c) { return IsAsciiAlnum(c) || c == '/' || c == '.' || c == '-'; });
}

bool IsRegisterNumber(absl::string_view text) {
  const TextRule rule{true, kRegisterNumberMaxCodePoints, false};
  return FindTextDefect(text, rule) == TextDefect::kNone && text.front() != ' ' &&
         text.back() != ' ';
}

bool IsPhoneNumber(absl::string_view text) {
  const absl::string_view digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
  return digits.size() >= kPhoneMinDigits && digits.size() <= kPhoneMaxDigits &&
         std::all_of(digits.begin(), digits.end(), IsAsciiDigit);
}

bool IsEmailAddress(absl::string_view text) {
  if (text.size() > kEmailMaxLength) return false;
  const std::size_t at = text.find('@');
  if (at == absl::string_view::npos || at == 0 ||
      text.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view domain = text.substr(at + 1);
  const std::size_t dot = domain.find('.');
  if (dot == absl::string_view::npos || dot == 0 || domain.back() == '.') return false;
  // Internationalised addresses are UTF-8; only spaces and controls are refused outright.
  const TextRule rule{true, kEmailMaxLength, false};
  return FindTextDefect(text, rule) == TextDefect::kNone &&
         text.find(' ') == absl::string_view::npos;
}

bool IsDigitString(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsAsciiDigit);
}

}  // namespace lienthong::validation

// Form rules for single field values shared by every request validator: dates, text, identifiers.
//
// Pure predicates over bytes: no clock, no protobuf, no std::regex and no allocation, because
// they run on every field of every request.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace lienthong::validation {

// ISO 8601 calendar date "YYYY-MM-DD" naming a day that exists (no "2025-02-29").
std::optional<absl::CivilDay> ParseIsoDate(absl::string_view text);
bool IsIsoDate(absl::string_view text);

// A date of which only the year may be known, as on some identity papers: "YYYY" or
// "YYYY-MM-DD".
struct PartialDate {
  int year = 0;
  std::optional<absl::CivilDay> day;  // Absent for "YYYY".
};
std::optional<PartialDate> ParseIsoDateOrYear(absl::string_view text);
bool IsIsoDateOrYear(absl::string_view text);

// School year (năm học) "YYYY-YYYY" where the second year follows the first: "2025-2026".
bool IsSchoolYear(absl::string_view text);

// Plain text as people type it: valid UTF-8, a bounded number of code points, and no control
// characters (C0, DEL, C1), except tab and line breaks in multi-line fields.
struct TextRule {
  bool required = false;
  std::size_t max_code_points = 200;
  bool multiline = false;
};

// The text fields of the contracts come in a few sizes.
inline constexpr std::size_t kMaxNameCodePoints = 200;      // People, schools, organisations.
inline constexpr std::size_t kMaxReferenceCodePoints = 64;  // Decision, receipt, component numbers.
inline constexpr std::size_t kMaxLineCodePoints = 500;      // Addresses, titles, one-line text.
inline constexpr std::size_t kMaxParagraphCodePoints = 2000;  // Free text of a processing step.
inline constexpr std::size_t kMaxFileNameCodePoints = 255;
inline constexpr std::size_t kMaxUriCodePoints = 2048;

inline constexpr TextRule kRequiredName{true, kMaxNameCodePoints, false};
inline constexpr TextRule kOptionalName{false, kMaxNameCodePoints, false};
inline constexpr TextRule kRequiredReference{true, kMaxReferenceCodePoints, false};
inline constexpr TextRule kOptionalReference{false, kMaxReferenceCodePoints, false};
inline constexpr TextRule kOptionalLine{false, kMaxLineCodePoints, false};
inline constexpr TextRule kOptionalParagraph{false, kMaxParagraphCodePoints, true};
inline constexpr TextRule kRequiredFileName{true, kMaxFileNameCodePoints, false};
inline constexpr TextRule kRequiredUri{true, kMaxUriCodePoints, false};
inline constexpr TextRule kOptionalUri{false, kMaxUriCodePoints, false};

enum class TextDefect { kNone, kMissing, kInvalidUtf8, kControlCharacter, kTooLong };

// The first defect of `text` under `rule`; an empty optional field has none.
TextDefect FindTextDefect(absl::string_view text, const TextRule& rule);

// What the field must hold, for a field violation; never quotes the text.
std::string DescribeTextDefect(TextDefect defect, const TextRule& rule);

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);

// The RFC 4122 textual form of a UUID, 8-4-4-4-12 hexadecimal digits, either case.
bool IsUuid(absl::string_view text);

// An identifier a sector system issues and the gateway does not interpret (school code, student
// identifier; Circular 42/2021/TT-BGDĐT does not publish their format): 1 to 64 of [A-Za-z0-9._-].
inline constexpr std::size_t kOpaqueIdentifierMaxLength = 64;
bool IsOpaqueIdentifier(absl::string_view text);

// Diploma serial number printed on the blank (số hiệu, Circular 21/2019/TT-BGDĐT):
// 1 to 32 of [A-Za-z0-9/.-].
inline constexpr std::size_t kDiplomaSerialNumberMaxLength = 32;
bool IsDiplomaSerialNumber(absl::string_view text);

// Number in the original register of a diploma (số vào sổ gốc, Circular 21/2019/TT-BGDĐT):
// 1 to 32 printable code points, no control characters, no space at either end (it is part of
// the diploma's key, where invisible differences would make two keys look alike).
inline constexpr std::size_t kRegisterNumberMaxCodePoints = 32;
bool IsRegisterNumber(absl::string_view text);

// Phone number: an optional '+' and 8 to 15 digits (ITU-T E.164 numbers have at most 15).
inline constexpr std::size_t kPhoneMinDigits = 8;
inline constexpr std::size_t kPhoneMaxDigits = 15;
bool IsPhoneNumber(absl::string_view text);

// Email address, checked loosely: one '@' with text before it, and a dot inside the domain after
// it; no spaces or control characters; at most 254 characters (RFC 5321 path limit).
inline constexpr std::size_t kEmailMaxLength = 254;
bool IsEmailAddress(absl::string_view text);

// One or more ASCII digits (administrative-unit codes of the national list).
bool IsDigitString(absl::string_view text);

}  // namespace lienthong::validation

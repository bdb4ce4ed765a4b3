// Hand-written scanners for the code formats declared in codes.h.
#include "services/domain/codes.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/domain/ascii_scan.h"

namespace lienthong::domain {
namespace {

using internal::DigitsValue;
using internal::IsDigit;
using internal::IsDigits;
using internal::IsUpper;
using internal::IsUpperAlnum;

// Length of "V1V2V3.Z1Z2.Y1Y2.MX1X2" (QCVN 102:2016/BTTTT).
constexpr std::size_t kQcvn102AgencyCodeLength = 13;
// Length of "2.002481" (national procedure code).
constexpr std::size_t kNationalProcedureCodeLength = 8;

// The UTF-8 encoding of Đ (U+0110), the one non-ASCII letter in sector codes.
constexpr char kUtf8DStrokeLead = '\xC4';
constexpr char kUtf8DStrokeTrail = '\x90';

absl::Status DossierCodeError(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("dossier code: ", reason));
}

absl::Status ProcedureCodeError(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("procedure code: ", reason));
}

// Sector-code letter [A-ZĐ] at `*pos`; advances past it (one or two bytes).
bool ConsumeSectorLetter(absl::string_view code, std::size_t* pos) {
  if (*pos < code.size() && IsUpper(code[*pos])) {
    *pos += 1;
    return true;
  }
  if (*pos + 1 < code.size() && code[*pos] == kUtf8DStrokeLead &&
      code[*pos + 1] == kUtf8DStrokeTrail) {
    *pos += 2;
    return true;
  }
  return false;
}

absl::string_view CodeKindDescription(CodeKind kind) {
  switch (kind) {
    case CodeKind::kAgency:
      return "an agency code in QCVN 102:2016/BTTTT form (000.00.00.H49) or Decision "
             "20/2020/QĐ-TTg form (H15.50.05.13)";
    case CodeKind::kDossier:
      return "a dossier code <agency code>-<YYMMDD>-<sequence> (Circular 03/2025/TT-VPCP, "
             "as in Circular 01/2018/TT-VPCP Art. 19)";
    case CodeKind::kProcedure:
      return "a procedure code such as 2.002481 or 2.000815.000.00.00.H55.02";
    case CodeKind::kSector:
      return "a sector code such as G03-GD14";
    case CodeKind::kSha256Hex:
      return "a SHA-256 digest of 64 hexadecimal digits";
  }
  return "a valid code";
}

}  // namespace

bool IsQcvn102AgencyCode(absl::string_view code) {
  if (code.size() != kQcvn102AgencyCodeLength) return false;
  for (std::size_t dot : {3u, 6u, 9u}) {
    if (code[dot] != '.') return false;
  }
  for (std::size_t i : {0u, 1u, 2u, 4u, 5u, 7u, 8u}) {
    if (!IsUpperAlnum(code[i])) return false;
  }
  return IsUpper(code[10]) && IsDigit(code[11]) && IsDigit(code[12]);
}

bool IsDecision20AgencyCode(absl::string_view code) {
  if (code.size() < 3 || code.size() > kDecision20AgencyCodeMaxLength) return false;
  if (code[0] < 'A' || code[0] > 'Y' || !IsDigit(code[1]) || !IsDigit(code[2])) return false;
  std::size_t i = 3;
  while (i < code.size()) {
    if (code[i] != '.') return false;
    const std::size_t group_start = ++i;
    while (i < code.size() && IsUpperAlnum(code[i])) ++i;
    if (i == group_start) return false;  // Empty group: "H15..50" or a trailing dot.
  }
  return true;
}

bool IsValidAgencyCode(absl::string_view code) {
  return IsQcvn102AgencyCode(code) || IsDecision20AgencyCode(code);
}

absl::StatusOr<DossierCodeParts> ParseDossierCode(absl::string_view code) {
  // Agency codes hold no '-', so a dossier code has exactly two.
  const std::size_t first = code.find('-');
  const std::size_t second =
      first == absl::string_view::npos ? first : code.find('-', first + 1);
  if (second == absl::string_view::npos || code.find('-', second + 1) != absl::string_view::npos) {
    return DossierCodeError("expected <agency code>-<YYMMDD>-<sequence>");
  }
  const absl::string_view agency = code.substr(0, first);
  const absl::string_view date = code.substr(first + 1, second - first - 1);
  const absl::string_view sequence = code.substr(second + 1);

  if (!IsValidAgencyCode(agency)) {
    return DossierCodeError(absl::StrCat("agency part \"", agency,
                                         "\" is neither a QCVN 102:2016 nor a Decision 20/2020 "
                                         "agency code"));
  }
  if (date.size() != 6 || !IsDigits(date)) {
    return DossierCodeError(absl::StrCat("date part \"", date, "\" is not YYMMDD"));
  }
  const int year = 2000 + DigitsValue(date.substr(0, 2));
  const int month = DigitsValue(date.substr(2, 2));
  const int day = DigitsValue(date.substr(4, 2));
  // CivilDay normalises out-of-range fields (Feb 30 -> Mar 2), so a real date survives intact.
  const absl::CivilDay receipt_day(year, month, day);
  if (receipt_day.month() != month || receipt_day.day() != day) {
    return DossierCodeError(absl::StrCat("date part \"", date, "\" is not a calendar date"));
  }
  const bool long_sequence_allowed = IsDecision20AgencyCode(agency);
  const std::size_t max_digits = long_sequence_allowed ? kDecision20DossierSequenceMaxDigits
                                                       : kCircular01DossierSequenceDigits;
  if (!IsDigits(sequence) || sequence.size() < kCircular01DossierSequenceDigits ||
      sequence.size() > max_digits) {
    return DossierCodeError(
        long_sequence_allowed
            ? "sequence must be 4 to 7 digits for a Decision 20/2020 agency code"
            : "sequence must be 4 digits for a QCVN 102:2016 agency code");
  }
  const int sequence_value = DigitsValue(sequence);
  if (sequence_value == 0) return DossierCodeError("the daily sequence starts at 1");

  return DossierCodeParts{std::string(agency), receipt_day, sequence_value};
}

absl::Status CheckDossierCodeReceiptDay(const DossierCodeParts& parts,
                                        absl::CivilDay receipt_day) {
  if (parts.receipt_day == receipt_day) return absl::OkStatus();
  return DossierCodeError(absl::StrCat("date part ", absl::FormatCivilTime(parts.receipt_day),
                                       " differs from the receipt date ",
                                       absl::FormatCivilTime(receipt_day)));
}

absl::StatusOr<ProcedureCodeParts> ParseProcedureCode(absl::string_view code) {
  const absl::string_view national = code.substr(0, kNationalProcedureCodeLength);
  if (national.size() != kNationalProcedureCodeLength || !IsDigit(national[0]) ||
      national[1] != '.' || !IsDigits(national.substr(2))) {
    return ProcedureCodeError("expected a national code such as 2.002481");
  }
  ProcedureCodeParts parts{std::string(national), "", ""};
  absl::string_view rest = code.substr(kNationalProcedureCodeLength);
  if (rest.empty()) return parts;

  if (rest.size() < kQcvn102AgencyCodeLength + 1 || rest[0] != '.' ||
      !IsQcvn102AgencyCode(rest.substr(1, kQcvn102AgencyCodeLength))) {
    return ProcedureCodeError("a local variant appends \".\" and a QCVN 102:2016 agency code");
  }
  parts.agency_code = std::string(rest.substr(1, kQcvn102AgencyCodeLength));
  rest = rest.substr(kQcvn102AgencyCodeLength + 1);
  if (rest.empty()) return parts;

  if (rest.size() != 3 || rest[0] != '.' || !IsDigits(rest.substr(1))) {
    return ProcedureCodeError("the online-variant suffix is \".\" and 2 digits");
  }
  parts.variant = std::string(rest.substr(1));
  return parts;
}

bool IsValidProcedureCode(absl::string_view code) { return ParseProcedureCode(code).ok(); }

bool IsValidSectorCode(absl::string_view code) {
  if (code.size() < 4 || !IsUpper(code[0]) || !IsDigit(code[1]) || !IsDigit(code[2]) ||
      code[3] != '-') {
    return false;
  }
  std::size_t pos = 4;
  if (!ConsumeSectorLetter(code, &pos) || !ConsumeSectorLetter(code, &pos)) return false;
  return code.size() == pos + 2 && IsDigit(code[pos]) && IsDigit(code[pos + 1]);
}

bool IsSha256Hex(absl::string_view digest) {
  return digest.size() == kSha256HexLength &&
         std::all_of(digest.begin(), digest.end(),
                     [](char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); });
}

bool IsValidCode(CodeKind kind, absl::string_view value) {
  switch (kind) {
    case CodeKind::kAgency:
      return IsValidAgencyCode(value);
    case CodeKind::kDossier:
      return ParseDossierCode(value).ok();
    case CodeKind::kProcedure:
      return IsValidProcedureCode(value);
    case CodeKind::kSector:
      return IsValidSectorCode(value);
    case CodeKind::kSha256Hex:
      return IsSha256Hex(value);
  }
  return false;
}

absl::Status CheckCode(CodeKind kind, absl::string_view field, absl::string_view value) {
  if (IsValidCode(kind, value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected ", CodeKindDescription(kind)));
}

}  // namespace lienthong::domain

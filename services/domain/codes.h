// Format rules for the codes the gateway exchanges: agencies, dossiers, procedures, sectors, digests.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace lienthong::domain {

// QCVN 102:2016/BTTTT agency code `V1V2V3.Z1Z2.Y1Y2.MX1X2` (levels 4.3.2.1, zero padded):
// ^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$, e.g. "000.00.00.H49".
bool IsQcvn102AgencyCode(absl::string_view code);

// Decision 20/2020/QĐ-TTg agency code, left to right from level 1, at most 35 characters:
// ^[A-Y][0-9]{2}(\.[0-9A-Z]+)*$, e.g. "H15.50.05.13".
inline constexpr std::size_t kDecision20AgencyCodeMaxLength = 35;
bool IsDecision20AgencyCode(absl::string_view code);

// Either agency code form: both are in use side by side.
bool IsValidAgencyCode(absl::string_view code);

// Dossier code of Circular 03/2025/TT-VPCP (format as in Circular 01/2018/TT-VPCP Art. 19; the
// article in force is unconfirmed, docs/domain.md): `<agency code>-<YYMMDD>-<daily sequence>`.
// The sequence has 4 digits; systems on the Decision 20/2020 agency form use 4 to 7, so 5 to 7
// digits are accepted only when the agency part is a Decision 20/2020 code.
inline constexpr std::size_t kCircular01DossierSequenceDigits = 4;
inline constexpr std::size_t kDecision20DossierSequenceMaxDigits = 7;

struct DossierCodeParts {
  std::string agency_code;
  absl::CivilDay receipt_day;  // YYMMDD read as 20YY-MM-DD.
  int sequence = 0;            // The daily sequence counts from 1.
};

// INVALID_ARGUMENT with the reason when `code` is not a dossier code or its date does not exist.
absl::StatusOr<DossierCodeParts> ParseDossierCode(absl::string_view code);

// Circular 03/2025 (as in Circular 01/2018 Art. 19): the date part is the receipt date.
// `receipt_day` is the local
// (UTC+7) day the dossier was received; INVALID_ARGUMENT when they differ.
absl::Status CheckDossierCodeReceiptDay(const DossierCodeParts& parts,
                                        absl::CivilDay receipt_day);

// Procedure code (mã TTHC) of the national procedure database: ^[0-9]\.[0-9]{6}$ ("2.002481"),
// optionally followed by "." + the QCVN 102:2016 code of the agency that localised it, and
// optionally by "." + a 2-digit online-variant suffix ("2.000815.000.00.00.H55.02").
struct ProcedureCodeParts {
  std::string national_code;  // "2.000815"
  std::string agency_code;    // "000.00.00.H55", empty for a national code
  std::string variant;        // "02", empty when absent
};
absl::StatusOr<ProcedureCodeParts> ParseProcedureCode(absl::string_view code);
bool IsValidProcedureCode(absl::string_view code);

// Sector/field code ^[A-Z][0-9]{2}-[A-ZĐ]{2}[0-9]{2}$ ("G03-GD14", "G07-LĐ01"); the input is
// UTF-8, so Đ (U+0110) is the two bytes C4 90.
bool IsValidSectorCode(absl::string_view code);

// A SHA-256 digest written as 64 hexadecimal digits, either case.
inline constexpr std::size_t kSha256HexLength = 64;
bool IsSha256Hex(absl::string_view digest);

// The code kinds above, for callers that validate a request field by field.
enum class CodeKind { kAgency, kDossier, kProcedure, kSector, kSha256Hex };

bool IsValidCode(CodeKind kind, absl::string_view value);

// OK, or INVALID_ARGUMENT naming `field` and the form it must have; the value itself is not
// echoed, so the message is safe to log.
absl::Status CheckCode(CodeKind kind, absl::string_view field, absl::string_view value);

}  // namespace lienthong::domain

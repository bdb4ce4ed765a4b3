// Personal identification numbers: the 12-digit CCCD number, the old 9-digit CMND, ID types.
#pragma once

#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace lienthong::domain {

// ID document type codes used when syncing with the national public-service portal.
enum class IdType { kPassport = 0, kCmnd = 1, kCccd = 3 };

// The IdType for a wire code, or nullopt for an unknown code (2 is unused).
std::optional<IdType> IdTypeFromCode(int code);

enum class Sex { kMale, kFemale };

// What the 12-digit number says about its holder (Decree 137/2015/NĐ-CP Art. 13, Circular
// 07/2016/TT-BCA Art. 7): 3 digits province of birth registration, 1 century-and-sex digit,
// 2 birth-year digits, 6 random digits.
struct PersonalIdParts {
  int province_code = 0;  // 1 for Hà Nội ("001"), 79 for Hồ Chí Minh City ("079").
  int century = 0;        // 1900, 2000, ...
  bool female = false;
  int birth_year = 0;     // century + the two birth-year digits.
};

inline constexpr std::size_t kPersonalIdLength = 12;
inline constexpr std::size_t kCmndLength = 9;

// Circular 07/2016/TT-BCA Art. 7: the province-of-birth-registration codes (3 digits, here as
// numbers). False for codes that are not on the list, such as 3.
bool IsCircular07ProvinceCode(int code);

// INVALID_ARGUMENT unless `number` is 12 digits with a listed province code. Every digit 0-9 is
// a valid century-and-sex digit: century = 1900 + 100 * (d / 2), female when d is odd. The
// birth year is not compared with today (this library reads no clock); errors never echo the
// number.
absl::StatusOr<PersonalIdParts> ParsePersonalId(absl::string_view number);

// When the date of birth is also given, its year and the sex must agree with the number.
// Absent values are not checked. INVALID_ARGUMENT names the field that disagrees.
absl::Status CheckPersonalIdAgreement(const PersonalIdParts& parts,
                                      std::optional<int> birth_year, std::optional<Sex> sex);

// Old CMND number (ID type 1): exactly 9 digits.
bool IsValidCmndNumber(absl::string_view number);

// Identity Law 2023 (Luật Căn cước, in force 1 July 2024) Art. 46: an identity card (CMND) still
// in date is valid until the end of 31 December 2024, no longer.
inline constexpr int kIdentityLaw2023CmndLastValidYear = 2024;
absl::CivilDay IdentityLaw2023CmndLastValidDay();

// OK when a CMND could identify the applicant of a dossier received on `received_day` (local
// UTC+7 day): on or before IdentityLaw2023CmndLastValidDay(). INVALID_ARGUMENT otherwise.
absl::Status CheckCmndValidOn(absl::CivilDay received_day);

// Passport number (ID type 0): 6 to 9 characters of [0-9A-Z]. The ICAO Doc 9303 machine-readable
// zone holds a document number of at most 9 characters; foreign passports differ in length, so
// no country's own pattern (Vietnam: a letter and 7 digits) is imposed.
inline constexpr std::size_t kPassportNumberMinLength = 6;
inline constexpr std::size_t kPassportNumberMaxLength = 9;
bool IsValidPassportNumber(absl::string_view number);

// The number checked against its type's rule; INVALID_ARGUMENT without echoing the number.
absl::Status CheckIdNumber(IdType type, absl::string_view number);

}  // namespace lienthong::domain

// Checks on personal identification numbers (CCCD, CMND, passport).
#include "services/domain/personal_id.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "services/domain/ascii_scan.h"

namespace lienthong::domain {
namespace {

using internal::DigitsValue;
using internal::IsDigits;
using internal::IsUpperAlnum;

// Circular 07/2016/TT-BCA Art. 7 province codes, sorted for binary search: the 63 provinces
// before the 2025 mergers. A number is for life, so these codes stay valid.
constexpr std::array<int, 63> kCircular07ProvinceCodes = {
    1,  2,  4,  6,  8,  10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
    34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66,
    67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96};

absl::Status PersonalIdError(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("personal ID number: ", reason));
}

}  // namespace

std::optional<IdType> IdTypeFromCode(int code) {
  switch (code) {
    case static_cast<int>(IdType::kPassport):
      return IdType::kPassport;
    case static_cast<int>(IdType::kCmnd):
      return IdType::kCmnd;
    case static_cast<int>(IdType::kCccd):
      return IdType::kCccd;
    default:
      return std::nullopt;
  }
}

bool IsCircular07ProvinceCode(int code) {
  return std::binary_search(kCircular07ProvinceCodes.begin(), kCircular07ProvinceCodes.end(),
                            code);
}

absl::StatusOr<PersonalIdParts> ParsePersonalId(absl::string_view number) {
  if (number.size() != kPersonalIdLength || !IsDigits(number)) {
    return PersonalIdError("expected 12 digits");
  }
  PersonalIdParts parts;
  parts.province_code = DigitsValue(number.substr(0, 3));
  if (!IsCircular07ProvinceCode(parts.province_code)) {
    return PersonalIdError("unknown province-of-birth-registration code");
  }
  // Decree 137/2015 Art. 13: century-and-sex digit.
  const int century_and_sex = DigitsValue(number.substr(3, 1));
  parts.century = 1900 + 100 * (century_and_sex / 2);
  parts.female = century_and_sex % 2 == 1;
  parts.birth_year = parts.century + DigitsValue(number.substr(4, 2));
  return parts;
}

absl::Status CheckPersonalIdAgreement(const PersonalIdParts& parts,
                                      std::optional<int> birth_year, std::optional<Sex> sex) {
  if (birth_year.has_value() && *birth_year != parts.birth_year) {
    return PersonalIdError("birth year does not agree with the date of birth");
  }
  if (sex.has_value() && (*sex == Sex::kFemale) != parts.female) {
    return PersonalIdError("sex digit does not agree with the sex given");
  }
  return absl::OkStatus();
}

bool IsValidCmndNumber(absl::string_view number) {
  return number.size() == kCmndLength && IsDigits(number);
}

absl::CivilDay IdentityLaw2023CmndLastValidDay() {
  return absl::CivilDay(kIdentityLaw2023CmndLastValidYear, 12, 31);
}

absl::Status CheckCmndValidOn(absl::CivilDay received_day) {
  if (received_day <= IdentityLaw2023CmndLastValidDay()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "CMND identity cards (9 digits) ceased to be valid after 31 December 2024 (Identity Law "
      "2023 Art. 46): a dossier received since then needs the 12-digit personal identification "
      "number (ID_TYPE_CCCD) or a passport");
}

bool IsValidPassportNumber(absl::string_view number) {
  return number.size() >= kPassportNumberMinLength &&
         number.size() <= kPassportNumberMaxLength &&
         std::all_of(number.begin(), number.end(), IsUpperAlnum);
}

absl::Status CheckIdNumber(IdType type, absl::string_view number) {
  switch (type) {
    case IdType::kCccd:
      return ParsePersonalId(number).status();
    case IdType::kCmnd:
      if (IsValidCmndNumber(number)) return absl::OkStatus();
      return absl::InvalidArgumentError("CMND number: expected 9 digits");
    case IdType::kPassport:
      if (IsValidPassportNumber(number)) return absl::OkStatus();
      return absl::InvalidArgumentError("passport number: expected 6 to 9 characters of [0-9A-Z]");
  }
  return absl::InvalidArgumentError("unknown ID type");
}

}  // namespace lienthong::domain

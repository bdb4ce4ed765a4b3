// Field paths built on demand, and the field checks shared by the request validators.
#include "services/validation/field_scope.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"
#include "services/domain/working_day_calendar.h"
#include "services/validation/validation_context.h"

namespace lienthong::validation {
namespace {

constexpr int32_t kMaxTimestampNanos = 999'999'999;

// Built once: a fixed zone is cheap to use but not to make.
const absl::TimeZone& VietnamZone() {
  static const absl::TimeZone* const zone = new absl::TimeZone(domain::VietnamTimeZone());
  return *zone;
}

// Start of kEarliestTimestampYear and of the year after kLatestTimestampYear, UTC.
absl::Time EarliestTimestamp() {
  static const absl::Time time =
      absl::FromCivil(absl::CivilYear(kEarliestTimestampYear), absl::UTCTimeZone());
  return time;
}
absl::Time EndOfLatestTimestampYear() {
  static const absl::Time time =
      absl::FromCivil(absl::CivilYear(kLatestTimestampYear + 1), absl::UTCTimeZone());
  return time;
}

// The domain's messages start with the field name they were given; the path already says it.
std::string WithoutFieldPrefix(const absl::Status& status, absl::string_view field) {
  absl::string_view message = status.message();
  if (absl::StartsWith(message, field) && absl::StartsWith(message.substr(field.size()), ": ")) {
    message.remove_prefix(field.size() + 2);
  }
  return std::string(message);
}

std::string DescribeEnum(const google::protobuf::EnumDescriptor& type, Presence presence) {
  std::string out = presence == Presence::kRequired ? "required: one of " : "expected one of ";
  bool first = true;
  for (int i = 0; i < type.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor& value = *type.value(i);
    if (presence == Presence::kRequired && value.number() == 0) continue;
    absl::StrAppend(&out, first ? "" : ", ", value.name(), " (", value.number(), ")");
    first = false;
  }
  return out;
}

}  // namespace

absl::CivilDay VietnamDay(absl::Time time) { return absl::ToCivilDay(time, VietnamZone()); }

std::optional<domain::Sex> SexFromWire(v1::Sex sex) {
  switch (sex) {
    case v1::SEX_MALE:
      return domain::Sex::kMale;
    case v1::SEX_FEMALE:
      return domain::Sex::kFemale;
    default:
      return std::nullopt;
  }
}

void FieldScope::AppendPath(std::string* out) const {
  if (parent_ != nullptr) parent_->AppendPath(out);
  if (name_.empty()) return;
  absl::StrAppend(out, out->empty() ? "" : ".", name_);
  if (index_ != kNoIndex) absl::StrAppend(out, "[", index_, "]");
}

std::string FieldScope::Path(absl::string_view leaf) const {
  std::string path;
  AppendPath(&path);
  if (!leaf.empty()) absl::StrAppend(&path, path.empty() ? "" : ".", leaf);
  return path;
}

void FieldScope::Add(absl::string_view leaf, std::string description) const {
  violations_->Add(Path(leaf), std::move(description));
}

void FieldScope::Text(absl::string_view leaf, absl::string_view value, const TextRule& rule) const {
  const TextDefect defect = FindTextDefect(value, rule);
  if (defect != TextDefect::kNone) Add(leaf, DescribeTextDefect(defect, rule));
}

void FieldScope::Code(absl::string_view leaf, domain::CodeKind kind, absl::string_view value,
                      Presence presence) const {
  if (value.empty() && presence == Presence::kOptional) return;
  const absl::Status status = domain::CheckCode(kind, leaf, value);
  if (status.ok()) return;
  Add(leaf, absl::StrCat(value.empty() ? "required; " : "", WithoutFieldPrefix(status, leaf)));
}

std::optional<domain::DossierCodeParts> FieldScope::DossierCode(absl::string_view leaf,
                                                                absl::string_view value) const {
  absl::StatusOr<domain::DossierCodeParts> parts = domain::ParseDossierCode(value);
  if (parts.ok()) return *std::move(parts);
  Add(leaf, absl::StrCat(value.empty() ? "required; " : "",
                         WithoutFieldPrefix(parts.status(), "dossier code"),
                         " (Circular 03/2025/TT-VPCP, as in Circular 01/2018/TT-VPCP Art. 19)"));
  return std::nullopt;
}

void FieldScope::OpaqueIdentifier(absl::string_view leaf, absl::string_view value,
                                  Presence presence) const {
  if (value.empty() && presence == Presence::kOptional) return;
  if (IsOpaqueIdentifier(value)) return;
  Add(leaf, absl::StrCat(value.empty() ? "required; " : "", "expected 1 to ",
                         kOpaqueIdentifierMaxLength, " characters of [A-Za-z0-9._-]"));
}

void FieldScope::UnitCode(absl::string_view leaf, absl::string_view value) const {
  if (value.empty() || IsDigitString(value)) return;
  Add(leaf, "expected the digits of an administrative-unit code from the national list");
}

void FieldScope::RequestId(absl::string_view leaf, absl::string_view value) const {
  if (value.empty() || IsUuid(value)) return;
  Add(leaf, "expected a UUID of the form 8-4-4-4-12 hexadecimal digits");
}

void FieldScope::Sha256(absl::string_view leaf, absl::string_view value, Presence presence) const {
  Code(leaf, domain::CodeKind::kSha256Hex, value, presence);
}

void FieldScope::Enum(absl::string_view leaf, int value,
                      const google::protobuf::EnumDescriptor& type, Presence presence) const {
  const bool missing = value == 0 && presence == Presence::kRequired;
  if (!missing && type.FindValueByNumber(value) != nullptr) return;
  Add(leaf, DescribeEnum(type, presence));
}

void FieldScope::Range(absl::string_view leaf, int64_t value, int64_t min, int64_t max,
                       absl::string_view form) const {
  if (value >= min && value <= max) return;
  Add(leaf, absl::StrCat("expected ", form, " from ", min, " to ", max));
}

void FieldScope::PageSize(absl::string_view leaf, int32_t value, uint32_t max) const {
  if (value >= 0 && static_cast<uint32_t>(value) <= max) return;
  Add(leaf, absl::StrCat("expected 1 to ", max, ", or 0 for the default page size"));
}

std::optional<absl::Time> FieldScope::Timestamp(absl::string_view leaf, bool present,
                                                const google::protobuf::Timestamp& value,
                                                Presence presence) const {
  if (!present) {
    if (presence == Presence::kRequired) Add(leaf, "required: a timestamp");
    return std::nullopt;
  }
  if (value.nanos() < 0 || value.nanos() > kMaxTimestampNanos) {
    Add(leaf, "expected nanos from 0 to 999999999");
    return std::nullopt;
  }
  const absl::Time time = FromProtoTimestamp(value);
  if (time < EarliestTimestamp() || time >= EndOfLatestTimestampYear()) {
    Add(leaf, absl::StrCat("expected a time in the years ", kEarliestTimestampYear, " to ",
                           kLatestTimestampYear));
    return std::nullopt;
  }
  return time;
}

void FieldScope::NotInFuture(absl::string_view leaf, absl::Time time, absl::Time now) const {
  if (time <= now + kMaxClockSkew) return;
  Add(leaf, absl::StrCat("must not be more than ", absl::ToInt64Minutes(kMaxClockSkew),
                         " minutes after the gateway's clock"));
}

void FieldScope::Unset(absl::string_view leaf, bool is_set, absl::string_view reason) const {
  if (is_set) Add(leaf, absl::StrCat("must be empty: ", reason));
}

std::optional<absl::CivilDay> FieldScope::IsoDate(absl::string_view leaf, absl::string_view value,
                                                  Presence presence) const {
  if (value.empty() && presence == Presence::kOptional) return std::nullopt;
  std::optional<absl::CivilDay> day = ParseIsoDate(value);
  if (!day.has_value()) {
    Add(leaf,
        absl::StrCat(value.empty() ? "required; " : "", "expected a calendar date \"YYYY-MM-DD\""));
  }
  return day;
}

std::optional<PartialDate> FieldScope::BirthDate(absl::string_view leaf, absl::string_view value,
                                                 Presence presence, bool year_only_allowed,
                                                 std::optional<absl::CivilDay> today) const {
  if (value.empty() && presence == Presence::kOptional) return std::nullopt;
  std::optional<PartialDate> date;
  if (year_only_allowed) {
    date = ParseIsoDateOrYear(value);
  } else if (std::optional<absl::CivilDay> day = ParseIsoDate(value)) {
    date = PartialDate{static_cast<int>(day->year()), day};
  }
  if (!date.has_value()) {
    Add(leaf,
        absl::StrCat(value.empty() ? "required; " : "", "expected a calendar date \"YYYY-MM-DD\"",
                     year_only_allowed ? ", or \"YYYY\" when only the year is known" : ""));
    return std::nullopt;
  }
  if (date->year < kEarliestBirthYear) {
    Add(leaf, absl::StrCat("expected a date of birth from ", kEarliestBirthYear, " on"));
    return std::nullopt;
  }
  if (today.has_value() &&
      (date->day.has_value() ? *date->day > *today : date->year > today->year())) {
    Add(leaf, "must not be in the future (Vietnam's local date)");
    return std::nullopt;
  }
  return date;
}

void FieldScope::PersonalId(absl::string_view leaf, absl::string_view number,
                            std::optional<int> birth_year, std::optional<domain::Sex> sex) const {
  const absl::StatusOr<domain::PersonalIdParts> parts = domain::ParsePersonalId(number);
  if (!parts.ok()) {
    Add(leaf, absl::StrCat(parts.status().message(), " (Decree 137/2015/NĐ-CP Art. 13)"));
    return;
  }
  if (birth_year.has_value() &&
      !domain::CheckPersonalIdAgreement(*parts, birth_year, std::nullopt).ok()) {
    Add(leaf,
        "the century-and-sex digit and the two birth-year digits (4th to 6th) must give "
        "the year of date_of_birth (Decree 137/2015/NĐ-CP Art. 13)");
  }
  if (sex.has_value() && !domain::CheckPersonalIdAgreement(*parts, std::nullopt, sex).ok()) {
    Add(leaf,
        "the century-and-sex digit (4th) must agree with sex: even for male, odd for "
        "female (Decree 137/2015/NĐ-CP Art. 13)");
  }
}

}  // namespace lienthong::validation

// Field paths as the client sees them, and the field checks that report violations under them.
//
// A path is a chain of string_views on the stack; the path string is built only when a violation
// is reported, so a good request costs no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "lienthong/v1/common.pb.h"
#include "services/common/rpc_status.h"
#include "services/domain/codes.h"
#include "services/domain/personal_id.h"
#include "services/validation/field_rules.h"

namespace lienthong::validation {

// Timestamps a client sends must lie in the years 2000 to 2100: anything else is a unit or
// epoch mistake, not a date in the life of a dossier.
inline constexpr int kEarliestTimestampYear = 2000;
inline constexpr int kLatestTimestampYear = 2100;

// Nobody alive was born before 1900, the first century the personal identification number
// encodes (Decree 137/2015/NĐ-CP Art. 13).
inline constexpr int kEarliestBirthYear = 1900;

// Why a client leaves version, updated_at and the like empty.
inline constexpr absl::string_view kSetByGateway = "set by the gateway";

enum class Presence { kOptional, kRequired };

// The local day of `time` in Vietnam (Asia/Ho_Chi_Minh, UTC+7).
absl::CivilDay VietnamDay(absl::Time time);

class FieldScope {
 public:
  // The top of a request (empty `root`) or a caller's prefix such as "records[3]".
  FieldScope(absl::string_view root, FieldViolations* violations)
      : parent_(nullptr), name_(root), index_(kNoIndex), violations_(violations) {}

  // The message in field `name`: "dossier" then "dossier.applicant".
  FieldScope Field(absl::string_view name) const& { return FieldScope(this, name, kNoIndex); }
  // Element `index` of the repeated field `name`: "dossier.attachments[2]".
  FieldScope Element(absl::string_view name, int index) const& {
    return FieldScope(this, name, index);
  }
  // A scope points at its parent, so a temporary has no children.
  FieldScope Field(absl::string_view name) const&& = delete;
  FieldScope Element(absl::string_view name, int index) const&& = delete;

  // "<this path>.<leaf>", or this path alone when `leaf` is empty.
  std::string Path(absl::string_view leaf) const;

  // Reports field `leaf` of this message ("" for the message itself) as violating `description`.
  void Add(absl::string_view leaf, std::string description) const;

  // The checks below look at field `leaf` of this message and add at most one violation each,
  // except PersonalId, which reports each disagreement.

  // Plain text (field_rules.h).
  void Text(absl::string_view leaf, absl::string_view value, const TextRule& rule) const;

  // A code of the given kind (services/domain/codes.h); an empty optional code passes.
  void Code(absl::string_view leaf, domain::CodeKind kind, absl::string_view value,
            Presence presence) const;

  // A required dossier code (Circular 03/2025/TT-VPCP, as in Circular 01/2018 Art. 19), parsed.
  std::optional<domain::DossierCodeParts> DossierCode(absl::string_view leaf,
                                                      absl::string_view value) const;

  // An opaque sector identifier (school code, student identifier).
  void OpaqueIdentifier(absl::string_view leaf, absl::string_view value, Presence presence) const;

  // Optional administrative-unit code: digits only.
  void UnitCode(absl::string_view leaf, absl::string_view value) const;

  // Optional client request id: a UUID.
  void RequestId(absl::string_view leaf, absl::string_view value) const;

  // A SHA-256 digest in hexadecimal.
  void Sha256(absl::string_view leaf, absl::string_view value, Presence presence) const;

  // A value the enum defines; kRequired also refuses 0, the UNSPECIFIED value.
  void Enum(absl::string_view leaf, int value, const google::protobuf::EnumDescriptor& type,
            Presence presence) const;

  // `value` within [min, max]; `form` says what the field holds ("working days").
  void Range(absl::string_view leaf, int64_t value, int64_t min, int64_t max,
             absl::string_view form) const;

  // page_size of a list call: 0 (the default page) to `max`.
  void PageSize(absl::string_view leaf, int32_t value, uint32_t max) const;

  // A timestamp with nanos in range and a year in 2000..2100. Returns the time when it is
  // present and valid.
  std::optional<absl::Time> Timestamp(absl::string_view leaf, bool present,
                                      const google::protobuf::Timestamp& value,
                                      Presence presence) const;

  // `time` at most kMaxClockSkew after `now`.
  void NotInFuture(absl::string_view leaf, absl::Time time, absl::Time now) const;

  // A field the client must leave unset; `reason` says who sets it.
  void Unset(absl::string_view leaf, bool is_set, absl::string_view reason) const;

  // "YYYY-MM-DD". Returns the day when it is present and valid.
  std::optional<absl::CivilDay> IsoDate(absl::string_view leaf, absl::string_view value,
                                        Presence presence) const;

  // A date of birth: "YYYY-MM-DD" (or "YYYY" too when `year_only_allowed`), from 1900 on, and
  // not after `today` when the caller knows the day. Returns it when present and valid.
  std::optional<PartialDate> BirthDate(absl::string_view leaf, absl::string_view value,
                                       Presence presence, bool year_only_allowed,
                                       std::optional<absl::CivilDay> today) const;

  // A 12-digit personal identification number (Decree 137/2015/NĐ-CP Art. 13) whose birth year
  // and sex agree with the ones given (absent ones are not compared).
  void PersonalId(absl::string_view leaf, absl::string_view number, std::optional<int> birth_year,
                  std::optional<domain::Sex> sex) const;

 private:
  static constexpr int kNoIndex = -1;

  FieldScope(const FieldScope* parent, absl::string_view name, int index)
      : parent_(parent), name_(name), index_(index), violations_(parent->violations_) {}

  void AppendPath(std::string* out) const;

  const FieldScope* parent_;
  absl::string_view name_;
  int index_;
  FieldViolations* violations_;
};

// The domain's sex for a wire value; nullopt for unspecified.
std::optional<domain::Sex> SexFromWire(v1::Sex sex);

}  // namespace lienthong::validation

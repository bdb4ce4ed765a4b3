// The names of record types as config files, the access policy, adapters and logs spell them
// ("dossier", "school", "student", "diploma"), in one place.
#pragma once

#include <optional>
#include <utility>

#include "absl/strings/string_view.h"
#include "lienthong/v1/common.pb.h"

namespace lienthong {

inline constexpr std::pair<v1::RecordType, absl::string_view> kRecordTypeNames[] = {
    {v1::RECORD_TYPE_DOSSIER, "dossier"},
    {v1::RECORD_TYPE_SCHOOL, "school"},
    {v1::RECORD_TYPE_STUDENT, "student"},
    {v1::RECORD_TYPE_DIPLOMA, "diploma"},
};

// "dossier", "school", "student" or "diploma"; "unspecified" for any other value.
inline absl::string_view RecordTypeName(v1::RecordType type) {
  for (const auto& [known, name] : kRecordTypeNames) {
    if (known == type) return name;
  }
  return "unspecified";
}

// The record type a name stands for; nullopt for any other name.
inline std::optional<v1::RecordType> RecordTypeFromName(absl::string_view name) {
  for (const auto& [type, known] : kRecordTypeNames) {
    if (known == name) return type;
  }
  return std::nullopt;
}

}  // namespace lienthong

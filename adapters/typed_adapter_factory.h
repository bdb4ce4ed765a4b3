// TypedAdapterFactory<KindConfig>: the part of an AdapterFactory that is the same for every kind,
// written once. An entry of kind "jsonl" must set its `jsonl` message; Validate reports it
// missing or checks it; Create validates, then builds. A kind writes only what is its own:
//
//   class JsonlAdapterFactory final : public TypedAdapterFactory<config::v1::JsonlAdapterConfig> {
//    public:
//     std::string kind() const override { return "jsonl"; }   // the oneof field's name
//    protected:
//     void ValidateKind(const config::v1::JsonlAdapterConfig& jsonl,
//                       FieldViolations* violations) const override;
//     absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
//         const config::v1::Adapter& entry,
//         const config::v1::JsonlAdapterConfig& jsonl) const override;
//   };
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "adapters/adapter.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters {

template <typename KindConfig>
class TypedAdapterFactory : public AdapterFactory {
 public:
  // Every record type, unless the kind says otherwise.
  std::vector<v1::RecordType> record_types() const override {
    return {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL, v1::RECORD_TYPE_STUDENT,
            v1::RECORD_TYPE_DIPLOMA};
  }

  absl::Status Validate(const config::v1::Adapter& config) const final {
    FieldViolations violations;
    if (const KindConfig* typed = Typed(config)) {
      ValidateKind(*typed, &violations);
    } else {
      violations.Add(kind(), absl::StrCat("required for an adapter of kind ", kind()));
    }
    return violations.ToStatus();
  }

  absl::StatusOr<std::unique_ptr<Adapter>> Create(
      const config::v1::Adapter& config) const final {
    RETURN_IF_ERROR(Validate(config));
    return CreateKind(config, *Typed(config));
  }

 protected:
  // Adds one violation per bad field of the kind's message, named by its path inside the entry
  // ("jsonl.output_file"). Touches no network.
  virtual void ValidateKind(const KindConfig& typed, FieldViolations* violations) const = 0;
  // Builds the adapter of a validated `entry`, whose kind message is `typed`.
  virtual absl::StatusOr<std::unique_ptr<Adapter>> CreateKind(
      const config::v1::Adapter& entry, const KindConfig& typed) const = 0;

 private:
  // The entry's message in the oneof field named kind(); null when that field is not set.
  const KindConfig* Typed(const config::v1::Adapter& config) const {
    const auto* field = config::v1::Adapter::descriptor()->FindFieldByName(kind());
    const auto* reflection = config.GetReflection();
    if (field == nullptr || !reflection->HasField(config, field)) return nullptr;
    return dynamic_cast<const KindConfig*>(&reflection->GetMessage(config, field));
  }
};

}  // namespace lienthong::adapters

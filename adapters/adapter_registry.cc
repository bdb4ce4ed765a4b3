// AdapterRegistry and the record-type names of the adapter contract.
#include "adapters/adapter_registry.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/proto_time.h"
#include "services/common/record_type_names.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters {
namespace {

bool IsAdapterName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-';
         });
}

// The fields every entry has, whatever its kind.
void CheckCommonFields(const std::string& path, const config::v1::Adapter& entry,
                       std::set<std::string>* names, FieldViolations* violations) {
  if (!IsAdapterName(entry.name())) {
    violations->Add(path + ".name", "required, 1-64 characters of [a-z0-9_-]");
  } else if (!names->insert(entry.name()).second) {
    violations->Add(path + ".name",
                    absl::StrCat("adapter name '", entry.name(), "' is used twice"));
  }
  if (entry.batch_size() > kMaxAdapterBatchSize) {
    violations->Add(path + ".batch_size", absl::StrCat("at most ", kMaxAdapterBatchSize));
  }
  if (entry.has_linger() && FromProtoDuration(entry.linger()) < absl::ZeroDuration()) {
    violations->Add(path + ".linger", "must not be negative");
  }
}

// A refusal of entry `path` by Check, its fields put under the entry's path.
void AddEntryRefusal(const std::string& path, const absl::Status& refusal,
                     FieldViolations* violations) {
  google::rpc::BadRequest bad;
  if (GetBadRequest(refusal, &bad)) {
    for (const auto& v : bad.field_violations()) {
      violations->Add(absl::StrCat(path, ".", v.field()), v.description());
    }
  } else {
    violations->Add(path, std::string(refusal.message()));
  }
}

}  // namespace

bool IsTransientFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<v1::RecordType> RecordTypeFromName(absl::string_view name) {
  if (const auto type = lienthong::RecordTypeFromName(name)) return *type;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown record type '", name, "' (dossier, school, student or diploma)"));
}

std::string AdapterKindOf(const config::v1::Adapter& config) {
  if (config.kind_case() == config::v1::Adapter::KIND_NOT_SET) return "";
  const auto* field = config::v1::Adapter::descriptor()->FindFieldByNumber(config.kind_case());
  return field == nullptr ? "" : field->name();
}

absl::Status AdapterRegistry::Register(std::unique_ptr<AdapterFactory> factory) {
  std::string kind = factory->kind();
  auto [it, inserted] = factories_.emplace(kind, std::move(factory));
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("adapter kind '", kind, "' is registered twice"));
  }
  return absl::OkStatus();
}

const AdapterFactory* AdapterRegistry::Find(absl::string_view kind) const {
  auto it = factories_.find(kind);
  return it == factories_.end() ? nullptr : it->second.get();
}

absl::StatusOr<const AdapterFactory*> AdapterRegistry::FactoryFor(
    const config::v1::Adapter& config) const {
  const std::string kind = AdapterKindOf(config);
  FieldViolations violations;
  if (kind.empty()) {
    violations.Add("kind", absl::StrCat("one of ", absl::StrJoin(kinds(), ", "), " is required"));
    return violations.ToStatus();
  }
  const AdapterFactory* factory = Find(kind);
  if (factory == nullptr) {
    violations.Add(kind, absl::StrCat("adapter kind '", kind,
                                      "' is not available in this build (available: ",
                                      absl::StrJoin(kinds(), ", "), ")"));
    return violations.ToStatus();
  }
  return factory;
}

absl::Status AdapterRegistry::Check(const config::v1::Adapter& config) const {
  ASSIGN_OR_RETURN(const AdapterFactory* factory, CheckRecordTypes(config));
  return factory->Validate(config);
}

absl::Status AdapterRegistry::CheckEntries(
    const google::protobuf::RepeatedPtrField<config::v1::Adapter>& entries) const {
  FieldViolations violations;
  std::set<std::string> names;
  for (int i = 0; i < entries.size(); ++i) {
    const std::string path = absl::StrCat("adapters[", i, "]");
    CheckCommonFields(path, entries.Get(i), &names, &violations);
    if (absl::Status checked = Check(entries.Get(i)); !checked.ok()) {
      AddEntryRefusal(path, checked, &violations);
    }
  }
  return violations.ToStatus();
}

absl::StatusOr<std::unique_ptr<Adapter>> AdapterRegistry::Create(
    const config::v1::Adapter& config) const {
  ASSIGN_OR_RETURN(const AdapterFactory* factory, CheckRecordTypes(config));
  return factory->Create(config);  // validates the kind's own config first
}

absl::StatusOr<const AdapterFactory*> AdapterRegistry::CheckRecordTypes(
    const config::v1::Adapter& config) const {
  ASSIGN_OR_RETURN(const AdapterFactory* factory, FactoryFor(config));
  FieldViolations violations;
  const std::vector<v1::RecordType> taken = factory->record_types();
  for (int i = 0; i < config.record_types_size(); ++i) {
    const std::string field = absl::StrCat("record_types[", i, "]");
    auto type = RecordTypeFromName(config.record_types(i));
    if (!type.ok()) {
      violations.Add(field, std::string(type.status().message()));
    } else if (std::find(taken.begin(), taken.end(), *type) == taken.end()) {
      violations.Add(field, absl::StrCat("adapter kind '", factory->kind(), "' does not take '",
                                         config.record_types(i), "' records"));
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return factory;
}

std::vector<std::string> AdapterRegistry::kinds() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

}  // namespace lienthong::adapters

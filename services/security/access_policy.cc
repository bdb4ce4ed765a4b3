// The compiled access policy: grants merged per member, checked on every call.
#include "services/security/access_policy.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/record_type_names.h"
#include "services/common/status_macros.h"

namespace lienthong::security {
namespace {

constexpr uint32_t kAllTypes = ~uint32_t{0};

uint32_t TypeBit(v1::RecordType type) { return uint32_t{1} << static_cast<int>(type); }

// The bits of a list of record-type names ("*" is every type).
absl::StatusOr<uint32_t> TypeBits(const google::protobuf::RepeatedPtrField<std::string>& names,
                                  absl::string_view where) {
  uint32_t bits = 0;
  for (const std::string& name : names) {
    if (name == "*") {
      bits = kAllTypes;
    } else if (const auto type = RecordTypeFromName(name)) {
      bits |= TypeBit(*type);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown record type '", name, "'"));
    }
  }
  return bits;
}

absl::string_view WithoutLeadingSlash(absl::string_view method) {
  if (absl::StartsWith(method, "/")) method.remove_prefix(1);
  return method;
}

absl::Status Denied(absl::string_view member, absl::string_view action) {
  std::string message = absl::StrCat("member ", member, " may not ", action);
  LogLine(LogLevel::kWarning, "access denied").Str("member", member).Str("action", action);
  return absl::PermissionDeniedError(std::move(message));
}

}  // namespace

std::shared_ptr<const AccessPolicy> AccessPolicy::DenyAll() {
  return std::shared_ptr<const AccessPolicy>(new AccessPolicy());
}

absl::StatusOr<std::shared_ptr<const AccessPolicy>> AccessPolicy::Compile(
    const config::v1::AccessPolicy& config) {
  std::shared_ptr<AccessPolicy> policy(new AccessPolicy());
  for (int i = 0; i < config.members_size(); ++i) {
    const config::v1::Member& member = config.members(i);
    const std::string where = absl::StrCat("access_policy.members[", i, "]");
    if (member.agency_code().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": agency_code is required"));
    }
    auto [it, inserted] = policy->members_.try_emplace(member.agency_code());
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": member ", member.agency_code(), " is listed twice"));
    }
    Rights& rights = it->second;
    rights.require_user = member.require_user();
    rights.require_correlation_id = member.require_correlation_id();
    std::vector<std::pair<std::string, const config::v1::Grant*>> grants = {
        {where + ".grant", &member.grant()}};
    for (const std::string& group : member.groups()) {
      auto found = config.groups().find(group);
      if (found == config.groups().end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": no group named '", group, "'"));
      }
      grants.emplace_back(absl::StrCat("access_policy.groups[\"", group, "\"]"), &found->second);
    }
    for (const auto& [grant_where, grant] : grants) {
      for (const std::string& pattern : grant->methods()) {
        absl::string_view method = WithoutLeadingSlash(pattern);
        if (method == "*") {
          rights.all_methods = true;
        } else if (absl::EndsWith(method, "/*")) {
          rights.services.insert(std::string(method.substr(0, method.size() - 2)));
        } else {
          rights.methods.insert(std::string(method));
        }
      }
      ASSIGN_OR_RETURN(const uint32_t write, TypeBits(grant->write_record_types(), grant_where));
      ASSIGN_OR_RETURN(const uint32_t read, TypeBits(grant->read_record_types(), grant_where));
      ASSIGN_OR_RETURN(const uint32_t subscribe,
                       TypeBits(grant->subscribe_record_types(), grant_where));
      rights.write_types |= write;
      rights.read_types |= read;
      rights.subscribe_types |= subscribe;
      for (const std::string& agency : grant->agencies()) {
        if (agency == "*") {
          rights.all_agencies = true;
        } else {
          rights.agencies.insert(agency);
        }
      }
    }
    // A member always sees its own agency's dossiers; an empty list means only those.
    rights.agencies.insert(member.agency_code());
  }
  return std::shared_ptr<const AccessPolicy>(std::move(policy));
}

const AccessPolicy::Rights* AccessPolicy::Find(absl::string_view member) const {
  auto it = members_.find(member);
  return it == members_.end() ? nullptr : &it->second;
}

bool AccessPolicy::MayCallMethod(absl::string_view member, absl::string_view full_method) const {
  const absl::string_view method = WithoutLeadingSlash(full_method);
  const Rights* rights = Find(member);
  if (rights == nullptr) return false;
  if (rights->all_methods || rights->methods.contains(method)) return true;
  const size_t slash = method.find('/');
  return slash != absl::string_view::npos && rights->services.contains(method.substr(0, slash));
}

absl::Status AccessPolicy::AuthorizeMethod(absl::string_view member,
                                           absl::string_view full_method) const {
  if (MayCallMethod(member, full_method)) return absl::OkStatus();
  const absl::string_view method = WithoutLeadingSlash(full_method);
  if (Find(member) == nullptr) {
    return Denied(member, absl::StrCat("call ", method, ": it is not a member listed in the "
                                       "access policy"));
  }
  return Denied(member, absl::StrCat("call ", method));
}

absl::Status AccessPolicy::CheckAttribution(absl::string_view member,
                                            absl::string_view full_method, bool has_user,
                                            bool has_correlation_id) const {
  const Rights* rights = Find(member);
  if (rights == nullptr) return absl::OkStatus();  // AuthorizeMethod refuses it
  const absl::string_view method = WithoutLeadingSlash(full_method);
  if (rights->require_user && !has_user) {
    return Denied(member, absl::StrCat("call ", method, " without naming its end user (metadata "
                                       "x-lienthong-user)"));
  }
  if (rights->require_correlation_id && !has_correlation_id) {
    return Denied(member, absl::StrCat("call ", method, " without a correlation id (metadata "
                                       "x-lienthong-correlation-id)"));
  }
  return absl::OkStatus();
}

bool AccessPolicy::MayWrite(absl::string_view member, v1::RecordType type) const {
  const Rights* rights = Find(member);
  return rights != nullptr && (rights->write_types & TypeBit(type)) != 0;
}

bool AccessPolicy::MayRead(absl::string_view member, v1::RecordType type) const {
  const Rights* rights = Find(member);
  return rights != nullptr && (rights->read_types & TypeBit(type)) != 0;
}

bool AccessPolicy::MaySubscribe(absl::string_view member, v1::RecordType type) const {
  const Rights* rights = Find(member);
  return rights != nullptr && (rights->subscribe_types & TypeBit(type)) != 0;
}

absl::Status AccessPolicy::CheckType(absl::string_view member, v1::RecordType type,
                                     uint32_t Rights::*types, absl::string_view verb) const {
  const Rights* rights = Find(member);
  if (rights != nullptr && ((rights->*types) & TypeBit(type)) != 0) return absl::OkStatus();
  return Denied(member, absl::StrCat(verb, " ", RecordTypeName(type), " records"));
}

absl::Status AccessPolicy::CheckWrite(absl::string_view member, v1::RecordType type) const {
  return CheckType(member, type, &Rights::write_types, "write");
}

absl::Status AccessPolicy::CheckRead(absl::string_view member, v1::RecordType type) const {
  return CheckType(member, type, &Rights::read_types, "read");
}

absl::Status AccessPolicy::CheckSubscribe(absl::string_view member, v1::RecordType type) const {
  return CheckType(member, type, &Rights::subscribe_types, "subscribe to");
}

bool AccessPolicy::MaySeeAgency(absl::string_view member, absl::string_view agency) const {
  const Rights* rights = Find(member);
  return rights != nullptr && (rights->all_agencies || rights->agencies.contains(agency));
}

bool AccessPolicy::SeesAllAgencies(absl::string_view member) const {
  const Rights* rights = Find(member);
  return rights != nullptr && rights->all_agencies;
}

bool AccessPolicy::MaySeeDossier(absl::string_view member, absl::string_view receiving_agency,
                                 absl::string_view handling_agency) const {
  return MaySeeAgency(member, receiving_agency) ||
         (!handling_agency.empty() && MaySeeAgency(member, handling_agency));
}

absl::Status AccessPolicy::CheckDossier(absl::string_view member, absl::string_view action,
                                        absl::string_view code,
                                        absl::string_view receiving_agency,
                                        absl::string_view handling_agency) const {
  if (MaySeeDossier(member, receiving_agency, handling_agency)) return absl::OkStatus();
  return Denied(member,
                absl::StrCat(action, " dossier ", code, " of agency ", receiving_agency));
}

absl::Status AccessPolicy::CheckAgency(absl::string_view member, absl::string_view action,
                                       absl::string_view agency) const {
  if (MaySeeAgency(member, agency)) return absl::OkStatus();
  return Denied(member, absl::StrCat(action, " the dossiers of agency ", agency));
}

}  // namespace lienthong::security

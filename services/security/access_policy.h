// The access policy (docs/architecture.md, guarantee 9): which methods a member may call, which record
// types it may write, read and subscribe to, and whose dossiers it may see. Default deny.
//
// A member is an agency code read from its client certificate (member_identity.h). Its rights
// are the union of its own grant and the grants of its groups (config::v1::AccessPolicy). A
// certificate whose agency code the policy does not list has no rights at all; what no grant
// names is refused with PERMISSION_DENIED naming the member and the refused action, and the
// refusal is logged.
//
// Not covered here, by decision (docs/security.md): grpc.health.v1.Health and server reflection
// answer any caller that passed the handshake (a certificate of the trusted CA naming a
// member): probes must see health whatever the grants, and reflection describes only the
// published contracts, never records.
//
// A policy is immutable once compiled; AccessPolicyHolder swaps it on config reload, and each
// call works with the one snapshot it took when it began.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lienthong/config/v1/config.pb.h"
#include "lienthong/v1/common.pb.h"

namespace lienthong::security {

class AccessPolicy {
 public:
  // Compiles `config`. INVALID_ARGUMENT for what ValidateGatewayConfig also refuses (a member
  // listed twice, an unknown group, an unknown record-type name); a config that passed it
  // compiles.
  static absl::StatusOr<std::shared_ptr<const AccessPolicy>> Compile(
      const config::v1::AccessPolicy& config);
  // The policy with no member: every call is refused.
  static std::shared_ptr<const AccessPolicy> DenyAll();

  bool IsMember(absl::string_view member) const { return members_.contains(member); }
  int member_count() const { return static_cast<int>(members_.size()); }

  // OK when `member` may call `full_method` ("/pkg.Service/Method" or "pkg.Service/Method");
  // otherwise PERMISSION_DENIED "member <m> may not call <method>", logged.
  absl::Status AuthorizeMethod(absl::string_view member, absl::string_view full_method) const;
  // The same question without the refusal's log line (what the console offers a member).
  bool MayCallMethod(absl::string_view member, absl::string_view full_method) const;

  // OK unless the member's config (Member.require_user, require_correlation_id) requires the
  // end user or the correlation id and the call did not send it: then PERMISSION_DENIED
  // "member <m> may not call <method> without naming its end user (metadata x-lienthong-user)",
  // logged. PERMISSION_DENIED rather than INVALID_ARGUMENT: the call is well-formed, it is this
  // member's policy that refuses it (another member may send the same call), as for a method
  // the member has no grant for.
  absl::Status CheckAttribution(absl::string_view member, absl::string_view full_method,
                                bool has_user, bool has_correlation_id) const;

  bool MayWrite(absl::string_view member, v1::RecordType type) const;
  bool MayRead(absl::string_view member, v1::RecordType type) const;
  bool MaySubscribe(absl::string_view member, v1::RecordType type) const;
  // The same three as statuses: PERMISSION_DENIED "member <m> may not write diploma records",
  // logged.
  absl::Status CheckWrite(absl::string_view member, v1::RecordType type) const;
  absl::Status CheckRead(absl::string_view member, v1::RecordType type) const;
  absl::Status CheckSubscribe(absl::string_view member, v1::RecordType type) const;

  // Whether `member` may see the dossiers of `agency`: an agency its grants list, every agency
  // when one lists "*", and always its own agency code (an empty list means only that one).
  bool MaySeeAgency(absl::string_view member, absl::string_view agency) const;
  bool SeesAllAgencies(absl::string_view member) const;
  // A dossier is visible when its receiving or its handling agency is.
  bool MaySeeDossier(absl::string_view member, absl::string_view receiving_agency,
                     absl::string_view handling_agency) const;
  // PERMISSION_DENIED (logged) when the dossier is not visible: "member <m> may not <action>
  // dossier <code> of agency <receiving>".
  absl::Status CheckDossier(absl::string_view member, absl::string_view action,
                            absl::string_view code, absl::string_view receiving_agency,
                            absl::string_view handling_agency) const;
  // PERMISSION_DENIED (logged) when `agency` is not visible: "member <m> may not <action> the
  // dossiers of agency <a>".
  absl::Status CheckAgency(absl::string_view member, absl::string_view action,
                           absl::string_view agency) const;

 private:
  // The merged rights of one member.
  struct Rights {
    bool all_methods = false;
    absl::flat_hash_set<std::string> services;  // "pkg.Service" granted with "/*"
    absl::flat_hash_set<std::string> methods;   // "pkg.Service/Method"
    uint32_t write_types = 0;  // bit per v1::RecordType
    uint32_t read_types = 0;
    uint32_t subscribe_types = 0;
    bool all_agencies = false;
    absl::flat_hash_set<std::string> agencies;
    bool require_user = false;
    bool require_correlation_id = false;
  };

  AccessPolicy() = default;
  const Rights* Find(absl::string_view member) const;
  absl::Status CheckType(absl::string_view member, v1::RecordType type, uint32_t Rights::*types,
                         absl::string_view verb) const;

  absl::flat_hash_map<std::string, Rights> members_;
};

// The policy in force, swapped whole when the config reloads. Thread-safe.
class AccessPolicyHolder {
 public:
  explicit AccessPolicyHolder(std::shared_ptr<const AccessPolicy> initial = AccessPolicy::DenyAll())
      : policy_(std::move(initial)) {}

  std::shared_ptr<const AccessPolicy> Get() const {
    absl::MutexLock lock(&mu_);
    return policy_;
  }
  void Set(std::shared_ptr<const AccessPolicy> policy) {
    absl::MutexLock lock(&mu_);
    policy_ = std::move(policy);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const AccessPolicy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::security

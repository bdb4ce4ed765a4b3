// Member identity from certificate names.
#include "services/security/member_identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace lienthong::security {

absl::StatusOr<std::string> MemberFromCertificateNames(const std::vector<absl::string_view>& uris,
                                                       absl::string_view common_name,
                                                       config::v1::MemberIdSource source) {
  if (source == config::v1::MEMBER_ID_SOURCE_SUBJECT_CN) {
    if (common_name.empty()) {
      return absl::NotFoundError("client certificate has no subject common name (member id)");
    }
    return std::string(common_name);
  }
  std::string member;
  for (absl::string_view uri : uris) {
    if (!absl::StartsWith(uri, kMemberUriPrefix)) continue;
    absl::string_view code = uri.substr(kMemberUriPrefix.size());
    if (code.empty()) continue;
    if (!member.empty() && member != code) {
      return absl::NotFoundError(
          absl::StrCat("client certificate names two members: ", member, " and ", code));
    }
    member = std::string(code);
  }
  if (member.empty()) {
    return absl::NotFoundError(
        absl::StrCat("client certificate has no URI SAN ", kMemberUriPrefix, "<agency code>"));
  }
  return member;
}

absl::StatusOr<std::string> MemberFromAuthContext(const grpc::AuthContext& auth,
                                                  config::v1::MemberIdSource source) {
  std::vector<absl::string_view> uris;
  for (const grpc::string_ref& uri : auth.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    uris.emplace_back(uri.data(), uri.size());
  }
  absl::string_view common_name;
  auto cns = auth.FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  if (!cns.empty()) common_name = absl::string_view(cns.front().data(), cns.front().size());
  return MemberFromCertificateNames(uris, common_name, source);
}

}  // namespace lienthong::security

// lienthongctl's connection flags.
#include "services/cli/ctl_connection.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/security/client_credentials.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Gateway address host:port.");
ABSL_FLAG(std::string, pki, "var/pki",
          "Development PKI folder (from `lienthongctl pki init`); used when --cert is not set.");
ABSL_FLAG(std::string, member, "admin",
          "Member certificate to present from the PKI folder: members/<member>.crt/.key.");
ABSL_FLAG(std::string, cert, "", "Client certificate file (overrides --pki/--member).");
ABSL_FLAG(std::string, key, "", "Client private key file.");
ABSL_FLAG(std::string, ca, "", "CA bundle that signs the gateway's certificate.");
ABSL_FLAG(std::string, server_name, "",
          "Name to verify in the gateway's certificate (default: the target host).");

namespace lienthong::cli {

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectFromFlags() {
  const std::string pki = absl::GetFlag(FLAGS_pki);
  const std::string member = absl::GetFlag(FLAGS_member);
  security::ClientTlsFiles files;
  files.cert_file = absl::GetFlag(FLAGS_cert);
  files.key_file = absl::GetFlag(FLAGS_key);
  files.ca_file = absl::GetFlag(FLAGS_ca);
  if (files.cert_file.empty()) files.cert_file = absl::StrCat(pki, "/members/", member, ".crt");
  if (files.key_file.empty()) files.key_file = absl::StrCat(pki, "/members/", member, ".key");
  if (files.ca_file.empty()) files.ca_file = absl::StrCat(pki, "/ca.crt");
  ASSIGN_OR_RETURN(auto pem, security::ReadClientTlsFiles(files));
  return security::MakeMutualTlsChannel(absl::GetFlag(FLAGS_target), pem,
                                        absl::GetFlag(FLAGS_server_name));
}

}  // namespace lienthong::cli

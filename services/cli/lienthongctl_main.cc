// lienthongctl: the admin and operator CLI of lienthong.
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "services/cli/ctl_adapters.h"
#include "services/cli/ctl_admin.h"
#include "services/cli/ctl_audit.h"
#include "services/cli/ctl_backup.h"
#include "services/cli/ctl_connection.h"
#include "services/cli/ctl_errors.h"
#include "services/cli/ctl_watch.h"
#include "services/common/files.h"
#include "services/common/rpc_status.h"
#include "services/config/gateway_config.h"
#include "services/config/yaml_proto.h"
#include "services/security/dev_pki.h"
#include "services/security/pkcs12.h"

ABSL_FLAG(bool, force, false, "pki init: replace an existing CA.");
ABSL_FLAG(bool, print, false, "config check: print the config with defaults applied.");
ABSL_FLAG(std::string, service, "", "health: service name to check (empty: the whole server).");
ABSL_FLAG(int, timeout_s, 10, "Deadline of each call, in seconds.");
ABSL_FLAG(std::string, password_file, "",
          "pki export: file whose first line is the PKCS#12 password.");
ABSL_DECLARE_FLAG(std::string, pki);

namespace {

using Args = std::vector<std::string>;
using lienthong::cli::Fail;

int ConfigCheck(const Args& args) {
  if (args.size() != 1) return Fail("usage: lienthongctl config check FILE [--print]");
  auto config = lienthong::config::LoadGatewayConfig(args[0]);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: invalid config:\n%s\n", args[0].c_str(),
                 std::string(config.status().message()).c_str());
    return 1;
  }
  std::printf("%s: OK\n", args[0].c_str());
  if (absl::GetFlag(FLAGS_print)) {
    std::printf("%s", lienthong::config::MessageToYaml(*config).c_str());
  }
  return 0;
}

int PkiInit(const Args& args) {
  if (args.size() != 1) return Fail("usage: lienthongctl pki init DIR [--force]");
  lienthong::security::DevPkiSpec spec;
  spec.force = absl::GetFlag(FLAGS_force);
  absl::Status status = lienthong::security::InitDevelopmentPki(args[0], spec);
  if (!status.ok()) return Fail(std::string(status.message()));
  std::printf("development PKI written to %s (never use it in production):\n", args[0].c_str());
  std::printf("  CA          %s/ca.crt\n  gateway     %s/gateway.crt (localhost, 127.0.0.1, ::1)\n",
              args[0].c_str(), args[0].c_str());
  for (const auto& member : spec.members) {
    std::printf("  member      %s/members/%s.crt  agency code %s (example)\n", args[0].c_str(),
                member.name.c_str(), member.agency_code.c_str());
  }
  return 0;
}

// A member certificate of the PKI folder as PKCS#12, for a browser (the operator console off
// loopback asks for one: docs/console.md).
int PkiExport(const Args& args) {
  constexpr char kUsage[] =
      "usage: lienthongctl pki export MEMBER OUT.p12 --password_file FILE [--pki DIR]";
  if (args.size() != 2 || absl::GetFlag(FLAGS_password_file).empty()) return Fail(kUsage);
  if (args[0].empty() || args[0].find('/') != std::string::npos || args[0][0] == '.') {
    return Fail("pki export: MEMBER is a file name of PKI/members/ (motcua, giaoduc, admin, ...)");
  }
  const std::string pki = absl::GetFlag(FLAGS_pki);
  auto read = [](const std::string& path) { return lienthong::ReadFileToString(path); };
  auto key = read(absl::StrCat(pki, "/members/", args[0], ".key"));
  auto cert = read(absl::StrCat(pki, "/members/", args[0], ".crt"));
  auto ca = read(absl::StrCat(pki, "/ca.crt"));
  auto password = read(absl::GetFlag(FLAGS_password_file));
  for (const auto* file : {&key, &cert, &ca, &password}) {
    if (!file->ok()) return Fail(std::string(file->status().message()));
  }
  // The first line of the file.
  std::string secret = password->substr(0, password->find('\n'));
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  auto p12 = lienthong::security::ExportPkcs12(*key, *cert, *ca, args[0], secret);
  if (!p12.ok()) return Fail(std::string(p12.status().message()));
  absl::Status written = lienthong::WritePrivateFile(args[1], *p12, 0600);
  if (!written.ok()) return Fail(std::string(written.message()));
  std::printf("%s: member %s's key and certificate with the CA (PKCS#12, mode 0600); import it "
              "into the browser that opens the console\n",
              args[1].c_str(), args[0].c_str());
  return 0;
}

int Health(const Args& args) {
  if (!args.empty()) return Fail("usage: lienthongctl health [--service NAME] [connection flags]");
  auto channel = lienthong::cli::ConnectFromFlags();
  if (!channel.ok()) return Fail(std::string(channel.status().message()));
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_s))));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return Fail(absl::StrCat("health check failed: ", status.error_code(), " ",
                             status.error_message()));
  }
  const std::string serving =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  std::printf("%s\n", serving.c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"config check", ConfigCheck},
      {"pki init", PkiInit},
      {"pki export", PkiExport},
      {"health", Health},
      {"watch", lienthong::cli::Watch},
      {"status", lienthong::cli::Status},
      {"certs", lienthong::cli::Certs},
      {"reload", lienthong::cli::Reload},
      {"audit verify", lienthong::cli::AuditVerify},
      {"audit query", lienthong::cli::AuditQuery},
      {"backup", lienthong::cli::Backup},
      {"restore", lienthong::cli::Restore},
      {"adapters status", lienthong::cli::AdaptersStatus},
      {"adapters pause", lienthong::cli::AdaptersPause},
      {"adapters resume", lienthong::cli::AdaptersResume},
      {"adapters watch", lienthong::cli::AdaptersWatch},
      {"adapters resync", lienthong::cli::AdaptersResync},
      {"adapters seek", lienthong::cli::AdaptersSeek},
      {"deadletters list", lienthong::cli::DeadLettersList},
      {"deadletters replay", lienthong::cli::DeadLettersReplay},
  };
  std::vector<std::string> names;
  for (const auto& [name, _] : commands) names.push_back(name);
  absl::SetProgramUsageMessage(absl::StrCat(
      "lienthongctl COMMAND [ARGS] [FLAGS]\n  commands: ", absl::StrJoin(names, ", ")));
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  Args words(positional.begin() + 1, positional.end());
  // Commands are one or two words ("health", "config check").
  for (size_t n = 2; n >= 1; --n) {
    if (words.size() < n) continue;
    std::string name = absl::StrJoin(words.begin(), words.begin() + n, " ");
    auto it = commands.find(name);
    if (it != commands.end()) return it->second(Args(words.begin() + n, words.end()));
  }
  std::fprintf(stderr, "usage: lienthongctl COMMAND [ARGS] [FLAGS]\ncommands: %s\n",
               absl::StrJoin(names, ", ").c_str());
  return 2;
}

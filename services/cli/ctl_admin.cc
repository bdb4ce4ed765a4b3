// lienthongctl status, certs, reload, audit verify.
#include "services/cli/ctl_admin.h"

#include <cstdio>
#include <memory>
#include <optional>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/admin/exchange_log_archive.h"
#include "services/admin/timestamp_token.h"
#include "services/cli/ctl_connection.h"
#include "services/cli/ctl_errors.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"

ABSL_DECLARE_FLAG(int, timeout_s);
ABSL_FLAG(std::string, archive, "",
          "audit verify: also verify the exchange-log archives in this folder, across the archives "
          "and into the live log.");
ABSL_FLAG(std::string, tsa_ca, "",
          "audit verify: PEM file of the TSA certificates to check the exchange log's timestamp "
          "tokens with (default: the gateway's exchange_log.timestamping.tsa_ca_file).");

namespace lienthong::cli {
namespace {

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTimestamp(ts),
                          absl::UTCTimeZone());
}

// Connects and makes one unary AdminService call; the error text when it fails.
template <typename Request, typename Response, typename Method>
std::string Call(Method method, const Request& request, Response* response) {
  auto channel = ConnectFromFlags();
  if (!channel.ok()) return std::string(channel.status().message());
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_s))));
  const grpc::Status status = ((*stub).*method)(&context, request, response);
  if (status.ok()) return "";
  return FromGrpcStatus(status).ToString();
}

}  // namespace

int Status(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("status");
  v1::GetStatusResponse status;
  const std::string error =
      Call(&v1::AdminService::Stub::GetStatus, v1::GetStatusRequest(), &status);
  if (!error.empty()) return Fail(error);
  std::printf("version       %s\nstarted       %s\nreplica       %s\nstore         %s\n"
              "head cursor   %s\nconfig        %s (loaded %s)\n",
              status.version().c_str(), Time(status.started_at()).c_str(),
              status.replica().c_str(), status.store().c_str(), status.head_cursor().c_str(),
              status.config_file().empty() ? "-" : status.config_file().c_str(),
              Time(status.config_loaded_at()).c_str());
  std::printf("\nsubscriptions: %d\n", status.subscriptions_size());
  if (status.subscriptions_size() > 0) {
    std::printf("  %-16s %-24s %-14s %10s %10s %s\n", "MEMBER", "NAME", "ACKED", "LAG", "LAG_S",
                "");
    for (const auto& s : status.subscriptions()) {
      std::printf("  %-16s %-24s %-14s %10lld %10.1f %s\n", s.member().c_str(), s.name().c_str(),
                  s.acknowledged_cursor().c_str(), static_cast<long long>(s.lag_events()),
                  s.lag_seconds(), s.expired() ? "EXPIRED" : "");
    }
  }
  std::printf("\nadapters: %d\n", status.adapters_size());
  if (status.adapters_size() > 0) {
    std::printf("  %-20s %-8s %-18s %-20s %-18s %10s %8s %s\n", "NAME", "KIND", "STATE",
                "HOLDER", "CHECKPOINT", "LAG", "DEAD", "LAST ERROR");
    for (const auto& a : status.adapters()) {
      std::printf("  %-20s %-8s %-18s %-20s %-18s %10lld %8lld %s\n", a.name().c_str(),
                  a.kind().c_str(), a.state().c_str(),
                  a.holder().empty() ? "-" : a.holder().c_str(), a.checkpoint().c_str(),
                  static_cast<long long>(a.lag_events()),
                  static_cast<long long>(a.dead_letters()), a.last_error().c_str());
    }
  }
  std::printf("\nleases: %d\n", status.leases_size());
  if (status.leases_size() > 0) {
    std::printf("  %-32s %-20s %8s %s\n", "WORK", "HOLDER", "TOKEN", "EXPIRES");
    for (const auto& l : status.leases()) {
      std::printf("  %-32s %-20s %8lld %s\n", l.name().c_str(), l.holder().c_str(),
                  static_cast<long long>(l.token()), Time(l.expires_at()).c_str());
    }
  }
  return 0;
}

int Certs(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("certs");
  v1::ListCertificatesResponse list;
  const std::string error = Call(&v1::AdminService::Stub::ListCertificates,
                                 v1::ListCertificatesRequest(), &list);
  if (!error.empty()) return Fail(error);
  std::printf("%-22s %9s  %-20s  %-34s  %s\n", "ROLE", "DAYS LEFT", "NOT AFTER", "SERIAL",
              "SUBJECT / FILE");
  int warnings = 0;
  for (const auto& c : list.certificates()) {
    std::printf("%-22s %9lld  %-20s  %-34s  %s\n", c.role().c_str(),
                static_cast<long long>(c.days_left()), Time(c.not_after()).c_str(),
                c.serial().c_str(), c.subject().c_str());
    std::printf("%-22s %9s  %-20s  %-34s  %s\n", "", "", "", "", c.file().c_str());
    if (c.sans_size() > 0) {
      std::printf("%-22s %9s  %-20s  %-34s  SANs: %s\n", "", "", "", "",
                  absl::StrJoin(c.sans(), ", ").c_str());
    }
    if (!c.warning().empty()) {
      std::printf("%-22s WARNING: %s\n", "", c.warning().c_str());
      ++warnings;
    }
  }
  if (warnings > 0) std::printf("\n%d certificate(s) need attention (see WARNING lines)\n", warnings);
  return 0;
}

int Reload(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("reload");
  v1::ReloadConfigResponse outcome;
  const std::string error =
      Call(&v1::AdminService::Stub::ReloadConfig, v1::ReloadConfigRequest(), &outcome);
  if (!error.empty()) return Fail(error);
  if (!outcome.applied()) {
    std::printf("REFUSED: the running config stays. Errors:\n");
    for (const auto& e : outcome.errors()) std::printf("  %s\n", e.c_str());
    return 1;
  }
  std::printf("applied: %s\n", outcome.changes_size() == 0
                                   ? "no change"
                                   : absl::StrJoin(outcome.changes(), ", ").c_str());
  if (outcome.restart_required_size() > 0) {
    std::printf("changed but NOT applied until a restart: %s\n",
                absl::StrJoin(outcome.restart_required(), ", ").c_str());
  }
  return 0;
}

int AuditVerify(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("audit verify [--archive DIR] [--tsa_ca FILE]");
  v1::VerifyExchangeLogRequest request;
  std::optional<admin::TsaTrust> trust;  // for the archives' tokens
  if (const std::string tsa_ca = absl::GetFlag(FLAGS_tsa_ca); !tsa_ca.empty()) {
    auto pem = ReadFileToString(tsa_ca);
    if (!pem.ok()) return Fail(absl::StrCat("--tsa_ca: ", pem.status().message()));
    auto parsed = admin::TsaTrust::FromPem(*pem, tsa_ca);
    if (!parsed.ok()) return Fail(absl::StrCat("--tsa_ca: ", parsed.status().message()));
    trust = std::move(*parsed);
    request.set_tsa_ca_pem(*pem);
  }
  v1::VerifyExchangeLogResponse verdict;
  const std::string error =
      Call(&v1::AdminService::Stub::VerifyExchangeLog, request, &verdict);
  if (!error.empty()) return Fail(error);
  const std::string archive_dir = absl::GetFlag(FLAGS_archive);
  if (!archive_dir.empty()) {
    // The archives here, then their link to the live log's anchor, then the live log.
    auto archives = admin::VerifyArchives(archive_dir, trust.has_value() ? &*trust : nullptr);
    if (!archives.ok()) return Fail(std::string(archives.status().message()));
    admin::CheckLiveAnchor(verdict.anchor_seq(), verdict.anchor_hash(), &*archives);
    for (const admin::ArchiveProblem& p : archives->problems) {
      std::printf("TAMPERED: %s: %s%s\n",
                  p.archive.empty() ? "live log" : absl::StrCat("archive ", p.archive).c_str(),
                  p.seq > 0 ? absl::StrCat("sequence ", p.seq, ": ").c_str() : "",
                  p.problem.c_str());
    }
    std::printf("archives: %d verified%s, %lld entries (sequences %lld..%lld), %lld timestamp "
                "tokens verified\n",
                archives->archives, archives->ok() ? "" : " WITH PROBLEMS",
                static_cast<long long>(archives->entries_checked),
                static_cast<long long>(archives->first_seq),
                static_cast<long long>(archives->last_seq),
                static_cast<long long>(archives->timestamps_verified));
    if (archives->timestamps_unchecked > 0) {
      std::printf("UNVERIFIED: %lld timestamp tokens in the archives were not checked: pass "
                  "--tsa_ca with the TSA's CA certificate\n",
                  static_cast<long long>(archives->timestamps_unchecked));
    }
    if (!archives->ok()) {
      if (!verdict.ok()) {
        std::printf("TAMPERED: live log: first bad entry: sequence %lld: %s\n",
                    static_cast<long long>(verdict.first_bad_sequence()),
                    verdict.problem().c_str());
      }
      return 1;
    }
  }
  // The timestamp tokens: each one that does not verify, then the count of those that do.
  for (const v1::ExchangeLogTimestampProblem& p : verdict.timestamp_problems()) {
    const bool unchecked = p.problem().rfind("unchecked", 0) == 0;
    std::printf("%s: timestamp token %lld (entry %lld): %s\n",
                unchecked ? "UNVERIFIED" : "TAMPERED", static_cast<long long>(p.token_id()),
                static_cast<long long>(p.seq()), p.problem().c_str());
  }
  const std::string stamps =
      verdict.timestamps_verified() == 0
          ? "no timestamp token"
          : absl::StrCat(verdict.timestamps_verified(), " timestamp tokens verified (newest: entry ",
                         verdict.last_timestamp_seq(), ", TSA time ",
                         Time(verdict.last_timestamp_time()), ")");
  if (verdict.ok()) {
    std::printf("OK: exchange log verified, %lld entries; %s\n",
                static_cast<long long>(verdict.entries_checked()), stamps.c_str());
    return 0;
  }
  const bool chain_ok = verdict.timestamp_problems_size() > 0 &&
                        verdict.problem() == verdict.timestamp_problems(0).problem();
  if (chain_ok) {
    std::printf("TAMPERED: the chain verifies on its own (%lld entries) but %d timestamp "
                "tokens do not; %s\n",
                static_cast<long long>(verdict.entries_checked()),
                verdict.timestamp_problems_size(), stamps.c_str());
    return 1;
  }
  std::printf("TAMPERED: first bad entry: sequence %lld: %s (%lld entries verified before it); "
              "%s\n",
              static_cast<long long>(verdict.first_bad_sequence()), verdict.problem().c_str(),
              static_cast<long long>(verdict.entries_checked()), stamps.c_str());
  return 1;
}

}  // namespace lienthong::cli

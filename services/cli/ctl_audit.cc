// lienthongctl audit query.
#include "services/cli/ctl_audit.h"

#include <cstdio>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "services/cli/ctl_connection.h"
#include "services/cli/ctl_errors.h"
#include "services/cli/ctl_time.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"

ABSL_DECLARE_FLAG(int, timeout_s);
ABSL_DECLARE_FLAG(std::string, from);
ABSL_DECLARE_FLAG(std::string, to);
ABSL_FLAG(std::string, caller, "", "audit query: only calls of this member (agency code).");
ABSL_FLAG(std::string, method, "",
          "audit query: only this method (/pkg.Service/Method) or service prefix (/pkg.Service/).");
ABSL_FLAG(std::string, outcome, "",
          "audit query: OK, ERROR (any refusal or failure) or a gRPC code name.");
ABSL_FLAG(std::string, record, "",
          "audit query: only calls that touched this record, <type>:<key> (dossier:CODE).");
ABSL_FLAG(int, limit, 50, "audit query: print at most this many entries (newest first).");
ABSL_FLAG(bool, json, false, "audit query: one JSON object per entry instead of a table.");

namespace lienthong::cli {

int AuditQuery(const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "audit query [--caller MEMBER] [--method M] [--from T] [--to T] [--outcome O] "
      "[--record TYPE:KEY] [--limit N] [--json] [connection flags]";
  if (!args.empty() || absl::GetFlag(FLAGS_limit) < 1) return Usage(kUsage);
  v1::QueryExchangeLogRequest request;
  request.set_member(absl::GetFlag(FLAGS_caller));
  request.set_method(absl::GetFlag(FLAGS_method));
  request.set_status(absl::GetFlag(FLAGS_outcome));
  request.set_record(absl::GetFlag(FLAGS_record));
  if (!absl::GetFlag(FLAGS_from).empty()) {
    auto from = ParsePeriodBound("from", absl::GetFlag(FLAGS_from), /*day_end=*/false);
    if (!from.ok()) return Fail(std::string(from.status().message()));
    ToProtoTimestamp(*from, request.mutable_from());
  }
  if (!absl::GetFlag(FLAGS_to).empty()) {
    auto to = ParsePeriodBound("to", absl::GetFlag(FLAGS_to), /*day_end=*/true);
    if (!to.ok()) return Fail(std::string(to.status().message()));
    ToProtoTimestamp(*to, request.mutable_to());
  }
  auto channel = ConnectFromFlags();
  if (!channel.ok()) return Fail(std::string(channel.status().message()));
  auto stub = v1::AdminService::NewStub(*channel);
  const bool json = absl::GetFlag(FLAGS_json);
  const int limit = absl::GetFlag(FLAGS_limit);
  if (!json) {
    std::printf("%-8s %-20s %-16s %-50s %-18s %s\n", "SEQ", "TIME (UTC)", "MEMBER", "METHOD",
                "OUTCOME", "RECORDS / USER");
  }
  int printed = 0;
  int64_t examined = 0;
  for (;;) {
    request.set_page_size(std::min(500, limit - printed));
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_s))));
    v1::QueryExchangeLogResponse page;
    const grpc::Status status = stub->QueryExchangeLog(&context, request, &page);
    if (!status.ok()) return Fail(FromGrpcStatus(status).ToString());
    examined += page.examined();
    for (const auto& e : page.entries()) {
      const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTimestamp(e.time()),
                                                absl::UTCTimeZone());
      if (json) {
        nlohmann::json line = {{"seq", e.seq()},
                               {"time", time},
                               {"member", e.member()},
                               {"method", e.method()},
                               {"outcome", e.status()},
                               {"records", std::vector<std::string>(e.records().begin(), e.records().end())},
                               {"request_bytes", e.request_bytes()},
                               {"response_bytes", e.response_bytes()},
                               {"request_digest", e.request_digest()},
                               {"response_digest", e.response_digest()},
                               {"end_user", e.end_user()},
                               {"correlation_id", e.correlation_id()}};
        std::printf("%s\n", line.dump().c_str());
      } else {
        std::string who = absl::StrJoin(e.records(), ",");
        if (!e.end_user().empty()) who += (who.empty() ? "user " : " user ") + e.end_user();
        std::printf("%-8lld %-20s %-16s %-50s %-18s %s\n", static_cast<long long>(e.seq()),
                    time.c_str(), e.member().c_str(), e.method().c_str(), e.status().c_str(),
                    who.c_str());
      }
      ++printed;
    }
    if (printed >= limit || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (!json) {
    std::fprintf(stderr, "%d entries (%lld examined)\n", printed, static_cast<long long>(examined));
  }
  return 0;
}

}  // namespace lienthong::cli

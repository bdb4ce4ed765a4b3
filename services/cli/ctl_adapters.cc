// lienthongctl adapters status|pause|resume|watch|resync|seek, deadletters list|replay.
#include "services/cli/ctl_adapters.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "services/cli/ctl_connection.h"
#include "services/cli/ctl_errors.h"
#include "services/cli/ctl_time.h"
#include "services/common/rpc_status.h"
#include "services/common/proto_time.h"
#include "services/domain/working_day_calendar.h"

ABSL_DECLARE_FLAG(int, timeout_s);
ABSL_FLAG(std::string, adapter, "", "deadletters list: only this adapter's dead letters.");
ABSL_FLAG(std::string, ids, "", "deadletters replay: comma-separated dead-letter ids (all).");
ABSL_FLAG(int, watch_timeout_s, 3600, "adapters watch: give up after this many seconds.");
ABSL_FLAG(std::string, from, "",
          "adapters resync: start of the period, YYYY-MM-DD (Vietnam time) or RFC 3339.");
ABSL_FLAG(std::string, to, "",
          "adapters resync: end of the period, YYYY-MM-DD (that day included) or RFC 3339 "
          "(excluded); empty: now. adapters seek: the new checkpoint, a change cursor "
          "(1.<hex>) or an RFC 3339 time (before the first change committed at or after it).");

namespace lienthong::cli {
namespace {

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::Duration CallTimeout() { return absl::Seconds(absl::GetFlag(FLAGS_timeout_s)); }

absl::StatusOr<std::unique_ptr<v1::AdminService::Stub>> Admin() {
  auto channel = ConnectFromFlags();
  if (!channel.ok()) return channel.status();
  return v1::AdminService::NewStub(*channel);
}

// "[########----------]  40%  400/1000 <suffix>", redrawn in place on a terminal.
void DrawBar(int64_t done, int64_t total, const std::string& suffix, bool final) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!tty && !final) return;
  constexpr int kWidth = 30;
  const double fraction = total <= 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / total);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  std::fprintf(stderr, "%s[%s] %3d%%  %lld/%lld %s%s", tty ? "\r" : "", bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<long long>(done),
               static_cast<long long>(total), suffix.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

// Reads a progress stream to its end, redrawing the bar: `done` counts what is handled of
// `total()`, `suffix` says how. Leaves the last progress in `last`; the stream's status.
template <typename Progress, typename Done, typename Suffix>
absl::Status FollowProgress(std::unique_ptr<grpc::ClientReader<Progress>> stream, Progress* last,
                            Done done, Suffix suffix) {
  Progress progress;
  while (stream->Read(&progress)) {
    *last = progress;
    DrawBar(done(progress), progress.total(), suffix(progress), false);
  }
  const grpc::Status finished = stream->Finish();
  DrawBar(done(*last), last->total(), suffix(*last), true);
  return finished.ok() ? absl::OkStatus() : FromGrpcStatus(finished);
}

void PrintAdapters(const google::protobuf::RepeatedPtrField<v1::AdapterStatus>& adapters) {
  std::printf("%-20s %-8s %-17s %-14s %10s %6s %s\n", "NAME", "KIND", "STATE", "CHECKPOINT",
              "LAG", "DEAD", "LAST ERROR");
  for (const auto& a : adapters) {
    std::printf("%-20s %-8s %-17s %-14s %10lld %6lld %s\n", a.name().c_str(), a.kind().c_str(),
                a.state().c_str(), a.checkpoint().c_str(), static_cast<long long>(a.lag_events()),
                static_cast<long long>(a.dead_letters()), a.last_error().c_str());
  }
}

absl::StatusOr<v1::AdapterStatus> AdapterStatusOf(v1::AdminService::Stub& admin,
                                                  const std::string& name) {
  grpc::ClientContext context;
  SetDeadline(&context, CallTimeout());
  v1::GetStatusResponse status;
  const grpc::Status called = admin.GetStatus(&context, v1::GetStatusRequest(), &status);
  if (!called.ok()) return FromGrpcStatus(called);
  for (const auto& adapter : status.adapters()) {
    if (adapter.name() == name) return adapter;
  }
  return absl::NotFoundError(absl::StrCat("no adapter named '", name, "'"));
}

template <typename Request>
int Steer(const std::vector<std::string>& args, const char* usage,
          grpc::Status (v1::AdminService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                         v1::AdapterStatus*)) {
  if (args.size() != 1) return Usage(usage);
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  Request request;
  request.set_adapter(args[0]);
  grpc::ClientContext context;
  SetDeadline(&context, CallTimeout());
  v1::AdapterStatus status;
  const grpc::Status called = ((**admin).*method)(&context, request, &status);
  if (!called.ok()) return Fail(FromGrpcStatus(called).ToString());
  google::protobuf::RepeatedPtrField<v1::AdapterStatus> one;
  *one.Add() = status;
  PrintAdapters(one);
  return 0;
}

}  // namespace

int AdaptersStatus(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("adapters status");
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  grpc::ClientContext context;
  SetDeadline(&context, CallTimeout());
  v1::GetStatusResponse status;
  const grpc::Status called = (*admin)->GetStatus(&context, v1::GetStatusRequest(), &status);
  if (!called.ok()) return Fail(FromGrpcStatus(called).ToString());
  if (status.adapters_size() == 0) {
    std::printf("no adapter is configured\n");
    return 0;
  }
  PrintAdapters(status.adapters());
  return 0;
}

int AdaptersPause(const std::vector<std::string>& args) {
  return Steer<v1::PauseAdapterRequest>(args, "adapters pause NAME",
                                        &v1::AdminService::Stub::PauseAdapter);
}

int AdaptersResume(const std::vector<std::string>& args) {
  return Steer<v1::ResumeAdapterRequest>(args, "adapters resume NAME",
                                         &v1::AdminService::Stub::ResumeAdapter);
}

int AdaptersWatch(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("adapters watch NAME [--watch_timeout_s N]");
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  const absl::Time give_up = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_watch_timeout_s));
  int64_t first_lag = -1;
  for (;;) {
    auto adapter = AdapterStatusOf(**admin, args[0]);
    if (!adapter.ok()) return Fail(adapter.status().ToString());
    if (first_lag < 0) first_lag = adapter->lag_events();
    // The lag may grow while new changes commit; the bar measures against the largest seen.
    first_lag = std::max(first_lag, adapter->lag_events());
    const std::string suffix = absl::StrCat(adapter->state(), adapter->dead_letters() > 0
                                                                  ? absl::StrCat(", ", adapter->dead_letters(), " dead letters")
                                                                  : "");
    const bool caught_up = adapter->lag_events() == 0;
    DrawBar(first_lag - adapter->lag_events(), first_lag, suffix, caught_up);
    if (caught_up) return 0;
    if (adapter->state() == "stopped_on_error") {
      std::fprintf(stderr, "\n");
      return Fail(absl::StrCat(args[0], " stopped on error: ", adapter->last_error()));
    }
    if (absl::Now() > give_up) {
      std::fprintf(stderr, "\n");
      return Fail(absl::StrCat(args[0], " has not caught up; lag ", adapter->lag_events()));
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
}

int DeadLettersList(const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("deadletters list [--adapter NAME]");
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  v1::ListDeadLettersRequest request;
  request.set_adapter(absl::GetFlag(FLAGS_adapter));
  request.set_page_size(1000);
  int count = 0;
  std::printf("%-8s %-20s %-14s %-36s %8s %-20s %s\n", "ID", "ADAPTER", "CURSOR", "EVENT_ID",
              "ATTEMPTS", "DEAD_LETTERED_AT", "LAST ERROR");
  do {
    grpc::ClientContext context;
    SetDeadline(&context, CallTimeout());
    v1::ListDeadLettersResponse page;
    const grpc::Status called = (*admin)->ListDeadLetters(&context, request, &page);
    if (!called.ok()) return Fail(FromGrpcStatus(called).ToString());
    for (const auto& letter : page.dead_letters()) {
      const absl::Time at = FromProtoTimestamp(letter.dead_lettered_at());
      std::printf("%-8lld %-20s %-14s %-36s %8d %-20s %s\n", static_cast<long long>(letter.id()),
                  letter.adapter().c_str(), letter.cursor().c_str(), letter.event_id().c_str(),
                  letter.attempts(),
                  absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone()).c_str(),
                  letter.last_error().c_str());
      ++count;
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::printf("%d dead letters\n", count);
  return 0;
}

int DeadLettersReplay(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("deadletters replay NAME [--ids 1,2,3]");
  v1::ReplayDeadLettersRequest request;
  request.set_adapter(args[0]);
  for (absl::string_view id : absl::StrSplit(absl::GetFlag(FLAGS_ids), ',', absl::SkipEmpty())) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(id, &value)) return Fail(absl::StrCat("--ids: '", id, "' is not an id"));
    request.add_ids(value);
  }
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  grpc::ClientContext context;
  // A long replay streams progress; the deadline covers the whole replay, generously.
  SetDeadline(&context, std::max(CallTimeout(), absl::Hours(1)));
  v1::ReplayProgress last;
  const absl::Status finished = FollowProgress(
      (*admin)->ReplayDeadLetters(&context, request), &last,
      [](const v1::ReplayProgress& p) { return p.applied() + p.failed(); },
      [](const v1::ReplayProgress& p) {
        return absl::StrCat("applied ", p.applied(), ", failed ", p.failed());
      });
  if (!finished.ok()) return Fail(finished.ToString());
  std::printf("replayed %lld of %lld dead letters of %s; %lld failed again\n",
              static_cast<long long>(last.applied()), static_cast<long long>(last.total()),
              args[0].c_str(), static_cast<long long>(last.failed()));
  return last.failed() > 0 ? 1 : 0;
}

int AdaptersResync(const std::vector<std::string>& args) {
  constexpr char kUsage[] = "adapters resync NAME --from YYYY-MM-DD [--to YYYY-MM-DD]";
  if (args.size() != 1 || absl::GetFlag(FLAGS_from).empty()) return Usage(kUsage);
  v1::ResyncAdapterRequest request;
  request.set_adapter(args[0]);
  auto from = ParsePeriodBound("from", absl::GetFlag(FLAGS_from), false);
  if (!from.ok()) return Fail(std::string(from.status().message()));
  request.mutable_from()->set_seconds(absl::ToUnixSeconds(*from));
  if (!absl::GetFlag(FLAGS_to).empty()) {
    auto to = ParsePeriodBound("to", absl::GetFlag(FLAGS_to), true);
    if (!to.ok()) return Fail(std::string(to.status().message()));
    request.mutable_to()->set_seconds(absl::ToUnixSeconds(*to));
  }
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  grpc::ClientContext context;
  // A long resync streams progress; the deadline covers the whole of it, generously.
  SetDeadline(&context, std::max(CallTimeout(), absl::Hours(6)));
  v1::ResyncProgress last;
  const absl::Status finished = FollowProgress(
      (*admin)->ResyncAdapter(&context, request), &last,
      [](const v1::ResyncProgress& p) { return p.sent() + p.failed(); },
      [](const v1::ResyncProgress& p) {
        return absl::StrCat("sent ", p.sent(), ", refused ", p.failed());
      });
  if (!finished.ok()) return Fail(finished.ToString());
  std::printf("resynced %lld of %lld records through %s; %lld refused\n",
              static_cast<long long>(last.sent()), static_cast<long long>(last.total()),
              args[0].c_str(), static_cast<long long>(last.failed()));
  return last.failed() > 0 ? 1 : 0;
}

}  // namespace lienthong::cli

namespace lienthong::cli {

int AdaptersSeek(const std::vector<std::string>& args) {
  constexpr char kUsage[] = "adapters seek NAME --to CURSOR|RFC3339-TIME";
  const std::string to = absl::GetFlag(FLAGS_to);
  if (args.size() != 1 || to.empty()) return Usage(kUsage);
  v1::SeekAdapterRequest request;
  request.set_adapter(args[0]);
  // A time has a 'T' between its date and its clock; a cursor ("1.<hex>") never does. A
  // malformed cursor goes to the gateway, which names what is wrong with it.
  if (to.find_first_of("Tt") != std::string::npos) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, to, &time, &error)) {
      return Fail(absl::StrCat("--to: '", to, "' is not an RFC 3339 time (", error,
                               "); e.g. 2026-12-06T08:00:00+07:00"));
    }
    ToProtoTimestamp(time, request.mutable_time());
  } else {
    request.set_cursor(to);
  }
  auto admin = Admin();
  if (!admin.ok()) return Fail(std::string(admin.status().message()));
  grpc::ClientContext context;
  // The gateway waits up to 30 s for a paused adapter to finish the batch it had under way.
  SetDeadline(&context, std::max(CallTimeout(), absl::Seconds(45)));
  v1::SeekAdapterResponse response;
  const grpc::Status called = (*admin)->SeekAdapter(&context, request, &response);
  if (!called.ok()) return Fail(FromGrpcStatus(called).ToString());
  std::printf("checkpoint of %s moved from %s to %s; %lld changes after it; state %s\n",
              args[0].c_str(), response.from_checkpoint().c_str(),
              response.to_checkpoint().c_str(), static_cast<long long>(response.lag_events()),
              response.status().state().c_str());
  std::printf("resume it to send from there: lienthongctl adapters resume %s\n", args[0].c_str());
  return 0;
}

}  // namespace lienthong::cli

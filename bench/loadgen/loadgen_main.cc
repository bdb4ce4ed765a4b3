// lienthong_loadgen: closed-loop SubmitDossier load over mutual TLS with distinct, valid sample
// dossiers; prints throughput, latency percentiles and errors by code (text and a RESULT line).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/loadgen/closed_loop.h"
#include "bench/loadgen/load_summary.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/security/client_credentials.h"
#include "tests/support/sample_dossiers.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Server address host:port.");
ABSL_FLAG(std::string, pki, "var/pki",
          "PKI folder: presents members/<member>.crt/.key, trusts ca.crt.");
ABSL_FLAG(std::string, member, "motcua", "Member certificate to present from the PKI folder.");
ABSL_FLAG(std::string, server_name, "",
          "Name to verify in the server's certificate (default: the target host).");
ABSL_FLAG(int, concurrency, 64, "Calls in flight at any time (closed loop).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(20), "Length of the measured window.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(3),
          "Load before the measured window, not counted.");
ABSL_FLAG(int, channels, 4, "Separate TCP connections; calls are spread over them.");
ABSL_FLAG(int, distinct_bodies, 4096,
          "Dossier bodies generated before the run; each call reuses one under a new dossier "
          "code, so every submission is a new dossier.");
ABSL_FLAG(int64_t, start_index, -1,
          "First sample-dossier index. -1: 1000 x the seconds since local (UTC+7) midnight, so "
          "that runs on one day use fresh codes when started at least calls/1000 s apart.");
ABSL_FLAG(std::string, received_at, "",
          "Receipt time of the dossiers, RFC 3339 (e.g. 2026-03-02T09:30:00+07:00); empty: now.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "Deadline of each call.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "How long each channel may take to connect before the run is abandoned.");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "lienthong_loadgen: %s\n", message.c_str());
  return 2;
}

uint64_t DefaultStartIndex(absl::Time now) {
  const absl::TimeZone vietnam = absl::FixedTimeZone(7 * 60 * 60);
  const absl::Time midnight = absl::FromCivil(absl::ToCivilDay(now, vietnam), vietnam);
  return static_cast<uint64_t>(absl::ToInt64Seconds(now - midnight)) * 1000;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "lienthong_loadgen --target HOST:PORT --pki DIR [--member motcua] [--concurrency 64]\n"
      "  [--duration 20s] [--warmup 3s] [--channels 4]\n"
      "  Closed-loop SubmitDossier load; prints a report and a `RESULT {json}` line.");
  absl::ParseCommandLine(argc, argv);

  lienthong::bench::ClosedLoopOptions options;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.call_deadline = absl::GetFlag(FLAGS_deadline);
  const int channel_count = absl::GetFlag(FLAGS_channels);
  const int distinct_bodies = std::max(absl::GetFlag(FLAGS_distinct_bodies), options.concurrency);
  if (options.concurrency < 1) return Fail("--concurrency must be at least 1");
  if (channel_count < 1) return Fail("--channels must be at least 1");
  if (options.duration <= absl::ZeroDuration()) return Fail("--duration must be positive");
  if (options.warmup < absl::ZeroDuration()) return Fail("--warmup must not be negative");

  absl::Time received_at = absl::Now();
  if (const std::string text = absl::GetFlag(FLAGS_received_at); !text.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &received_at, &error)) {
      return Fail(absl::StrCat("--received_at: ", error));
    }
  }
  const int64_t start_flag = absl::GetFlag(FLAGS_start_index);
  const uint64_t start_index =
      start_flag >= 0 ? static_cast<uint64_t>(start_flag) : DefaultStartIndex(absl::Now());

  lienthong::security::ClientTlsFiles files;
  const std::string pki = absl::GetFlag(FLAGS_pki);
  const std::string member = absl::GetFlag(FLAGS_member);
  files.cert_file = absl::StrCat(pki, "/members/", member, ".crt");
  files.key_file = absl::StrCat(pki, "/members/", member, ".key");
  files.ca_file = absl::StrCat(pki, "/ca.crt");
  auto pem = lienthong::security::ReadClientTlsFiles(files);
  if (!pem.ok()) return Fail(std::string(pem.status().message()));

  // A distinct channel argument per channel keeps gRPC from sharing one subchannel (and so one
  // TCP connection) between channels with otherwise equal arguments.
  const std::string target = absl::GetFlag(FLAGS_target);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<lienthong::v1::DossierService::Stub>> stubs;
  std::vector<lienthong::v1::DossierService::Stub*> stub_pointers;
  const absl::Time connect_deadline = absl::Now() + absl::GetFlag(FLAGS_connect_timeout);
  for (int i = 0; i < channel_count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("lienthong.loadgen.channel", i);
    channels.push_back(lienthong::security::MakeMutualTlsChannel(
        target, *pem, absl::GetFlag(FLAGS_server_name), args));
    if (!channels.back()->WaitForConnected(absl::ToChronoTime(connect_deadline))) {
      return Fail(absl::StrCat("channel ", i, " could not connect to ", target,
                               " (server down, wrong port, or TLS handshake refused)"));
    }
    stubs.push_back(lienthong::v1::DossierService::NewStub(channels.back()));
    stub_pointers.push_back(stubs.back().get());
  }

  // Bodies are generated before the clock starts; slot s gets bodies s, s + C, s + 2C, ...
  const absl::Time generation_start = absl::Now();
  std::vector<std::vector<lienthong::v1::SubmitDossierRequest>> bodies(options.concurrency);
  for (int i = 0; i < distinct_bodies; ++i) {
    lienthong::v1::SubmitDossierRequest request;
    *request.mutable_dossier() = lienthong::demo::MakeSampleDossier(start_index + i, received_at);
    bodies[i % options.concurrency].push_back(std::move(request));
  }
  std::fprintf(stderr, "lienthong_loadgen: %d dossier bodies generated in %s; running %s + %s\n",
               distinct_bodies, absl::FormatDuration(absl::Now() - generation_start).c_str(),
               absl::FormatDuration(options.warmup).c_str(),
               absl::FormatDuration(options.duration).c_str());

  const lienthong::bench::PrepareSubmission prepare =
      [start_index, received_at](uint64_t sequence, lienthong::v1::SubmitDossierRequest* request) {
        lienthong::demo::AssignSampleDossierIdentity(start_index + sequence, received_at,
                                                     request->mutable_dossier());
      };
  lienthong::bench::ClosedLoopResult result =
      lienthong::bench::RunSubmitDossierLoop(options, stub_pointers, std::move(bodies), prepare);

  lienthong::bench::LoadParameters parameters;
  parameters.target = target;
  parameters.member = member;
  parameters.concurrency = options.concurrency;
  parameters.channels = channel_count;
  parameters.warmup = options.warmup;
  parameters.distinct_bodies = distinct_bodies;
  parameters.start_index = start_index;
  parameters.indices_used = result.submissions;
  std::printf("%s%s\n", lienthong::bench::FormatSummaryText(parameters, result.summary).c_str(),
              lienthong::bench::FormatSummaryJsonLine(parameters, result.summary).c_str());
  return 0;
}

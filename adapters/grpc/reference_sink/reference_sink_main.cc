// lienthong_reference_sink: a SectorSinkService over mutual TLS that stores what it receives in a
// JSON-lines file keyed by event_id; it can fail on purpose for a while (tests and the demo).
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "adapters/grpc/reference_sink/reference_sink.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/security/server_credentials.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to listen on (port 0: any free port).");
ABSL_FLAG(std::string, key, "", "PEM private key of the sink (required).");
ABSL_FLAG(std::string, cert, "", "PEM certificate chain of the sink (required).");
ABSL_FLAG(std::string, ca, "", "PEM CA bundle that signs the gateway's client certificate.");
ABSL_FLAG(std::string, output, "reference-sink.jsonl", "JSON-lines file received events go to.");
ABSL_FLAG(std::string, port_file, "", "Write the bound port to this file once listening.");
ABSL_FLAG(int, fail_first_n, 0, "Answer the first N calls UNAVAILABLE.");
ABSL_FLAG(std::string, fail_until, "",
          "Answer UNAVAILABLE until this RFC 3339 time (e.g. 2026-01-01T00:00:00Z).");
ABSL_FLAG(absl::Duration, fail_for, absl::ZeroDuration(),
          "Answer UNAVAILABLE for this long after start (e.g. 10s).");
ABSL_FLAG(std::string, reject_keys, "",
          "Comma-separated record keys refused with INVALID_ARGUMENT (poison records).");


int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "lienthong_reference_sink --key K --cert C --ca CA [--listen HOST:PORT] [--output FILE]\n"
      "  A reference SectorSinkService for the gateway's grpc adapter.");
  absl::ParseCommandLine(argc, argv);
  lienthong::adapters::grpc_sink::ReferenceSinkOptions options;
  options.output_file = absl::GetFlag(FLAGS_output);
  options.fail_first_n = absl::GetFlag(FLAGS_fail_first_n);
  if (absl::GetFlag(FLAGS_fail_for) > absl::ZeroDuration()) {
    options.fail_until = absl::Now() + absl::GetFlag(FLAGS_fail_for);
  }
  if (!absl::GetFlag(FLAGS_fail_until).empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, absl::GetFlag(FLAGS_fail_until), &options.fail_until,
                         &error)) {
      std::fprintf(stderr, "lienthong_reference_sink: --fail_until: %s\n", error.c_str());
      return 2;
    }
  }
  for (absl::string_view key :
       absl::StrSplit(absl::GetFlag(FLAGS_reject_keys), ',', absl::SkipEmpty())) {
    options.reject_keys.emplace(key);
  }

  auto credentials = lienthong::adapters::grpc_sink::SinkServerCredentials(
      {absl::GetFlag(FLAGS_key), absl::GetFlag(FLAGS_cert), absl::GetFlag(FLAGS_ca)});
  if (!credentials.ok()) {
    std::fprintf(stderr, "lienthong_reference_sink: %s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }

  lienthong::adapters::grpc_sink::ReferenceSink sink(options);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.RegisterService(&sink);
  builder.SetMaxReceiveMessageSize(64 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "lienthong_reference_sink: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    // Written whole, then renamed, so a reader never sees a half-written port.
    const std::string tmp = absl::GetFlag(FLAGS_port_file) + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), absl::GetFlag(FLAGS_port_file).c_str());
  }
  std::printf("lienthong_reference_sink listening on port %d, storing to %s\n", port,
              options.output_file.c_str());
  std::fflush(stdout);
  server->Wait();
  return 0;
}

// lienthong_null_server: the gateway's listener (mutual TLS, interceptors, limits) with a
// DossierService that does no work, for measuring SubmitDossier against (bench/).
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "bench/null_server/null_dossier_service.h"
#include "services/common/log.h"
#include "services/config/gateway_config.h"
#include "services/server/gateway_metrics.h"
#include "services/server/gateway_server.h"

ABSL_FLAG(std::string, config, "",
          "Path of a gateway YAML config file (required); its listener, TLS material, limits and "
          "logging are used, the store and adapters are ignored.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "lienthong_null_server --config FILE\n"
      "  Serves SubmitDossier over the gateway's mutual-TLS listener without doing any work.");
  absl::ParseCommandLine(argc, argv);
  lienthong::server::PrepareServingProcess();  // as lienthongd: the baseline must match
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (config_path.empty()) {
    std::fprintf(stderr, "lienthong_null_server: --config FILE is required\n");
    return 2;
  }

  // As in lienthongd: block the signals before any thread starts so only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = lienthong::config::LoadGatewayConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "lienthong_null_server: invalid config:\n%s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  lienthong::SetMinLogLevel(static_cast<lienthong::LogLevel>(config->logging().level()));

  // Calls are recorded into the metrics as in the gateway; the admin HTTP endpoint is not
  // served, so nothing but the listener takes a port.
  lienthong::server::GatewayMetrics metrics;
  lienthong::bench::NullDossierService null_dossier_service;
  auto server =
      lienthong::server::GatewayServer::Start(*config, {&null_dossier_service}, &metrics);
  if (!server.ok()) {
    std::fprintf(stderr, "lienthong_null_server: cannot start: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  std::printf("lienthong_null_server listening on port %d\n", (*server)->port());
  std::fflush(stdout);

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  lienthong::LogLine(lienthong::LogLevel::kInfo, "signal received").Int("signal", signal_number);
  (*server)->Shutdown(absl::Seconds(5));
  return 0;
}
